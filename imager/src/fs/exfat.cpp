// exFAT from its allocation bitmap: the main and backup boot regions, the
// FATs, and every cluster the bitmap marks in use. The bitmap, the up-case
// table and the root directory are added explicitly as well, so a bitmap
// that forgot them cannot drop the structures needed to read it back.
#include "fs/parse.hpp"

#include <algorithm>
#include <array>

namespace imager::fs::detail {

namespace {

constexpr std::uint64_t boot_regions = 24;  // sectors: main (12) and backup (12)
constexpr std::uint32_t end_of_chain = 0xFFFFFFFF;

struct Volume {
    std::uint64_t sector = 0;
    std::uint64_t cluster = 0;
    std::uint64_t fat_offset = 0;   // sectors
    std::uint64_t fat_length = 0;   // sectors per FAT
    std::uint64_t fats = 0;
    std::uint64_t heap = 0;         // first sector of cluster 2
    std::uint64_t clusters = 0;
    std::uint32_t root = 0;         // first cluster of the root directory
    unsigned active_fat = 0;

    [[nodiscard]] bool valid_cluster(std::uint64_t c) const { return c >= 2 && c < clusters + 2; }
    [[nodiscard]] std::uint64_t at(std::uint64_t c) const { return heap * sector + (c - 2) * cluster; }
};

Result<Volume> parse_boot(std::span<const std::byte> b, const io::BlockSource& src) {
    const auto fail = [&](std::string_view what) { return std::unexpected(bad_fs("exfat", src, what)); };
    if (!has_bytes(b, 3, "EXFAT   ") || le16(b, 510) != 0xAA55) return fail("no exFAT boot sector");
    const unsigned sector_shift = le8(b, 108);
    const unsigned cluster_shift = le8(b, 109);
    if (sector_shift < 9 || sector_shift > 12 || cluster_shift > 25 - sector_shift)
        return fail("sector or cluster size out of range");
    Volume v;
    v.sector = 1ULL << sector_shift;
    v.cluster = v.sector << cluster_shift;
    const std::uint64_t length = le64(b, 72);
    v.fat_offset = le32(b, 80);
    v.fat_length = le32(b, 84);
    v.heap = le32(b, 88);
    v.clusters = le32(b, 92);
    v.root = le32(b, 96);
    v.fats = le8(b, 110);
    v.active_fat = (le16(b, 106) & 1U) != 0 ? 1 : 0;
    if (length == 0 || length > src.size() / v.sector) return fail("the volume is larger than the source");
    if (v.fats < 1 || v.fats > 2 || v.active_fat >= v.fats) return fail("FAT count out of range");
    if (v.fat_offset < boot_regions || v.fat_length == 0) return fail("FAT placement out of range");
    if (v.heap < v.fat_offset + v.fat_length * v.fats || v.heap >= length) return fail("cluster heap out of range");
    if (v.clusters == 0 || v.clusters > 0xFFFFFFF5 || v.clusters > (length - v.heap) >> cluster_shift)
        return fail("cluster count does not fit the volume");
    if ((v.clusters + 2) * 4 > v.fat_length * v.sector) return fail("the FAT is too small for the clusters");
    if (!v.valid_cluster(v.root)) return fail("root directory cluster out of range");
    return v;
}

Result<std::uint32_t> next_cluster(io::BlockSource& src, const Volume& v, std::uint32_t c) {
    std::array<std::byte, 4> e{};
    const std::uint64_t fat = (v.fat_offset + v.active_fat * v.fat_length) * v.sector;
    if (auto s = src.read_at(fat + std::uint64_t{c} * 4, e); !s) return std::unexpected(s.error());
    return le32(e, 0);
}

// A directory entry that points at a run of clusters (bitmap or up-case table).
struct Stream {
    std::uint32_t first = 0;
    std::uint64_t length = 0;  // bytes
    bool found = false;
};

struct RootScan {
    Stream bitmap;
    Stream upcase;
    std::vector<std::uint32_t> clusters;  // the root directory's own chain
};

// Walks the root directory's cluster chain for the bitmap and up-case entries.
Result<RootScan> scan_root(io::BlockSource& src, const Volume& v) {
    RootScan scan;
    std::vector<std::byte> buf(v.cluster);
    std::uint32_t c = v.root;
    // A chain longer than the volume loops; 256 MiB is exFAT's directory limit.
    const std::uint64_t limit = std::min<std::uint64_t>(v.clusters, (256ULL << 20) / v.cluster + 1);
    for (std::uint64_t step = 0; step < limit; ++step) {
        if (!v.valid_cluster(c))
            return std::unexpected(bad_fs("exfat", src, "root directory chain leaves the volume"));
        scan.clusters.push_back(c);
        if (auto s = src.read_at(v.at(c), buf); !s) return std::unexpected(s.error());
        for (std::size_t at = 0; at + 32 <= buf.size(); at += 32) {
            const auto type = le8(buf, at);
            if (type == 0x00) return scan;  // end of directory
            Stream entry{le32(buf, at + 20), le64(buf, at + 24), true};
            const bool which = (le8(buf, at + 1) & 1U) != 0;
            if (type == 0x81 && !scan.bitmap.found && which == (v.active_fat == 1)) scan.bitmap = entry;
            if (type == 0x82 && !scan.upcase.found) scan.upcase = entry;
        }
        auto next = next_cluster(src, v, c);
        if (!next) return std::unexpected(next.error());
        if (*next == end_of_chain) return scan;
        c = *next;
    }
    return std::unexpected(bad_fs("exfat", src, "root directory chain does not end"));
}

// Bitmap and up-case table are read as contiguous runs, as Linux and
// exfatprogs do. Returns the run's cluster count, validated.
Result<std::uint64_t> stream_clusters(const io::BlockSource& src, const Volume& v, const Stream& s,
                                      std::string_view what) {
    const std::uint64_t n = (s.length + v.cluster - 1) / v.cluster;
    if (!s.found || n == 0 || !v.valid_cluster(s.first) || n > v.clusters + 2 - s.first)
        return std::unexpected(bad_fs("exfat", src, std::string(what) + " missing or out of range"));
    return n;
}

Status add_bitmap(io::BlockSource& src, const Volume& v, const Stream& bitmap, ExtentBuilder& out) {
    if (bitmap.length < (v.clusters + 7) / 8)
        return std::unexpected(bad_fs("exfat", src, "allocation bitmap shorter than the cluster count"));
    const std::uint64_t chunk_bits = 8ULL << 20;
    std::vector<std::byte> chunk;
    for (std::uint64_t first = 0; first < v.clusters; first += chunk_bits) {
        const std::uint64_t bits = std::min(chunk_bits, v.clusters - first);
        chunk.resize((bits + 7) / 8);
        if (auto s = src.read_at(v.at(bitmap.first) + first / 8, chunk); !s) return s;
        add_bit_runs(out, chunk, bits, first, v.at(2), v.cluster);
    }
    return {};
}

}  // namespace

Result<UsedMap> exfat_used_extents(io::BlockSource& source) {
    auto boot = read_bytes(source, 0, 512);
    if (!boot) return std::unexpected(boot.error());
    auto volume = parse_boot(*boot, source);
    if (!volume) return std::unexpected(volume.error());
    const Volume& v = *volume;
    auto root = scan_root(source, v);
    if (!root) return std::unexpected(root.error());
    auto bitmap_n = stream_clusters(source, v, root->bitmap, "allocation bitmap");
    if (!bitmap_n) return std::unexpected(bitmap_n.error());
    auto upcase_n = stream_clusters(source, v, root->upcase, "up-case table");
    if (!upcase_n) return std::unexpected(upcase_n.error());

    ExtentBuilder out;
    out.add(0, boot_regions * v.sector);
    out.add(v.fat_offset * v.sector, v.fat_length * v.fats * v.sector);
    if (auto s = add_bitmap(source, v, root->bitmap, out); !s) return std::unexpected(s.error());
    std::vector<Extent> extents = out.take();
    extents.push_back({v.at(root->bitmap.first), *bitmap_n * v.cluster});
    extents.push_back({v.at(root->upcase.first), *upcase_n * v.cluster});
    for (const std::uint32_t c : root->clusters) extents.push_back({v.at(c), v.cluster});
    return finish(std::move(extents), static_cast<std::uint32_t>(v.cluster), source);
}

}  // namespace imager::fs::detail
