// btrfs on one device, from its extent tree: every extent the tree lists
// (file data, and every tree block: the extent tree's own, the chunk tree's,
// each subvolume's and snapshot's) is used, mapped from btrfs's logical
// addresses to the device through the chunk tree, on every stripe (DUP keeps
// two copies); so are the first MiB (the superblock and what boot loaders put
// before it; btrfs allocates nothing there) and the superblock's mirrors. The
// extents must add up to the superblock's bytes_used, and every tree block
// must carry its own address, the filesystem's id, its level and, for crc32c
// and xxhash64, a matching checksum, or the filesystem is not trusted.
// Refused (an Error; capture can fall back to raw): several devices (the
// other members hold the rest), a log tree (fsync'd writes not committed yet:
// mount it once and capture again), and the features whose structures this
// does not read (zoned, extent tree v2, raid stripe tree).
// The on-disk format: kernel-shared/ctree.h and uapi/btrfs_tree.h of
// btrfs-progs; all fields little-endian.
#include "fs/parse.hpp"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <functional>
#include <iterator>
#include <optional>
#include <vector>

namespace imager::fs::detail {

namespace {

constexpr std::uint64_t kSuperOffset = 64 * 1024;
constexpr std::uint64_t kSuperBytes = 4096;
constexpr std::uint64_t kMirrors[] = {64ULL << 20, 256ULL << 30};
constexpr std::uint64_t kReserved = 1 << 20;  // btrfs allocates nothing in a device's first MiB
constexpr std::uint64_t kMagic = 0x4D5F53665248425FULL;  // "_BHRfS_M"
constexpr std::size_t kHeader = 101;   // a tree block's header
constexpr std::size_t kItem = 25;      // a leaf's item: key (17), data offset, data size
constexpr std::size_t kKeyPtr = 33;    // a node's pointer: key (17), block, generation
constexpr unsigned kMaxLevel = 7;      // BTRFS_MAX_LEVEL - 1
constexpr std::size_t kChunk = 48;     // a chunk item before its stripes
constexpr std::size_t kStripe = 32;    // devid, offset, device uuid

constexpr std::uint8_t kRootItem = 132;
constexpr std::uint8_t kExtentItem = 168;
constexpr std::uint8_t kMetadataItem = 169;
constexpr std::uint8_t kChunkItem = 228;
constexpr std::uint64_t kExtentTree = 2;  // the root tree's item for the extent tree

// Chunk type bits that spread a chunk over several devices (DUP does not).
constexpr std::uint64_t kMultiDevice = 8 | 16 | 64 | 128 | 256 | 512 | 1024;  // RAID0, 1, 10, 5, 6, 1C3, 1C4
constexpr std::uint64_t kDup = 32;
// Incompat features: those whose structures this reads or need not (mixed
// backrefs, default subvolume, mixed groups, lzo, zstd, big metadata,
// extended irefs, raid56, skinny metadata, no holes, metadata uuid, raid1c34,
// simple quotas), and the three it refuses by name.
constexpr std::uint64_t kKnownIncompat = 0xFFF | (1ULL << 16);
constexpr std::uint64_t kZoned = 1ULL << 12, kExtentTreeV2 = 1ULL << 13, kRaidStripeTree = 1ULL << 14;
constexpr std::uint64_t kMetadataUuid = 1ULL << 10;

struct Key {
    std::uint64_t objectid = 0;
    std::uint8_t type = 0;
    std::uint64_t offset = 0;
};

Key key_at(std::span<const std::byte> b, std::size_t at) { return {le64(b, at), le8(b, at + 8), le64(b, at + 9)}; }

struct TreeRoot {
    std::uint64_t block = 0;  // logical address
    unsigned level = 0;
    std::uint64_t generation = 0;
};

struct Chunk {
    std::uint64_t logical = 0;
    std::uint64_t length = 0;
    std::vector<std::uint64_t> stripes;  // byte offsets on this device
};

class Btrfs {
public:
    explicit Btrfs(io::BlockSource& src) : src_(src) {}

