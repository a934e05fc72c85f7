#include "fs/used_blocks.hpp"

#include "fs/parse.hpp"

#include <algorithm>
#include <array>

namespace imager::fs {

namespace {

using namespace std::string_view_literals;

constexpr std::array ext_types{"ext2"sv, "ext3"sv, "ext4"sv};
// libblkid says "vfat" for every FAT; "msdos" appears as a secondary type.
constexpr std::array fat_types{"vfat"sv, "msdos"sv};
constexpr std::array exfat_types{"exfat"sv};
constexpr std::array ntfs_types{"ntfs"sv};
constexpr std::array xfs_types{"xfs"sv};
// Only a plain swap area: "swsuspend" holds a hibernation image and stays raw.
constexpr std::array swap_types{"swap"sv};

constexpr std::array<Descriptor, 7> table{{
    {"ext4", ext_types, &detail::ext_used_extents},
    {"vfat", fat_types, &detail::fat_used_extents},
    {"exfat", exfat_types, &detail::exfat_used_extents},
    {"ntfs", ntfs_types, &detail::ntfs_used_extents},
    {"xfs", xfs_types, &detail::xfs_used_extents},
    {"swap", swap_types, &detail::swap_used_extents},
    {"raw", {}, &detail::raw_used_extents},  // the fallback: keep it last
}};

}  // namespace

std::uint64_t UsedMap::used_bytes() const {
    std::uint64_t total = 0;
    for (const Extent& e : extents) total += e.length;
    return total;
}

std::span<const Descriptor> descriptors() { return table; }

const Descriptor& descriptor_for(std::string_view blkid_type) {
    for (const Descriptor& d : table)
        if (std::ranges::find(d.blkid_types, blkid_type) != d.blkid_types.end()) return d;
    return table.back();
}

std::vector<Extent> normalize(std::vector<Extent> extents, std::uint64_t limit) {
    // Clip first (end computed without overflow), then sort and merge.
    std::erase_if(extents, [limit](Extent& e) {
        if (e.length == 0 || e.offset >= limit) return true;
        e.length = std::min(e.length, limit - e.offset);
        return false;
    });
    std::ranges::sort(extents, {}, &Extent::offset);
    std::vector<Extent> out;
    out.reserve(extents.size());
    for (const Extent& e : extents) {
        if (!out.empty() && e.offset <= out.back().offset + out.back().length) {
            Extent& last = out.back();
            last.length = std::max(last.offset + last.length, e.offset + e.length) - last.offset;
        } else {
            out.push_back(e);
        }
    }
    return out;
}

namespace detail {

Result<UsedMap> raw_used_extents(io::BlockSource& source) {
    // Everything; the image engine turns all-zero blocks into holes.
    return finish({{0, source.size()}}, 512, source);
}

}  // namespace detail

}  // namespace imager::fs
