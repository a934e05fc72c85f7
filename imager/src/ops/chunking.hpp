// Turning source bytes into index records: zero runs become holes, the rest
// is compressed (or stored as is where zstd would not make it smaller) and
// hashed. Pure functions over buffers; capture runs them on every core.
#pragma once

#include "format/layout.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace imager::ops {

inline constexpr std::size_t kZeroBlock = 4096;
// Shorter zero runs stay inside data chunks: zstd shrinks them to nothing,
// and splitting would cost a frame each.
inline constexpr std::size_t kMinZeroRun = 64 * 1024;

struct Piece {
    format::IndexRecord record;      // offset, length, kind, hash (stored_* filled by the writer)
    std::vector<std::byte> stored;   // empty for zero runs
};

struct Range {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool zero = false;
};

// Splits `data` into alternating data and zero ranges (zero ranges >= kMinZeroRun).
[[nodiscard]] std::vector<Range> split_zero_runs(std::span<const std::byte> data);

// Compresses one range with the caller's context; picks stored when smaller.
class ChunkPacker {
public:
    explicit ChunkPacker(int level);
    ~ChunkPacker();
    ChunkPacker(const ChunkPacker&) = delete;
    ChunkPacker& operator=(const ChunkPacker&) = delete;

    // Pieces for `data`, which starts at `offset` of `stream`.
    [[nodiscard]] Result<std::vector<Piece>> pack(std::uint16_t stream, std::uint64_t offset,
                                                  std::span<const std::byte> data);

private:
    struct Context;
    Context* context_;
    int level_;
};

}  // namespace imager::ops
