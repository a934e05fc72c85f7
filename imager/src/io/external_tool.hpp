// Running a filesystem's own tool (resize2fs, ntfsresize) on a byte range of
// a disk: the range is attached as a loop device, since the kernel may have
// no partition nodes for it. The tool itself runs through run_program
// (imager/programs.hpp), its output discarded.
#pragma once

#include "imager/programs.hpp"
#include "imager/result.hpp"

#include <cstdint>
#include <string>
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


}  // namespace imager::io
