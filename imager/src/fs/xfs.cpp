// XFS (v4 and v5) from its free-space B+trees: every block of each allocation
// group that the by-block-number tree does not list as free is used (the AG
// headers, the free list, the internal log, inodes, directories, data). The
// sum of each tree's free extents must equal its AG header's count, or the
// filesystem is not trusted.
// Refused (an Error; capture can fall back to raw): a log that was not
// cleanly unmounted (a crash, or still mounted): blocks its pending
// transactions allocate are free in the trees on disk, so a used-block copy
// would lose them. Mount it once (or xfs_repair) and capture again.
// The on-disk format: xfs_format.h and xfs_log_format.h of xfsprogs; all
// fields big-endian.
#include "fs/parse.hpp"

#include <algorithm>
#include <vector>

namespace imager::fs::detail {

namespace {

constexpr std::uint32_t kSuperMagic = 0x58465342;  // "XFSB"
constexpr std::uint32_t kAgfMagic = 0x58414746;    // "XAGF"
constexpr std::uint32_t kBnoMagicV4 = 0x41425442;  // "ABTB"
constexpr std::uint32_t kBnoMagicV5 = 0x41423342;  // "AB3B"
constexpr std::uint32_t kLogRecordMagic = 0xFEEDBABE;
constexpr std::uint8_t kUnmountTrans = 0x20;       // an op header's flag: the unmount record
constexpr unsigned kMaxLevels = 9;                 // far more than any AG's tree can need
constexpr std::uint64_t kBasicBlock = 512;         // the log's unit

struct Super {
    std::uint32_t block = 0;      // bytes
    std::uint32_t sector = 0;     // bytes
    std::uint64_t blocks = 0;     // data blocks
    std::uint32_t ag_blocks = 0;  // blocks per AG (the last may be shorter)
    std::uint32_t ags = 0;
    unsigned ag_block_log = 0;    // bits of the AG block number in a filesystem block number
    bool v5 = false;              // CRC-protected metadata: longer B+tree block headers
    std::uint64_t log_start = 0;  // filesystem block number of the internal log; 0: external
    std::uint32_t log_blocks = 0;

    [[nodiscard]] std::uint64_t ag_offset(std::uint64_t ag) const { return ag * ag_blocks * block; }
    [[nodiscard]] std::uint64_t ag_length(std::uint64_t ag) const {
        return std::min<std::uint64_t>(ag_blocks, blocks - ag * ag_blocks);
    }
};

Result<Super> parse_super(std::span<const std::byte> b, const io::BlockSource& src) {
    const auto fail = [&](std::string_view what) { return std::unexpected(bad_fs("xfs", src, what)); };
    if (be32(b, 0) != kSuperMagic) return fail("no XFS superblock");
    Super s;
    s.block = be32(b, 4);
    s.blocks = be64(b, 8);
    s.ag_blocks = be32(b, 84);
    s.ags = be32(b, 88);
    s.log_blocks = be32(b, 96);
    const unsigned version = be16(b, 100) & 0xF;
    s.sector = be16(b, 102);
    s.ag_block_log = std::to_integer<unsigned>(b[124]);
    s.log_start = be64(b, 48);
    s.v5 = version == 5;
    if (version != 4 && version != 5) return fail("superblock version is neither 4 nor 5");
    if (std::to_integer<unsigned>(b[126]) != 0) return fail("mkfs did not finish (sb_inprogress)");
    if (!is_pow2(s.block) || s.block < 512 || s.block > 65536) return fail("block size out of range");
    if (!is_pow2(s.sector) || s.sector < 512 || s.sector > s.block) return fail("sector size out of range");
    if (s.ag_blocks < 8 || s.ags == 0 || s.ag_block_log > 31 || (1ULL << s.ag_block_log) < s.ag_blocks)
        return fail("allocation group geometry out of range");
    if (s.blocks == 0 || s.blocks > src.size() / s.block) return fail("the filesystem is larger than the source");
    if (static_cast<std::uint64_t>(s.ags) * s.ag_blocks < s.blocks ||
        static_cast<std::uint64_t>(s.ags - 1) * s.ag_blocks >= s.blocks)
        return fail("allocation group count does not match the size");
    return s;
}

// The free extents (AG block, length) of one AG from its by-block-number B+tree.
class FreeTree {
public:
    FreeTree(io::BlockSource& src, const Super& s, std::uint64_t ag) : src_(src), s_(s), ag_(ag) {}

