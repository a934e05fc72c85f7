// Where a capture can write its image: the filesystems on the machine's other
// disks, mounted read-write. Each partition is reached through a loop device
// at its offset on the whole disk (the kernel may have no partition nodes),
// mounted under base/<name> (sdc1, nvme0n1p2) with nodev,nosuid,noexec. A
// filesystem someone mounted already is used where it is when it is mounted
// read-write. Nothing on the excluded disk (the one being captured) is ever
// mounted, nor anything on a read-only disk. unmount_all() (and the
// destructor) unmounts what this mounted, newest first. Needs root.
// Called by the wizard's Capture (recovery/capture_core_adapter.cpp).
#pragma once

#include "imager/devices.hpp"

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
    bool mounted_here = false;  // false: someone else had mounted it; left alone
    std::uint64_t free_bytes = 0;   // what a writer may use (f_bavail: root's reserve left out)
    std::uint64_t size_bytes = 0;
};

class WritableMounter {
public:
    explicit WritableMounter(std::string base = "/run/lifeboat/capture", devices::SystemPaths paths = {});
    ~WritableMounter();
    WritableMounter(const WritableMounter&) = delete;
    WritableMounter& operator=(const WritableMounter&) = delete;

    // Mounts read-write every filesystem the running kernel knows on `disks`
    // except `exclude_disk`'s; what cannot be used is said in `problems`
    // ("sdb1 (ntfs): mounted read-only at /media/x").
    [[nodiscard]] std::vector<WritableFilesystem> mount_all(const std::vector<devices::Device>& disks,
                                                            const std::string& exclude_disk,
                                                            std::vector<std::string>& problems);
    void unmount_all();

private:
    std::string base_;
    devices::SystemPaths paths_;
    std::vector<std::string> mounted_;  // mount points, oldest first
};

}  // namespace imager