    Result<UsedMap> used() {
        if (auto s = read_super(); !s) return std::unexpected(s.error());
        if (auto s = read_chunk_tree(); !s) return std::unexpected(s.error());
        auto extents = find_extent_tree();
        if (!extents) return std::unexpected(extents.error());
        std::vector<Extent> out{{0, std::min(kReserved, device_bytes_)}};
        for (const auto mirror : kMirrors)
            if (mirror + kSuperBytes <= device_bytes_) out.push_back({mirror, kSuperBytes});
        std::uint64_t total = 0;
        const auto extent = [&](const Key& k, std::span<const std::byte>) -> Status {
            if (k.type != kExtentItem && k.type != kMetadataItem) return {};
            const std::uint64_t length = k.type == kExtentItem ? k.offset : nodesize_;
            if (length == 0) return fail("an extent of no length");
            total += length;
            return map(k.objectid, length, out);
        };
        auto listed = walk(extents->block, extents->level, extents->generation, extent);
        if (!listed) return std::unexpected(listed.error());
        if (total != bytes_used_) return fail("the extent tree disagrees with the superblock's used bytes");
        return finish(std::move(out), sectorsize_, src_);
    }

private:
    std::unexpected<Error> fail(std::string_view what) const { return std::unexpected(bad_fs("btrfs", src_, what)); }

    // The checksum a block (superblock or tree block) carries over its bytes after the checksum field.
    bool checksum_matches(std::span<const std::byte> b) const {
        const auto covered = b.subspan(32);
        if (csum_type_ == 0) return le32(b, 0) == crc32c(covered);
        if (csum_type_ == 1) return le64(b, 0) == XXH64(covered.data(), covered.size(), 0);
        return true;  // sha256, blake2b: the structure checks alone
    }

    Status read_super() {
        auto bytes = read_bytes(src_, kSuperOffset, kSuperBytes);
        if (!bytes) return std::unexpected(bytes.error());
        const std::span<const std::byte> b = *bytes;
        if (le64(b, 64) != kMagic) return fail("no btrfs superblock");
        csum_type_ = le16(b, 196);
        if (csum_type_ > 3) return fail("an unknown checksum type");
        if (!checksum_matches(b)) return fail("the superblock's checksum does not match");
        if (le64(b, 48) != kSuperOffset) return fail("the superblock names another place");
        const std::uint64_t incompat = le64(b, 188);
        if (incompat & kZoned) return fail("a zoned filesystem: its layout is not read here");
        if (incompat & kExtentTreeV2) return fail("extent tree v2: its layout is not read here");
        if (incompat & kRaidStripeTree) return fail("a raid stripe tree: its layout is not read here");
        if (incompat & ~kKnownIncompat) return fail("a feature this Lifeboat does not know");
        if (le64(b, 136) != 1) return fail("it spans several devices; each member holds part of it");
        if (le64(b, 96) != 0)
            return fail("a log tree holds writes not committed yet (mount the filesystem once, then capture again)");
        sectorsize_ = le32(b, 144);
        nodesize_ = le32(b, 148);
        bytes_used_ = le64(b, 120);
        devid_ = le64(b, 201);
        device_bytes_ = le64(b, 209);
        if (!is_pow2(sectorsize_) || sectorsize_ < 4096 || sectorsize_ > 65536) return fail("sector size out of range");
        if (!is_pow2(nodesize_) || nodesize_ < sectorsize_ || nodesize_ > 65536) return fail("node size out of range");
        if (device_bytes_ < kReserved || device_bytes_ > src_.size())
            return fail("the device is larger than the source");
        std::copy_n(b.begin() + ((incompat & kMetadataUuid) ? 571 : 32), 16, fsid_.begin());
        generation_ = le64(b, 72);
        root_ = le64(b, 80);
        root_level_ = le8(b, 198);
        chunk_root_ = le64(b, 88);
        chunk_root_level_ = le8(b, 199);
        chunk_root_generation_ = le64(b, 164);
        // The system chunks, in the superblock: the chunk tree lives in them.
        const std::uint32_t array_size = le32(b, 160);
        if (array_size > 2048) return fail("the system chunk array is too large");
        const auto array = b.subspan(811, array_size);
        for (std::size_t at = 0; at < array.size();) {
            if (array.size() - at < 17 + kChunk) return fail("the system chunk array ends inside an entry");
            const Key k = key_at(array, at);
            if (k.type != kChunkItem) return fail("the system chunk array holds something else than chunks");
            const std::size_t size = kChunk + std::size_t{le16(array, at + 17 + 44)} * kStripe;
            if (array.size() - at - 17 < size) return fail("the system chunk array ends inside a chunk");
            if (auto s = add_chunk(k, array.subspan(at + 17, size)); !s) return s;
            at += 17 + size;
        }
        if (chunks_.empty()) return fail("no system chunk");
        return {};
    }

