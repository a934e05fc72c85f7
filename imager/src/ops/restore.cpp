// restore(): plan (every check, no writes) -> confirm -> check again -> write
// every placed stream, chunks checked on every core and written in order,
// stopping at the first damaged one (from a stream, "-", the areas outside
// partitions are held back until the whole stream is checked, then written)
// -> zeros over the old disk's end (a larger
// target) -> the old contents' signatures cleared (ops/stale_signatures.hpp)
// -> the partition table, last -> sync ->
// the kernel re-reads the table -> the filesystems of grown partitions follow
// them (--grow, --size). Partitions laid out again (a smaller target, --size):
// shrunk partitions get only their new size's worth, and their filesystems are
// shrunk after the signatures are cleared, before the table (docs/SHRINK.md). A stop request
// (options.stop) is honoured before the first write, between chunks and before
// the table; the error then says what the target holds.
#include "format/image_file.hpp"
#include "imager/devices.hpp"
#include "imager/image_ops.hpp"
#include "io/block_source.hpp"
#include "io/external_tool.hpp"
#include "io/writeback.hpp"
#include "ops/ops_common.hpp"
#include "ops/ordered_pipeline.hpp"
#include "ops/record_reader.hpp"
#include "ops/restore_plan.hpp"
#include "ops/stale_signatures.hpp"
#include "resize/filesystems.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stop_token>

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

// Writes one record (its data: `bytes`) where its stream is placed, clipped to the placement.
Status write_record(io::BlockSink& sink, const ops::Placement& place, const format::IndexRecord& r,
                    std::span<const std::byte> bytes) {
    if (r.offset >= place.write_limit) return {};
    const std::uint64_t length = std::min(r.length, place.write_limit - r.offset);
    const std::uint64_t at = place.target_offset + r.offset;
    if (r.kind == format::RecordKind::zeros) return sink.zero_range(at, length);
    return sink.write_at(at, bytes.first(static_cast<std::size_t>(length)));
}

// Restore starts the writeback of what it wrote as it goes (io/writeback.hpp),
// so the disk writes while the next chunks are decompressed instead of all at
// the final sync; through an fd of its own, since the sink keeps its fd private.
class TargetWriteback {
public:
    explicit TargetWriteback(const std::string& target)
        : fd_(::open(target.c_str(), O_RDONLY | O_CLOEXEC)), writeback_(fd_) {}
    ~TargetWriteback() {
        writeback_.kick();
        if (fd_ >= 0) ::close(fd_);
    }
    TargetWriteback(const TargetWriteback&) = delete;
    TargetWriteback& operator=(const TargetWriteback&) = delete;
    void written(std::uint64_t offset, std::uint64_t length) { writeback_.written(offset, length); }

private:
    int fd_;
    io::Writeback writeback_;
};

// Bytes of each placement's records: all of them, and those written so far;
// whether any write (or discard) reached the target, and how far the table got.
struct Tally {
    std::vector<std::uint64_t> total;
    std::vector<std::uint64_t> done;
    bool began = false;
    enum class Table { not_yet, failed, written } table = Table::not_yet;
};

std::size_t placement_index(const std::vector<ops::Placement>& placements, std::uint16_t stream) {
    return static_cast<std::size_t>(std::ranges::find(placements, stream, &ops::Placement::stream) - placements.begin());
}

Error stop_requested() { return make_error(Errc::cancelled, "restore cancelled"); }

// A stream's restore keeps what the image holds outside the partitions (the
// boot area with its copy of the table, gaps, EBRs) and writes it only once the
// whole stream is checked: a broken stream leaves the target's old table as it
// was. An MBR disk's captured sectors are written from it again after the table.
struct KeptRecord {
    ops::Placement place;
    format::IndexRecord record;
    std::vector<std::byte> data;
};

