// capture(): source -> plan (streams and their used extents) -> chunks on
// every core -> image files, verified after writing unless asked not to.
#include "format/image_file.hpp"
#include "imager/image_ops.hpp"
#include "ops/capture_plan.hpp"
#include "ops/chunking.hpp"
#include "ops/interrupt.hpp"
#include "ops/ops_common.hpp"
#include "ops/ordered_pipeline.hpp"

#include <algorithm>
#include <memory>
#include <optional>

namespace imager {

namespace {

struct Segment {
    std::uint16_t stream = 0;
    std::uint64_t offset = 0;  // within the stream
    std::size_t length = 0;
};

struct Job {
    std::vector<Segment> segments;  // up to one chunk of bytes in all...
    format::Buffer buffer;          // ...one after the other
};

struct Packed {
    std::vector<ops::Piece> pieces;
    format::Buffer stored;  // the pieces' stored bytes, one after the other
};

// Hands out every stream's used extents as jobs of up to one chunk of bytes.
class JobReader {
public:
    JobReader(io::BlockSource& source, const std::vector<ops::StreamPlan>& streams, format::BufferPool& pool,
              const CaptureOptions& options, bool watch_signals)
        : source_(source), streams_(streams), pool_(pool), options_(options), watch_signals_(watch_signals) {}

    Result<std::optional<Job>> next() {
        if (options_.stop.stop_requested())
            return std::unexpected(make_error(Errc::cancelled, "capture cancelled: " + options_.image + " was not made",
                                              "the partial image was removed; capture again to make one"));
        if (const int sig = watch_signals_ ? ops::InterruptGuard::pending() : 0; sig != 0)
            return std::unexpected(make_error(Errc::cancelled,
                                              std::string("capture interrupted (") + ops::InterruptGuard::name(sig) + ")",
                                              "the partial image was removed"));
        Job job;
        std::size_t filled = 0;
        while (filled < format::kChunkSize && advance()) {
            const auto& e = streams_[stream_].used.extents[extent_];
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(e.length - within_, format::kChunkSize - filled));
            job.segments.push_back({streams_[stream_].id, e.offset + within_, n});
            filled += n;
            within_ += n;
        }
        if (job.segments.empty()) return std::optional<Job>{};
        job.buffer = pool_.take(filled);
        std::size_t at = 0;
        for (const auto& s : job.segments) {
            const auto& plan = *std::ranges::find(streams_, s.stream, &ops::StreamPlan::id);
            if (auto r = source_.read_at(plan.base + s.offset, job.buffer.span().subspan(at, s.length)); !r)
                return std::unexpected(r.error());
            at += s.length;
        }
        return std::optional<Job>(std::move(job));
    }

private:
    // Moves to the next extent with bytes left; false when all are done.
    bool advance() {
        while (stream_ < streams_.size()) {
            const auto& extents = streams_[stream_].used.extents;
            if (extent_ < extents.size() && within_ < extents[extent_].length) return true;
            if (extent_ < extents.size()) {
                ++extent_;
            } else {
                ++stream_;
                extent_ = 0;
            }
            within_ = 0;
        }
        return false;
    }

