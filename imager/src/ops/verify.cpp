// verify() and describe_image(): the whole structure and every chunk's hash,
// with no target.
#include "format/image_file.hpp"
#include "imager/image_ops.hpp"
#include "ops/ordered_pipeline.hpp"
#include "ops/ops_common.hpp"
#include "ops/record_reader.hpp"
#include "ops/verified_mark.hpp"
#include "store/url.hpp"

#include <unistd.h>

namespace imager {

namespace ops {

Result<std::optional<RecordJob>> RecordReader::next() {
    const auto& all = image_.records();
    const auto skip = [&] {
        data_seen_ += all[next_].kind != format::RecordKind::zeros;
        ++next_;
    };
    while (next_ < all.size() && wanted_ && !wanted_(all[next_])) skip();
    if (next_ >= all.size()) return std::optional<RecordJob>{};
    RecordJob job;
    job.index = next_;
    job.number = data_seen_;
    job.record = all[next_];
    skip();
    if (job.record.kind != format::RecordKind::zeros) {
        auto stored = image_.read_stored(job.record, pool_);
        if (!stored) return std::unexpected(stored.error());
        job.bytes = std::move(*stored);
    }
    return std::optional<RecordJob>(std::move(job));
}

Result<RecordJob> RecordSource::unpack(RecordJob& job) const {
    if (job.record.kind != format::RecordKind::zeros) {
        auto data = unpack_chunk(job.record, std::move(job.bytes), job.number);
        if (!data) return std::unexpected(data.error());
        job.bytes = std::move(*data);
    }
    return std::move(job);
}

Result<format::Buffer> RecordReader::unpack_chunk(const format::IndexRecord& record, format::Buffer stored,
                                                  std::uint64_t number) const {
    return image_.unpack(record, std::move(stored), number, pool_);
}

Result<std::optional<RecordJob>> StreamRecordReader::next() {
    for (;;) {
        auto got = stream_.next(pool_);
        if (!got) return std::unexpected(got.error());
        if (!*got) return std::optional<RecordJob>{};
        RecordJob job;
        job.index = stream_.records().size() - 1;
        job.number = data_seen_;
        job.record = (*got)->record;
        job.bytes = std::move((*got)->stored);
        data_seen_ += job.record.kind != format::RecordKind::zeros;
        if (!wanted_ || wanted_(job.record)) return std::optional<RecordJob>(std::move(job));
    }
}

Result<format::Buffer> StreamRecordReader::unpack_chunk(const format::IndexRecord& record, format::Buffer stored,
                                                        std::uint64_t number) const {
    return stream_.unpack(record, std::move(stored), number, pool_);
}

}  // namespace ops

namespace {

// The mark after a verification that found every chunk whole (or the reason
// it could not be recorded, which does not make the image any less whole).
void record_mark(const format::ImageReader& image, VerifyReport& report, Progress& progress) {
    auto identity = ops::image_identity(image.path(), format::uuid_text(image.header().image_uuid),
                                        image.volume_count());
    Status written = identity ? ops::write_verified_mark(image.path(), *identity)
                              : Status(std::unexpected(identity.error()));
    if (written) {
        report.marked = true;
        return;
    }
    report.mark_problem = written.error().message();
    const std::string& hint = written.error().hint;
    progress.note("the verified mark was not recorded: " + report.mark_problem + (hint.empty() ? "" : " (" + hint + ")"));
}

}  // namespace

Result<VerifyReport> verify(const VerifyOptions& options, Progress& progress) {
    const auto started = std::chrono::steady_clock::now();
    // "-": a stream on standard input, checked front to back as restore - would read it.
    const bool stream = options.image == "-";
    // Open checks the whole structure, the disk layout restore would write included:
    // an image that verifies must restore.
    // A mark is a file beside an image on this machine; a network store's images and a stream have none.
    const bool mark = options.record_mark && !stream && !store::looks_like_url(options.image);
    std::unique_ptr<format::ImageReader> image;
    std::unique_ptr<format::ImageStream> input;
    if (stream) {
        auto opened = format::ImageStream::open(STDIN_FILENO, "standard input");
        if (!opened) return std::unexpected(opened.error());
        input = std::move(*opened);
    } else {
        auto opened = format::ImageReader::open(options.image);
        if (!opened) {
            // A mark must not outlive the image's health (a damaged header or a lost volume).
            if (mark && opened.error().code == Errc::damaged_image) ops::remove_verified_mark(options.image);
            return std::unexpected(opened.error());
        }
        image = std::move(*opened);
    }
    const auto& manifest = image ? image->manifest() : input->manifest();
    VerifyReport report;
    std::uint64_t total = 0;  // records add up to the used bytes (checked on open, or at the stream's end)
    for (const auto& s : manifest.streams) total += s.used_bytes;
    std::uint64_t done = 0;
    const unsigned workers = worker_count(options.threads);
    // Stored and data buffers of every job in flight.
    format::BufferPool pool(image ? image->header().chunk_size : input->header().chunk_size,
                            2 * in_flight_limit(workers) + workers);
    std::unique_ptr<ops::RecordSource> records;
    if (image) records = std::make_unique<ops::RecordReader>(*image, pool);
    else records = std::make_unique<ops::StreamRecordReader>(*input, pool);
    ops::OrderedPipeline<ops::RecordJob, ops::RecordJob> pipeline(workers, in_flight_limit(workers));
    const auto cancelled = [] { return make_error(Errc::cancelled, "verification cancelled; nothing was changed"); };
    Status status = pipeline.run(
        [&]() -> Result<std::optional<ops::RecordJob>> {
            if (options.stop.stop_requested()) return std::unexpected(cancelled());  // between chunks
            return records->next();
        },
        [&](ops::RecordJob& job) { return records->unpack(job); },
        [&](ops::RecordJob& job) -> Status {
            if (options.stop.stop_requested()) return std::unexpected(cancelled());
            if (job.record.kind != format::RecordKind::zeros) {
                ++report.chunks;
                report.data_bytes += job.record.length;
            }
            done += job.record.length;
            progress.update({"verify", done, total});
            return {};
        });
    if (!status) {
        if (mark && status.error().code == Errc::damaged_image)
            ops::remove_verified_mark(options.image);
        return std::unexpected(status.error());
    }
    if (mark) record_mark(*image, report, progress);
    report.seconds = seconds_since(started);
    return report;
}

Result<VerifyReport> verify(const std::string& path, unsigned threads, Progress& progress) {
    VerifyOptions options;
    options.image = path;
    options.threads = threads;
    return verify(options, progress);
}

Result<ImageSummary> describe_image(const std::string& path) {
    auto image = format::ImageReader::open(path);
    if (!image) return std::unexpected(image.error());
    const auto& r = **image;
    ImageSummary s;
    s.manifest_json = r.manifest_json();
    s.manifest = r.manifest();
    s.uuid = format::uuid_text(r.header().image_uuid);
    s.format_version = r.header().version;
    s.volumes = r.volume_count();
    s.image_bytes = r.file_bytes();
    s.records = r.records().size();
    for (const auto& rec : r.records())
        (rec.kind == format::RecordKind::zeros ? s.zero_bytes : s.data_bytes) += rec.length;
    return s;
}

}  // namespace imager
