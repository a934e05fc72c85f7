// A disk's partition table as a value: what a whole-disk image records and
// what restore recreates. Read with libparted plus the raw GPT/MBR fields it
// does not expose (disk GUID, partition GUIDs, type GUIDs, attribute bits, MBR
// type ids and disk signature); written with libparted, then those fields are
// patched in and the GPT CRCs recomputed. Called by ops/ and the wizard.
#pragma once

#include "imager/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace imager::disk {

// The most partitions a table Lifeboat writes can hold: libparted writes GPTs
// of 128 entries; an msdos table holds at most 64 (libparted's MAX_TOTAL_PART).
inline constexpr unsigned kMaxPartitions = 128;
inline constexpr unsigned kMaxMsdosPartitions = 64;

struct PartitionEntry {
    int number = 0;
    std::uint64_t start_sector = 0;  // logical sectors
    std::uint64_t end_sector = 0;    // inclusive
    std::string type;                // GPT type GUID (lowercase) or MBR type id "0x83"
    std::string uuid;                // GPT unique partition GUID (lowercase); "" on MBR
    std::string name;                // GPT name; "" on MBR
    std::uint64_t attributes = 0;    // GPT attribute bits; MBR: 0x80 = boot indicator
    std::vector<std::string> flags;  // libparted's flag names, for people
    std::string kind;                // "primary", "extended", "logical" on MBR; "" on GPT

    [[nodiscard]] std::uint64_t sectors() const { return end_sector - start_sector + 1; }
};

struct DiskLayout {
    std::string label;  // "gpt" or "msdos"
    std::uint64_t size_bytes = 0;
    unsigned logical_sector_size = 512;
    unsigned physical_sector_size = 512;
    std::string disk_id;  // GPT disk GUID (lowercase) or MBR signature "0x1234abcd"
    std::uint64_t first_usable = 0;  // GPT: first and last usable LBA; MBR: 0
    std::uint64_t last_usable = 0;
    std::vector<PartitionEntry> partitions;  // in number order
};

// Where a table Lifeboat writes keeps its own sectors on a disk of
// `disk_bytes` with `sector_size`-byte logical sectors: a GPT of 128 entries of
// 128 bytes has its header and entry array at the start and both again at
// the end (34 and 33 sectors at 512 bytes, 6 and 5 at 4096); an msdos table
// only sector 0. The one place restore, --grow, capture and the wizard learn it.
struct TableGeometry {
    std::uint64_t first_usable = 0;    // the first sector a partition may start on
    std::uint64_t last_usable = 0;     // the last sector a partition may end on; 0: no room at all
    std::uint64_t backup_sectors = 0;  // the sectors the backup GPT takes at the disk's end
};
[[nodiscard]] TableGeometry table_geometry(const std::string& label, std::uint64_t disk_bytes, unsigned sector_size);

// Bytes a disk must hold for every partition of `layout` at its place and,
// for GPT, the backup table after the last one.
[[nodiscard]] std::uint64_t bytes_needed(const DiskLayout& layout);

// Reads the table of a device or image file. No table Lifeboat can recreate
// (not gpt/msdos) is an error of class unsupported; no table, not_found.
[[nodiscard]] Result<DiskLayout> read_layout(const std::string& path);

// Writes `layout` onto the device or file at `path` (which may be larger than
// layout.size_bytes; a GPT then gets its backup at the new end), so that
// read_layout(path) gives back the same partitions, types, GUIDs, names,
// attributes, flags and disk id. Touches only the table's own sectors: the
// MBR's boot code (bytes 0..439) and every byte outside the table stay as
// they were. Refuses a layout that does not fit in the target.
[[nodiscard]] Status write_layout(const std::string& path, const DiskLayout& layout);

// Every check write_layout makes before it writes, for a target of
// `target_bytes` with the layout's own sector size, named `target` in
// messages. Restore runs it while planning, verify against the image's own
// disk: a layout write_layout would refuse is refused before a byte is written.
[[nodiscard]] Status check_layout(const DiskLayout& layout, std::uint64_t target_bytes, const std::string& target);

}  // namespace imager::disk
