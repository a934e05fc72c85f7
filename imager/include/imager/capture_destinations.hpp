// Where a capture can write its image: the filesystems on the machine's other
// disks. Listing them writes nothing: mount_all() mounts each one READ-ONLY
// (discovery::mount_read_only(): a read-only loop device at its offset on the
// whole disk, so no partition node is needed and the kernel cannot write to
// the disk, not even to replay an ext4 journal, which it skips with noload)
// under base/<name> (sdc1, nvme0n1p2) with nodev,nosuid,noexec, and reads its
// free space with statvfs. A filesystem someone mounted already is used where
// it is when it is mounted read-write, refused (with the reason) when it is
// mounted read-only. Only when the capture starts is the ONE chosen
// destination made writable: make_writable() unmounts this mounter's
// read-only mount of it and mounts it read-write through a read-write loop at
// the same offset on the same mount point. Nothing else is ever mounted
// read-write; nothing on the excluded disk (the one being captured) is ever
// mounted, nor anything on a read-only disk. unmount_all() (and the
// destructor) unmounts what this mounted, newest first. Needs root.
// Called by the wizard's Capture (recovery/capture_core_adapter.cpp).
#pragma once

#include "imager/devices.hpp"
#include "imager/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace imager {

struct WritableFilesystem {
    std::string disk;        // /dev/sdc
    int partition = 0;       // 0: the filesystem fills the whole disk
    std::string name;        // sdc1, or sdc
    std::string type;        // as libblkid names it
    std::string label;
    std::string mountpoint;
    // true: mounted here, read-only until make_writable(); false: someone else
    // had mounted it read-write, used where it is and left alone
    bool mounted_here = false;
    std::uint64_t free_bytes = 0;   // what a writer may use (f_bavail: root's reserve left out)
    std::uint64_t size_bytes = 0;
};

class WritableMounter {
public:
    explicit WritableMounter(std::string base = "/run/lifeboat/capture", devices::SystemPaths paths = {});
    ~WritableMounter();
    WritableMounter(const WritableMounter&) = delete;
    WritableMounter& operator=(const WritableMounter&) = delete;

    // Mounts read-only every filesystem on `disks` except `exclude_disk`'s
    // that the running kernel can write, and gives each one's free space;
    // what cannot be used is said in `problems` ("sdb1 (ntfs): mounted
    // read-only at /media/x").
    [[nodiscard]] std::vector<WritableFilesystem> mount_all(const std::vector<devices::Device>& disks,
                                                            const std::string& exclude_disk,
                                                            std::vector<std::string>& problems);
    // The capture's destination, `mountpoint` as mount_all() gave it, made
    // writable: this mounter's read-only mount is replaced by a read-write one
    // (read-write loop at the same offset, same mount point); someone else's
    // mount must still be read-write. True when it was mounted read-write
    // now, false when it was writable already (someone else's, or done
    // before). On failure the error says why and what to do, and a mount of
    // ours is put back read-only when it can be.
    [[nodiscard]] Result<bool> make_writable(const std::string& mountpoint);
    void unmount_all();

private:
    struct Mount {
        std::string mountpoint;
        std::string name;  // sdc1
        std::string disk;
        std::string type;  // libblkid's name
        std::uint64_t offset = 0;
        std::uint64_t size = 0;
        bool writable = false;
    };
    std::string base_;
    devices::SystemPaths paths_;
    std::vector<Mount> mounted_;  // oldest first
};

}  // namespace imager
