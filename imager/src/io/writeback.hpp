// Starts the kernel writing a file's dirty pages while the writer goes on, in
// batches of 16 MiB, so the fsync at the end has little left to wait for. On a
// machine with a lot of RAM nothing would be written back before that fsync
// otherwise (the dirty limits are a share of memory). Advice only: a failure is
// ignored, and the final fsync still waits for everything.
// Used by restore (the target) and the volume writer (the image's files).
#pragma once

#include <fcntl.h>

#include <cstdint>

namespace imager::io {

class Writeback {
public:
    explicit Writeback(int fd = -1) : fd_(fd) {}  // not owned

    // `length` bytes were just written at `offset`.
    void written(std::uint64_t offset, std::uint64_t length) {
        if (offset != begin_ + length_) {
            kick();
            begin_ = offset;
        }
        length_ += length;
        if (length_ >= kBatch) kick();
    }

    // Starts writing what is pending now.
    void kick() {
        if (fd_ >= 0 && length_ > 0)
            (void)::sync_file_range(fd_, static_cast<off_t>(begin_), static_cast<off_t>(length_),
                                    SYNC_FILE_RANGE_WRITE);
        begin_ += length_;
        length_ = 0;
    }

private:
    static constexpr std::uint64_t kBatch = 16u << 20;
    int fd_;
    std::uint64_t begin_ = 0;
    std::uint64_t length_ = 0;
};

}  // namespace imager::io
