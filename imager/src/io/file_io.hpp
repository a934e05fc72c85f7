// The system calls every reader and writer of files and devices here shares:
// an open that never waits, and reads and writes that are whole or fail.
// Used by block_source (devices and files), the local store (image volumes)
// and the verified mark.
#pragma once

#include "imager/result.hpp"

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace imager::io {

struct OpenedFile {
    int fd = -1;  // the caller's to close
    struct stat st {};
};

// open(2) with `flags`, that waits neither for a FIFO's writer nor for a
// drive's medium (opened O_NONBLOCK, which is cleared again once open), then
// fstat(2). The caller checks the type in `st`.
[[nodiscard]] Result<OpenedFile> open_file(const std::string& path, int flags);

// What read_fully() returns when the file ends before the buffer is full.
inline constexpr int kEndOfFile = -1;

// pread(2) until `buffer` is full: 0, an errno, or kEndOfFile.
[[nodiscard]] int read_fully(int fd, std::uint64_t offset, std::span<std::byte> buffer);

// write(2) until every byte is written: 0 or an errno.
[[nodiscard]] int write_fully(int fd, std::span<const std::byte> data);

}  // namespace imager::io