    Status add_chunk(const Key& k, std::span<const std::byte> item) {
        if (item.size() < kChunk) return fail("a chunk item is too short");
        const std::uint64_t length = le64(item, 0);
        const std::uint64_t type = le64(item, 24);
        const std::size_t stripes = le16(item, 44);
        if (type & kMultiDevice) return fail("a chunk's profile spreads it over several devices");
        if (stripes == 0 || stripes != ((type & kDup) ? 2u : 1u)) return fail("a chunk has a wrong number of stripes");
        if (item.size() < kChunk + stripes * kStripe) return fail("a chunk item is shorter than its stripes");
        if (length == 0 || k.offset > UINT64_MAX - length) return fail("a chunk's logical range is impossible");
        Chunk c{k.offset, length, {}};
        for (std::size_t i = 0; i < stripes; ++i) {
            const std::uint64_t offset = le64(item, kChunk + i * kStripe + 8);
            if (le64(item, kChunk + i * kStripe) != devid_) return fail("a chunk lies on another device");
            if (offset < kReserved || offset > device_bytes_ || length > device_bytes_ - offset)
                return fail("a chunk lies outside the device");
            c.stripes.push_back(offset);
        }
        const auto at = std::ranges::lower_bound(chunks_, c.logical, {}, &Chunk::logical);
        if (at != chunks_.end() && at->logical == c.logical) {  // a system chunk, seen in the superblock first
            if (at->length != c.length || at->stripes != c.stripes) return fail("two chunks at one address disagree");
            return {};
        }
        if ((at != chunks_.end() && c.logical + c.length > at->logical) ||
            (at != chunks_.begin() && std::prev(at)->logical + std::prev(at)->length > c.logical))
            return fail("chunks overlap");
        chunks_.insert(at, std::move(c));
        return {};
    }

    // The chunk holding [logical, logical + length), whole.
    const Chunk* chunk_of(std::uint64_t logical, std::uint64_t length) const {
        auto at = std::ranges::upper_bound(chunks_, logical, {}, &Chunk::logical);
        if (at == chunks_.begin()) return nullptr;
        const Chunk& c = *std::prev(at);
        if (logical - c.logical >= c.length || length > c.length - (logical - c.logical)) return nullptr;
        return &c;
    }

    // Every copy of a logical range, on the device.
    Status map(std::uint64_t logical, std::uint64_t length, std::vector<Extent>& out) const {
        const Chunk* c = chunk_of(logical, length);
        if (!c) return fail("an extent lies outside every chunk");
        for (const auto stripe : c->stripes) out.push_back({stripe + (logical - c->logical), length});
        return {};
    }

