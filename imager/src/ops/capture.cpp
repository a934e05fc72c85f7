// capture(): source -> used-block map -> chunks on every core -> image file.
#include "format/image_file.hpp"
#include "fs/used_blocks.hpp"
#include "imager/devices.hpp"
#include "imager/image_ops.hpp"
#include "imager/version.hpp"
#include "io/block_source.hpp"
#include "ops/chunking.hpp"
#include "ops/ordered_pipeline.hpp"
#include "ops/ops_common.hpp"

#include <nlohmann/json.hpp>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>

namespace imager {

namespace {

struct Job {
    std::vector<fs::Extent> segments;  // contiguous pieces of the stream...
    std::vector<std::byte> buffer;     // ...their bytes, one after the other
};

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string host_name() {
    struct utsname u {};
    return ::uname(&u) == 0 ? u.nodename : "";
}

struct SourceInfo {
    devices::Device device;
    std::string kind = "raw";  // or "filesystem"
    fs::UsedMap used;
};

// What the source is and which of its bytes matter.
Result<SourceInfo> examine(io::BlockSource& source, const CaptureOptions& options, Progress& progress) {
    auto device = devices::describe(options.source);
    if (!device) return std::unexpected(device.error());
    SourceInfo info{std::move(*device), "raw", {}};
    if (info.device.in_use())
        progress.note(options.source + " is in use (mounted or swap): the image may not be consistent");
    const auto& filesystem = info.device.filesystem;
    const auto& descriptor = fs::descriptor_for(filesystem ? filesystem->type : "");
    if (!info.device.table_type.empty())
        progress.note(options.source + " holds a partition table: captured byte for byte as one raw stream");
    auto used = descriptor.used_extents(source);
    if (!used && descriptor.name != "raw") {
        progress.note("cannot read the " + std::string(descriptor.name) + " allocation map (" +
                      used.error().message() + "): capturing every byte instead");
        used = fs::descriptor_for("").used_extents(source);
    } else if (used && descriptor.name != "raw") {
        info.kind = "filesystem";
    }
    if (!used) return std::unexpected(used.error());
    info.used = std::move(*used);
    return info;
}

std::string build_manifest(const CaptureOptions& options, const SourceInfo& info, std::uint64_t size) {
    using nlohmann::json;
    json filesystem = nullptr;
    if (info.kind == "filesystem") {
        const auto& fs = *info.device.filesystem;
        filesystem = {{"type", fs.type},          {"uuid", fs.uuid},
                      {"label", fs.label},        {"version", fs.version},
                      {"block_size", info.used.block_size}, {"used_bytes", info.used.used_bytes()}};
    }
    json manifest = {
        {"format_version", format::kFormatVersion},
        {"tool", std::string("lifeboat ") + version},
        {"created", utc_now()},
        {"host", host_name()},
        {"note", options.note},
        {"source",
         {{"path", options.source},
          {"size", size},
          {"logical_sector_size", info.device.logical_sector_size},
          {"model", info.device.model},
          {"serial", info.device.serial},
          {"kind", info.kind}}},
        {"streams", json::array({{{"id", 0}, {"kind", info.kind}, {"offset", 0}, {"size", size},
                                  {"used_bytes", info.used.used_bytes()}, {"filesystem", filesystem}}})},
        {"disk", nullptr}};
    return manifest.dump(2);
}

// Hands out the used extents as jobs of up to one chunk of bytes.
class JobReader {
public:
    JobReader(io::BlockSource& source, std::vector<fs::Extent> extents)
        : source_(source), extents_(std::move(extents)) {}

