// Raw GPT reading, validation and patching (see gpt_raw.hpp for what is
// patched and why). Layout of a header (UEFI 2.x, 5.3.2), little-endian:
// 0 "EFI PART", 8 revision, 12 header size, 16 header CRC32, 24 my LBA,
// 32 alternate LBA, 40 first usable, 48 last usable, 56 disk GUID,
// 72 entries LBA, 80 entry count, 84 entry size, 88 entries CRC32. An entry:
// 0 type GUID, 16 unique GUID, 32 first LBA, 40 last LBA, 48 attributes,
// 56 name (36 UTF-16LE code units).
#include "disk/gpt_raw.hpp"
#include "disk/text.hpp"

#include <algorithm>
#include <cstring>

namespace imager::disk::gpt {

namespace {

constexpr std::size_t min_header_size = 92;
constexpr std::uint32_t max_entry_count = 8192;  // libparted asserts on more
constexpr std::uint32_t max_entry_size = 4096;
constexpr std::uint64_t max_array_bytes = 4 << 20;

constexpr std::array<std::uint32_t, 256> make_crc_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}
constexpr auto crc_table = make_crc_table();

std::uint64_t get_le(std::span<const std::byte> b, std::size_t off, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | std::to_integer<std::uint64_t>(b[off + i]);
    return v;
}
void put_le(std::span<std::byte> b, std::size_t off, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i, v >>= 8) b[off + i] = static_cast<std::byte>(v & 0xFF);
}
Guid get_guid(std::span<const std::byte> b, std::size_t off) {
    Guid g{};
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = std::to_integer<std::uint8_t>(b[off + i]);
    return g;
}
void put_guid(std::span<std::byte> b, std::size_t off, const Guid& g) {
    for (std::size_t i = 0; i < g.size(); ++i) b[off + i] = static_cast<std::byte>(g[i]);
}

struct RawHeader {
    Header h;
    std::vector<std::byte> sector;
    std::uint64_t array_sectors = 0;
};

class Reader {
public:
    Reader(io::BlockSource& disk, unsigned sector_size)
        : disk_(disk), ss_(sector_size), sectors_(disk.size() / sector_size) {}

    Error damaged(const std::string& what) const {
        return make_error(Errc::damaged_image, "the GPT of " + disk_.name() + " is damaged: " + what,
                          "check it with `sgdisk -v " + disk_.name() +
                              "`; gdisk's recovery menu can rebuild one damaged copy of a GPT from the other");
    }
    Error unsupported(const std::string& what) const {
        return make_error(Errc::unsupported, "the GPT of " + disk_.name() + " " + what);
    }

    Result<RawHeader> header(std::uint64_t lba) const {
        RawHeader r;
        r.sector.resize(ss_);
        if (lba >= sectors_)
            return std::unexpected(damaged(cat("its header at LBA ", lba, " lies past the end of the disk (", sectors_,
                                               " sectors): the disk or image is truncated")));
        if (auto s = disk_.read_at(lba * ss_, r.sector); !s) return std::unexpected(s.error());
        const std::span<const std::byte> b = r.sector;
        if (std::memcmp(b.data(), "EFI PART", 8) != 0)
            return std::unexpected(damaged(cat("no GPT header at LBA ", lba)));
        const auto size = get_le(b, 12, 4);
        if (size < min_header_size || size > ss_)
            return std::unexpected(damaged(cat("the header at LBA ", lba, " claims ", size, " bytes")));
        std::vector<std::byte> copy(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(size));
        put_le(copy, 16, 0, 4);
        const auto stored = static_cast<std::uint32_t>(get_le(b, 16, 4));
        if (const auto computed = crc32(copy); computed != stored)
            return std::unexpected(damaged(cat("the header at LBA ", lba, " fails its CRC check (stored ",
                                               hex(stored, 8), ", computed ", hex(computed, 8), ")")));
        Header& h = r.h;
        h.my_lba = get_le(b, 24, 8);
        h.alternate_lba = get_le(b, 32, 8);
        h.first_usable = get_le(b, 40, 8);
        h.last_usable = get_le(b, 48, 8);
        h.disk_guid = get_guid(b, 56);
        h.entries_lba = get_le(b, 72, 8);
        h.entry_count = static_cast<std::uint32_t>(get_le(b, 80, 4));
        h.entry_size = static_cast<std::uint32_t>(get_le(b, 84, 4));
        h.entries_crc = static_cast<std::uint32_t>(get_le(b, 88, 4));
        if (h.my_lba != lba)
            return std::unexpected(damaged(cat("the header at LBA ", lba, " says it is at LBA ", h.my_lba)));
        if (auto s = check_geometry(r); !s) return std::unexpected(s.error());
        return r;
    }

