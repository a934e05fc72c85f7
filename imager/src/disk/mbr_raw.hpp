// The MBR and its chain of EBRs as bytes: what libparted 3.5 does not let us
// set exactly.
//
// read_table() parses sector 0 and follows the extended partition's EBR chain
// (bounded, loop-checked, every EBR and logical partition inside the extended
// partition, nothing past the end of the disk, no overlaps) and returns each
// record's type id, boot indicator and absolute geometry, numbered as Linux
// and libparted number them (primaries by slot 1..4, logicals 5, 6, ... in
// chain order). An EBR without the 0x55AA signature ends the chain, as it
// does for Linux and libparted. Errors are Errc::damaged_image or unsupported.
//
// apply_patch() rewrites, in a table libparted has just written, the fields
// libparted cannot set exactly: each record's type id (libparted derives it
// from a filesystem type and its flags, so 0x07 becomes 0x83, 0x0c loses its
// LBA form, and so on), each boot indicator (libparted's "boot" flag allows
// only one), and the disk signature at bytes 440..443 (libparted keeps a
// non-zero one or makes a random one). Records are found by their geometry.
// Called by disk_layout.cpp.
#pragma once

#include "imager/result.hpp"
#include "io/block_source.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace imager::disk::mbr {

struct Record {
    int number = 0;
    std::uint64_t start = 0;    // absolute LBA
    std::uint64_t sectors = 0;  // > 0
    std::uint8_t type = 0;
    std::uint8_t boot = 0;        // the raw boot indicator byte
    std::string kind;             // "primary", "extended", "logical"
    std::uint64_t table_lba = 0;  // the sector holding the record: 0 or an EBR
    unsigned slot = 0;            // 0..3 in that sector
};

struct Table {
    std::uint32_t signature = 0;
    std::vector<Record> records;      // primaries by number, then logicals in chain order
    std::vector<std::uint64_t> ebrs;  // the EBRs in chain order
};

[[nodiscard]] bool is_extended_type(std::uint8_t type);

[[nodiscard]] Result<Table> read_table(io::BlockSource& disk, unsigned sector_size);

struct RecordPatch {
    std::uint64_t start = 0;
    std::uint64_t sectors = 0;
    std::uint8_t type = 0;
    bool boot = false;
};

// Patches the table on `in` (the same disk as `out`); a record patch that
// matches no record is an internal error. `signature` nullopt keeps it.
[[nodiscard]] Status apply_patch(io::BlockSource& in, io::BlockSink& out, unsigned sector_size,
                                 std::optional<std::uint32_t> signature, std::span<const RecordPatch> records);

}  // namespace imager::disk::mbr