    Result<std::optional<Job>> next() {
        Job job;
        std::size_t filled = 0;
        while (filled < format::kChunkSize && index_ < extents_.size()) {
            const auto& e = extents_[index_];
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(e.length - within_, format::kChunkSize - filled));
            job.segments.push_back({e.offset + within_, n});
            filled += n;
            within_ += n;
            if (within_ == e.length) {
                ++index_;
                within_ = 0;
            }
        }
        if (job.segments.empty()) return std::optional<Job>{};
        job.buffer.resize(filled);
        std::size_t at = 0;
        for (const auto& s : job.segments) {
            if (auto r = source_.read_at(s.offset, std::span(job.buffer).subspan(at, s.length)); !r)
                return std::unexpected(r.error());
            at += s.length;
        }
        return std::optional<Job>(std::move(job));
    }

private:
    io::BlockSource& source_;
    std::vector<fs::Extent> extents_;
    std::size_t index_ = 0;
    std::uint64_t within_ = 0;
};

Error space_error(const Error& cause, const CaptureOptions& options, std::uint64_t written, std::uint64_t done,
                  std::uint64_t total) {
    const double ratio = done > 0 ? static_cast<double>(written) / static_cast<double>(done) : 1.0;
    const auto estimate = static_cast<std::uint64_t>(ratio * static_cast<double>(total));
    return make_error(Errc::no_space,
                      "the destination of " + options.image + " filled up after " + devices::human_size(written) +
                          " (" + cause.message() + "); the whole image needs about " +
                          devices::human_size(estimate),
                      "free that much space or choose another destination; the partial image was removed");
}

}  // namespace

Result<CaptureReport> capture(const CaptureOptions& options, Progress& progress) {
    const auto started = std::chrono::steady_clock::now();
    if (options.level < 1 || options.level > 19)
        return std::unexpected(make_error(Errc::invalid_argument, "compression level must be 1 to 19"));
    auto source = io::open_source(options.source);
    if (!source) return std::unexpected(with_hint(source.error(), "check the source path; `lifeboat disks` lists disks"));
    auto info = examine(**source, options, progress);
    if (!info) return std::unexpected(info.error());
    const std::uint64_t size = (*source)->size();

    auto writer = format::ImageWriter::create(options.image, options.split, options.force,
                                              build_manifest(options, *info, size));
    if (!writer) return std::unexpected(writer.error());

    CaptureReport report;
    report.source_size = size;
    report.used_bytes = info->used.used_bytes();
    report.filesystem = info->kind == "filesystem" ? info->device.filesystem->type : "raw";

    const unsigned threads = worker_count(options.threads);
    JobReader reader(**source, info->used.extents);
    ops::OrderedPipeline<Job, std::vector<ops::Piece>> pipeline(threads, in_flight_limit(threads));
    std::uint64_t done = 0;
    Status status = pipeline.run(
        [&] { return reader.next(); },
        [&](Job& job) -> Result<std::vector<ops::Piece>> {
            thread_local std::unique_ptr<ops::ChunkPacker> packer;
            if (!packer) packer = std::make_unique<ops::ChunkPacker>(options.level);
            std::vector<ops::Piece> pieces;
            std::size_t at = 0;
            for (const auto& s : job.segments) {
                auto packed = packer->pack(0, s.offset, std::span(job.buffer).subspan(at, s.length));
                if (!packed) return std::unexpected(packed.error());
                std::ranges::move(*packed, std::back_inserter(pieces));
                at += s.length;
            }
            return pieces;
        },
        [&](std::vector<ops::Piece>& pieces) -> Status {
            for (auto& p : pieces) {
                done += p.record.length;
                if (p.record.kind == format::RecordKind::zeros) {
                    report.zero_bytes += p.record.length;
                    (*writer)->add_zeros(p.record.stream, p.record.offset, p.record.length);
                } else if (auto s = (*writer)->add_chunk(p.record, p.stored); !s) {
                    return s;
                }
            }
            progress.update({"capture", done, report.used_bytes});
            return {};
        });
    if (status) status = (*writer)->finish();
    if (!status) {
        (*writer)->abandon();
        if (status.error().code == Errc::no_space)
            return std::unexpected(space_error(status.error(), options, (*writer)->file_bytes(), done, report.used_bytes));
        return std::unexpected(status.error());
    }
    report.image_bytes = (*writer)->file_bytes();
    report.volumes = (*writer)->volume_count();
    if (options.verify) {
        auto verified = verify(options.image, options.threads, progress);
        if (!verified) return std::unexpected(verified.error());
        report.verified = true;
    }
    report.seconds = seconds_since(started);
    return report;
}

}  // namespace imager
