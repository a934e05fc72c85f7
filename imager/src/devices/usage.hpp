// What is in use, and where on which device: mounts (/proc/self/mountinfo,
// including btrfs and FUSE mounts, whose device is named only by the mount
// source), active swap (/proc/swaps), followed through loop devices so that a
// partition mounted via `losetup -o OFFSET` counts as mounted, just as one
// mounted via its kernel partition node does. Byte ranges are relative to the
// device (or image file) they are reported for.
#pragma once

#include "devices/sysfs.hpp"

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace imager::devices {

struct Use {
    std::uint64_t start = 0;  // bytes into the device the use was found on
    std::uint64_t size = 0;   // 0 = to the end
    std::string mountpoint;   // empty for swap
    bool swap = false;
};

// What a file or device is, as stat() identifies it, for matching loop backing.
struct Identity {
    bool block = false;
    dev_t rdev = 0;  // for block devices
    dev_t dev = 0;   // for files: the filesystem holding it...
    ino_t ino = 0;   // ...and its inode
    [[nodiscard]] bool operator==(const Identity&) const = default;
};

[[nodiscard]] Result<Identity> identify(const std::string& path);

// A loop's backing_file as a path: the kernel appends " (deleted)" once unlinked.
[[nodiscard]] std::string strip_deleted(std::string path);

class UsageMap {
public:
    // Reads mountinfo, swaps and the loop devices once.
    static UsageMap load(const SystemPaths& paths, const std::vector<sysfs::BlockDevice>& devices);

    // Every use of the device or file `target`, with partition nodes and
    // loop devices stacked on it resolved to byte ranges on it. For a loop
    // device, also the uses of its backing file or device that overlap it
    // (another loop over the same bytes, mounted, uses them too).
    [[nodiscard]] std::vector<Use> uses_of(const Identity& target) const;

    // Parsers, public for tests.
    struct Mount {
        dev_t devnum = 0;  // 0:N for btrfs and FUSE: load() resolves it from source
        std::string mountpoint;
        std::string source;  // the mount source ("/dev/loop3"), unescaped
    };
    [[nodiscard]] static std::vector<Mount> parse_mountinfo(const std::string& text);
    [[nodiscard]] static std::vector<std::string> parse_swaps(const std::string& text);

private:
    void collect(const Identity& target, std::uint64_t base, std::vector<Use>& out, int depth) const;
    void collect_shared(const Identity& target, std::vector<Use>& out, int depth) const;

    struct Loop {
        Identity backing;
        dev_t devnum = 0;
        std::uint64_t offset = 0;
        std::uint64_t size_limit = 0;
    };
    struct Node {
        dev_t devnum = 0;         // a partition node...
        dev_t parent = 0;         // ...of this whole device
        std::uint64_t start = 0;  // at this byte offset
        std::uint64_t size = 0;
    };
    std::vector<Mount> mounts_;
    std::vector<dev_t> swap_devices_;
    std::vector<Loop> loops_;
    std::vector<Node> partition_nodes_;
};

}  // namespace imager::devices
