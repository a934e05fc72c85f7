// Turning source bytes into index records: zero runs become holes, the rest
// is compressed (or stored as is where zstd would not make it smaller) and
// hashed. Pure functions over buffers; capture runs them on every core, one
// ChunkPacker per worker.
#pragma once

#include "format/buffer_pool.hpp"
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
    format::IndexRecord record;   // offset, length, kind, hash (stored_* filled by the writer)
    std::size_t stored_at = 0;    // where its stored bytes are in the job's stored buffer
    std::size_t stored_size = 0;  // 0 for zero runs
};

struct Range {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool zero = false;
};

// Splits `data` into alternating data and zero ranges (zero ranges >= kMinZeroRun).
[[nodiscard]] std::vector<Range> split_zero_runs(std::span<const std::byte> data);

// The zstd parameters of a chunk: the level's, with a window as large as a
// chunk (so a match may reach back to the chunk's first byte) and, for the
// dfast levels (3 and 4), the hash table one size larger to match that window.
// Plain zstd frames all the same: any decoder reads them. docs/PERFORMANCE.md
// has the measurements.
struct ZstdTuning {
    int window_log = 0;    // 0: the level's own
    int hash_log_add = 0;  // added to the level's hashLog
};
[[nodiscard]] ZstdTuning tuning_for(int level, std::size_t chunk_size);

// Compresses ranges with the caller's context; picks stored when smaller.
class ChunkPacker {
public:
    ChunkPacker(int level, std::size_t chunk_size);
    ~ChunkPacker();
    ChunkPacker(const ChunkPacker&) = delete;
    ChunkPacker& operator=(const ChunkPacker&) = delete;

    // Appends the pieces of `data`, which starts at `offset` of `stream`, to
    // `pieces`, their stored bytes to `stored` (whose capacity must hold every
    // byte of data packed into it: a stored piece is never larger than its data).
    [[nodiscard]] Status pack(std::uint16_t stream, std::uint64_t offset, std::span<const std::byte> data,
                              format::Buffer& stored, std::vector<Piece>& pieces);

private:
    struct Context;
    Context* context_;
};

}  // namespace imager::ops
