// NTFS from $Bitmap, plus the boot sector and its backup (the last sector).
//
// Judgement, libntfs-3g versus our own reader: we read our own. All we need
// is the boot sector, three MFT records ($MFT for its runlist, $Volume,
// $Bitmap), their fixups and runlists, and the bitmap itself: about 250 lines
// that bound every value by the source and are easy to fuzz. libntfs-3g
// would mount the whole volume through its own device layer (an
// ntfs_device_operations shim over BlockSource), keeps process-wide logging
// state that prints unless redirected, is not among Lifeboat's dependencies
// (libntfs-3g-dev) and would add a full driver to the static binary for one
// bitmap. ntfsclone, which does the same job, also works from $Bitmap alone.
//
// Refused (an Error; capture can fall back to raw): a volume marked dirty (a
// pending chkdsk or log replay may own clusters the bitmap does not show yet)
// and a $Bitmap whose runlist spills into an $ATTRIBUTE_LIST.
#include "fs/parse.hpp"

#include <algorithm>

namespace imager::fs::detail {

namespace {

constexpr std::uint32_t attr_attribute_list = 0x20;
constexpr std::uint32_t attr_volume_information = 0x70;
constexpr std::uint32_t attr_data = 0x80;
constexpr std::uint32_t attr_end = 0xFFFFFFFF;
constexpr std::uint64_t fixup_stride = 512;  // NTFS's update-sequence stride, whatever the sector size

struct Boot {
    std::uint64_t sector = 0;
    std::uint64_t cluster = 0;
    std::uint64_t sectors = 0;   // in the volume, without the backup boot sector
    std::uint64_t clusters = 0;
    std::uint64_t mft_lcn = 0;
    std::uint64_t record = 0;    // bytes per MFT record
};

struct Run {
    std::uint64_t vcn = 0;
    std::uint64_t length = 0;  // clusters
    std::int64_t lcn = -1;     // -1: sparse
};

struct Stream {
    std::vector<Run> runs;
    std::uint64_t size = 0;  // bytes of data
};

Error fail(const io::BlockSource& src, std::string_view what) { return bad_fs("ntfs", src, what); }

Result<Boot> parse_boot(std::span<const std::byte> b, const io::BlockSource& src) {
    if (!has_bytes(b, 3, "NTFS    ") || le16(b, 510) != 0xAA55)
        return std::unexpected(fail(src, "no NTFS boot sector"));
    Boot boot;
    boot.sector = le16(b, 11);
    if (boot.sector < 512 || boot.sector > 4096 || !is_pow2(boot.sector))
        return std::unexpected(fail(src, "bytes per sector out of range"));
    // Above 0x80 the byte is a negative power of two (clusters of 64 KiB and up).
    const unsigned raw = le8(b, 13);
    const std::uint64_t spc = raw <= 0x80 ? raw : (256 - raw <= 12 ? 1ULL << (256 - raw) : 0);
    if (!is_pow2(spc) || boot.sector * spc > (2U << 20))
        return std::unexpected(fail(src, "cluster size out of range"));
    boot.cluster = boot.sector * spc;
    boot.sectors = le64(b, 40);
    if (boot.sectors == 0 || boot.sectors > src.size() / boot.sector)
        return std::unexpected(fail(src, "the volume is larger than the source"));
    boot.clusters = boot.sectors / spc;
    boot.mft_lcn = le64(b, 48);
    // Likewise negative here means 2^-n bytes rather than clusters.
    const auto per_record = static_cast<std::int8_t>(le8(b, 64));
    boot.record = per_record > 0 ? boot.cluster * static_cast<std::uint64_t>(per_record)
                  : per_record > -31 ? 1ULL << -per_record : 0;
    if (boot.record < 512 || boot.record > 65536 || !is_pow2(boot.record))
        return std::unexpected(fail(src, "MFT record size out of range"));
    if (boot.mft_lcn == 0 || boot.mft_lcn >= boot.clusters)
        return std::unexpected(fail(src, "$MFT outside the volume"));
    return boot;
}

// Checks a record's header and undoes its update-sequence fixups in place.
Status apply_fixups(std::span<std::byte> rec, const io::BlockSource& src) {
    if (!has_bytes(rec, 0, "FILE")) return std::unexpected(fail(src, "MFT record without FILE magic"));
    const std::size_t usa = le16(rec, 4);
    const std::size_t count = le16(rec, 6);
    if (count != rec.size() / fixup_stride + 1 || usa < 8 || usa + count * 2 > rec.size())
        return std::unexpected(fail(src, "MFT record update sequence out of range"));
    const std::uint16_t usn = le16(rec, usa);
    for (std::size_t i = 1; i < count; ++i) {
        const std::size_t end = i * fixup_stride - 2;
        if (le16(rec, end) != usn) return std::unexpected(fail(src, "MFT record torn (update sequence mismatch)"));
        rec[end] = rec[usa + 2 * i];
        rec[end + 1] = rec[usa + 2 * i + 1];
    }
    if ((le16(rec, 22) & 1U) == 0) return std::unexpected(fail(src, "system MFT record not in use"));
    return {};
}

// The unnamed attribute `type` of a record: its bytes, or empty if absent.
// Sets `listed` when the record has an $ATTRIBUTE_LIST.
Result<std::span<const std::byte>> find_attribute(std::span<const std::byte> rec, std::uint32_t type,
                                                  bool& listed, const io::BlockSource& src) {
    const std::size_t used = std::min<std::size_t>(le32(rec, 24), rec.size());
    std::size_t at = le16(rec, 20);
    while (at + 8 <= used) {
        const std::uint32_t t = le32(rec, at);
        if (t == attr_end) break;
        const std::size_t length = le32(rec, at + 4);
        if (length < 24 || length > used - at || length % 8 != 0)
            return std::unexpected(fail(src, "MFT attribute length out of range"));
        if (t == attr_attribute_list) listed = true;
        if (t == type && le8(rec, at + 9) == 0) return rec.subspan(at, length);
        at += length;
    }
    return std::span<const std::byte>{};
}

// Decodes a non-resident attribute's runlist, bounding every run by the
// volume; with `whole`, the runs must map all of the data.
Result<Stream> decode_runs(std::span<const std::byte> attr, const Boot& boot, const io::BlockSource& src,
                           bool whole) {
    if (le8(attr, 8) != 1 || attr.size() < 64) return std::unexpected(fail(src, "expected a non-resident attribute"));
    if (le64(attr, 16) != 0) return std::unexpected(fail(src, "attribute does not start at VCN 0"));
    Stream out;
    out.size = le64(attr, 48);
    std::size_t at = le16(attr, 32);
    std::uint64_t vcn = 0;
    std::int64_t lcn = 0;
    while (at < attr.size() && le8(attr, at) != 0) {
        const unsigned header = le8(attr, at);
        const unsigned len_size = header & 0x0F;
        const unsigned off_size = header >> 4;
        if (len_size == 0 || len_size > 8 || off_size > 8 || attr.size() - at - 1 < len_size + off_size)
            return std::unexpected(fail(src, "runlist entry out of range"));
        std::uint64_t length = 0;
        for (unsigned i = 0; i < len_size; ++i) length |= std::uint64_t{le8(attr, at + 1 + i)} << (8 * i);
        std::uint64_t delta = 0;
        for (unsigned i = 0; i < off_size; ++i) delta |= std::uint64_t{le8(attr, at + 1 + len_size + i)} << (8 * i);
        if (off_size > 0 && off_size < 8 && (delta >> (8 * off_size - 1)) != 0) delta |= ~0ULL << (8 * off_size);
        at += 1 + len_size + off_size;
        if (length == 0 || length > boot.clusters - std::min(vcn, boot.clusters))
            return std::unexpected(fail(src, "run length out of range"));
        Run run{vcn, length, -1};
        if (off_size > 0) {
            if (__builtin_add_overflow(lcn, static_cast<std::int64_t>(delta), &lcn) || lcn < 0 ||
                static_cast<std::uint64_t>(lcn) > boot.clusters - length)
                return std::unexpected(fail(src, "run outside the volume"));
            run.lcn = lcn;
        }
        out.runs.push_back(run);
        vcn += length;
    }
    if (whole && out.size > vcn * boot.cluster) return std::unexpected(fail(src, "runlist shorter than the data"));
    return out;
}

// Reads `buffer.size()` bytes of a stream from byte `offset`, run by run.
Status read_stream(io::BlockSource& src, const Boot& boot, const Stream& s, std::uint64_t offset,
                   std::span<std::byte> buffer) {
    if (offset > s.size || buffer.size() > s.size - offset)
        return std::unexpected(fail(src, "read past a stream's end"));
    while (!buffer.empty()) {
        const std::uint64_t vcn = offset / boot.cluster;
        const auto run =
            std::ranges::find_if(s.runs, [vcn](const Run& r) { return vcn >= r.vcn && vcn - r.vcn < r.length; });
        if (run == s.runs.end()) return std::unexpected(fail(src, "stream offset not mapped by its runlist"));
        const std::uint64_t in_run = offset - run->vcn * boot.cluster;
        const std::size_t n = std::min<std::uint64_t>(buffer.size(), run->length * boot.cluster - in_run);
        if (run->lcn < 0) {
            std::ranges::fill(buffer.first(n), std::byte{0});
        } else {
            const std::uint64_t at = static_cast<std::uint64_t>(run->lcn) * boot.cluster + in_run;
            if (auto st = src.read_at(at, buffer.first(n)); !st) return st;
        }
        buffer = buffer.subspan(n);
        offset += n;
    }
    return {};
}

Result<std::vector<std::byte>> read_record(io::BlockSource& src, const Boot& boot, const Stream& mft,
                                           std::uint64_t n) {
    std::vector<std::byte> rec(boot.record);
    if (auto s = read_stream(src, boot, mft, n * boot.record, rec); !s) return std::unexpected(s.error());
    if (auto s = apply_fixups(rec, src); !s) return std::unexpected(s.error());
    return rec;
}

// The unnamed $DATA stream of a record, as far as the record itself maps it.
// With `whole` it must map all of it (no attribute list).
Result<Stream> data_stream(std::span<const std::byte> rec, const Boot& boot, const io::BlockSource& src,
                           std::string_view what, bool whole) {
    bool listed = false;
    auto attr = find_attribute(rec, attr_data, listed, src);
    if (!attr) return std::unexpected(attr.error());
    if (listed && whole)
        return std::unexpected(fail(src, std::string(what) + " uses an attribute list (not supported)"));
    if (attr->empty()) return std::unexpected(fail(src, std::string(what) + " has no data"));
    return decode_runs(*attr, boot, src, whole);
}

Result<Stream> mft_stream(io::BlockSource& src, const Boot& boot) {
    // Record 0 describes the MFT itself: read it where the boot sector says.
    std::vector<std::byte> rec(boot.record);
    if (auto s = src.read_at(boot.mft_lcn * boot.cluster, rec); !s) return std::unexpected(s.error());
    if (auto s = apply_fixups(rec, src); !s) return std::unexpected(s.error());
    // A fragmented $MFT continues in an attribute list, but its first
    // extent always holds the system records we read (0 to 15).
    return data_stream(rec, boot, src, "$MFT", false);
}

Status check_clean(io::BlockSource& src, const Boot& boot, const Stream& mft) {
    auto rec = read_record(src, boot, mft, 3);  // $Volume
    if (!rec) return std::unexpected(rec.error());
    bool listed = false;
    auto attr = find_attribute(*rec, attr_volume_information, listed, src);
    if (!attr) return std::unexpected(attr.error());
    const std::size_t value = le16(*attr, 20);
    if (attr->empty() || le8(*attr, 8) != 0 || le32(*attr, 16) < 12 || value + 12 > attr->size())
        return std::unexpected(fail(src, "$Volume has no volume information"));
    if ((le16(*attr, value + 10) & 1U) != 0)
        return std::unexpected(fail(src, "the volume is marked dirty (run chkdsk /f on Windows)"));
    return {};
}

Status add_bitmap(io::BlockSource& src, const Boot& boot, const Stream& bitmap, ExtentBuilder& out) {
    if (bitmap.size < (boot.clusters + 7) / 8) return std::unexpected(fail(src, "$Bitmap shorter than the volume"));
    const std::uint64_t chunk_bits = 8ULL << 20;
    std::vector<std::byte> chunk;
    for (std::uint64_t first = 0; first < boot.clusters; first += chunk_bits) {
        const std::uint64_t bits = std::min(chunk_bits, boot.clusters - first);
        chunk.resize((bits + 7) / 8);
        if (auto s = read_stream(src, boot, bitmap, first / 8, chunk); !s) return s;
        add_bit_runs(out, chunk, bits, first, 0, boot.cluster);
    }
    return {};
}

}  // namespace

Result<UsedMap> ntfs_used_extents(io::BlockSource& source) {
    auto sector0 = read_bytes(source, 0, 512);
    if (!sector0) return std::unexpected(sector0.error());
    auto boot = parse_boot(*sector0, source);
    if (!boot) return std::unexpected(boot.error());
    auto mft = mft_stream(source, *boot);
    if (!mft) return std::unexpected(mft.error());
    if (auto s = check_clean(source, *boot, *mft); !s) return std::unexpected(s.error());
    auto rec = read_record(source, *boot, *mft, 6);  // $Bitmap
    if (!rec) return std::unexpected(rec.error());
    auto bitmap = data_stream(*rec, *boot, source, "$Bitmap", true);
    if (!bitmap) return std::unexpected(bitmap.error());

    ExtentBuilder out;
    if (auto s = add_bitmap(source, *boot, *bitmap, out); !s) return std::unexpected(s.error());
    std::vector<Extent> extents = out.take();
    // $Boot is in the bitmap too; these cost nothing and do not depend on it.
    extents.push_back({0, std::max<std::uint64_t>(boot->cluster, 8192)});
    // The backup boot sector: just past the volume, the partition's last sector.
    extents.push_back({boot->sectors * boot->sector, boot->sector});
    extents.push_back({source.size() - boot->sector, boot->sector});
    return finish(std::move(extents), static_cast<std::uint32_t>(boot->cluster), source);
}

}  // namespace imager::fs::detail
