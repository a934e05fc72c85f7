// What is on a device or image file, read by libblkid from the bytes
// themselves: the partition table and each partition's filesystem, probed at
// the partition's offset on the whole device (no partition nodes needed).
#pragma once

#include "imager/devices.hpp"

#include <optional>
#include <string>
#include <vector>

namespace imager::devices {

struct Contents {
    std::string table_type;  // "gpt", "dos", ""
    std::string table_id;
    std::vector<Partition> partitions;       // number, start, size, type, name, uuid, kind, filesystem
    std::optional<Filesystem> filesystem;    // a filesystem on the whole device (no table)
};

// Reads through an open descriptor so one open serves every probe.
[[nodiscard]] Result<Contents> probe_contents(int fd, const std::string& path_for_messages);

// The filesystem at [offset, offset + size) of fd, if libblkid recognises one.
[[nodiscard]] std::optional<Filesystem> probe_filesystem(int fd, std::uint64_t offset, std::uint64_t size);

// A signature libblkid finds, as `wipefs` lists them: the magic bytes of a
// filesystem's, RAID or LVM member's superblock, or of a partition table.
struct Signature {
    std::string type;         // "ext4", "linux_raid_member", "LVM2_member", "gpt", "PMBR", ...
    std::uint64_t offset = 0; // of the magic bytes, from the start of fd
    std::uint64_t length = 0; // of the magic bytes
};

// Every signature in [offset, offset + size) of fd, as the kernel's view of a
// partition there (or of the whole device) would show them to blkid -p and
// wipefs, checksums wrong or right.
[[nodiscard]] Result<std::vector<Signature>> find_signatures(int fd, std::uint64_t offset, std::uint64_t size);

}  // namespace imager::devices
