// restore(): image -> check every chunk on every core -> target, in order,
// stopping at the first damaged chunk. Nothing is written before the image's
// structure and the target have passed every check.
#include "format/image_file.hpp"
#include "imager/devices.hpp"
#include "imager/image_ops.hpp"
#include "io/block_source.hpp"
#include "ops/ordered_pipeline.hpp"
#include "ops/ops_common.hpp"
#include "ops/record_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace imager {

namespace {

// A missing regular-file target is created at the image's size; a missing
// device is an error.
Result<bool> create_file_target(const std::string& target, std::uint64_t size) {
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0) return false;
    if (errno != ENOENT || target.starts_with("/dev/"))
        return std::unexpected(with_hint(sys_error("open target " + target, errno),
                                         "check the target; `lifeboat disks` lists disks"));
    const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return std::unexpected(sys_error("create " + target, errno));
    const int rc = ::ftruncate(fd, static_cast<off_t>(size));
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
        ::unlink(target.c_str());
        return std::unexpected(sys_error("size " + target, err));
    }
    return true;
}

Status check_target(const RestoreOptions& options, const io::BlockSink& sink, std::uint64_t needed) {
    if (sink.size() < needed)
        return std::unexpected(make_error(
            Errc::no_space,
            options.target + " holds " + std::to_string(sink.size()) + " bytes; the image needs " +
                std::to_string(needed) + " (" + std::to_string(needed - sink.size()) + " bytes missing)",
            "restore onto a target at least " + devices::human_size(needed) + " large"));
    auto device = devices::describe(options.target);
    if (device && device->in_use())
        return std::unexpected(make_error(Errc::target_refused, options.target + " is in use (mounted or swap)",
                                          "unmount it (and swapoff) first; nothing was written"));
    return {};
}

}  // namespace

Result<RestoreReport> restore(const RestoreOptions& options, Progress& progress, Prompt& prompt) {
    const auto started = std::chrono::steady_clock::now();
    auto image = format::ImageReader::open(options.image);
    if (!image) return std::unexpected(image.error());
    const auto& reader = **image;
    if (reader.streams().size() != 1)
        return std::unexpected(make_error(Errc::unsupported, options.image + " holds " +
                                                                 std::to_string(reader.streams().size()) + " streams",
                                          "this Lifeboat restores single-filesystem images only"));
    const std::uint64_t needed = reader.streams().front().size;

    auto created = create_file_target(options.target, needed);
    if (!created) return std::unexpected(created.error());
    auto sink = io::open_sink(options.target);
    if (!sink) return std::unexpected(sink.error());
    if (auto s = check_target(options, **sink, needed); !s) {
        if (*created) ::unlink(options.target.c_str());
        return std::unexpected(s.error());
    }
    if (!*created && !options.assume_yes &&
        !prompt.confirm("Everything on " + options.target + " will be overwritten by " + options.image + ".",
                        options.target))
        return std::unexpected(make_error(Errc::cancelled, "restore onto " + options.target + " cancelled",
                                          "nothing was written"));

    if (options.discard)
        if (auto s = (*sink)->discard_range(0, needed); !s) return std::unexpected(s.error());

    RestoreReport report;
    const std::uint64_t total = ops::total_length(reader.records());
    std::uint64_t done = 0;
    ops::RecordReader records(reader);
    const unsigned threads = worker_count(options.threads);
    ops::OrderedPipeline<ops::RecordJob, ops::RecordJob> pipeline(threads, in_flight_limit(threads));
    Status status = pipeline.run([&] { return records.next(); }, ops::unpack_job, [&](ops::RecordJob& job) -> Status {
        const auto& r = job.record;
        const std::uint64_t at = reader.stream(r.stream).offset + r.offset;
        Status s = r.kind == format::RecordKind::zeros ? (*sink)->zero_range(at, r.length)
                                                        : (*sink)->write_at(at, job.bytes);
        if (!s) return s;
        (r.kind == format::RecordKind::zeros ? report.zero_bytes : report.data_bytes) += r.length;
        done += r.length;
        progress.update({"restore", done, total});
        return {};
    });
    if (status) status = (*sink)->sync();
    if (!status) return std::unexpected(status.error());
    report.seconds = seconds_since(started);
    return report;
}

}  // namespace imager
