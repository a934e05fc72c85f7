#include "format/layout.hpp"

#include <xxhash.h>

#include <cstdio>
#include <cstring>
#include <random>

namespace imager::format {

namespace {

constexpr char kVolumeMagic[8] = {'L', 'B', 'V', 'O', 'L', 'U', 'M', 'E'};
constexpr char kHeaderMagic[8] = {'L', 'I', 'F', 'E', 'B', 'O', 'A', 'T'};
constexpr char kTrailerMagic[8] = {'L', 'B', 'T', 'R', 'A', 'I', 'L', 'R'};

// Little-endian field access into a fixed buffer.
class Fields {
public:
    explicit Fields(std::span<std::byte> bytes) : bytes_(bytes) {}
    void put(std::size_t at, std::uint64_t value, std::size_t width) {
        for (std::size_t i = 0; i < width; ++i) bytes_[at + i] = static_cast<std::byte>(value >> (8 * i));
    }
    void put(std::size_t at, std::span<const std::byte> raw) { std::memcpy(bytes_.data() + at, raw.data(), raw.size()); }
    void put(std::size_t at, const char (&magic)[8]) { std::memcpy(bytes_.data() + at, magic, 8); }

private:
    std::span<std::byte> bytes_;
};

std::uint64_t get(std::span<const std::byte> b, std::size_t at, std::size_t width) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value |= static_cast<std::uint64_t>(b[at + i]) << (8 * i);
    return value;
}

template <std::size_t N>
std::array<std::byte, N> get_bytes(std::span<const std::byte> b, std::size_t at) {
    std::array<std::byte, N> out{};
    std::memcpy(out.data(), b.data() + at, N);
    return out;
}

bool has_magic(std::span<const std::byte> b, const char (&magic)[8]) { return std::memcmp(b.data(), magic, 8) == 0; }

// The last 16 bytes of a structure hash everything before them.
void seal(std::span<std::byte> b) {
    const Hash128 h = hash128(b.first(b.size() - 16));
    std::memcpy(b.data() + b.size() - 16, h.data(), 16);
}
bool sealed(std::span<const std::byte> b) {
    const Hash128 h = hash128(b.first(b.size() - 16));
    return std::memcmp(b.data() + b.size() - 16, h.data(), 16) == 0;
}

Error damaged(const std::string& what, const std::string& where) {
    return make_error(Errc::damaged_image, where + ": " + what,
                      "the image is damaged; use another copy, or capture a new image");
}

Error newer(std::uint32_t version, const std::string& where) {
    return make_error(Errc::unsupported,
                      where + " is format version " + std::to_string(version) + "; this Lifeboat reads up to version " +
                          std::to_string(kFormatVersion),
                      "use a Lifeboat release that reads image format version " + std::to_string(version) +
                          " or newer");
}

}  // namespace

Hash128 hash128(std::span<const std::byte> data) {
    const XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, h);
    Hash128 out{};
    std::memcpy(out.data(), canon.digest, 16);
    return out;
}

std::string uuid_text(const Uuid& u) {
    char buf[40];
    const auto b = [&](int i) { return static_cast<unsigned>(u[static_cast<std::size_t>(i)]); };
    std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b(0), b(1),
                  b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10), b(11), b(12), b(13), b(14), b(15));
    return buf;
}

Uuid random_uuid() {
    Uuid u{};
    std::random_device rd;  // getrandom(2): no files needed on an initramfs
    for (std::size_t i = 0; i < u.size(); i += 4) {
        const auto r = rd();
        for (std::size_t j = 0; j < 4; ++j) u[i + j] = static_cast<std::byte>(r >> (8 * j));
    }
    u[6] = (u[6] & std::byte{0x0f}) | std::byte{0x40};  // version 4
    u[8] = (u[8] & std::byte{0x3f}) | std::byte{0x80};  // RFC 4122 variant
    return u;
}

std::array<std::byte, kVolumeHeaderSize> encode(const VolumeHeader& v) {
    std::array<std::byte, kVolumeHeaderSize> out{};
    Fields f(out);
    f.put(0, kVolumeMagic);
    f.put(8, v.version, 4);
    f.put(12, v.number, 4);
    f.put(16, v.image_uuid);
    f.put(32, v.logical_offset, 8);
    seal(out);
    return out;
}