    Result<std::vector<std::byte>> entries(const RawHeader& r, const char* which) const {
        std::vector<std::byte> bytes(std::size_t{r.h.entry_count} * r.h.entry_size);
        if (auto s = disk_.read_at(r.h.entries_lba * ss_, bytes); !s) return std::unexpected(s.error());
        if (const auto computed = crc32(bytes); computed != r.h.entries_crc)
            return std::unexpected(damaged(cat("the ", which, " partition entries at LBA ", r.h.entries_lba,
                                               " fail their CRC check (stored ", hex(r.h.entries_crc, 8), ", computed ",
                                               hex(computed, 8), ")")));
        return bytes;
    }

    [[nodiscard]] std::uint64_t sectors() const { return sectors_; }

private:
    Status check_geometry(RawHeader& r) const {
        const Header& h = r.h;
        if (h.entry_count == 0 || h.entry_size < 128 || h.entry_size % 8 != 0)
            return std::unexpected(damaged(cat("the header at LBA ", h.my_lba, " describes ", h.entry_count,
                                               " entries of ", h.entry_size, " bytes")));
        if (h.entry_count > max_entry_count || h.entry_size > max_entry_size ||
            std::uint64_t{h.entry_count} * h.entry_size > max_array_bytes)
            return std::unexpected(
                unsupported(cat("has ", h.entry_count, " entries of ", h.entry_size, " bytes; Lifeboat reads at most ",
                                max_entry_count, " entries of at most ", max_entry_size, " bytes")));
        r.array_sectors = (std::uint64_t{h.entry_count} * h.entry_size + ss_ - 1) / ss_;
        if (h.entries_lba < 2 || h.entries_lba >= sectors_ || r.array_sectors > sectors_ - h.entries_lba ||
            (h.my_lba >= h.entries_lba && h.my_lba < h.entries_lba + r.array_sectors))
            return std::unexpected(damaged(cat("the header at LBA ", h.my_lba, " puts its entries at LBA ",
                                               h.entries_lba, ", outside the disk or over a header")));
        if (h.first_usable > h.last_usable || h.last_usable >= sectors_)
            return std::unexpected(
                damaged(cat("the usable area ", h.first_usable, "..", h.last_usable, " of the header at LBA ", h.my_lba,
                            " is not inside the disk (", sectors_, " sectors)")));
        return {};
    }

    io::BlockSource& disk_;
    unsigned ss_;
    std::uint64_t sectors_;
};

bool overlaps(std::uint64_t a_first, std::uint64_t a_last, std::uint64_t b_first, std::uint64_t b_last) {
    return a_first <= b_last && b_first <= a_last;
}

// Both copies read, checked against each other and against the usable area.
struct RawTable {
    RawHeader primary;
    RawHeader backup;
    std::vector<std::byte> entries;
};

