// The on-disk structures of docs/FORMAT.md and their little-endian encoding.
// Encoders produce exactly the bytes the spec lists; decoders check magic,
// sizes and self-hashes and return damaged_image (or unsupported for a newer
// version) with a message saying which structure failed.
#pragma once

#include "imager/result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace imager::format {

inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::uint32_t kChunkSize = 4u << 20;
inline constexpr std::uint32_t kHashXxh3_128 = 1;
inline constexpr std::size_t kVolumeHeaderSize = 64;
inline constexpr std::size_t kHeaderSize = 256;
inline constexpr std::size_t kRecordSize = 48;
inline constexpr std::size_t kTrailerSize = 128;
inline constexpr std::uint64_t kKnownRequiredFeatures = 0;
// Optional feature bit 0: every record also sits in the data area, in a frame
// before its chunk, so the image can be read front to back from a pipe.
inline constexpr std::uint64_t kFeatureRecordsInline = 1;
inline constexpr std::size_t kFrameSize = 64;

using Uuid = std::array<std::byte, 16>;
using Hash128 = std::array<std::byte, 16>;

[[nodiscard]] Hash128 hash128(std::span<const std::byte> data);
[[nodiscard]] std::string uuid_text(const Uuid& uuid);
[[nodiscard]] Uuid random_uuid();

struct VolumeHeader {
    std::uint32_t version = kFormatVersion;
    std::uint32_t number = 1;
    Uuid image_uuid{};
    std::uint64_t logical_offset = 0;
};

struct Header {
    std::uint32_t version = kFormatVersion;
    std::uint64_t required_features = 0;
    std::uint64_t optional_features = 0;
    Uuid image_uuid{};
    std::uint32_t chunk_size = kChunkSize;
    std::uint32_t hash_algorithm = kHashXxh3_128;
    std::uint64_t manifest_offset = kHeaderSize;
    std::uint64_t manifest_size = 0;
    Hash128 manifest_hash{};
    // With records in line: every volume file but the last is this long (0: one volume).
    std::uint64_t volume_size = 0;
};

enum class RecordKind : std::uint8_t { zstd = 1, stored = 2, zeros = 3 };

struct IndexRecord {
    std::uint64_t offset = 0;  // within the stream
    std::uint64_t length = 0;  // uncompressed
    std::uint64_t stored_offset = 0;
    std::uint32_t stored_size = 0;
    std::uint16_t stream = 0;
    RecordKind kind = RecordKind::zstd;
    Hash128 hash{};
};

// A record's frame in the data area, or the end frame after the last one.
struct Frame {
    bool end = false;
    IndexRecord record;             // not end
    std::uint64_t record_count = 0; // end: how many frames came before
    std::uint64_t index_offset = 0; // end: where the index starts (right after it)
};

struct Trailer {
    std::uint32_t version = kFormatVersion;
    Uuid image_uuid{};
    std::uint64_t index_offset = 0;
    std::uint64_t index_size = 0;
    std::uint64_t record_count = 0;
    std::uint64_t logical_size = 0;
    std::uint32_t volume_count = 1;
    Hash128 index_hash{};
    Hash128 header_hash{};
};

[[nodiscard]] std::array<std::byte, kVolumeHeaderSize> encode(const VolumeHeader& v);
[[nodiscard]] std::array<std::byte, kHeaderSize> encode(const Header& h);
[[nodiscard]] std::array<std::byte, kRecordSize> encode(const IndexRecord& r);
[[nodiscard]] std::array<std::byte, kTrailerSize> encode(const Trailer& t);
[[nodiscard]] std::array<std::byte, kFrameSize> encode(const Frame& f, const Uuid& image);

// `where` names the file for messages ("disk.img.002").
[[nodiscard]] Result<VolumeHeader> decode_volume_header(std::span<const std::byte> bytes, const std::string& where);
[[nodiscard]] Result<Header> decode_header(std::span<const std::byte> bytes, const std::string& where);
[[nodiscard]] Result<IndexRecord> decode_record(std::span<const std::byte> bytes);
// A frame of image `image`: its hash (which covers the image's UUID) and kind.
[[nodiscard]] Result<Frame> decode_frame(std::span<const std::byte> bytes, const Uuid& image);
[[nodiscard]] Result<Trailer> decode_trailer(std::span<const std::byte> bytes, const std::string& where);

}  // namespace imager::format
