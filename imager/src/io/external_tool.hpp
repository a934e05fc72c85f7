// Running a filesystem's own tool (resize2fs, ntfsresize) on a byte range of
// a disk: the range is attached as a loop device, since the kernel may have
// no partition nodes for it, and mounted when the tool wants that
// (xfs_growfs). The tool itself runs through run_program
// (imager/programs.hpp), its output discarded.
#pragma once

#include "imager/programs.hpp"
#include "imager/result.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace imager::io {

enum class LoopAccess { read_write, read_only };

class LoopDevice {
public:
    // Attaches [offset, offset + size) of `backing`; detached when this object
    // dies, or (autoclear) when the last user goes if it is mounted then.
    static Result<LoopDevice> attach(const std::string& backing, std::uint64_t offset, std::uint64_t size,
                                     LoopAccess access = LoopAccess::read_write);
    LoopDevice(LoopDevice&& other) noexcept;
    LoopDevice& operator=(LoopDevice&&) = delete;
    LoopDevice(const LoopDevice&) = delete;
    ~LoopDevice();
    [[nodiscard]] const std::string& path() const { return path_; }
    // Writes what tools left in the device's cache to the backing file: a
    // tool's close does not, while this object holds the device open.
    [[nodiscard]] Status flush() const;

private:
    LoopDevice(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::string path_;
};

// A filesystem mounted on a fresh folder under /run/lifeboat/mounts (or on
// a folder `at` below it), nosuid, nodev, noexec: for a tool that works only
// on a mounted filesystem (xfs_growfs, btrfs filesystem resize), and for the
// network shares the kernel mounts (store/kernel_mount). Unmounted, and its
// folders removed, when this object dies.
class TemporaryMount {
public:
    // `source` mounted read-write by the kernel's `type`, with `options` (mount(2)'s data;
    // it may hold a password, so it never reaches an error message).
    static Result<TemporaryMount> mount(const std::string& source, const std::string& type,
                                        const std::string& options = "", const std::string& at = "");
    TemporaryMount(TemporaryMount&& other) noexcept
        : root_(std::exchange(other.root_, "")), path_(std::exchange(other.path_, "")) {}
    TemporaryMount& operator=(TemporaryMount&&) = delete;
    TemporaryMount(const TemporaryMount&) = delete;
    ~TemporaryMount();
    [[nodiscard]] const std::string& root() const { return root_; }  // the fresh folder
    [[nodiscard]] const std::string& path() const { return path_; }  // where the filesystem is: root + at
    // Unmounts now: whether the filesystem went (its last writes with it).
    [[nodiscard]] Status unmount();

private:
    TemporaryMount(std::string root, std::string path) : root_(std::move(root)), path_(std::move(path)) {}
    std::string root_;
    std::string path_;
};

}  // namespace imager::io