Result<RawTable> read_raw(io::BlockSource& disk, unsigned ss) {
    if (ss < 512 || ss > 65536 || (ss & (ss - 1)) != 0)
        return std::unexpected(make_error(Errc::unsupported, cat(disk.name(), " has ", ss, "-byte sectors")));
    Reader rd(disk, ss);
    if (rd.sectors() < 6) return std::unexpected(rd.damaged("the disk is too small to hold a GPT"));
    RawTable t;
    auto primary = rd.header(1);
    if (!primary) return std::unexpected(primary.error());
    t.primary = std::move(*primary);
    const Header& p = t.primary.h;
    if (p.alternate_lba <= 1 || p.alternate_lba >= rd.sectors())
        return std::unexpected(rd.damaged(cat("the backup header's LBA ", p.alternate_lba, " is not inside the disk (",
                                              rd.sectors(), " sectors): the disk or image is truncated")));
    auto entries = rd.entries(t.primary, "primary");
    if (!entries) return std::unexpected(entries.error());
    t.entries = std::move(*entries);
    auto backup = rd.header(p.alternate_lba);
    if (!backup) return std::unexpected(backup.error());
    t.backup = std::move(*backup);
    const Header& b = t.backup.h;
    if (b.alternate_lba != 1)
        return std::unexpected(rd.damaged(cat("the backup header points to LBA ", b.alternate_lba, ", not 1")));
    if (auto backup_entries = rd.entries(t.backup, "backup"); !backup_entries)
        return std::unexpected(backup_entries.error());
    if (b.disk_guid != p.disk_guid || b.first_usable != p.first_usable || b.last_usable != p.last_usable ||
        b.entry_count != p.entry_count || b.entry_size != p.entry_size || b.entries_crc != p.entries_crc)
        return std::unexpected(rd.damaged("the primary and backup copies disagree"));

    // The usable area must not hold the table's own sectors.
    const std::array<std::pair<std::uint64_t, std::uint64_t>, 5> own{{
        {0, 1},
        {p.entries_lba, p.entries_lba + t.primary.array_sectors - 1},
        {b.my_lba, b.my_lba},
        {b.entries_lba, b.entries_lba + t.backup.array_sectors - 1},
        {p.alternate_lba, p.alternate_lba},
    }};
    for (const auto& [first, last] : own)
        if (overlaps(first, last, p.first_usable, p.last_usable))
            return std::unexpected(rd.damaged(cat("the usable area ", p.first_usable, "..", p.last_usable,
                                                  " overlaps the table's own sectors ", first, "..", last)));
    return t;
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// One code point from UTF-8 at `i` (advanced); nullopt when malformed.
std::optional<char32_t> next_utf8(std::string_view s, std::size_t& i) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    char32_t c = 0;
    char32_t min = 0;
    if (lead < 0x80) return ++i, char32_t{lead};
    if ((lead & 0xE0) == 0xC0)
        n = 1, c = lead & 0x1F, min = 0x80;
    else if ((lead & 0xF0) == 0xE0)
        n = 2, c = lead & 0x0F, min = 0x800;
    else if ((lead & 0xF8) == 0xF0)
        n = 3, c = lead & 0x07, min = 0x10000;
    else
        return std::nullopt;
    if (s.size() - i <= n) return std::nullopt;
    for (std::size_t k = 1; k <= n; ++k) {
        const auto cont = static_cast<unsigned char>(s[i + k]);
        if ((cont & 0xC0) != 0x80) return std::nullopt;
        c = (c << 6) | (cont & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return std::nullopt;
    i += n + 1;
    return c;
}

}  // namespace

std::uint32_t crc32(std::span<const std::byte> data) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (const std::byte b : data) c = crc_table[(c ^ std::to_integer<std::uint32_t>(b)) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

std::string guid_to_text(const Guid& g) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3], g[2],
                  g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    return buf;
}

