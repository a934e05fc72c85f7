#include "ops/chunking.hpp"

#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace imager::ops {

namespace {

bool all_zero(std::span<const std::byte> block) {
    if (block.empty()) return true;
    // Zero iff the first byte is and every byte equals its successor.
    return block[0] == std::byte{0} && std::memcmp(block.data(), block.data() + 1, block.size() - 1) == 0;
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

struct ChunkPacker::Context {
    ZSTD_CCtx* cctx = nullptr;
};

ChunkPacker::ChunkPacker(int level) : context_(new Context{ZSTD_createCCtx()}), level_(level) {
    ZSTD_CCtx_setParameter(context_->cctx, ZSTD_c_compressionLevel, level_);
    ZSTD_CCtx_setParameter(context_->cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(context_->cctx, ZSTD_c_contentSizeFlag, 1);
}

ChunkPacker::~ChunkPacker() {
    ZSTD_freeCCtx(context_->cctx);
    delete context_;
}

Result<std::vector<Piece>> ChunkPacker::pack(std::uint16_t stream, std::uint64_t offset,
                                             std::span<const std::byte> data) {
    std::vector<Piece> pieces;
    for (const auto& range : split_zero_runs(data)) {
        Piece piece;
        piece.record.stream = stream;
        piece.record.offset = offset + range.begin;
        piece.record.length = range.end - range.begin;
        if (range.zero) {
            piece.record.kind = format::RecordKind::zeros;
            pieces.push_back(std::move(piece));
            continue;
        }
        const auto bytes = data.subspan(range.begin, range.end - range.begin);
        piece.record.hash = format::hash128(bytes);
        piece.stored.resize(ZSTD_compressBound(bytes.size()));
        const std::size_t n =
            ZSTD_compress2(context_->cctx, piece.stored.data(), piece.stored.size(), bytes.data(), bytes.size());
        if (ZSTD_isError(n))
            return std::unexpected(make_error(Errc::internal, std::string("zstd: ") + ZSTD_getErrorName(n)));
        if (n < bytes.size()) {
            piece.record.kind = format::RecordKind::zstd;
            piece.stored.resize(n);
        } else {  // incompressible: storing it saves the decompression later
            piece.record.kind = format::RecordKind::stored;
            piece.stored.assign(bytes.begin(), bytes.end());
        }
        pieces.push_back(std::move(piece));
    }
    return pieces;
}

}  // namespace imager::ops
