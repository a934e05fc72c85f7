// Forging images as an attacker would, for the tests of what a reader checks:
// a real image taken apart (volume header and header, manifest, chunks, index
// records, trailer), changed, and put together again with every offset that
// follows from the change and every seal (the hashes of the volume header,
// header, manifest, index and trailer) computed anew, so that each change
// reaches the checks behind the seals. Single-volume images only.
#pragma once

#include "format/layout.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace forge {

namespace format = imager::format;
using Bytes = std::vector<std::byte>;

inline constexpr std::size_t kVol = format::kVolumeHeaderSize;  // logical offset 0 is file offset kVol

inline std::uint64_t get(const Bytes& b, std::size_t at, int width) {
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i) v |= std::to_integer<std::uint64_t>(b[at + i]) << (8 * i);
    return v;
}

inline void put(Bytes& b, std::size_t at, int width, std::uint64_t v) {
    for (int i = 0; i < width; ++i) b[at + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}

// [kVol + offset, + length) lies inside the file.
inline bool inside(const Bytes& b, std::uint64_t offset, std::uint64_t length) {
    return offset <= b.size() - kVol && length <= b.size() - kVol - offset;
}

inline void seal(Bytes& b, std::size_t at, std::size_t from, std::size_t length) {
    const auto h = format::hash128(std::span<const std::byte>(b).subspan(from, length));
    std::copy(h.begin(), h.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
}

// Every hash that guards the structure, computed again over what is there now.
inline void reseal(Bytes& b) {
    if (b.size() < kVol + format::kHeaderSize + format::kTrailerSize) return;
    seal(b, 48, 0, 48);
    const std::uint64_t manifest_at = get(b, kVol + 56, 8), manifest_size = get(b, kVol + 64, 8);
    if (inside(b, manifest_at, manifest_size)) seal(b, kVol + 72, kVol + manifest_at, manifest_size);
    seal(b, kVol + 240, kVol, 240);
    const std::size_t t = b.size() - format::kTrailerSize;
    const std::uint64_t index_at = get(b, t + 32, 8), index_size = get(b, t + 40, 8);
    if (inside(b, index_at, index_size)) seal(b, t + 72, kVol + index_at, index_size);
    seal(b, t + 88, kVol, format::kHeaderSize);
    seal(b, t + 112, t, 112);
}

// The pieces of a well-formed single-volume image.
struct Parts {
    Bytes head;      // volume header and header
    std::string manifest;
    Bytes chunks;    // from the manifest's end to the index
    std::vector<Bytes> records;
    Bytes trailer;
};

inline Parts split(const Bytes& b) {
    Parts p;
    const std::uint64_t manifest_at = get(b, kVol + 56, 8), manifest_size = get(b, kVol + 64, 8);
    const std::size_t t = b.size() - format::kTrailerSize;
    const std::uint64_t index_at = get(b, t + 32, 8), index_size = get(b, t + 40, 8);
    const auto at = [&](std::uint64_t logical) { return b.begin() + static_cast<std::ptrdiff_t>(kVol + logical); };
    p.head.assign(b.begin(), at(manifest_at));
    for (auto it = at(manifest_at); it != at(manifest_at + manifest_size); ++it)
        p.manifest += static_cast<char>(std::to_integer<unsigned char>(*it));
    p.chunks.assign(at(manifest_at + manifest_size), at(index_at));
    for (std::uint64_t r = 0; r < index_size / format::kRecordSize; ++r)
        p.records.emplace_back(at(index_at + r * format::kRecordSize), at(index_at + (r + 1) * format::kRecordSize));
    p.trailer.assign(b.begin() + static_cast<std::ptrdiff_t>(t), b.end());
    return p;
}

// The pieces put together again with every offset and size that follows from
// them (a new manifest moves the chunks; the index may have more or fewer records).
inline Bytes join(Parts p, std::uint64_t old_manifest_size) {
    const std::uint64_t moved = p.manifest.size() - old_manifest_size;  // modulo 2^64: adding it moves either way
    put(p.head, kVol + 64, 8, p.manifest.size());
    Bytes b = p.head;
    for (char c : p.manifest) b.push_back(static_cast<std::byte>(c));
    b.insert(b.end(), p.chunks.begin(), p.chunks.end());
    const std::uint64_t index_at = b.size() - kVol;
    for (auto& r : p.records) {
        if (std::to_integer<int>(r[30]) != static_cast<int>(format::RecordKind::zeros))
            put(r, 16, 8, get(r, 16, 8) + moved);
        b.insert(b.end(), r.begin(), r.end());
    }
    put(p.trailer, 32, 8, index_at);
    put(p.trailer, 40, 8, p.records.size() * format::kRecordSize);
    put(p.trailer, 48, 8, p.records.size());
    put(p.trailer, 56, 8, b.size() + format::kTrailerSize - kVol);
    b.insert(b.end(), p.trailer.begin(), p.trailer.end());
    reseal(b);
    return b;
}

inline void write(const std::string& path, const Bytes& b) {
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace forge
