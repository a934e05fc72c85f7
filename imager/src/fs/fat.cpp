// FAT12/16/32 from the allocation table: the reserved sectors (boot sector,
// FSInfo, backup boot), every FAT copy, the FAT12/16 root directory, and each
// cluster whose entry is neither free nor marked bad.
#include "fs/parse.hpp"

#include <algorithm>

namespace imager::fs::detail {

namespace {

struct Geometry {
    std::uint64_t sector = 0;        // bytes per sector
    std::uint64_t cluster = 0;       // bytes per cluster
    std::uint64_t reserved = 0;      // sectors before the first FAT
    std::uint64_t fats = 0;          // FAT copies
    std::uint64_t fat_sectors = 0;   // sectors per FAT
    std::uint64_t root_sectors = 0;  // FAT12/16 fixed root directory
    std::uint64_t data_start = 0;    // first sector of cluster 2
    std::uint64_t clusters = 0;      // data clusters (numbered 2 .. clusters + 1)
    unsigned bits = 0;               // 12, 16 or 32
    unsigned active_fat = 0;         // FAT32 may mirror or use one copy
};

Result<Geometry> parse_boot(std::span<const std::byte> b, const io::BlockSource& src) {
    const auto fail = [&](std::string_view what) { return std::unexpected(bad_fs("vfat", src, what)); };
    const auto jump = le8(b, 0);
    if (jump != 0xEB && jump != 0xE9) return fail("no FAT boot sector (bad jump instruction)");
    Geometry g;
    g.sector = le16(b, 11);
    const std::uint64_t spc = le8(b, 13);
    if (g.sector < 512 || g.sector > 4096 || !is_pow2(g.sector)) return fail("bytes per sector out of range");
    if (!is_pow2(spc) || spc > 128) return fail("sectors per cluster out of range");
    g.cluster = g.sector * spc;
    g.reserved = le16(b, 14);
    g.fats = le8(b, 16);
    const std::uint64_t root_entries = le16(b, 17);
    const std::uint64_t total = le16(b, 19) != 0 ? le16(b, 19) : le32(b, 32);
    g.fat_sectors = le16(b, 22) != 0 ? le16(b, 22) : le32(b, 36);
    if (g.reserved == 0 || g.fats == 0 || g.fats > 16 || g.fat_sectors == 0 || total == 0)
        return fail("reserved sectors, FAT count, FAT size or total sectors is zero or absurd");
    if (total > src.size() / g.sector) return fail("the volume is larger than the source");
    g.root_sectors = (root_entries * 32 + g.sector - 1) / g.sector;
    g.data_start = g.reserved + g.fats * g.fat_sectors + g.root_sectors;
    if (g.data_start >= total) return fail("no room for data clusters");
    g.clusters = (total - g.data_start) / spc;
    // The cluster count alone decides the FAT type (Microsoft's rule).
    g.bits = g.clusters < 4085 ? 12 : g.clusters < 65525 ? 16 : 32;
    if (g.bits == 32) {
        if (root_entries != 0 || le16(b, 22) != 0) return fail("FAT32 with a FAT12/16 root directory");
        g.clusters = std::min<std::uint64_t>(g.clusters, 0x0FFFFFF5);
        const std::uint16_t flags = le16(b, 40);
        if ((flags & 0x80) != 0) g.active_fat = flags & 0x0F;
        if (g.active_fat >= g.fats) return fail("the active FAT does not exist");
    } else if (root_entries == 0) {
        return fail("FAT12/16 without a root directory");
    }
    if ((g.clusters + 2) * g.bits > g.fat_sectors * g.sector * 8)
        return fail("the FAT is too small for the clusters");
    return g;
}

// FAT entry `n` of a FAT12 table held whole in `fat`.
std::uint32_t fat12_entry(std::span<const std::byte> fat, std::uint64_t n) {
    const std::uint16_t pair = le16(fat, n * 3 / 2);
    return (n % 2 != 0) ? pair >> 4 : pair & 0x0FFF;
}

void add_cluster(ExtentBuilder& out, const Geometry& g, std::uint64_t n) {
    out.add((g.data_start * g.sector) + (n - 2) * g.cluster, g.cluster);
}

Status add_fat12_clusters(io::BlockSource& src, const Geometry& g, std::uint64_t fat_at, ExtentBuilder& out) {
    auto fat = read_bytes(src, fat_at, (g.clusters + 2) * 3 / 2 + 1);
    if (!fat) return std::unexpected(fat.error());
    for (std::uint64_t n = 2; n < g.clusters + 2; ++n) {
        const std::uint32_t e = fat12_entry(*fat, n);
        if (e != 0 && e != 0xFF7) add_cluster(out, g, n);
    }
    return {};
}

// FAT16/32 tables can be hundreds of MiB: read them in pieces.
Status add_wide_clusters(io::BlockSource& src, const Geometry& g, std::uint64_t fat_at, ExtentBuilder& out) {
    const std::uint64_t width = g.bits / 8;
    const std::uint32_t mask = g.bits == 32 ? 0x0FFFFFFF : 0xFFFF;
    const std::uint32_t bad = g.bits == 32 ? 0x0FFFFFF7 : 0xFFF7;
    const std::uint64_t per_chunk = (1U << 20) / width;
    std::vector<std::byte> chunk;
    for (std::uint64_t first = 0; first < g.clusters + 2; first += per_chunk) {
        const std::uint64_t count = std::min(per_chunk, g.clusters + 2 - first);
        chunk.resize(count * width);
        if (auto s = src.read_at(fat_at + first * width, chunk); !s) return s;
        for (std::uint64_t i = 0; i < count; ++i) {
            const std::uint64_t n = first + i;
            const std::uint32_t e = (g.bits == 32 ? le32(chunk, i * 4) : le16(chunk, i * 2)) & mask;
            if (n >= 2 && e != 0 && e != bad) add_cluster(out, g, n);
        }
    }
    return {};
}

}  // namespace

Result<UsedMap> fat_used_extents(io::BlockSource& source) {
    auto boot = read_bytes(source, 0, 512);
    if (!boot) return std::unexpected(boot.error());
    auto geometry = parse_boot(*boot, source);
    if (!geometry) return std::unexpected(geometry.error());
    const Geometry& g = *geometry;

    ExtentBuilder out;
    // Reserved sectors, every FAT and the fixed root directory are contiguous.
    out.add(0, g.data_start * g.sector);
    const std::uint64_t fat_at = (g.reserved + g.active_fat * g.fat_sectors) * g.sector;
    auto s = g.bits == 12 ? add_fat12_clusters(source, g, fat_at, out) : add_wide_clusters(source, g, fat_at, out);
    if (!s) return std::unexpected(s.error());
    return finish(out.take(), static_cast<std::uint32_t>(g.cluster), source);
}

}  // namespace imager::fs::detail