    Result<std::vector<Extent>> read(std::uint32_t root, unsigned levels, std::uint64_t expected_free) {
        if (levels == 0 || levels > kMaxLevels) return fail("free-space tree height out of range");
        if (auto walked = walk(root, levels - 1); !walked) return std::unexpected(walked.error());
        if (free_ != expected_free) return fail("the free-space tree disagrees with its AG header's free count");
        std::ranges::sort(out_, {}, &Extent::offset);
        for (std::size_t i = 1; i < out_.size(); ++i)
            if (out_[i].offset < out_[i - 1].offset + out_[i - 1].length) return fail("free extents overlap");
        return std::move(out_);
    }

private:
    std::unexpected<Error> fail(std::string_view what) const {
        return std::unexpected(bad_fs("xfs", src_, "AG " + std::to_string(ag_) + ": " + std::string(what)));
    }

    Status walk(std::uint32_t block, unsigned level) {
        const std::uint64_t length = s_.ag_length(ag_);
        if (block == 0 || block >= length) return fail("a free-space tree block lies outside its AG");
        if (++visited_ > length) return fail("the free-space tree loops");
        auto bytes = read_bytes(src_, s_.ag_offset(ag_) + std::uint64_t{block} * s_.block, s_.block);
        if (!bytes) return std::unexpected(bytes.error());
        const std::span<const std::byte> b = *bytes;
        const std::uint32_t magic = be32(b, 0);
        if (magic != (s_.v5 ? kBnoMagicV5 : kBnoMagicV4)) return fail("a free-space tree block has a wrong magic");
        if (be16(b, 4) != level) return fail("a free-space tree block is at the wrong level");
        const std::size_t header = s_.v5 ? 56 : 16;
        const std::size_t records = be16(b, 6);
        if (level == 0) {
            if (records > (s_.block - header) / 8) return fail("a free-space leaf holds too many records");
            for (std::size_t i = 0; i < records; ++i) {
                const std::uint64_t start = be32(b, header + i * 8);
                const std::uint64_t count = be32(b, header + i * 8 + 4);
                if (count == 0 || start >= length || count > length - start) return fail("a free extent lies outside its AG");
                out_.push_back({start, count});
                free_ += count;
            }
            return {};
        }
        const std::size_t most = (s_.block - header) / 12;  // keys (8 bytes) then pointers (4)
        if (records == 0 || records > most) return fail("a free-space node holds a wrong number of pointers");
        for (std::size_t i = 0; i < records; ++i)
            if (auto s = walk(be32(b, header + most * 8 + i * 4), level - 1); !s) return s;
        return {};
    }

    io::BlockSource& src_;
    const Super& s_;
    std::uint64_t ag_;
    std::vector<Extent> out_;
    std::uint64_t free_ = 0;
    std::uint64_t visited_ = 0;
};

// The internal log, one basic block at a time (it may be up to 2 GiB).
class Log {
public:
    Log(io::BlockSource& src, std::uint64_t offset, std::uint64_t blocks) : src_(src), offset_(offset), count_(blocks) {}
    [[nodiscard]] std::uint64_t count() const { return count_; }

