#include "ops/restore_plan.hpp"

#include "imager/json_fields.hpp"
#include "io/block_source.hpp"
#include "ops/layout_json.hpp"
#include "ops/ops_common.hpp"

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

namespace imager::ops {

namespace {

using nlohmann::json;
using devices::human_size;
using json_fields::array;
using json_fields::member;
using json_fields::number;
using json_fields::text;

constexpr std::uint64_t kGptBackupSectors = 33;  // 32 sectors of entries + the header
constexpr std::uint64_t kClearedEnd = 1u << 20;  // the old disk's end zeroed (RestorePlan::clear_offset)

// Bytes a layout needs on a target: every partition in place, plus a GPT's backup.
std::uint64_t bytes_needed(const disk::DiskLayout& l) {
    std::uint64_t end = 1;
    for (const auto& p : l.partitions) end = std::max(end, p.end_sector + 1);
    if (l.label == "gpt") end += kGptBackupSectors;
    return end * l.logical_sector_size;
}

// Checked when the image was opened: every stream has an id of at most 0xffff.
std::uint16_t stream_id(const json& s) { return static_cast<std::uint16_t>(number(s, "id")); }

std::string stream_label(const json& s) {
    const auto role = text(s, "role", "stream");
    std::string what = role == "partition" ? "partition " + std::to_string(number(s, "partition"))
                       : role == "gap"     ? "boot area / gap"
                                           : role;
    if (const auto& fs = member(s, "filesystem"); fs.is_object()) {
        what += " (" + text(fs, "type");
        const auto label = text(fs, "label");
        if (!label.empty()) what += " '" + label + "'";
        what += ")";
    }
    return what;
}

// The partition that ends last, the one --grow grows (never an extended one:
// on MBR it may be a logical partition), by index; none when there is none.
std::optional<std::size_t> last_partition(const disk::DiskLayout& l) {
    std::optional<std::size_t> last;
    for (std::size_t i = 0; i < l.partitions.size(); ++i)
        if (l.partitions[i].kind != "extended" &&
            (!last || l.partitions[i].end_sector > l.partitions[*last].end_sector))
            last = i;
    return last;
}

// The last sector a partition may end on in a target of `target_size` bytes
// (0 on a target too small for any).
std::uint64_t last_usable_sector(const disk::DiskLayout& l, std::uint64_t target_size) {
    const std::uint64_t sectors = target_size / l.logical_sector_size;
    const std::uint64_t reserved = l.label == "gpt" ? kGptBackupSectors + 1 : 1;
    return sectors > reserved ? sectors - reserved : 0;
}

// Grows the last partition to the end of a larger target. On MBR that may be
// a logical partition: the extended partition holding it grows with it.
void grow_last(disk::DiskLayout& l, std::uint64_t target_size, const std::string& control,
               std::vector<std::string>& notes) {
    const auto found = last_partition(l);
    if (!found) {
        notes.push_back(control + ": there is no partition to grow");
        return;
    }
    auto& last = l.partitions[*found];
    const std::uint64_t end = last_usable_sector(l, target_size);
    if (end <= last.end_sector) return;
    notes.push_back("partition " + std::to_string(last.number) + " grows by " +
                    human_size((end - last.end_sector) * l.logical_sector_size) + " to the end of the disk");
    if (last.kind == "logical")
        for (auto& p : l.partitions)
            if (p.kind == "extended") p.end_sector = end;
    last.end_sector = end;
}

// Without --grow, a target at least 1 MiB larger than the source disk: says
// what stays outside any partition, and the control that would use it.
void note_unused(const disk::DiskLayout& l, const std::string& target, std::uint64_t target_size,
                 const std::string& control, std::vector<std::string>& notes) {
    constexpr std::uint64_t kMiB = 1 << 20;  // less is alignment slack
    const auto found = last_partition(l);
    if (!found || target_size < l.size_bytes + kMiB) return;
    const auto& last = l.partitions[*found];
    const std::uint64_t end = last_usable_sector(l, target_size);
    if (end <= last.end_sector) return;
    const auto number = std::to_string(last.number);
    notes.push_back(target + " is " + human_size(target_size - l.size_bytes) + " larger than the source disk; the " +
                    human_size((end - last.end_sector) * l.logical_sector_size) + " after partition " + number +
                    " stay in no partition (" + control + " lets partition " + number + " fill them)");
}

Result<RestorePlan> plan_disk(RestorePlan plan, const RestoreOptions& options, const json& streams) {
    const auto& src = *plan.source_layout;
    if (options.partition != 0) {
        for (const auto& s : streams)
            if (text(s, "role") == "partition" &&
                number(s, "partition") == static_cast<std::uint64_t>(options.partition)) {
                const auto size = number(s, "size");
                plan.placements.push_back({stream_id(s), 0, size, stream_label(s)});
                plan.needed_size = size;
                return plan;
            }
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "the image has no partition " + std::to_string(options.partition),
                                          "`lifeboat info IMAGE` lists its partitions"));
    }
    plan.needed_size = bytes_needed(src);
    if (plan.create_target) plan.target_size = src.size_bytes;
    disk::DiskLayout target = src;
    target.size_bytes = plan.target_size;
    if (options.grow)
        grow_last(target, plan.target_size, options.grow_control, plan.notes);
    else
        note_unused(src, options.target, plan.target_size, options.grow_control, plan.notes);
    plan.target_layout = target;
    // The old backup GPT is not copied: write_layout puts a new one at the target's end.
    const std::uint64_t old_backup = src.label == "gpt" ? src.size_bytes - kGptBackupSectors * src.logical_sector_size
                                                        : src.size_bytes;
    for (const auto& s : streams) {
        const auto offset = number(s, "offset");
        const auto size = number(s, "size");
        const std::uint64_t end = std::min({offset + size, plan.target_size, old_backup});
        if (end <= offset) continue;
        plan.placements.push_back({stream_id(s), offset, end - offset, stream_label(s), text(s, "role") == "gap"});
    }
    // What the restore leaves of the old disk must not look like a disk: partition tables,
    // RAID and pool labels keep copies at the end (a GPT's backup, md 0.90 and 1.0, firmware
    // RAID, Windows' LDM database, ZFS's labels 2 and 3, all in the last MiB). libparted
    // clears old tables' own sectors; the rest of that MiB past the image is zeroed here.
    std::uint64_t written_end = 0;
    for (const auto& p : plan.placements) written_end = std::max(written_end, p.target_offset + p.write_limit);
    if (!plan.create_target && plan.target_size > written_end) {
        plan.clear_offset = std::max(written_end, plan.target_size - std::min(plan.target_size, kClearedEnd));
        plan.clear_length = plan.target_size - plan.clear_offset;
    }
    return plan;
}

}  // namespace