    io::BlockSource& source_;
    const std::vector<ops::StreamPlan>& streams_;
    format::BufferPool& pool_;
    const CaptureOptions& options_;
    bool watch_signals_;
    std::size_t stream_ = 0;
    std::size_t extent_ = 0;
    std::uint64_t within_ = 0;
};

Error space_error(const Error& cause, const CaptureOptions& options, std::uint64_t written, std::uint64_t done,
                  std::uint64_t total) {
    const double ratio = done > 0 ? static_cast<double>(written) / static_cast<double>(done) : 1.0;
    const auto estimate = static_cast<std::uint64_t>(ratio * static_cast<double>(total));
    return make_error(Errc::no_space,
                      "the destination of " + options.image + " filled up after " + devices::human_size(written) +
                          " (" + cause.message() + "); the whole image needs about " + devices::human_size(estimate),
                      "free that much space or choose another destination; the partial image was removed");
}

Result<Packed> pack_job(Job& job, int level, format::BufferPool& pool) {
    thread_local std::unique_ptr<ops::ChunkPacker> packer;  // one zstd context per worker thread
    thread_local int packer_level = 0;
    if (!packer || packer_level != level) {
        packer = std::make_unique<ops::ChunkPacker>(level, format::kChunkSize);
        packer_level = level;
    }
    Packed packed;
    packed.stored = pool.take(0);
    std::size_t at = 0;
    for (const auto& s : job.segments) {
        if (auto r = packer->pack(s.stream, s.offset, job.buffer.span().subspan(at, s.length), packed.stored,
                                  packed.pieces);
            !r)
            return std::unexpected(r.error());
        at += s.length;
    }
    job.buffer = {};  // back to the pool now, not when the job is dropped
    return packed;
}

// The part of a whole disk a stream is, as progress names it: "partition 2 (ext4)".
std::string item_name(const ops::StreamPlan& s) {
    if (s.role != format::StreamRole::partition) return format::part_name(s.role, s.partition);
    return format::part_title(s.role, s.partition, s.filesystem ? s.filesystem->type : "raw", "");
}

std::string describe_source(const ops::CapturePlan& plan) {
    if (plan.layout) return plan.layout->label + " disk, " + std::to_string(plan.layout->partitions.size()) + " partitions";
    return plan.streams.front().filesystem ? plan.streams.front().filesystem->type : "raw";
}

// Reads, packs and writes every used byte; the image is complete when this returns ok.
Status write_image(const CaptureOptions& options, io::BlockSource& source, const ops::CapturePlan& plan,
                   format::ImageWriter& writer, Progress& progress, CaptureReport& report, bool watch_signals) {
    const unsigned threads = worker_count(options.threads);
    const std::size_t in_flight = in_flight_limit(threads);
    // Buffers for the source bytes and the stored bytes of every job in flight.
    format::BufferPool pool(format::kChunkSize, 2 * in_flight + threads);
    JobReader reader(source, plan.streams, pool, options, watch_signals);
    ops::OrderedPipeline<Job, Packed> pipeline(threads, in_flight);
    std::uint64_t done = 0;
    // Per stream (ids are indices), for the per-partition bar of a whole disk.
    std::vector<std::uint64_t> stream_done(plan.streams.size(), 0);
    std::string item;
    Status status = pipeline.run(
        [&] { return reader.next(); }, [&](Job& job) { return pack_job(job, options.level, pool); },
        [&](Packed& packed) -> Status {
            // A whole disk's part gets an update when the job leaves it, so its bar ends full.
            std::optional<std::size_t> current;
            const auto report_item = [&] {
                if (!plan.layout || !current || *current >= plan.streams.size()) return;
                const auto& stream = plan.streams[*current];
                item = item_name(stream);
                progress.update({"capture", done, report.used_bytes, item, stream_done[*current], stream.used.used_bytes()});
            };
            for (auto& p : packed.pieces) {
                if (current && *current != p.record.stream) report_item();
                current = p.record.stream;
                done += p.record.length;
                if (p.record.stream < stream_done.size()) stream_done[p.record.stream] += p.record.length;
                if (p.record.kind == format::RecordKind::zeros) {
                    report.zero_bytes += p.record.length;
                    if (auto s = writer.add_zeros(p.record.stream, p.record.offset, p.record.length); !s) return s;
                    continue;
                }
                if (auto s = writer.add_chunk(p.record, packed.stored.span().subspan(p.stored_at, p.stored_size)); !s)
                    return s;
            }
            if (plan.layout) report_item();
            else progress.update({"capture", done, report.used_bytes});
            return {};
        });
    if (status) status = writer.finish();
    if (!status && status.error().code == Errc::no_space)
        return std::unexpected(space_error(status.error(), options, writer.file_bytes(), done, report.used_bytes));
    return status;
}

}  // namespace

