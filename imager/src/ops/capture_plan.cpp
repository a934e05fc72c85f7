#include "ops/capture_plan.hpp"

#include "format/layout.hpp"
#include "imager/version.hpp"
#include "ops/layout_json.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <ctime>

namespace imager::ops {

namespace {

using nlohmann::json;

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

// Fills plan.used and plan.filesystem from the filesystem's descriptor, or
// stores every byte when there is none or its map cannot be read.
Status map_stream(io::BlockSource& source, StreamPlan& plan, const std::optional<devices::Filesystem>& fs,
                  Progress& progress) {
    io::SliceSource slice(source, plan.base, plan.size);
    const auto& descriptor = fs::descriptor_for(fs ? fs->type : "");
    auto used = descriptor.used_extents(slice);
    if (used && descriptor.name != "raw") {
        plan.filesystem = fs;
    } else {
        if (!used)
            progress.note("cannot read the " + std::string(descriptor.name) + " allocation map at offset " +
                          std::to_string(plan.base) + " (" + used.error().message() + "): storing every byte");
        used = fs::descriptor_for("").used_extents(slice);
        if (!used) return std::unexpected(used.error());
    }
    plan.used = std::move(*used);
    return {};
}

Result<std::vector<StreamPlan>> disk_streams(io::BlockSource& source, const devices::Device& device,
                                              const disk::DiskLayout& layout, Progress& progress) {
    const std::uint64_t ss = layout.logical_sector_size;
    std::vector<StreamPlan> streams;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> covered;  // [begin, end) of partitions
    for (const auto& p : layout.partitions) {
        if (p.kind == "extended") continue;  // its EBRs are stored with the gaps
        StreamPlan s;
        s.role = "partition";
        s.partition = p.number;
        s.base = p.start_sector * ss;
        s.size = p.sectors() * ss;
        if (s.base > source.size() || s.size > source.size() - s.base)
            return std::unexpected(make_error(Errc::damaged_image,
                                              "partition " + std::to_string(p.number) + " of " + device.path +
                                                  " ends beyond the disk",
                                              "the partition table is damaged; capture the disk raw instead"));
        streams.push_back(std::move(s));
        covered.emplace_back(streams.back().base, streams.back().base + streams.back().size);
    }
    std::ranges::sort(covered);
    std::uint64_t at = 0;
    std::vector<StreamPlan> gaps;
    for (const auto& [begin, end] : covered) {
        if (begin < at) return std::unexpected(make_error(Errc::damaged_image, "partitions of " + device.path + " overlap"));
        if (begin > at) gaps.push_back({0, at, begin - at, "gap", 0, std::nullopt, {}});
        at = end;
    }
    if (at < source.size()) gaps.push_back({0, at, source.size() - at, "gap", 0, std::nullopt, {}});
    for (auto& s : streams) {
        auto part = std::ranges::find(device.partitions, s.partition, &devices::Partition::number);
        const auto fs = part != device.partitions.end() ? part->filesystem : std::nullopt;
        if (auto st = map_stream(source, s, fs, progress); !st) return std::unexpected(st.error());
    }
    for (auto& g : gaps)
        if (auto st = map_stream(source, g, std::nullopt, progress); !st) return std::unexpected(st.error());
    streams.insert(streams.end(), gaps.begin(), gaps.end());
    std::ranges::sort(streams, {}, &StreamPlan::base);
    for (std::size_t i = 0; i < streams.size(); ++i) streams[i].id = static_cast<std::uint16_t>(i);
    return streams;
}

json stream_json(const StreamPlan& s) {
    json fs = nullptr;
    if (s.filesystem)
        fs = {{"type", s.filesystem->type},       {"uuid", s.filesystem->uuid},
              {"label", s.filesystem->label},     {"version", s.filesystem->version},
              {"block_size", s.used.block_size},  {"used_bytes", s.used.used_bytes()}};
    json j = {{"id", s.id},     {"kind", s.filesystem ? "filesystem" : "raw"},
              {"role", s.role}, {"offset", s.base},
              {"size", s.size}, {"used_bytes", s.used.used_bytes()},
              {"filesystem", fs}};
    if (s.role == "partition") j["partition"] = s.partition;
    return j;
}

}  // namespace

std::uint64_t CapturePlan::used_bytes() const {
    std::uint64_t total = 0;
    for (const auto& s : streams) total += s.used.used_bytes();
    return total;
}

Result<CapturePlan> plan_capture(io::BlockSource& source, const std::string& path, Progress& progress) {
    auto device = devices::describe(path);
    if (!device) return std::unexpected(device.error());
    CapturePlan plan{std::move(*device), std::nullopt, {}};
    if (plan.device.in_use())
        progress.note(path + " is in use (mounted or swap): the image may not be consistent");
    if (!plan.device.table_type.empty()) {
        auto layout = disk::read_layout(path);
        if (layout) {
            auto streams = disk_streams(source, plan.device, *layout, progress);
            if (!streams) return std::unexpected(streams.error());
            plan.layout = std::move(*layout);
            plan.streams = std::move(*streams);
            return plan;
        }
        progress.note("cannot read the partition table of " + path + " (" + layout.error().message() +
                      "): storing the disk as one raw stream");
    }
    StreamPlan whole{0, 0, source.size(), plan.device.filesystem ? "filesystem" : "device", 0, std::nullopt, {}};
    if (auto st = map_stream(source, whole, plan.device.filesystem, progress); !st) return std::unexpected(st.error());
    plan.streams.push_back(std::move(whole));
    return plan;
}

std::string manifest_for(const CaptureOptions& options, const CapturePlan& plan, std::uint64_t size) {
    json streams = json::array();
    for (const auto& s : plan.streams) streams.push_back(stream_json(s));
    const auto& d = plan.device;
    const bool single_fs = !plan.layout && plan.streams.front().filesystem;
    json manifest = {
        {"format_version", format::kFormatVersion},
        {"tool", std::string("lifeboat ") + version},
        {"created", utc_now()},
        {"host", host_name()},
        {"note", options.note},
        {"source",
         {{"path", options.source},
          {"size", size},
          {"logical_sector_size", d.logical_sector_size},
          {"physical_sector_size", d.physical_sector_size},
          {"model", d.model},
          {"serial", d.serial},
          {"kind", plan.layout ? "disk" : single_fs ? "filesystem" : "raw"}}},
        {"streams", streams},
        {"disk", plan.layout ? layout_to_json(*plan.layout) : json(nullptr)}};
    return manifest.dump(2);
}

}  // namespace imager::ops