    Result<std::vector<std::byte>> tree_block(std::uint64_t logical, unsigned level, std::uint64_t generation) {
        const Chunk* c = chunk_of(logical, nodesize_);
        if (!c) return fail("a tree block lies outside every chunk");
        if (++visited_ > src_.size() / nodesize_) return fail("a tree loops");
        auto bytes = read_bytes(src_, c->stripes.front() + (logical - c->logical), nodesize_);
        if (!bytes) return std::unexpected(bytes.error());
        const std::span<const std::byte> b = *bytes;
        if (!checksum_matches(b)) return fail("a tree block's checksum does not match");
        if (le64(b, 48) != logical) return fail("a tree block names another address");
        if (!std::equal(fsid_.begin(), fsid_.end(), b.begin() + 32)) return fail("a tree block of another filesystem");
        if (le8(b, 100) != level) return fail("a tree block is at the wrong level");
        // An older copy left where a block used to be carries its own address too: the
        // generation its parent names tells them apart, as the kernel's verify_parent_transid.
        if (le64(b, 80) != generation) return fail("a tree block is of another generation than its parent says");
        return bytes;
    }

    using Visit = std::function<Status(const Key&, std::span<const std::byte>)>;

    // Every item of the tree rooted at `logical`, in key order.
    Status walk(std::uint64_t logical, unsigned level, std::uint64_t generation, const Visit& visit) {
        if (level > kMaxLevel) return fail("a tree is too tall");
        auto bytes = tree_block(logical, level, generation);
        if (!bytes) return std::unexpected(bytes.error());
        const std::span<const std::byte> b = *bytes;
        const std::size_t items = le32(b, 96);
        const std::size_t room = nodesize_ - kHeader;
        if (level == 0) {
            if (items > room / kItem) return fail("a leaf holds too many items");
            for (std::size_t i = 0; i < items; ++i) {
                const std::size_t at = kHeader + i * kItem;
                const std::size_t offset = le32(b, at + 17), size = le32(b, at + 21);
                if (offset > room || size > room - offset || offset < items * kItem)
                    return fail("a leaf's item lies outside it");
                if (auto s = visit(key_at(b, at), b.subspan(kHeader + offset, size)); !s) return s;
            }
            return {};
        }
        if (items == 0 || items > room / kKeyPtr) return fail("a node holds a wrong number of pointers");
        for (std::size_t i = 0; i < items; ++i) {
            const std::size_t at = kHeader + i * kKeyPtr;
            if (auto s = walk(le64(b, at + 17), level - 1, le64(b, at + 25), visit); !s) return s;
        }
        return {};
    }

    Status read_chunk_tree() {
        const auto chunk = [&](const Key& k, std::span<const std::byte> item) -> Status {
            return k.type == kChunkItem ? add_chunk(k, item) : Status{};
        };
        return walk(chunk_root_, chunk_root_level_, chunk_root_generation_, chunk);
    }

    // The extent tree's root block and level, from its item in the root tree.
    Result<TreeRoot> find_extent_tree() {
        std::optional<TreeRoot> found;
        auto s = walk(root_, root_level_, generation_, [&](const Key& k, std::span<const std::byte> item) -> Status {
            if (k.objectid != kExtentTree || k.type != kRootItem) return {};
            if (item.size() < 239) return fail("the extent tree's root item is too short");
            found = TreeRoot{le64(item, 176), le8(item, 238), le64(item, 160)};
            return {};
        });
        if (!s) return std::unexpected(s.error());
        if (!found) return fail("no extent tree");
        return *found;
    }

    io::BlockSource& src_;
    unsigned csum_type_ = 0;
    std::uint32_t sectorsize_ = 0;
    std::uint32_t nodesize_ = 0;
    std::uint64_t bytes_used_ = 0;
    std::uint64_t devid_ = 0;
    std::uint64_t device_bytes_ = 0;
    std::array<std::byte, 16> fsid_{};
    std::uint64_t generation_ = 0, chunk_root_generation_ = 0;
    std::uint64_t root_ = 0, chunk_root_ = 0;
    unsigned root_level_ = 0, chunk_root_level_ = 0;
    std::vector<Chunk> chunks_;  // by logical address
    std::uint64_t visited_ = 0;
};

}  // namespace

Result<UsedMap> btrfs_used_extents(io::BlockSource& source) { return Btrfs(source).used(); }

}  // namespace imager::fs::detail
