// restore(): plan (every check, no writes) -> confirm -> check again -> write
// every placed stream, chunks checked on every core and written in order,
// stopping at the first damaged one -> the partition table, last -> sync ->
// the kernel re-reads the table -> --grow's filesystem resize.
#include "format/image_file.hpp"
#include "imager/devices.hpp"
#include "imager/image_ops.hpp"
#include "io/block_source.hpp"
#include "io/external_tool.hpp"
#include "ops/ops_common.hpp"
#include "ops/ordered_pipeline.hpp"
#include "ops/record_reader.hpp"
#include "ops/restore_plan.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace imager {

namespace {

Status create_file(const std::string& path, std::uint64_t size) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return std::unexpected(sys_error("create " + path, errno));
    const int rc = ::ftruncate(fd, static_cast<off_t>(size));
    const int err = errno;
    ::close(fd);
    if (rc != 0) return std::unexpected(sys_error("size " + path, err));
    return {};
}

// Writes one record where its stream is placed, clipped to the placement.
Status write_record(io::BlockSink& sink, const ops::Placement& place, const ops::RecordJob& job) {
    const auto& r = job.record;
    if (r.offset >= place.write_limit) return {};
    const std::uint64_t length = std::min(r.length, place.write_limit - r.offset);
    const std::uint64_t at = place.target_offset + r.offset;
    if (r.kind == format::RecordKind::zeros) return sink.zero_range(at, length);
    return sink.write_at(at, job.bytes.span().first(static_cast<std::size_t>(length)));
}

// Starts the writeback of what restore wrote as it goes, so that the disk writes
// while the next chunks are decompressed instead of all at the final sync (the
// kernel would otherwise hold up to 10% of the RAM dirty before it began).
// Advice only: on any failure it does nothing, and the final sync still waits for all.
class Writeback {
public:
    explicit Writeback(const std::string& target) : fd_(::open(target.c_str(), O_RDONLY | O_CLOEXEC)) {}
    ~Writeback() {
        kick();
        if (fd_ >= 0) ::close(fd_);
    }
    Writeback(const Writeback&) = delete;
    Writeback& operator=(const Writeback&) = delete;

    void written(std::uint64_t offset, std::uint64_t length) {
        if (offset != begin_ + length_) {
            kick();
            begin_ = offset;
        }
        length_ += length;
        if (length_ >= kBatch) kick();
    }

private:
    static constexpr std::uint64_t kBatch = 16u << 20;
    void kick() {
        if (fd_ >= 0 && length_ > 0)
            (void)::sync_file_range(fd_, static_cast<off_t>(begin_), static_cast<off_t>(length_),
                                    SYNC_FILE_RANGE_WRITE);
        begin_ += length_;
        length_ = 0;
    }
    int fd_;
    std::uint64_t begin_ = 0;
    std::uint64_t length_ = 0;
};

Status write_streams(const ops::RestorePlan& plan, const std::vector<ops::Placement>& placements, io::BlockSink& sink,
                     const std::string& target, unsigned threads, Progress& progress, RestoreReport& report) {
    const auto& image = *plan.image;
    std::vector<format::IndexRecord> wanted;
    const auto placed = [&](const format::IndexRecord& r) {
        return std::ranges::find(placements, r.stream, &ops::Placement::stream) != placements.end();
    };
    for (const auto& r : image.records())
        if (placed(r)) wanted.push_back(r);
    const std::uint64_t total = ops::total_length(wanted);
    std::uint64_t done = 0;
    const unsigned workers = worker_count(threads);
    // Stored and data buffers of every job in flight.
    format::BufferPool pool(image.header().chunk_size, 2 * in_flight_limit(workers) + workers);
    ops::RecordReader records(image, pool, placed);
    ops::OrderedPipeline<ops::RecordJob, ops::RecordJob> pipeline(workers, in_flight_limit(workers));
    Writeback writeback(target);
    return pipeline.run([&] { return records.next(); }, [&](ops::RecordJob& job) { return records.unpack(job); },
                        [&](ops::RecordJob& job) -> Status {
        const auto& place = *std::ranges::find(placements, job.record.stream, &ops::Placement::stream);
        if (auto s = write_record(sink, place, job); !s) return s;
        if (job.record.kind != format::RecordKind::zeros && job.record.offset < place.write_limit)
            writeback.written(place.target_offset + job.record.offset,
                              std::min(job.record.length, place.write_limit - job.record.offset));
        (job.record.kind == format::RecordKind::zeros ? report.zero_bytes : report.data_bytes) += job.record.length;
        done += job.record.length;
        progress.update({"restore", done, total});
        return {};
    });
}

