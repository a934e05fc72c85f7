// The partition table as libparted reads it. This header and its .cpp are the
// only place that includes <parted/parted.h>; nothing parted-typed leaks out.
// libparted keeps global state (its device cache and exception handler), so
// every call here is serialised.
#pragma once

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
};

struct PartedTable {
    std::string label;  // libparted's disk type name: "gpt", "msdos", ...
    unsigned logical_sector_size = 512;
    std::vector<PartedPartition> partitions;
};

// Reads the table on a device or image file without writing to it. A device
// without a table libparted recognises is an error of class not_found.
[[nodiscard]] Result<PartedTable> read_parted_table(const std::string& path);

}  // namespace imager::disk