Result<RestorePlan> plan_restore(const RestoreOptions& options) {
    RestorePlan plan;
    auto image = format::ImageReader::open(options.image);
    if (!image) return std::unexpected(image.error());
    plan.image = std::move(*image);
    plan.target = options.target;
    const auto manifest = json::parse(plan.image->manifest_json(), nullptr, false);
    auto layout = manifest_layout(manifest);
    if (!layout) return std::unexpected(layout.error());
    if (*layout) {
        plan.source_layout = std::move(**layout);
    } else if (options.partition != 0 || options.grow) {
        return std::unexpected(make_error(Errc::invalid_argument, options.image + " is not a whole-disk image",
                                          "--partition and --grow apply to whole-disk images"));
    }

    struct stat st {};
    if (::stat(options.target.c_str(), &st) != 0) {
        if (errno != ENOENT || options.target.starts_with("/dev/"))
            return std::unexpected(with_hint(sys_error("target " + options.target, errno),
                                             "check the target; `lifeboat disks` lists disks"));
        plan.create_target = true;
    } else {
        auto source = io::open_source(options.target);
        if (!source) return std::unexpected(source.error());
        plan.target_size = (*source)->size();
        auto device = devices::describe(options.target);
        if (device) plan.target_device = std::move(*device);
    }

    if (plan.source_layout) {
        auto disk = plan_disk(std::move(plan), options, array(manifest, "streams"));
        if (!disk) return std::unexpected(disk.error());
        plan = std::move(*disk);
    } else {
        const auto& s = plan.image->streams().front();
        plan.needed_size = s.size;
        plan.placements.push_back({s.id, 0, s.size, stream_label(array(manifest, "streams").front())});
    }
    if (plan.create_target) plan.target_size = std::max(plan.target_size, plan.needed_size);
    if (plan.target_size < plan.needed_size)
        return std::unexpected(make_error(
            Errc::no_space,
            options.target + " holds " + std::to_string(plan.target_size) + " bytes; the image needs " +
                std::to_string(plan.needed_size) + " (" + std::to_string(plan.needed_size - plan.target_size) +
                " bytes missing)",
            "restore onto a target of at least " + human_size(plan.needed_size) + "; nothing was written"));
    if (plan.target_layout)  // the table is written last: its checks come before the first byte
        if (auto s = disk::check_layout(*plan.target_layout, plan.target_size, options.target); !s)
            return std::unexpected(s.error());
    if (auto s = check_target(options, plan); !s) return std::unexpected(s.error());
    return plan;
}

