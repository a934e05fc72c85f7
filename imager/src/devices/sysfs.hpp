// The kernel's view of block devices, read from sysfs: sizes, sector sizes,
// identity (model, serial), transport, and loop-device backing. Partitions
// listed here exist only where the kernel parsed the table; discovery uses
// them solely to attribute mounts of partition nodes, never as the layout.
#pragma once

#include "imager/devices.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace imager::devices::sysfs {

struct LoopInfo {
    std::string backing_file;  // as the kernel reports it
    std::uint64_t offset = 0;
    std::uint64_t size_limit = 0;  // 0 = to the end of the backing file
};

struct KernelPartition {
    std::string name;  // sda1
    int number = 0;
    std::uint64_t start = 0;  // bytes
    std::uint64_t size = 0;   // bytes
    dev_t devnum = 0;
};

struct BlockDevice {
    std::string name;  // sda
    dev_t devnum = 0;
    std::uint64_t size = 0;
    unsigned logical_sector_size = 512;
    unsigned physical_sector_size = 512;
    std::string model;
    std::string serial;
    Transport transport = Transport::unknown;
    bool removable = false;
    bool read_only = false;
    bool is_loop = false;
    LoopInfo loop;  // meaningful when is_loop
    std::vector<KernelPartition> partitions;
};

// Whole devices under SYS/block in name order, except ram/zram disks,
// unattached loops and empty non-removable devices (unconnected nbd).
[[nodiscard]] std::vector<BlockDevice> scan(const std::string& sys_root);

// The entry for one kernel name (sda), if sysfs has it.
[[nodiscard]] Result<BlockDevice> read_device(const std::string& sys_root, const std::string& name);

// The entry in one sysfs directory (/sys/block/sda, /sys/dev/block/8:1).
[[nodiscard]] Result<BlockDevice> read_device_dir(const std::string& sys_dir);

// The transport implied by a device's resolved sysfs path and name.
[[nodiscard]] Transport transport_from_path(const std::string& resolved_path, const std::string& name);

// The serial number in a SCSI VPD page 0x80 (unit serial number) blob.
[[nodiscard]] std::string serial_from_vpd80(const std::string& page);

}  // namespace imager::devices::sysfs