std::optional<Guid> guid_from_text(std::string_view text) {
    // Byte index for each pair of hex digits, in text order.
    static constexpr std::array<std::size_t, 16> order{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    if (text.size() != 36) return std::nullopt;
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    Guid g{};
    std::size_t pos = 0;
    for (std::size_t k = 0; k < 16; ++k) {
        if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
            if (text[pos] != '-') return std::nullopt;
            ++pos;
        }
        const int hi = hex(text[pos]);
        const int lo = hex(text[pos + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        g[order[k]] = static_cast<std::uint8_t>(hi * 16 + lo);
        pos += 2;
    }
    return g;
}

bool is_zero(const Guid& guid) {
    return std::ranges::all_of(guid, [](std::uint8_t b) { return b == 0; });
}

std::string name_to_utf8(std::span<const std::byte> raw) {
    std::string out;
    const std::size_t units = raw.size() / 2;
    for (std::size_t i = 0; i < units; ++i) {
        const auto u = static_cast<char32_t>(get_le(raw, 2 * i, 2));
        if (u == 0) break;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
            const auto low = static_cast<char32_t>(get_le(raw, 2 * i + 2, 2));
            if (low >= 0xDC00 && low <= 0xDFFF) {
                append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
                ++i;
                continue;
            }
        }
        append_utf8(out, (u >= 0xD800 && u <= 0xDFFF) ? char32_t{0xFFFD} : u);
    }
    return out;
}

std::optional<RawName> name_from_utf8(std::string_view utf8) {
    RawName raw{};
    std::size_t unit = 0;
    const auto put = [&](char32_t u) {
        if (unit >= name_bytes / 2) return false;
        put_le(raw, 2 * unit++, u, 2);
        return true;
    };
    for (std::size_t i = 0; i < utf8.size();) {
        const auto c = next_utf8(utf8, i);
        if (!c || *c == 0) return std::nullopt;
        const bool ok =
            *c < 0x10000 ? put(*c) : put(0xD800 + ((*c - 0x10000) >> 10)) && put(0xDC00 + ((*c - 0x10000) & 0x3FF));
        if (!ok) return std::nullopt;
    }
    return raw;
}

bool has_protective_mbr(std::span<const std::byte> sector0) {
    if (sector0.size() < 512 || get_le(sector0, 510, 2) != 0xAA55) return false;
    for (std::size_t slot = 0; slot < 4; ++slot)
        if (std::to_integer<std::uint8_t>(sector0[446 + 16 * slot + 4]) == 0xEE) return true;
    return false;
}

Result<Table> read_table(io::BlockSource& disk, unsigned sector_size) {
    auto raw = read_raw(disk, sector_size);
    if (!raw) return std::unexpected(raw.error());
    Reader rd(disk, sector_size);
    Table t{raw->primary.h, raw->backup.h, {}};
    const Header& h = t.primary;
    for (std::uint32_t i = 0; i < h.entry_count; ++i) {
        const std::span<const std::byte> e =
            std::span<const std::byte>(raw->entries).subspan(std::size_t{i} * h.entry_size, 128);
        Entry entry;
        entry.type = get_guid(e, 0);
        if (is_zero(entry.type)) continue;
        entry.number = static_cast<int>(i) + 1;
        entry.unique = get_guid(e, 16);
        entry.first_lba = get_le(e, 32, 8);
        entry.last_lba = get_le(e, 40, 8);
        entry.attributes = get_le(e, 48, 8);
        entry.name = name_to_utf8(e.subspan(56, name_bytes));
        if (entry.first_lba > entry.last_lba || entry.first_lba < h.first_usable || entry.last_lba > h.last_usable)
            return std::unexpected(
                rd.damaged(cat("partition ", entry.number, " (sectors ", entry.first_lba, "..", entry.last_lba,
                               ") is not inside the usable area ", h.first_usable, "..", h.last_usable)));
        t.entries.push_back(std::move(entry));
    }
    std::vector<const Entry*> by_start;
    for (const auto& e : t.entries) by_start.push_back(&e);
    std::ranges::sort(by_start, {}, &Entry::first_lba);
    for (std::size_t i = 1; i < by_start.size(); ++i)
        if (by_start[i]->first_lba <= by_start[i - 1]->last_lba)
            return std::unexpected(
                rd.damaged(cat("partitions ", by_start[i - 1]->number, " and ", by_start[i]->number, " overlap")));
    return t;
}

Status apply_patch(io::BlockSource& in, io::BlockSink& out, unsigned sector_size, const Patch& patch) {
    auto raw = read_raw(in, sector_size);
    if (!raw) return std::unexpected(raw.error());
    const Header& h = raw->primary.h;
    const auto bad = [&](const std::string& what) {
        return std::unexpected(
            make_error(Errc::internal, "patching the GPT libparted wrote on " + in.name() + ": " + what));
    };
    std::span<std::byte> entries = raw->entries;
    for (const EntryPatch& p : patch.entries) {
        if (p.number < 1 || static_cast<std::uint32_t>(p.number) > h.entry_count)
            return bad(cat("it has no entry ", p.number));
        const auto e = entries.subspan(static_cast<std::size_t>(p.number - 1) * h.entry_size, 128);
        if (is_zero(get_guid(e, 0))) return bad(cat("entry ", p.number, " is not in use"));
        put_guid(e, 0, p.type);
        if (p.unique) put_guid(e, 16, *p.unique);
        put_le(e, 48, p.attributes, 8);
        std::memcpy(e.data() + 56, p.name.data(), name_bytes);
    }
    const std::uint32_t entries_crc = crc32(entries);
    for (RawHeader* r : {&raw->primary, &raw->backup}) {
        std::span<std::byte> b = r->sector;
        if (patch.disk_guid) put_guid(b, 56, *patch.disk_guid);
        if (patch.first_usable) put_le(b, 40, *patch.first_usable, 8);
        put_le(b, 88, entries_crc, 4);
        put_le(b, 16, 0, 4);
        put_le(b, 16, crc32(b.first(get_le(b, 12, 4))), 4);
    }
    const std::uint64_t ss = sector_size;
    for (const auto& [offset, bytes] :
         {std::pair{raw->primary.h.entries_lba * ss, std::span<const std::byte>(entries)},
          std::pair{raw->backup.h.entries_lba * ss, std::span<const std::byte>(entries)},
          std::pair{raw->primary.h.my_lba * ss, std::span<const std::byte>(raw->primary.sector)},
          std::pair{raw->backup.h.my_lba * ss, std::span<const std::byte>(raw->backup.sector)}})
        if (auto s = out.write_at(offset, bytes); !s) return s;
    return out.sync();
}

}  // namespace imager::disk::gpt
