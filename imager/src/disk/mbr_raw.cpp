// Raw MBR/EBR reading and patching (see mbr_raw.hpp for what is patched and
// why). A record is 16 bytes at 446 + 16 * slot: 0 boot indicator, 1..3 CHS
// start, 4 type, 5..7 CHS end, 8 start LBA, 12 sector count (little-endian;
// relative to the EBR for a logical, to the extended partition's start for
// the link to the next EBR). Bytes 510..511 hold 0x55 0xAA.
#include "disk/mbr_raw.hpp"
#include "disk/text.hpp"
#include "imager/disk_layout.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace imager::disk::mbr {

namespace {

constexpr std::size_t records_offset = 446;
constexpr int max_partitions = kMaxMsdosPartitions;

std::uint64_t get_le(std::span<const std::byte> b, std::size_t off, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | std::to_integer<std::uint64_t>(b[off + i]);
    return v;
}

struct RawRecord {
    std::uint8_t boot = 0;
    std::uint8_t type = 0;
    std::uint64_t start = 0;  // as stored (relative)
    std::uint64_t sectors = 0;
    [[nodiscard]] bool empty() const { return type == 0 || sectors == 0; }  // as libparted and Linux skip them
};

RawRecord record_at(std::span<const std::byte> sector, unsigned slot) {
    const std::size_t off = records_offset + 16 * slot;
    return {std::to_integer<std::uint8_t>(sector[off]), std::to_integer<std::uint8_t>(sector[off + 4]),
            get_le(sector, off + 8, 4), get_le(sector, off + 12, 4)};
}

bool has_signature(std::span<const std::byte> sector) { return get_le(sector, 510, 2) == 0xAA55; }

class ChainReader {
public:
    ChainReader(io::BlockSource& disk, unsigned ss) : disk_(disk), ss_(ss), sectors_(disk.size() / ss) {}

    Error damaged(const std::string& what) const {
        return make_error(Errc::damaged_image, "the MBR partition table of " + disk_.name() + " is damaged: " + what,
                          "check it with `sfdisk --verify " + disk_.name() + "`");
    }

    Result<std::vector<std::byte>> sector(std::uint64_t lba) const {
        std::vector<std::byte> s(ss_);
        if (auto r = disk_.read_at(lba * ss_, s); !r) return std::unexpected(r.error());
        return s;
    }

    Status primaries(std::span<const std::byte> mbr, Table& t) const {
        int extended = 0;
        for (unsigned slot = 0; slot < 4; ++slot) {
            const RawRecord r = record_at(mbr, slot);
            if (r.empty()) continue;
            const int number = static_cast<int>(slot) + 1;
            if (r.start == 0)
                return std::unexpected(
                    make_error(Errc::unsupported, cat("partition ", number, " of ", disk_.name(),
                                                      " starts at sector 0, over the MBR itself (an isohybrid image?): "
                                                      "Lifeboat cannot recreate such a table")));
            if (auto s = inside_disk(number, r.start, r.sectors); !s) return s;
            const bool ext = is_extended_type(r.type);
            if (ext && ++extended > 1)
                return std::unexpected(
                    make_error(Errc::unsupported, disk_.name() + " has more than one extended partition"));
            t.records.push_back({number, r.start, r.sectors, r.type, r.boot, ext ? "extended" : "primary", 0, slot});
        }
        return {};
    }

    // Follows the EBR chain of the extended partition `ext`.
    Status logicals(const Record& ext, Table& t) const {
        const std::uint64_t ext_last = ext.start + ext.sectors - 1;
        std::set<std::uint64_t> seen;
        int number = 5;
        for (std::uint64_t ebr = ext.start; ebr != 0;) {
            if (ebr < ext.start || ebr > ext_last)
                return std::unexpected(damaged(
                    cat("an EBR at sector ", ebr, " lies outside the extended partition ", ext.start, "..", ext_last)));
            if (!seen.insert(ebr).second)
                return std::unexpected(damaged(cat("the EBR chain loops back to sector ", ebr)));
            if (seen.size() > max_partitions || number > max_partitions)
                return std::unexpected(
                    make_error(Errc::unsupported, cat(disk_.name(), " has more than ", max_partitions, " partitions")));
            auto s = sector(ebr);
            if (!s) return std::unexpected(s.error());
            if (!has_signature(*s)) break;  // the end of the chain, for Linux and libparted alike
            t.ebrs.push_back(ebr);
            std::uint64_t next = 0;
            for (unsigned slot = 0; slot < 4; ++slot) {
                const RawRecord r = record_at(*s, slot);
                if (r.empty()) continue;
                if (is_extended_type(r.type)) {
                    if (next != 0)
                        return std::unexpected(make_error(
                            Errc::unsupported,
                            cat("the EBR at sector ", ebr, " of ", disk_.name(), " links to more than one next EBR")));
                    next = ext.start + r.start;
                    if (r.start == 0)
                        return std::unexpected(damaged(cat("the EBR at sector ", ebr, " links back to the first EBR")));
                    continue;
                }
                const std::uint64_t start = ebr + r.start;
                if (r.start == 0 || start > ext_last || r.sectors > ext_last - start + 1)
                    return std::unexpected(damaged(
                        cat("logical partition ", number, " (EBR at sector ", ebr, ", start +", r.start, ", ",
                            r.sectors, " sectors) is not inside the extended partition ", ext.start, "..", ext_last)));
                t.records.push_back({number++, start, r.sectors, r.type, r.boot, "logical", ebr, slot});
            }
            ebr = next;
        }
        return {};
    }

