// Running a filesystem's own tool (resize2fs, ntfsresize) on a byte range of
// a disk: the range is attached as a loop device, since the kernel may have
// no partition nodes for it. The tool's output goes to /dev/null: the core
// does not print; its exit status is returned.
#pragma once

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

private:
    LoopDevice(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::string path_;
};

// True when `program` is found on PATH.
[[nodiscard]] bool have_program(const std::string& program);
// Runs argv[0] (found on PATH) with its output discarded; the exit status.
[[nodiscard]] Result<int> run_program(const std::vector<std::string>& argv);

}  // namespace imager::io