std::array<std::byte, kHeaderSize> encode(const Header& h) {
    std::array<std::byte, kHeaderSize> out{};
    Fields f(out);
    f.put(0, kHeaderMagic);
    f.put(8, h.version, 4);
    f.put(12, kHeaderSize, 4);
    f.put(16, h.required_features, 8);
    f.put(24, h.optional_features, 8);
    f.put(32, h.image_uuid);
    f.put(48, h.chunk_size, 4);
    f.put(52, h.hash_algorithm, 4);
    f.put(56, h.manifest_offset, 8);
    f.put(64, h.manifest_size, 8);
    f.put(72, h.manifest_hash);
    f.put(88, h.volume_size, 8);
    seal(out);
    return out;
}

std::array<std::byte, kRecordSize> encode(const IndexRecord& r) {
    std::array<std::byte, kRecordSize> out{};
    Fields f(out);
    f.put(0, r.offset, 8);
    f.put(8, r.length, 8);
    f.put(16, r.stored_offset, 8);
    f.put(24, r.stored_size, 4);
    f.put(28, r.stream, 2);
    f.put(30, static_cast<std::uint8_t>(r.kind), 1);
    f.put(32, r.hash);
    return out;
}

std::array<std::byte, kTrailerSize> encode(const Trailer& t) {
    std::array<std::byte, kTrailerSize> out{};
    Fields f(out);
    f.put(0, kTrailerMagic);
    f.put(8, t.version, 4);
    f.put(12, kTrailerSize, 4);
    f.put(16, t.image_uuid);
    f.put(32, t.index_offset, 8);
    f.put(40, t.index_size, 8);
    f.put(48, t.record_count, 8);
    f.put(56, t.logical_size, 8);
    f.put(64, t.volume_count, 4);
    f.put(72, t.index_hash);
    f.put(88, t.header_hash);
    seal(out);
    return out;
}

Result<VolumeHeader> decode_volume_header(std::span<const std::byte> b, const std::string& where) {
    if (b.size() < kVolumeHeaderSize || !has_magic(b, kVolumeMagic))
        return std::unexpected(damaged("not a Lifeboat image volume (no volume header)", where));
    VolumeHeader v;
    v.version = static_cast<std::uint32_t>(get(b, 8, 4));
    // The seal first: a flipped bit in the version field is damage, not a newer image.
    if (!sealed(b.first(kVolumeHeaderSize))) return std::unexpected(damaged("volume header checksum mismatch", where));
    if (v.version > kFormatVersion) return std::unexpected(newer(v.version, where));
    v.number = static_cast<std::uint32_t>(get(b, 12, 4));
    v.image_uuid = get_bytes<16>(b, 16);
    v.logical_offset = get(b, 32, 8);
    return v;
}

Result<Header> decode_header(std::span<const std::byte> b, const std::string& where) {
    if (b.size() < kHeaderSize || !has_magic(b, kHeaderMagic))
        return std::unexpected(damaged("image header missing", where));
    Header h;
    h.version = static_cast<std::uint32_t>(get(b, 8, 4));
    if (!sealed(b.first(kHeaderSize))) return std::unexpected(damaged("image header checksum mismatch", where));
    if (h.version > kFormatVersion) return std::unexpected(newer(h.version, where));
    h.required_features = get(b, 16, 8);
    h.optional_features = get(b, 24, 8);
    if ((h.required_features & ~kKnownRequiredFeatures) != 0)
        return std::unexpected(make_error(Errc::unsupported, where + " needs features this Lifeboat does not have",
                                          "use a newer Lifeboat release"));
    h.image_uuid = get_bytes<16>(b, 32);
    h.chunk_size = static_cast<std::uint32_t>(get(b, 48, 4));
    h.hash_algorithm = static_cast<std::uint32_t>(get(b, 52, 4));
    h.manifest_offset = get(b, 56, 8);
    h.manifest_size = get(b, 64, 8);
    h.manifest_hash = get_bytes<16>(b, 72);
    if ((h.optional_features & kFeatureRecordsInline) != 0) h.volume_size = get(b, 88, 8);
    if (h.hash_algorithm != kHashXxh3_128 || h.chunk_size == 0 || h.chunk_size > (64u << 20) ||
        h.manifest_offset != kHeaderSize || h.manifest_size > (64u << 20))
        return std::unexpected(damaged("image header fields out of range", where));
    return h;
}