Status check_target(const RestoreOptions& options, const RestorePlan& plan) {
    if (plan.create_target) return {};
    auto now = devices::describe(options.target);
    if (!now) return std::unexpected(now.error());
    const auto refuse = [&](Errc code, const std::string& why, const std::string& hint) {
        return std::unexpected(make_error(code, "refusing to restore onto " + options.target + ": " + why,
                                          hint + "; nothing was written"));
    };
    if (now->size != plan.target_size || (options.expect_size && now->size != options.expect_size) ||
        (!options.expect_serial.empty() && now->serial != options.expect_serial))
        return refuse(Errc::target_changed, "its size or serial changed since it was chosen",
                      "check which disk this is and choose it again");
    if (plan.source_layout && options.partition == 0 &&
        now->logical_sector_size != plan.source_layout->logical_sector_size)
        return refuse(Errc::sector_size_mismatch,
                      "its sectors are " + std::to_string(now->logical_sector_size) + " bytes, the image's " +
                          std::to_string(plan.source_layout->logical_sector_size),
                      "restore onto a disk with " + std::to_string(plan.source_layout->logical_sector_size) +
                          "-byte sectors");
    for (std::uint32_t v = 1; v <= plan.image->volume_count(); ++v)
        if (devices::reads_from(format::volume_name(options.image, v), options.target))
            return refuse(Errc::target_holds_image, "the image is stored on it",
                          "put the image on another disk, or restore onto another disk");
    if (now->in_use())
        return refuse(Errc::target_in_use, "something on it is mounted or used as swap",
                      "unmount it (and swapoff) first");
    std::ifstream boot("/run/lifeboat/boot-device");
    std::string boot_device;
    if (boot && std::getline(boot, boot_device) && !boot_device.empty() &&
        devices::reads_from(boot_device, options.target))
        return refuse(Errc::target_is_boot_medium, "Lifeboat is running from it",
                      "restore onto another disk, or boot Lifeboat from other media (or copy it to RAM)");
    return {};
}

std::string RestorePlan::text() const {
    std::ostringstream out;
    const auto manifest = json::parse(image->manifest_json(), nullptr, false);
    out << "Image   " << image->path() << "  (" << json_fields::text(manifest, "host") << ", "
        << json_fields::text(manifest, "created") << ")\n";
    out << "Target  " << target << "  " << human_size(target_size)
        << (create_target ? "  (a new file)" : "") << "\n";
    if (source_layout && target_layout) {
        const auto& s = *source_layout;
        const auto& t = *target_layout;
        out << "Table   " << s.label << " " << s.disk_id << ", " << s.partitions.size() << " partitions, written as on "
            << "the source disk (" << human_size(s.size_bytes) << ")\n";
        out << "  #  IMAGE START   IMAGE SIZE  ->  TARGET START  TARGET SIZE  TYPE\n";
        for (std::size_t i = 0; i < s.partitions.size() && i < t.partitions.size(); ++i) {
            const auto& a = s.partitions[i];
            const auto& b = t.partitions[i];
            const auto type = devices::partition_type_name(a.type);
            char line[256];
            std::snprintf(line, sizeof line, "  %-2d %-13s %-11s     %-13s %-11s  %s\n", a.number,
                          human_size(a.start_sector * s.logical_sector_size).c_str(),
                          human_size(a.sectors() * s.logical_sector_size).c_str(),
                          human_size(b.start_sector * t.logical_sector_size).c_str(),
                          human_size(b.sectors() * t.logical_sector_size).c_str(),
                          (type.empty() ? a.type : type).c_str());
            out << line;
        }
    }
    out << "Writes\n";
    for (const auto& p : placements)
        out << "  " << p.what << ": " << human_size(p.write_limit) << " at byte " << p.target_offset << "\n";
    if (clear_length > 0)
        out << "  zeros: the last " << human_size(clear_length) << " of the disk, past the image (old labels there)\n";
    if (target_layout) out << "  the partition table, last\n";
    if (target_device) {
        out << "Erases  everything on " << target;
        if (!target_device->table_type.empty())
            out << " (now: " << target_device->table_type << ", " << target_device->partitions.size()
                << " partitions";
        for (const auto& p : target_device->partitions)
            if (p.filesystem)
                out << "; " << p.number << ": " << p.filesystem->type
                    << (p.filesystem->label.empty() ? "" : " '" + p.filesystem->label + "'");
        if (!target_device->table_type.empty()) out << ")";
        if (target_device->filesystem) out << " (now: " << target_device->filesystem->type << ")";
        out << "\n";
    }
    for (const auto& n : notes) out << "Note    " << n << "\n";
    return out.str();
}

}  // namespace imager::ops