Status write_streams(const ops::RestorePlan& plan, const std::vector<ops::Placement>& placements, io::BlockSink& sink,
                     const std::string& target, unsigned threads, Progress& progress, RestoreReport& report,
                     const std::stop_token& stop, Tally& tally, std::vector<KeptRecord>* defer = nullptr) {
    const auto placed = [&](const format::IndexRecord& r) {
        return std::ranges::find(placements, r.stream, &ops::Placement::stream) != placements.end();
    };
    // Records add up to their stream's used bytes (checked on open, or at a stream's end).
    tally.total.assign(placements.size(), 0);
    tally.done.assign(placements.size(), 0);
    for (std::size_t i = 0; i < placements.size(); ++i)
        tally.total[i] = plan.manifest().stream(placements[i].stream)->used_bytes;
    std::uint64_t total = 0;
    for (const auto t : tally.total) total += t;
    std::uint64_t done = 0;
    const unsigned workers = worker_count(threads);
    // Stored and data buffers of every job in flight.
    format::BufferPool pool(plan.chunk_size(), 2 * in_flight_limit(workers) + workers);
    std::unique_ptr<ops::RecordSource> records;
    if (plan.stream) records = std::make_unique<ops::StreamRecordReader>(*plan.stream, pool, placed);
    else records = std::make_unique<ops::RecordReader>(*plan.image, pool, placed);
    ops::OrderedPipeline<ops::RecordJob, ops::RecordJob> pipeline(workers, in_flight_limit(workers));
    TargetWriteback writeback(target);
    return pipeline.run([&] { return records->next(); }, [&](ops::RecordJob& job) { return records->unpack(job); },
                        [&](ops::RecordJob& job) -> Status {
        if (stop.stop_requested()) return std::unexpected(stop_requested());  // between chunks
        const auto at = placement_index(placements, job.record.stream);
        const auto& place = placements[at];
        if (defer && place.outside_partitions) {  // bounded: plan_restore checked kStreamKeptOutsidePartitions
            defer->push_back({place, job.record, {}});
            if (job.record.kind != format::RecordKind::zeros)
                defer->back().data.assign(job.bytes.data(), job.bytes.data() + job.bytes.size());
        } else {
            tally.began = true;
            if (auto s = write_record(sink, place, job.record, job.bytes.span()); !s) return s;
            if (job.record.kind != format::RecordKind::zeros && job.record.offset < place.write_limit)
                writeback.written(place.target_offset + job.record.offset,
                                  std::min(job.record.length, place.write_limit - job.record.offset));
            tally.done[at] += job.record.length;
        }
        (job.record.kind == format::RecordKind::zeros ? report.zero_bytes : report.data_bytes) += job.record.length;
        done += job.record.length;
        ProgressUpdate update;
        update.step = "restore";
        update.done = done;
        update.total = total;
        // A whole disk's parts get their own bar in the wizard and the CLI's JSON.
        if (plan.source_layout) {
            update.item = place.what;
            update.item_done = tally.done[at];
            update.item_total = tally.total[at];
        }
        progress.update(update);
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

// After the table: a grown partition's filesystem follows it, by its own
// tools (swap and FAT by Lifeboat). A failure leaves a whole, usable disk whose
// filesystem keeps its old size: Errc::resize_failed says so.
Status grow_filesystem(const ops::RestorePlan& plan, const ops::RestorePlan::GrowStep& step, Progress& progress) {
    const auto& part = *std::ranges::find(plan.target_layout->partitions, step.partition, &disk::PartitionEntry::number);
    const std::uint64_t ss = plan.target_layout->logical_sector_size;
    const auto what = format::part_title(format::StreamRole::partition, part.number, step.filesystem, "");
    const bool to_end = plan.changes.empty();  // --grow alone: the last partition to the disk's end
    const std::string filled = to_end ? "the disk" : "the partition";
    const auto not_grown = [&](const std::string& why, const std::string& hint) {
        Error e = make_error(Errc::resize_failed, "the filesystem of " + what + " was not grown: " + why, hint);
        e.aftermath = plan.target + " holds the whole image and its partition table; partition " +
                      std::to_string(part.number) + (to_end ? " fills the disk" : " has its new size") +
                      ", its filesystem keeps the size it had in the image";
        return std::unexpected(e);
    };
    const filesystems::Record& record = *step.record;
    if (record.resizer == filesystems::Resizer::header) {
        if (auto s = resize::grow_swap(plan.target, part.start_sector * ss, part.sectors() * ss); !s)
            return not_grown(s.error().message(), "the disk can be used as it is; mkswap grows the swap area");
        progress.note(what + " and its swap area now fill " + filled);
        return {};
    }
    auto loop = io::LoopDevice::attach(plan.target, part.start_sector * ss, part.sectors() * ss);
    if (!loop) return not_grown("cannot reach it: " + loop.error().message(), "the disk can be used as it is");
    std::optional<io::TemporaryMount> mounted;  // XFS and btrfs grow only while mounted
    if (record.grow_mounted) {
        auto m = io::TemporaryMount::mount(loop->path(), std::string(record.kernel_writer));
        if (!m)
            return not_grown("cannot mount it to grow it: " + m.error().message(), "the disk can be used as it is");
        mounted.emplace(std::move(*m));
    }
    for (const auto& step_command : record.grow_commands) {
        const auto command = filesystems::words(step_command, loop->path(), 0, mounted ? mounted->path() : "");
        auto rc = io::run_program(command);
        if (!rc || *rc > step_command.worst_exit)
            return not_grown(command[0] + (rc ? " exited with " + std::to_string(*rc) : " did not run: " + rc.error().message()),
                             "the disk can be used as it is; " + command[0] + " on partition " +
                                 std::to_string(part.number) + " grows it when its problem is fixed");
    }
    if (mounted)
        if (auto s = mounted->unmount(); !s) return not_grown(s.error().message(), "the disk can be used as it is");
    if (auto s = loop->flush(); !s) return not_grown(s.error().message(), "the disk can be used as it is");
    progress.note(what + " and its filesystem now fill " + filled);
    return {};
}

// Before the table: each filesystem that shrinks (and FAT either way) given
// its new size (resize/filesystems.hpp); then the boot sectors of moved NTFS
// and FAT volumes name their new start.
Status resize_and_move(const ops::RestorePlan& plan, Progress& progress) {
    const unsigned ss = plan.target_layout->logical_sector_size;
    for (const auto& step : plan.resizes) {
        const auto what = format::part_title(format::StreamRole::partition, step.partition, step.filesystem, "");
        progress.note(what + ": " + (step.shrinks ? "shrinking" : "growing") + " its filesystem to " +
                      devices::human_size(step.size));
        auto done = resize::resize_before_table(
            {*plan.image, *plan.manifest().stream(step.stream), plan.target, step.offset, step.size, ss});
        if (!done) {
            Error e = done.error();
            e.context = "resize " + what + ": " + e.context;
            return std::unexpected(e);
        }
        progress.note(what + ": " + *done);
    }
    for (const auto& c : plan.changes)
        if (c.moves())
            if (auto s = resize::update_hidden_sectors(plan.target, c.filesystem, c.new_start, c.new_size,
                                                       c.old_start / ss, c.new_start / ss);
                !s)
                return s;
    return {};
}

// A stream's deferred records, once the whole stream is checked.
Status write_kept(io::BlockSink& sink, const std::vector<ops::Placement>& placements,
                  const std::vector<KeptRecord>& kept, Tally& tally) {
    for (const auto& k : kept) {
        tally.began = true;
        if (auto s = write_record(sink, k.place, k.record, k.data); !s) return s;
        tally.done[placement_index(placements, k.record.stream)] += k.record.length;
    }
    return {};
}

// An MBR holds no disk size, so the captured MBR and EBR sectors are right on
// any target as they are, byte for byte, CHS fields included (libparted
// computes those its own way). They live in the streams outside partitions.
Status rewrite_mbr_sectors(const ops::RestorePlan& plan, const RestoreOptions& options,
                           const std::vector<KeptRecord>& kept) {
    auto sink = io::open_sink(options.target);
    if (!sink) return std::unexpected(sink.error());
    if (plan.stream) {  // read once: what was kept on the way
        Tally ignored;
        ignored.done.assign(plan.placements.size(), 0);
        if (auto s = write_kept(**sink, plan.placements, kept, ignored); !s) return s;
        return (*sink)->sync();
    }
    std::vector<ops::Placement> tables;
    std::ranges::copy_if(plan.placements, std::back_inserter(tables), &ops::Placement::outside_partitions);
    RestoreReport ignored;
    SilentProgress quiet;
    Tally tally;
    // After the table: the restore is done but for these sectors, so no stop token.
    if (auto s = write_streams(plan, tables, **sink, options.target, options.threads, quiet, ignored, {}, tally); !s)
        return s;
    return (*sink)->sync();
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

// What a restore stopped part-way left on the target: which parts were
// written in full, in part or not at all, and the table.
std::string target_state(const ops::RestorePlan& plan, const Tally& tally) {
    std::uint64_t done = 0;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < tally.total.size(); ++i) {
        done += tally.done[i];
        total += tally.total[i];
    }
    std::vector<std::string> written;
    std::vector<std::string> partly;
    std::vector<std::string> untouched;
    for (std::size_t i = 0; i < tally.total.size(); ++i) {
        if (tally.total[i] == 0) continue;  // nothing of it is stored
        // A disk has several gaps: each is named by where it starts, as in the plan.
        const auto& place = plan.placements[i];
        const auto label = place.outside_partitions ? place.what + " at byte " + std::to_string(place.target_offset)
                                                    : place.what;
        if (tally.done[i] == tally.total[i]) written.push_back(label);
        else if (tally.done[i] > 0)
            partly.push_back(label + " (" + devices::human_size(tally.done[i]) + " of " +
                             devices::human_size(tally.total[i]) + ")");
        else untouched.push_back(label);
    }
    std::string state = "after writing " + devices::human_size(done) + " of " + devices::human_size(total);
    if (!written.empty()) state += "; written: " + join(written);
    if (!partly.empty()) state += "; partly written: " + join(partly);
    if (!untouched.empty()) state += "; not written: " + join(untouched);
    if (plan.target_layout) {
        // The first boot area holds the table as captured; write_layout fits it to this disk.
        bool boot_area = false;
        for (std::size_t i = 0; i < tally.done.size(); ++i)
            boot_area = boot_area || (plan.placements[i].outside_partitions && tally.done[i] > 0);
        if (tally.table == Tally::Table::written)
            state += "; the partition table was written, the captured MBR and EBR sectors not yet";
        else {
            state += tally.table == Tally::Table::failed ? "; writing the partition table failed"
                                                         : "; the partition table was not written: it is written last";
            if (boot_area) state += " (the boot area written holds the image's copy of it, not fitted to this disk)";
        }
    }
    return state;
}

// A restore that stopped part-way, on request or on a failure (a damaged
// chunk, a read or write error, the table), keeps its cause and says in the
// error's aftermath what the target holds now, so nobody boots a half-restored disk.
Error stopped_error(Error cause, const RestoreOptions& options, const ops::RestorePlan& plan, const Tally& tally) {
    const std::string& target = options.target;
    const bool wrote = std::ranges::any_of(tally.done, [](std::uint64_t d) { return d > 0; });
    if (plan.create_target)
        cause.aftermath = target + ", which this restore created, was removed";
    else if (!tally.began)
        cause.aftermath = "nothing was written: " + target + " is as it was";
    else if (!wrote)  // discarded (--discard), or the first write failed
        cause.aftermath = "the old contents of the areas the restore writes to may be partly gone: " + target +
                          " cannot be used until a restore finishes";
    else
        cause.aftermath = target + " holds part of the image: the restore stopped " + target_state(plan, tally) +
                          "; its old contents are partly overwritten and it cannot be used until a restore finishes";
    return cause;
}

// A stop request: the same account, and what to do next.
Error cancelled_error(const RestoreOptions& options, const ops::RestorePlan& plan, const Tally& tally) {
    Error e = make_error(Errc::cancelled, "restore of " + options.image + " onto " + options.target + " cancelled",
                         tally.began ? "restore again, to the end, before using " + options.target
                                     : options.target + " can be used as it is; restore again whenever you choose");
    return stopped_error(std::move(e), options, plan, tally);
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
    // Held until the table is written: nothing can mount or assemble the disk meanwhile, and
    // holders check_target cannot see (md, LVM, another restore) are refused here.
    io::ExclusiveClaim claim;
    if (!plan->create_target) {
        auto claimed = io::claim_exclusive(options.target);
        if (!claimed) {
            Error e = claimed.error();
            e.context = "refusing to restore onto " + e.context;
            e.hint += "; nothing was written";
            return std::unexpected(e);
        }
        claim = std::move(*claimed);
    }
    Tally tally;
    if (options.stop.stop_requested()) return std::unexpected(cancelled_error(options, *plan, tally));
    if (plan->create_target)
        if (auto s = create_file(options.target, plan->target_size); !s) return std::unexpected(s.error());
    // A file this restore created and could not finish is removed, not left half-written.
    struct RemoveUnfinished {
        const std::string* path;
        ~RemoveUnfinished() {
            if (path) ::unlink(path->c_str());
        }
    } unfinished{plan->create_target ? &options.target : nullptr};
    auto sink = io::open_sink(options.target);
    if (!sink) return std::unexpected(stopped_error(sink.error(), options, *plan, tally));
    if (options.discard) {
        tally.began = true;
        for (const auto& p : plan->placements)
            if (auto s = (*sink)->discard_range(p.target_offset, p.write_limit); !s)
                return std::unexpected(stopped_error(s.error(), options, *plan, tally));
    }
    std::vector<KeptRecord> kept;
    Status status = write_streams(*plan, plan->placements, **sink, options.target, options.threads, progress, report,
                                  options.stop, tally, plan->stream ? &kept : nullptr);
    if (status && plan->stream) status = write_kept(**sink, plan->placements, kept, tally);
    if (status && plan->clear_length > 0) status = (*sink)->zero_range(plan->clear_offset, plan->clear_length);
    if (status) status = (*sink)->sync();
    sink->reset();  // libparted opens the target itself
    if (status) status = ops::clear_stale_signatures(*plan, progress);
    if (status && (!plan->changes.empty() || !plan->resizes.empty())) status = resize_and_move(*plan, progress);
    if (status && plan->target_layout && options.stop.stop_requested()) status = std::unexpected(stop_requested());
    if (!status && status.error().code == Errc::cancelled && options.stop.stop_requested())
        return std::unexpected(cancelled_error(options, *plan, tally));
    if (status && plan->target_layout) {
        status = disk::write_layout(options.target, *plan->target_layout);
        tally.table = status ? Tally::Table::written : Tally::Table::failed;
    }
    if (status && plan->target_layout && plan->target_layout->label == "msdos" && !options.grow && plan->changes.empty())
        status = rewrite_mbr_sectors(*plan, options, kept);
    if (!status) return std::unexpected(stopped_error(status.error(), options, *plan, tally));
    unfinished.path = nullptr;
    claim.release();  // the kernel re-reads a table only on a disk nobody else holds
    if (plan->target_layout) reread_partitions(options.target, progress);
    for (const auto& step : plan->grows)
        if (auto s = grow_filesystem(*plan, step, progress); !s) return std::unexpected(s.error());
    report.seconds = seconds_since(started);
    return report;
}

}  // namespace imager