    // Primaries must not overlap each other; logicals neither, nor any EBR.
    Status no_overlaps(const Table& t) const {
        std::vector<const Record*> top;
        std::vector<const Record*> inner;
        for (const auto& r : t.records) (r.kind == "logical" ? inner : top).push_back(&r);
        for (auto* group : {&top, &inner}) {
            std::ranges::sort(*group, {}, &Record::start);
            for (std::size_t i = 1; i < group->size(); ++i) {
                const Record& a = *(*group)[i - 1];
                const Record& b = *(*group)[i];
                if (b.start < a.start + a.sectors)
                    return std::unexpected(damaged(cat("partitions ", a.number, " and ", b.number, " overlap")));
            }
        }
        for (const Record* r : inner)
            for (const std::uint64_t ebr : t.ebrs)
                if (ebr >= r->start && ebr < r->start + r->sectors)
                    return std::unexpected(
                        damaged(cat("logical partition ", r->number, " covers the EBR at sector ", ebr)));
        return {};
    }

private:
    Status inside_disk(int number, std::uint64_t start, std::uint64_t count) const {
        if (start >= sectors_ || count > sectors_ - start)
            return std::unexpected(damaged(cat("partition ", number, " (sectors ", start, "..", start + count - 1,
                                               ") ends past the end of the disk (", sectors_,
                                               " sectors): the disk or image is truncated")));
        return {};
    }

    io::BlockSource& disk_;
    unsigned ss_;
    std::uint64_t sectors_;
};

}  // namespace

bool is_extended_type(std::uint8_t type) { return type == 0x05 || type == 0x0f || type == 0x85; }

Result<Table> read_table(io::BlockSource& disk, unsigned sector_size) {
    if (sector_size < 512 || disk.size() / sector_size < 1)
        return std::unexpected(make_error(Errc::damaged_image, disk.name() + " is too small to hold an MBR"));
    ChainReader rd(disk, sector_size);
    auto mbr = rd.sector(0);
    if (!mbr) return std::unexpected(mbr.error());
    if (!has_signature(*mbr)) return std::unexpected(rd.damaged("sector 0 lacks the 0x55AA signature"));
    Table t;
    t.signature = static_cast<std::uint32_t>(get_le(*mbr, 440, 4));
    if (auto s = rd.primaries(*mbr, t); !s) return std::unexpected(s.error());
    const auto ext = std::ranges::find(t.records, std::string("extended"), &Record::kind);
    if (ext != t.records.end()) {
        const Record extended = *ext;  // logicals() appends to t.records
        if (auto s = rd.logicals(extended, t); !s) return std::unexpected(s.error());
    }
    if (auto s = rd.no_overlaps(t); !s) return std::unexpected(s.error());
    return t;
}

Status apply_patch(io::BlockSource& in, io::BlockSink& out, unsigned sector_size,
                   std::optional<std::uint32_t> signature, std::span<const RecordPatch> records) {
    auto table = read_table(in, sector_size);
    if (!table) return std::unexpected(table.error());
    ChainReader rd(in, sector_size);
    std::map<std::uint64_t, std::vector<std::byte>> sectors;  // the table sectors we change
    const auto load = [&](std::uint64_t lba) -> Result<std::vector<std::byte>*> {
        if (auto it = sectors.find(lba); it != sectors.end()) return &it->second;
        auto s = rd.sector(lba);
        if (!s) return std::unexpected(s.error());
        return &sectors.emplace(lba, std::move(*s)).first->second;
    };
    for (const RecordPatch& p : records) {
        const auto it = std::ranges::find_if(
            table->records, [&](const Record& r) { return r.start == p.start && r.sectors == p.sectors; });
        if (it == table->records.end())
            return std::unexpected(make_error(Errc::internal, cat("libparted wrote no record for sectors ", p.start,
                                                                  "..", p.start + p.sectors - 1, " on ", in.name())));
        auto s = load(it->table_lba);
        if (!s) return std::unexpected(s.error());
        const std::size_t off = records_offset + 16 * it->slot;
        (**s)[off] = static_cast<std::byte>(p.boot ? 0x80 : 0x00);
        (**s)[off + 4] = static_cast<std::byte>(p.type);
    }
    if (signature) {
        auto s = load(0);
        if (!s) return std::unexpected(s.error());
        for (std::size_t i = 0; i < 4; ++i) (**s)[440 + i] = static_cast<std::byte>((*signature >> (8 * i)) & 0xFF);
    }
    for (const auto& [lba, bytes] : sectors)
        if (auto w = out.write_at(lba * sector_size, bytes); !w) return w;
    return out.sync();
}

}  // namespace imager::disk::mbr
