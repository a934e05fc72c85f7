// Discovery: what disks this machine has and what is on them, read-only.
// Sources: sysfs for the kernel's view of each device (size, sector sizes,
// model, serial, transport), libblkid for what is *on* the device (partition
// table read from the device itself, filesystems probed at each partition's
// offset), /proc for what is in use (mounts, swap, loop backing files).
// Partitions never come from sysfs alone: a rescue kernel may not have parsed
// the table (or holds a stale view), so the table on the device is the truth.
// Called by the CLI (`lifeboat disks`), the wizard and the target guards.
#pragma once

#include "imager/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imager::devices {

enum class Transport { unknown, nvme, sata, scsi, usb, virtio, mmc, loop, file };
[[nodiscard]] const char* transport_name(Transport t);

struct Filesystem {
    std::string type;   // as libblkid names it: "ext4", "vfat", "ntfs", "swap", ...
    std::string label;
    std::string uuid;
    std::string version;  // e.g. "FAT32", "1.0"; may be empty
};

struct Partition {
    int number = 0;
    std::uint64_t start = 0;  // bytes from the start of the disk
    std::uint64_t size = 0;   // bytes
    std::string type;         // GPT type GUID, or MBR type id as "0x83"
    std::string name;         // GPT partition name; empty on MBR
    std::string uuid;         // GPT partition GUID, or MBR "SIGNATURE-NN"
    std::string kind;         // "primary", "extended", "logical" (MBR); "" on GPT
    std::vector<std::string> flags;  // from libparted: "boot", "esp", "bios_grub", ...
    std::optional<Filesystem> filesystem;
    std::vector<std::string> mountpoints;  // where it is mounted, if anywhere
    bool swap_active = false;
};

struct Device {
    std::string path;  // /dev/sda, /dev/loop0, or an image file's path
    std::string name;  // kernel name (sda), or the file name for an image
    std::uint64_t size = 0;  // bytes
    unsigned logical_sector_size = 512;
    unsigned physical_sector_size = 512;
    std::string model;
    std::string serial;
    Transport transport = Transport::unknown;
    bool removable = false;
    bool read_only = false;
    std::string backing_file;  // loop devices: the file (or device) behind it
    // Loop devices: the backing file is a block device (a loop at a partition's
    // offset on a disk, as the wizard makes to mount): not a disk of its own.
    bool backed_by_device = false;

    std::string table_type;  // "gpt", "dos", or "" when there is no table
    std::string table_id;    // disk GUID (gpt) or "0x1234abcd" signature (dos)
    std::optional<Filesystem> filesystem;  // a filesystem on the whole device
    std::vector<Partition> partitions;
    std::vector<std::string> mountpoints;  // the whole device mounted directly
    bool swap_active = false;               // the whole device used as swap
    std::string probe_error;  // why the contents could not be read, if they could not

    // True when anything on the device is mounted or used as swap.
    [[nodiscard]] bool in_use() const;
};

// Where discovery looks. Tests point these at a fake tree.
struct SystemPaths {
    std::string sys = "/sys";
    std::string proc = "/proc";
    std::string dev = "/dev";
};

// Every block device the kernel exposes except ram and zram disks and
// unattached loop devices, in kernel-name order. A device whose contents cannot
// be read is still listed, with probe_error set.
[[nodiscard]] Result<std::vector<Device>> list_devices(const SystemPaths& paths = {});

// One device node or disk-image file, described the same way.
[[nodiscard]] Result<Device> describe(const std::string& path, const SystemPaths& paths = {});

}  // namespace imager::devices

namespace imager::devices {
// A person's name for a partition type ("EFI System", "Linux swap"), or "" if unknown.
[[nodiscard]] std::string partition_type_name(const std::string& type);
// "476.9 GiB": binary units, one decimal.
[[nodiscard]] std::string human_size(std::uint64_t bytes);
// A size a person typed -> bytes: "4000M", "4G", "30.5 GiB", "512K", "1048576"
// (binary units, K to T, with or without "iB"/"B"; a fraction rounded down to a
// byte); 0 when it is not a size.
[[nodiscard]] std::uint64_t parse_size(std::string_view text);
}  // namespace imager::devices

namespace imager::devices {
// True when reading `file` needs `device`: the file is the device (or, for a
// block device, one of its partitions or a loop over it), or lies on
// a filesystem whose device is `device`, one of its partitions, or a loop
// device stacked on any of those (or on a file that itself lies on them).
// The restore guards use it so a restore never overwrites its own image.
[[nodiscard]] bool reads_from(const std::string& file, const std::string& device, const SystemPaths& paths = {});
}  // namespace imager::devices