void reread_partitions(const std::string& target, Progress& progress) {
    struct stat st {};
    if (::stat(target.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return;
    const int fd = ::open(target.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (::ioctl(fd, BLKRRPART) != 0)
        progress.note("the kernel did not re-read the partition table of " + target + " (" + std::strerror(errno) +
                      "): reboot, or run partprobe, before using its partitions");
    ::close(fd);
}

// --grow: the filesystem of the grown partition, by its own tools.
void grow_filesystem(const ops::RestorePlan& plan, Progress& progress) {
    const auto& src = *plan.source_layout;
    const auto& dst = *plan.target_layout;
    for (std::size_t i = 0; i < dst.partitions.size(); ++i) {
        const auto& part = dst.partitions[i];
        // An extended partition grows with its last logical one; it holds no filesystem.
        if (part.end_sector == src.partitions[i].end_sector || part.kind == "extended") continue;
        auto described = devices::describe(plan.target);
        std::string type;
        if (described)
            for (const auto& p : described->partitions)
                if (p.number == part.number && p.filesystem) type = p.filesystem->type;
        std::vector<std::vector<std::string>> steps;
        if (type == "ext2" || type == "ext3" || type == "ext4")
            steps = {{"e2fsck", "-fy", ""}, {"resize2fs", ""}};
        else if (type == "ntfs")
            steps = {{"ntfsresize", "--force", "--no-progress-bar", ""}};
        const auto what = "partition " + std::to_string(part.number) + (type.empty() ? "" : " (" + type + ")");
        const bool tools = !steps.empty() && std::ranges::all_of(steps, [](auto& s) { return io::have_program(s[0]); });
        if (!tools) {
            progress.note("--grow: " + what + " grew, its filesystem did not (Lifeboat grows ext2/3/4 with " +
                          "resize2fs and NTFS with ntfsresize, when present)");
            continue;
        }
        const std::uint64_t ss = dst.logical_sector_size;
        auto loop = io::LoopDevice::attach(plan.target, part.start_sector * ss, part.sectors() * ss);
        if (!loop) {
            progress.note("--grow: cannot reach " + what + ": " + loop.error().message());
            continue;
        }
        bool grown = true;
        for (auto& step : steps) {
            step.back() = loop->path();
            auto rc = io::run_program(step);
            // e2fsck exits 1 when it fixed something (here: nothing but counters); 2+ is trouble.
            const int worst = step[0] == "e2fsck" ? 1 : 0;
            if (!rc || *rc > worst) {
                progress.note("--grow: " + step[0] + " failed on " + what + "; its filesystem keeps its old size");
                grown = false;
                break;
            }
        }
        if (grown) progress.note("--grow: " + what + " and its filesystem now fill the disk");
    }
}

// An MBR holds no disk size, so the captured MBR and EBR sectors are right on
// any target as they are, byte for byte, CHS fields included (libparted
// computes those its own way). They live in the streams outside partitions.
Status rewrite_mbr_sectors(const ops::RestorePlan& plan, const RestoreOptions& options, Progress& progress) {
    std::vector<ops::Placement> tables;
    std::ranges::copy_if(plan.placements, std::back_inserter(tables), &ops::Placement::outside_partitions);
    auto sink = io::open_sink(options.target);
    if (!sink) return std::unexpected(sink.error());
    RestoreReport ignored;
    SilentProgress quiet;
    (void)progress;
    if (auto s = write_streams(plan, tables, **sink, options.target, options.threads, quiet, ignored); !s) return s;
    return (*sink)->sync();
}

}  // namespace

Result<RestoreReport> restore(const RestoreOptions& options, Progress& progress, Prompt& prompt) {
    const auto started = std::chrono::steady_clock::now();
    auto plan = ops::plan_restore(options);
    if (!plan) return std::unexpected(plan.error());
    RestoreReport report;
    report.plan = plan->text();
    if (options.dry_run) return report;

    if (!plan->create_target && !options.assume_yes &&
        !prompt.confirm(report.plan + "Everything on " + options.target + " will be replaced by " + options.image + ".",
                        options.target))
        return std::unexpected(make_error(Errc::cancelled, "restore onto " + options.target + " cancelled",
                                          "nothing was written"));
    // The plan's notes (what --grow does or cannot do) were shown at the prompt; with --yes, or
    // onto a new file, nobody saw them.
    if (plan->create_target || options.assume_yes)
        for (const auto& n : plan->notes) progress.note(n);
    if (auto s = ops::check_target(options, *plan); !s) return std::unexpected(s.error());  // right before writing
    if (plan->create_target)
        if (auto s = create_file(options.target, plan->target_size); !s) return std::unexpected(s.error());
    auto sink = io::open_sink(options.target);
    if (!sink) return std::unexpected(sink.error());
    if (options.discard)
        for (const auto& p : plan->placements)
            if (auto s = (*sink)->discard_range(p.target_offset, p.write_limit); !s) return std::unexpected(s.error());

    // A file this restore created and could not finish is removed, not left half-written.
    struct RemoveUnfinished {
        const std::string* path;
        ~RemoveUnfinished() {
            if (path) ::unlink(path->c_str());
        }
    } unfinished{plan->create_target ? &options.target : nullptr};
    Status status = write_streams(*plan, plan->placements, **sink, options.target, options.threads, progress, report);
    if (status) status = (*sink)->sync();
    sink->reset();  // libparted opens the target itself
    if (status && plan->target_layout) status = disk::write_layout(options.target, *plan->target_layout);
    if (status && plan->target_layout && plan->target_layout->label == "msdos" && !options.grow)
        status = rewrite_mbr_sectors(*plan, options, progress);
    if (!status) return std::unexpected(status.error());
    unfinished.path = nullptr;
    if (plan->target_layout) {
        reread_partitions(options.target, progress);
        if (options.grow) grow_filesystem(*plan, progress);
    }
    report.seconds = seconds_since(started);
    return report;
}

}  // namespace imager
