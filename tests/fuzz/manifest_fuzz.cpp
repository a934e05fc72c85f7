// The manifest (docs/FORMAT.md, "Manifest"): the JSON every reader trusts
// once format::parse_manifest and format::ImageReader have checked it.
// Input: the manifest's bytes, exactly. It is parsed alone
// (format::parse_manifest); then a complete image is built around it with
// every seal valid and an index that agrees with it: for each stream the
// manifest declares, records covering its used bytes (a stored chunk, a zstd
// chunk and a zero run, as capture writes them), so that an image whose
// manifest is consistent opens and reaches the restore plan, the layout
// checks and verify. Then every command runs on it (fuzz_support.hpp).
#include "fuzz_support.hpp"
#include "imager/manifest.hpp"

#include <zstd.h>

namespace {

namespace format = imager::format;

fuzz::Bytes pattern(std::uint64_t length, std::uint64_t seed) {
    fuzz::Bytes b(static_cast<std::size_t>(length));
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>((i * 31 + seed * 7) % 251);
    return b;
}

// Records for [offset, offset + length) of `stream`: data first (at most
// 2 KiB stored, then at most 2 KiB as a zstd frame), the rest a zero run.
void cover(std::vector<fuzz::Chunk>& out, std::uint16_t stream, std::uint64_t length) {
    std::uint64_t at = 0;
    for (const auto kind : {format::RecordKind::stored, format::RecordKind::zstd}) {
        const std::uint64_t n = std::min<std::uint64_t>(length - at, 2048);
        if (n == 0) return;
        fuzz::Chunk c;
        c.record.stream = stream;
        c.record.offset = at;
        c.record.length = n;
        c.record.kind = kind;
        const fuzz::Bytes data = pattern(n, stream + at);
        c.record.hash = format::hash128(data);
        if (kind == format::RecordKind::stored) {
            c.stored = data;
        } else {
            c.stored.resize(ZSTD_compressBound(data.size()));
            const std::size_t size = ZSTD_compress(c.stored.data(), c.stored.size(), data.data(), data.size(), 1);
            if (ZSTD_isError(size)) fuzz::fail("zstd could not compress a test chunk");
            c.stored.resize(size);
        }
        out.push_back(std::move(c));
        at += n;
    }
    if (at < length) {
        fuzz::Chunk z;
        z.record.stream = stream;
        z.record.offset = at;
        z.record.length = length - at;
        z.record.kind = format::RecordKind::zeros;
        out.push_back(std::move(z));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    auto manifest = format::parse_manifest(json);
    fuzz::check(manifest, "parse_manifest");

    std::vector<fuzz::Chunk> chunks;
    if (manifest) {
        std::vector<const format::Stream*> streams;
        for (const auto& s : manifest->streams) streams.push_back(&s);
        std::ranges::stable_sort(streams, {}, &format::Stream::id);  // the index is sorted by stream
        for (const format::Stream* s : streams)
            if (s->used_bytes <= s->size) cover(chunks, s->id, s->used_bytes);
    }

    fuzz::Scratch::get().clear();
    const fuzz::Bytes logical = fuzz::build_logical(json, std::move(chunks));
    const std::string image = fuzz::write_volumes(fuzz::split_volumes(logical, {}));
    fuzz::run_image_commands(image, size);
    return 0;
}
