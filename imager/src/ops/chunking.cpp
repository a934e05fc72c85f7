#include "ops/chunking.hpp"


#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getCParams, for the level's table sizes
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>

namespace imager::ops {

namespace {

bool all_zero(std::span<const std::byte> block) {
    if (block.empty()) return true;
    // Zero iff the first byte is and every byte equals its successor.
    return block[0] == std::byte{0} && std::memcmp(block.data(), block.data() + 1, block.size() - 1) == 0;
}

Error zstd_error(std::size_t code) {
    return make_error(Errc::internal, std::string("zstd: ") + ZSTD_getErrorName(code));
}

}  // namespace

std::vector<Range> split_zero_runs(std::span<const std::byte> data) {
    std::vector<Range> ranges;
    std::size_t data_begin = 0;  // start of the current data range
    std::size_t pos = 0;
    while (pos < data.size()) {
        const std::size_t n = std::min(kZeroBlock, data.size() - pos);
        if (!all_zero(data.subspan(pos, n))) {
            pos += n;
            continue;
        }
        std::size_t run_end = pos + n;
        while (run_end < data.size()) {
            const std::size_t m = std::min(kZeroBlock, data.size() - run_end);
            if (!all_zero(data.subspan(run_end, m))) break;
            run_end += m;
        }
        if (run_end - pos >= kMinZeroRun || (pos == 0 && run_end == data.size())) {
            if (pos > data_begin) ranges.push_back({data_begin, pos, false});
            ranges.push_back({pos, run_end, true});
            data_begin = run_end;
        }
        pos = run_end;
    }
    if (data_begin < data.size()) ranges.push_back({data_begin, data.size(), false});
    return ranges;
}

ZstdTuning tuning_for(int level, std::size_t chunk_size) {
    ZstdTuning t;
    const int chunk_log = std::bit_width(std::max<std::size_t>(chunk_size, 2) - 1);  // ceil(log2)
    const auto params = ZSTD_getCParams(level, chunk_size, 0);
    // Every level up to 19 would otherwise cut the window below a 4 MiB chunk
    // (level 3: 2 MiB), losing every match reaching further back.
    if (static_cast<int>(params.windowLog) < chunk_log) t.window_log = chunk_log;
    // Level 3's (dfast) long-match table is sized for its own window; one step
    // larger for the doubled window wins back what independent chunks cost
    // against one stream (docs/PERFORMANCE.md), for about 5% more CPU.
    if (params.strategy == ZSTD_dfast && t.window_log != 0) t.hash_log_add = 1;
    return t;
}

struct ChunkPacker::Context {
    ZSTD_CCtx* cctx = nullptr;
};

ChunkPacker::ChunkPacker(int level, std::size_t chunk_size) : context_(new Context{ZSTD_createCCtx()}) {
    auto* c = context_->cctx;
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
    const auto tuning = tuning_for(level, chunk_size);
    const auto params = ZSTD_getCParams(level, chunk_size, 0);
    if (tuning.window_log) ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, tuning.window_log);
    if (tuning.hash_log_add)
        ZSTD_CCtx_setParameter(c, ZSTD_c_hashLog, static_cast<int>(params.hashLog) + tuning.hash_log_add);
}

ChunkPacker::~ChunkPacker() {
    ZSTD_freeCCtx(context_->cctx);
    delete context_;
}

Status ChunkPacker::pack(std::uint16_t stream, std::uint64_t offset, std::span<const std::byte> data,
                         format::Buffer& stored, std::vector<Piece>& pieces) {
    for (const auto& range : split_zero_runs(data)) {
        Piece piece;
        piece.record.stream = stream;
        piece.record.offset = offset + range.begin;
        piece.record.length = range.end - range.begin;
        if (range.zero) {
            piece.record.kind = format::RecordKind::zeros;
            pieces.push_back(piece);
            continue;
        }
        const auto bytes = data.subspan(range.begin, range.end - range.begin);
        piece.record.hash = format::hash128(bytes);
        piece.stored_at = stored.size();
        if (stored.capacity() - stored.size() < bytes.size())
            return std::unexpected(make_error(Errc::internal, "a chunk's stored bytes do not fit their buffer"));
        std::byte* out = stored.data() + stored.size();
        // Room for one byte less than the data: zstd fails when it cannot make it smaller.
        const std::size_t n =
            ZSTD_compress2(context_->cctx, out, bytes.size() - 1, bytes.data(), bytes.size());
        if (!ZSTD_isError(n)) {
            piece.record.kind = format::RecordKind::zstd;
            piece.stored_size = n;
        } else if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) {
            // Incompressible: storing it saves the decompression later.
            piece.record.kind = format::RecordKind::stored;
            piece.stored_size = bytes.size();
            std::memcpy(out, bytes.data(), bytes.size());
        } else {
            return std::unexpected(zstd_error(n));
        }
        stored.resize(stored.size() + piece.stored_size);
        pieces.push_back(piece);
    }
    return {};
}

}  // namespace imager::ops
