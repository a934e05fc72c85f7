// The GPT as bytes: what libparted 3.5 reads but offers no API to set.
//
// read_table() parses and validates both headers and entry arrays of a
// possibly hostile disk (signatures, header and entries-array CRC32s, entry
// counts and sizes bounded, every LBA inside the disk, usable area clear of
// the table's own sectors, entries inside the usable area and not
// overlapping) and returns Errc::damaged_image or unsupported with a message
// naming the disk, never reading out of bounds. It runs before libparted sees
// the table, so libparted's assertions never meet a hostile one.
//
// apply_patch() rewrites, in BOTH copies of a table libparted has just
// written, the fields libparted 3.5 cannot set: the disk GUID (libparted
// makes a random one), each entry's type GUID (libparted only knows the types
// behind its flags), unique GUID (random), attribute bits (only bits 0 and 2,
// through its "hidden"/"legacy_boot" flags) and name (libparted converts names
// through iconv with nl_langinfo(CODESET), which is ASCII in the C locale of
// the rescue system and the tests, so non-ASCII names are lost), and the first
// usable LBA; then recomputes the entries-array CRC and both header CRCs.
// Called by disk_layout.cpp; tests craft tables with crc32().
#pragma once

#include "imager/result.hpp"
#include "io/block_source.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imager::disk::gpt {

using Guid = std::array<std::uint8_t, 16>;  // as stored on disk
constexpr std::size_t name_bytes = 72;      // 36 UTF-16LE code units
using RawName = std::array<std::byte, name_bytes>;

// The IEEE CRC-32 (zlib's crc32) the UEFI specification uses.
[[nodiscard]] std::uint32_t crc32(std::span<const std::byte> data);

// Lowercase text in the usual mixed-endian form ("c12a7328-f81f-11d2-...",
// what `sgdisk -i` shows, lowercased), and back (either case). nullopt: not a
// GUID.
[[nodiscard]] std::string guid_to_text(const Guid& guid);
[[nodiscard]] std::optional<Guid> guid_from_text(std::string_view text);
[[nodiscard]] bool is_zero(const Guid& guid);

// The name field (UTF-16LE up to the first NUL) as UTF-8; an unpaired
// surrogate becomes U+FFFD. And back: nullopt when `utf8` is not valid UTF-8
// or needs more than 36 code units.
[[nodiscard]] std::string name_to_utf8(std::span<const std::byte> raw);
[[nodiscard]] std::optional<RawName> name_from_utf8(std::string_view utf8);

struct Header {
    std::uint64_t my_lba = 0;
    std::uint64_t alternate_lba = 0;
    std::uint64_t first_usable = 0;
    std::uint64_t last_usable = 0;
    std::uint64_t entries_lba = 0;
    std::uint32_t entry_count = 0;
    std::uint32_t entry_size = 0;
    std::uint32_t entries_crc = 0;
    Guid disk_guid{};
};

struct Entry {
    int number = 0;  // index in the array + 1
    Guid type{};
    Guid unique{};
    std::uint64_t first_lba = 0;
    std::uint64_t last_lba = 0;
    std::uint64_t attributes = 0;
    std::string name;  // UTF-8
};

struct Table {
    Header primary;
    Header backup;
    std::vector<Entry> entries;  // the used ones, in number order
};

// Whether sector 0 is a protective (or hybrid) MBR: 0x55AA and a record of
// type 0xEE. Such a disk is read as a GPT.
[[nodiscard]] bool has_protective_mbr(std::span<const std::byte> sector0);

[[nodiscard]] Result<Table> read_table(io::BlockSource& disk, unsigned sector_size);

struct EntryPatch {
    int number = 0;
    Guid type{};
    std::optional<Guid> unique;  // nullopt: keep libparted's
    std::uint64_t attributes = 0;
    RawName name{};
};

struct Patch {
    std::optional<Guid> disk_guid;              // nullopt: keep libparted's
    std::optional<std::uint64_t> first_usable;  // nullopt: keep
    std::vector<EntryPatch> entries;            // each must be a used entry
};

// Patches the valid table on `in` (the same disk as `out`) as described at the
// top of this file. The entries not named keep their bytes.
[[nodiscard]] Status apply_patch(io::BlockSource& in, io::BlockSink& out, unsigned sector_size, const Patch& patch);

}  // namespace imager::disk::gpt
