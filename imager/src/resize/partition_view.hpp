// A partition as its filesystem's own tools see it while it is resized during
// a restore: one file, served through FUSE by this process, as large as the
// partition was on the source. Its first `window` bytes are the target's
// partition (restored there already); the rest is read from the image, on
// demand, and what a tool writes there stays in memory. resize2fs or
// ntfsresize shrink the filesystem into the window; what lies past it is then
// dropped. Without a target the whole file is the image, writes kept in memory:
// a filesystem's minimum size is measured so, writing nothing. docs/SHRINK.md.
#pragma once

#include "format/image_file.hpp"
#include "imager/result.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace imager::resize {

// Where the view's first bytes live on the target.
struct TargetWindow {
    std::string target;       // the restore's target: a block device or a file
    std::uint64_t offset = 0;  // the partition's start on it
    std::uint64_t length = 0;  // the partition's new size there
};

class PartitionView {
public:
    // Serves stream `stream` of `image` (a partition's or a filesystem's) until
    // this object dies; the image must outlive it. Needs /dev/fuse and root.
    static Result<std::unique_ptr<PartitionView>> open(const format::ImageReader& image, std::uint16_t stream,
                                                       std::optional<TargetWindow> window);
    virtual ~PartitionView() = default;
    // The file the tools are given.
    [[nodiscard]] virtual const std::string& path() const = 0;
    // Bytes written past the window, held in memory (what a shrink needed of it).
    [[nodiscard]] virtual std::uint64_t overflow_bytes() const = 0;
    // The first error reading the image or the target (a damaged chunk): the
    // tool saw EIO; this says why.
    [[nodiscard]] virtual std::optional<Error> failure() const = 0;
};

}  // namespace imager::resize
