#include "ops/capture_plan.hpp"

#include "disk/mbr_raw.hpp"
#include "format/layout.hpp"
#include "imager/version.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <ctime>

namespace imager::ops {

namespace {

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

// Fills plan.used and plan.filesystem by the filesystem's reader, or stores
// every byte when it has none or its map cannot be read.
Status map_stream(io::BlockSource& source, StreamPlan& plan, const std::optional<devices::Filesystem>& fs,
                  Progress& progress) {
    io::SliceSource slice(source, plan.base, plan.size);
    const auto& record = filesystems::of_type(fs ? fs->type : "");
    auto used = fs::used_extents(record, slice);
    if (used && record.used_blocks) {
        plan.filesystem = fs;
    } else {
        if (!used)
            progress.note("cannot read the " + std::string(record.name) + " allocation map at offset " +
                          std::to_string(plan.base) + " (" + used.error().message() + "): storing every byte");
        used = fs::every_byte(slice);
        if (!used) return std::unexpected(used.error());
    }
    plan.used = std::move(*used);
    return {};
}

struct Range {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};

// What is stored of the regions outside every partition (docs/FORMAT.md,
// "Whole disks"): all of them with `all_gaps`; otherwise what boot loaders
// and tables use. `ebrs` are the byte ranges of an msdos table's EBRs.
std::vector<Range> kept_outside(const std::vector<Range>& outside, std::uint64_t disk_size,
                                std::uint64_t backup_bytes, const std::vector<Range>& ebrs, bool all_gaps) {
    if (all_gaps) return outside;
    std::vector<Range> kept;
    const auto keep = [&](Range region, Range part) {
        part.begin = std::max(part.begin, region.begin);
        part.end = std::min(part.end, region.end);
        if (part.begin < part.end) kept.push_back(part);
    };
    for (const Range& r : outside) {
        const bool first = r.begin == 0;
        const bool last = r.end == disk_size;
        if (first && !last) {
            keep(r, r);  // the MBR or GPT, GRUB's core.img, a board's boot loader
        } else if (last) {
            if (first) keep(r, {0, kGapEnds});  // a table and no partition
            keep(r, {disk_size - std::min(disk_size, backup_bytes), disk_size});
        } else if (r.end - r.begin <= kGapKeptWhole) {
            keep(r, r);
        } else {
            keep(r, {r.begin, r.begin + kGapEnds});
            keep(r, {r.end - kGapEnds, r.end});
        }
        for (const Range& ebr : ebrs) keep(r, ebr);
    }
    std::ranges::sort(kept, {}, &Range::begin);
    std::vector<Range> merged;
    for (const Range& k : kept) {
        if (!merged.empty() && k.begin <= merged.back().end) merged.back().end = std::max(merged.back().end, k.end);
        else merged.push_back(k);
    }
    return merged;
}

// The EBRs of an msdos table, as byte ranges; none for GPT.
Result<std::vector<Range>> ebr_ranges(io::BlockSource& source, const disk::DiskLayout& layout) {
    std::vector<Range> ranges;
    if (layout.label != "msdos") return ranges;
    const unsigned ss = layout.logical_sector_size;
    auto table = disk::mbr::read_table(source, ss);
    if (!table) return std::unexpected(table.error());
    for (const std::uint64_t lba : table->ebrs) ranges.push_back({lba * ss, (lba + 1) * ss});
    return ranges;
}

Result<std::vector<StreamPlan>> disk_streams(io::BlockSource& source, const devices::Device& device,
                                              const disk::DiskLayout& layout, bool all_gaps, Progress& progress) {
    const std::uint64_t ss = layout.logical_sector_size;
    std::vector<StreamPlan> streams;
    std::vector<Range> covered;  // the partitions
    for (const auto& p : layout.partitions) {
        if (p.kind == "extended") continue;  // its EBRs are stored with the gaps
        StreamPlan s;
        s.role = format::StreamRole::partition;
        s.partition = p.number;
        s.base = p.start_sector * ss;
        s.size = p.sectors() * ss;
        if (s.base > source.size() || s.size > source.size() - s.base)
            return std::unexpected(make_error(Errc::damaged_image,
                                              "partition " + std::to_string(p.number) + " of " + device.path +
                                                  " ends beyond the disk",
                                              "the partition table is damaged; capture the disk raw instead"));
        streams.push_back(std::move(s));
        covered.push_back({streams.back().base, streams.back().base + streams.back().size});
    }
    std::ranges::sort(covered, {}, &Range::begin);
    std::uint64_t at = 0;
    std::vector<Range> outside;
    for (const auto& [begin, end] : covered) {
        if (begin < at) return std::unexpected(make_error(Errc::damaged_image, "partitions of " + device.path + " overlap"));
        if (begin > at) outside.push_back({at, begin});
        at = end;
    }
    if (at < source.size()) outside.push_back({at, source.size()});
    auto ebrs = ebr_ranges(source, layout);
    if (!ebrs) return std::unexpected(ebrs.error());
    const auto geometry = disk::table_geometry(layout.label, source.size(), layout.logical_sector_size);
    std::vector<StreamPlan> gaps;
    for (const Range& r : kept_outside(outside, source.size(), geometry.backup_sectors * ss, *ebrs, all_gaps))
        gaps.push_back({0, r.begin, r.end - r.begin, format::StreamRole::gap, 0, std::nullopt, {}});
    for (auto& s : streams) {
        auto part = std::ranges::find(device.partitions, s.partition, &devices::Partition::number);
        const auto fs = part != device.partitions.end() ? part->filesystem : std::nullopt;
        if (auto st = map_stream(source, s, fs, progress); !st) return std::unexpected(st.error());
    }
    for (auto& g : gaps)
        if (auto st = map_stream(source, g, std::nullopt, progress); !st) return std::unexpected(st.error());
    streams.insert(streams.end(), gaps.begin(), gaps.end());
    if (streams.size() > format::kMaxStreams)
        return std::unexpected(make_error(Errc::unsupported, device.path + " has too many partitions and gaps for one image"));
    std::ranges::sort(streams, {}, &StreamPlan::base);
    for (std::size_t i = 0; i < streams.size(); ++i) streams[i].id = static_cast<std::uint16_t>(i);
    return streams;
}

format::Stream manifest_stream(const StreamPlan& s) {
    format::Stream out;
    out.id = s.id;
    out.kind = s.filesystem ? format::StreamKind::filesystem : format::StreamKind::raw;
    out.role = s.role;
    out.partition = s.partition;
    out.offset = s.base;
    out.size = s.size;
    out.used_bytes = s.used.used_bytes();
    if (s.filesystem)
        out.filesystem = format::FilesystemFacts{s.filesystem->type,  s.filesystem->uuid, s.filesystem->label,
                                                 s.filesystem->version, s.used.block_size,  s.used.used_bytes()};
    return out;
}

}  // namespace

std::uint64_t CapturePlan::used_bytes() const {
    std::uint64_t total = 0;
    for (const auto& s : streams) total += s.used.used_bytes();
    return total;
}

Result<CapturePlan> plan_capture(io::BlockSource& source, const std::string& path, bool all_gaps, Progress& progress) {
    auto device = devices::describe(path);
    if (!device) return std::unexpected(device.error());
    CapturePlan plan{std::move(*device), std::nullopt, {}};
    if (plan.device.in_use())
        progress.note(path + " is in use (mounted or swap): the image may not be consistent");
    if (!plan.device.table_type.empty()) {
        auto layout = disk::read_layout(path);
        if (layout) {
            auto streams = disk_streams(source, plan.device, *layout, all_gaps, progress);
            if (!streams) return std::unexpected(streams.error());
            plan.layout = std::move(*layout);
            plan.streams = std::move(*streams);
            return plan;
        }
        progress.note("cannot read the partition table of " + path + " (" + layout.error().message() +
                      "): storing the disk as one raw stream");
    }
    StreamPlan whole{0, 0, source.size(),
                     plan.device.filesystem ? format::StreamRole::filesystem : format::StreamRole::device,
                     0, std::nullopt, {}};
    if (auto st = map_stream(source, whole, plan.device.filesystem, progress); !st) return std::unexpected(st.error());
    plan.streams.push_back(std::move(whole));
    return plan;
}

format::Manifest manifest_for(const CaptureOptions& options, const CapturePlan& plan, std::uint64_t size) {
    const auto& d = plan.device;
    format::Manifest m;
    m.format_version = format::kFormatVersion;
    m.tool = std::string("lifeboat ") + version;
    m.created = utc_now();
    m.host = host_name();
    m.note = options.note;
    m.source = {options.source, size, d.logical_sector_size, d.physical_sector_size, d.model, d.serial,
                plan.layout                       ? format::SourceKind::disk
                : plan.streams.front().filesystem ? format::SourceKind::filesystem
                                                  : format::SourceKind::raw};
    for (const auto& s : plan.streams) m.streams.push_back(manifest_stream(s));
    m.disk = plan.layout;
    return m;
}

}  // namespace imager::ops