Result<IndexRecord> decode_record(std::span<const std::byte> b) {
    IndexRecord r;
    r.offset = get(b, 0, 8);
    r.length = get(b, 8, 8);
    r.stored_offset = get(b, 16, 8);
    r.stored_size = static_cast<std::uint32_t>(get(b, 24, 4));
    r.stream = static_cast<std::uint16_t>(get(b, 28, 2));
    const auto kind = static_cast<std::uint8_t>(get(b, 30, 1));
    if (kind < 1 || kind > 3) return std::unexpected(make_error(Errc::damaged_image, "index record of unknown kind"));
    r.kind = static_cast<RecordKind>(kind);
    r.hash = get_bytes<16>(b, 32);
    return r;
}

namespace {

Hash128 frame_hash(std::span<const std::byte> record, const Uuid& image) {
    std::array<std::byte, kRecordSize + sizeof(Uuid)> bytes{};
    std::memcpy(bytes.data(), record.data(), kRecordSize);
    std::memcpy(bytes.data() + kRecordSize, image.data(), image.size());
    return hash128(bytes);
}

}  // namespace

std::array<std::byte, kFrameSize> encode(const Frame& frame, const Uuid& image) {
    std::array<std::byte, kFrameSize> out{};
    if (frame.end) {
        Fields f(out);
        f.put(0, frame.record_count, 8);
        f.put(16, frame.index_offset, 8);  // kind (byte 30) 0: the end
    } else {
        const auto record = encode(frame.record);
        std::memcpy(out.data(), record.data(), kRecordSize);
    }
    const Hash128 h = frame_hash(out, image);
    std::memcpy(out.data() + kRecordSize, h.data(), h.size());
    return out;
}

Result<Frame> decode_frame(std::span<const std::byte> b, const Uuid& image) {
    if (b.size() < kFrameSize || std::memcmp(b.data() + kRecordSize, frame_hash(b, image).data(), sizeof(Hash128)) != 0)
        return std::unexpected(make_error(Errc::damaged_image, "a record frame's checksum does not match"));
    Frame f;
    if (get(b, 30, 1) == 0) {
        f.end = true;
        f.record_count = get(b, 0, 8);
        f.index_offset = get(b, 16, 8);
        return f;
    }
    auto r = decode_record(b.first(kRecordSize));
    if (!r) return std::unexpected(r.error());
    f.record = *r;
    return f;
}

Result<Trailer> decode_trailer(std::span<const std::byte> b, const std::string& where) {
    if (b.size() < kTrailerSize || !has_magic(b, kTrailerMagic))
        return std::unexpected(make_error(Errc::damaged_image, where + ": no trailer at the end: the image is incomplete",
                                          "the capture did not finish, the file was cut short, or a volume is "
                                          "missing; use another copy"));
    Trailer t;
    t.version = static_cast<std::uint32_t>(get(b, 8, 4));
    if (!sealed(b.first(kTrailerSize))) return std::unexpected(damaged("trailer checksum mismatch", where));
    if (t.version > kFormatVersion) return std::unexpected(newer(t.version, where));
    t.image_uuid = get_bytes<16>(b, 16);
    t.index_offset = get(b, 32, 8);
    t.index_size = get(b, 40, 8);
    t.record_count = get(b, 48, 8);
    t.logical_size = get(b, 56, 8);
    t.volume_count = static_cast<std::uint32_t>(get(b, 64, 4));
    t.index_hash = get_bytes<16>(b, 72);
    t.header_hash = get_bytes<16>(b, 88);
    // Divided, not multiplied: a forged count must not wrap around to the index's size.
    if (t.index_size % kRecordSize != 0 || t.index_size / kRecordSize != t.record_count)
        return std::unexpected(damaged("trailer counts disagree", where));
    return t;
}

}  // namespace imager::format
