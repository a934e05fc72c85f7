// The partition table as libparted reads and writes it. This header and its
// .cpp are the only place that includes <parted/parted.h>; nothing
// parted-typed leaks out. libparted keeps global state (its device cache and
// exception handler), so every call here is serialised, and its questions are
// answered here, never by a person: a read declines every change, a write
// answers Fix only for the fresh table it is making and cancels on errors.
//
// What libparted 3.5 cannot do is done raw by gpt_raw and mbr_raw (see
// disk_layout.cpp): GPT type/unique GUIDs, attribute bits, disk GUID and
// names (libparted converts names through iconv with the locale's codeset,
// ASCII in the rescue system), MBR type ids and the disk signature.
#pragma once

#include "imager/disk_layout.hpp"
#include "imager/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace imager::disk {

struct PartedPartition {
    int number = 0;
    std::uint64_t start_sector = 0;  // logical sectors
    std::uint64_t end_sector = 0;    // inclusive
    std::string name;                // GPT name; empty where the label has none
    std::vector<std::string> flags;  // libparted's names: "boot", "esp", "bios_grub", ...
    std::string kind;                // msdos: "primary", "extended", "logical"; "" elsewhere
};

struct PartedDevice {
    unsigned logical_sector_size = 512;
    unsigned physical_sector_size = 512;
    std::uint64_t length_sectors = 0;  // whole logical sectors
};

struct PartedTable {
    std::string label;  // libparted's disk type name: "gpt", "msdos", ...
    unsigned logical_sector_size = 512;
    unsigned physical_sector_size = 512;
    std::uint64_t length_sectors = 0;
    std::vector<PartedPartition> partitions;
};

// Sector sizes and length of a device or image file, as libparted sees them
// (a regular file has 512-byte sectors). Reads no table.
[[nodiscard]] Result<PartedDevice> read_parted_device(const std::string& path);

// The name of the table libparted recognises ("gpt", "msdos", "loop" for a
// filesystem on the whole disk, ...), from its probe alone: unlike a full
// read, the probe never follows an MBR's EBR chain (libparted recurses
// through it without bound). No table: an error of class not_found.
[[nodiscard]] Result<std::string> probe_parted_label(const std::string& path);

// Reads the table on a device or image file without writing to it. A device
// without a table libparted recognises is an error of class not_found.
[[nodiscard]] Result<PartedTable> read_parted_table(const std::string& path);

// Creates a fresh `layout.label` table on `path` with every partition at
// exactly its sectors and number, sets libparted's flags, and commits it to
// the device only (no kernel re-read). Skips libparted's clobbering of other
// labels' signatures (it zeroes the first and last 9 KiB of the disk), so
// only the table's own sectors are written: for gpt the protective MBR's
// partition records (its boot code and signature are kept), LBA 1, the
// entries at LBA 2 and the backup entries and header at the end; for msdos
// sector 0 (libparted puts its own boot code into an MBR whose first byte is
// 0: the caller restores bytes 0..439) and one EBR per logical partition.
// Names, GUIDs, attributes and type ids are left to the raw patchers. The
// caller has validated the layout and checked that it fits.
[[nodiscard]] Status write_parted_table(const std::string& path, const DiskLayout& layout);

}  // namespace imager::disk
