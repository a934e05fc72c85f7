// Positioned reads and writes on block devices, regular files and memory.
// Everything above io/ reads and writes through these, so filesystems and the
// image engine are tested on files and memory without root. Reads and writes
// are whole: a short read or write is an error, never a partial success.
#pragma once

#include "imager/result.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace imager::io {

class BlockSource {
public:
    virtual ~BlockSource() = default;
    [[nodiscard]] virtual std::uint64_t size() const = 0;
    [[nodiscard]] virtual const std::string& name() const = 0;  // for messages
    // Fills `buffer` from `offset`; reading past size() is an error.
    [[nodiscard]] virtual Status read_at(std::uint64_t offset, std::span<std::byte> buffer) = 0;
};

class BlockSink {
public:
    virtual ~BlockSink() = default;
    [[nodiscard]] virtual std::uint64_t size() const = 0;
    [[nodiscard]] virtual const std::string& name() const = 0;
    [[nodiscard]] virtual Status write_at(std::uint64_t offset, std::span<const std::byte> data) = 0;
    // Makes [offset, offset + length) read back as zeros (BLKZEROOUT on a
    // device, fallocate or written zeros on a file). Never just "skipped".
    [[nodiscard]] virtual Status zero_range(std::uint64_t offset, std::uint64_t length) = 0;
    // Tells the device the range is unused (BLKDISCARD / punch hole); contents undefined after.
    [[nodiscard]] virtual Status discard_range(std::uint64_t offset, std::uint64_t length) = 0;
    [[nodiscard]] virtual Status sync() = 0;
};

// A block device or regular file opened read-only.
[[nodiscard]] Result<std::unique_ptr<BlockSource>> open_source(const std::string& path);
// A block device or regular file opened for writing (not created, not truncated).
[[nodiscard]] Result<std::unique_ptr<BlockSink>> open_sink(const std::string& path);

// A block device held open with O_EXCL. While it is held the kernel refuses the
// device to every other exclusive opener: a mount, an md array or LVM over it, a
// second Lifeboat. Ordinary opens (the sink, libparted) still work. A regular
// file is not claimed.
class ExclusiveClaim {
public:
    ExclusiveClaim() = default;
    explicit ExclusiveClaim(int fd) : fd_(fd) {}
    ExclusiveClaim(ExclusiveClaim&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    ExclusiveClaim& operator=(ExclusiveClaim&& other) noexcept;
    ~ExclusiveClaim() { release(); }
    void release();

private:
    int fd_ = -1;
};
// Errc::target_in_use when something else holds the device.
[[nodiscard]] Result<ExclusiveClaim> claim_exclusive(const std::string& path);

// Bytes in memory, for tests.
class MemorySource final : public BlockSource {
public:
    explicit MemorySource(std::vector<std::byte> bytes, std::string name = "memory");
    [[nodiscard]] std::uint64_t size() const override { return bytes_.size(); }
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] Status read_at(std::uint64_t offset, std::span<std::byte> buffer) override;

private:
    std::vector<std::byte> bytes_;
    std::string name_;
};

// A window [offset, offset + size) of another source: a partition read by
// offset on the whole disk, with no partition node.
class SliceSource final : public BlockSource {
public:
    SliceSource(BlockSource& base, std::uint64_t offset, std::uint64_t size);
    [[nodiscard]] std::uint64_t size() const override { return size_; }
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] Status read_at(std::uint64_t offset, std::span<std::byte> buffer) override;

private:
    BlockSource& base_;
    std::uint64_t offset_;
    std::uint64_t size_;
    std::string name_;
};

}  // namespace imager::io