Result<CaptureReport> capture(const CaptureOptions& options, Progress& progress) {
    const auto started = std::chrono::steady_clock::now();
    if (options.level < 1 || options.level > 19)
        return std::unexpected(make_error(Errc::invalid_argument, "compression level must be 1 to 19"));
    auto source = io::open_source(options.source);
    if (!source) return std::unexpected(with_hint(source.error(), "check the source path; `lifeboat disks` lists disks"));
    if (options.note.size() > format::kMaxNoteBytes)
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "the note is " + std::to_string(options.note.size()) + " bytes long",
                                          "write a note of at most " + std::to_string(format::kMaxNoteBytes) + " bytes"));
    auto plan = ops::plan_capture(**source, options.source, options.all_gaps, progress);
    if (!plan) return std::unexpected(plan.error());
    const std::uint64_t size = (*source)->size();

    CaptureReport report;
    report.source_size = size;
    report.used_bytes = plan->used_bytes();
    report.filesystem = describe_source(*plan);
    {
        // From the first .partial file until the image is complete, a signal stops the
        // capture and the files are removed (ops/interrupt.hpp); after that, it is kept.
        // A caller with a stop token (the wizard) has its own signal handlers: keep them.
        const bool watch_signals = !options.stop.stop_possible();
        std::optional<ops::InterruptGuard> interrupts;
        if (watch_signals) interrupts.emplace();
        auto writer = format::ImageWriter::create(options.image, options.split, options.force,
                                                  format::manifest_json(ops::manifest_for(options, *plan, size)));
        if (!writer) return std::unexpected(writer.error());
        if (auto s = write_image(options, **source, *plan, **writer, progress, report, watch_signals); !s) {
            (*writer)->abandon();
            return std::unexpected(s.error());
        }
        report.image_bytes = (*writer)->file_bytes();
        report.volumes = (*writer)->volume_count();
        if (const int sig = watch_signals ? ops::InterruptGuard::pending() : 0; sig != 0)
            return std::unexpected(make_error(Errc::cancelled,
                                              std::string("capture interrupted (") + ops::InterruptGuard::name(sig) +
                                                  ") as " + options.image + " was completed",
                                              "the image is whole but was not checked: `lifeboat verify " +
                                                  options.image + "` checks it"));
    }
    if (options.verify) {
        VerifyOptions check;
        check.image = options.image;
        check.threads = options.threads;
        check.stop = options.stop;
        auto verified = options.stop.stop_requested() ? Result<VerifyReport>(std::unexpected(make_error(Errc::cancelled, "")))
                                                      : verify(check, progress);
        if (!verified && !(verified.error().code == Errc::cancelled && options.stop.stop_requested()))
            return std::unexpected(verified.error());
        // A stop once the image is complete: too late to remove it; only its check is left out.
        if (!verified) progress.note("the image " + options.image + " is complete; its check was stopped on request");
        report.verified = verified.has_value();
    }
    report.seconds = seconds_since(started);
    return report;
}

namespace {

// Collects planning's notes for the estimate.
class NoteList final : public Progress {
public:
    explicit NoteList(std::vector<std::string>& notes) : notes_(notes) {}
    void update(const ProgressUpdate&) override {}
    void note(std::string_view message) override { notes_.emplace_back(message); }

private:
    std::vector<std::string>& notes_;
};

// The index of the image: one 48-byte record per data chunk piece or zero
// run. A piece covers at least one 4 KiB block, or the rest of an extent or
// chunk, so this bounds the count from above.
std::uint64_t index_bound(const ops::CapturePlan& plan) {
    std::uint64_t records = 0;
    for (const auto& s : plan.streams) {
        const std::uint64_t used = s.used.used_bytes();
        records += (used + 4095) / 4096 + 2 * s.used.extents.size() + 2 * (used / format::kChunkSize + 1);
    }
    return records * 48;
}

}  // namespace

Result<CaptureEstimate> estimate_capture(const std::string& source_path) {
    auto source = io::open_source(source_path);
    if (!source) return std::unexpected(with_hint(source.error(), "check the source path; `lifeboat disks` lists disks"));
    CaptureEstimate estimate;
    NoteList notes(estimate.notes);
    auto plan = ops::plan_capture(**source, source_path, false, notes);
    if (!plan) return std::unexpected(plan.error());
    estimate.source_size = (*source)->size();
    estimate.used_bytes = plan->used_bytes();
    for (const auto& s : plan->streams) {
        CapturePart part{s.role, s.partition, s.base, s.size, "", "", s.used.used_bytes()};
        if (s.filesystem) {
            part.filesystem = s.filesystem->type;
            part.label = s.filesystem->label;
        }
        estimate.parts.push_back(std::move(part));
    }
    CaptureOptions options;
    options.source = source_path;
    // Fixed parts: volume header, header, trailer, the manifest (a long note adds a little).
    const std::uint64_t fixed =
        64 + 256 + 128 + format::manifest_json(ops::manifest_for(options, *plan, estimate.source_size)).size() + 4096;
    const std::uint64_t overhead = fixed + index_bound(*plan);
    estimate.estimated_image_bytes =
        static_cast<std::uint64_t>(static_cast<double>(estimate.used_bytes) * CaptureEstimate::kEstimatedRatio) +
        overhead;
    estimate.max_image_bytes = estimate.used_bytes + overhead;
    return estimate;
}

}  // namespace imager