    Result<std::vector<std::byte>> block(std::uint64_t bb) {
        return read_bytes(src_, offset_ + (bb % count_) * kBasicBlock, kBasicBlock);
    }
    // The cycle number a block was written in: a record header holds it after
    // its magic; every other block has it stamped over its first word.
    Result<std::uint32_t> cycle(std::uint64_t bb) {
        auto b = block(bb);
        if (!b) return std::unexpected(b.error());
        return be32(*b, 0) == kLogRecordMagic ? be32(*b, 4) : be32(*b, 0);
    }

private:
    io::BlockSource& src_;
    std::uint64_t offset_;
    std::uint64_t count_;
};

// Whether the internal log ends with an unmount record, as the kernel decides
// at mount (xlog_find_head, xlog_find_tail): the head is the first block
// written in an older cycle than block 0's (block 0 when the whole log is of
// one cycle); the last record header before it must hold one op, the unmount
// one. Blocks of the newer cycle past the head, or of the older one just
// before it, are writes that were in flight at a crash: not clean.
Status log_is_clean(io::BlockSource& src, const Super& s) {
    const auto fail = [&](std::string_view what) { return std::unexpected(bad_fs("xfs", src, what)); };
    if (s.log_start == 0) return {};  // an external log lives on another device: the kernel checks it there
    const std::uint64_t ag = s.log_start >> s.ag_block_log;
    const std::uint64_t ag_block = s.log_start & ((1ULL << s.ag_block_log) - 1);
    if (ag >= s.ags || ag_block >= s.ag_length(ag) || s.log_blocks == 0 || s.log_blocks > s.ag_length(ag) - ag_block)
        return fail("the internal log lies outside its allocation group");
    Log log(src, s.ag_offset(ag) + ag_block * s.block, std::uint64_t{s.log_blocks} * s.block / kBasicBlock);
    const std::uint64_t count = log.count();
    constexpr std::uint64_t kInFlight = 8 * 256 * 1024 / kBasicBlock;  // 8 log buffers of at most 256 KiB
    const std::uint64_t window = std::min(count, kInFlight);
    auto first = log.cycle(0);
    auto last = log.cycle(count - 1);
    if (!first || !last) return std::unexpected(!first ? first.error() : last.error());
    std::uint64_t head = 0;
    if (*last != *first) {
        std::uint64_t low = 0, high = count - 1;  // cycle(low) is the newer cycle, cycle(high) not
        while (high - low > 1) {
            const std::uint64_t mid = low + (high - low) / 2;
            auto c = log.cycle(mid);
            if (!c) return std::unexpected(c.error());
            (*c == *first ? low : high) = mid;
        }
        head = high;
        for (std::uint64_t k = 0; k < window && (k < count - head || k < head); ++k) {
            auto after = k < count - head ? log.cycle(head + k) : Result<std::uint32_t>(*first - 1);
            auto before = k < head ? log.cycle(head - 1 - k) : Result<std::uint32_t>(*first);
            if (!after || !before) return std::unexpected(!after ? after.error() : before.error());
            if (*after == *first || *before != *first)
                return fail("the log was not cleanly unmounted: writes were in flight (mount the filesystem once, or "
                            "run xfs_repair, then capture again)");
        }
    }
    // The last record header before the head: a record is at most 256 KiB and its headers.
    for (std::uint64_t back = 1; back <= window; ++back) {
        const std::uint64_t bb = (head + count - back) % count;
        auto header = log.block(bb);
        if (!header) return std::unexpected(header.error());
        const std::span<const std::byte> h = *header;
        if (be32(h, 0) != kLogRecordMagic) continue;
        const std::uint32_t size = be32(h, 320);  // h_size: the log buffer's size; larger ones have more headers
        const std::uint64_t headers = (be32(h, 8) & 2) != 0 && size > 32768 ? (size + 32767) / 32768 : 1;
        auto op = log.block(bb + headers);
        if (!op) return std::unexpected(op.error());
        if (be32(h, 40) == 1 && (std::to_integer<std::uint8_t>((*op)[9]) & kUnmountTrans) != 0) return {};
        return fail("the log was not cleanly unmounted (mount the filesystem once, or run xfs_repair, then capture "
                    "again)");
    }
    return fail("no log record found before the log's head");
}

}  // namespace

Result<UsedMap> xfs_used_extents(io::BlockSource& source) {
    auto head = read_bytes(source, 0, 512);
    if (!head) return std::unexpected(head.error());
    auto super = parse_super(*head, source);
    if (!super) return std::unexpected(super.error());
    const Super& s = *super;
    if (auto clean = log_is_clean(source, s); !clean) return std::unexpected(clean.error());
    ExtentBuilder used;
    for (std::uint64_t ag = 0; ag < s.ags; ++ag) {
        auto agf = read_bytes(source, s.ag_offset(ag) + s.sector, s.sector);
        if (!agf) return std::unexpected(agf.error());
        const std::span<const std::byte> b = *agf;
        const auto fail = [&](std::string_view what) {
            return std::unexpected(bad_fs("xfs", source, "AG " + std::to_string(ag) + ": " + std::string(what)));
        };
        if (be32(b, 0) != kAgfMagic) return fail("no AG free-space header");
        if (be32(b, 8) != ag || be32(b, 12) != s.ag_length(ag)) return fail("the AG header names another AG or size");
        auto free = FreeTree(source, s, ag).read(be32(b, 16), be32(b, 28), be32(b, 52));
        if (!free) return std::unexpected(free.error());
        std::uint64_t at = 0;  // AG blocks before `at` are accounted for
        for (const Extent& e : *free) {
            used.add(s.ag_offset(ag) + at * s.block, (e.offset - at) * s.block);
            at = e.offset + e.length;
        }
        used.add(s.ag_offset(ag) + at * s.block, (s.ag_length(ag) - at) * s.block);
    }
    return finish(used.take(), s.block, source);
}

}  // namespace imager::fs::detail
