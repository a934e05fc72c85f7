#include "fs/parse.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace imager::fs::detail {

namespace {

template <class T>
T load(std::span<const std::byte> bytes, std::size_t at) {
    if (at > bytes.size() || bytes.size() - at < sizeof(T)) return 0;
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        v |= static_cast<T>(static_cast<T>(std::to_integer<std::uint8_t>(bytes[at + i])) << (8 * i));
    return v;
}

}  // namespace

std::uint8_t le8(std::span<const std::byte> bytes, std::size_t at) { return load<std::uint8_t>(bytes, at); }
std::uint16_t le16(std::span<const std::byte> bytes, std::size_t at) { return load<std::uint16_t>(bytes, at); }
std::uint32_t le32(std::span<const std::byte> bytes, std::size_t at) { return load<std::uint32_t>(bytes, at); }
std::uint64_t le64(std::span<const std::byte> bytes, std::size_t at) { return load<std::uint64_t>(bytes, at); }
std::uint16_t be16(std::span<const std::byte> bytes, std::size_t at) { return __builtin_bswap16(le16(bytes, at)); }
std::uint32_t be32(std::span<const std::byte> bytes, std::size_t at) { return __builtin_bswap32(le32(bytes, at)); }
std::uint64_t be64(std::span<const std::byte> bytes, std::size_t at) { return __builtin_bswap64(le64(bytes, at)); }

bool has_bytes(std::span<const std::byte> bytes, std::size_t at, std::string_view text) {
    if (at > bytes.size() || bytes.size() - at < text.size()) return false;
    return std::memcmp(bytes.data() + at, text.data(), text.size()) == 0;
}

void ExtentBuilder::add(std::uint64_t offset, std::uint64_t length) {
    if (length == 0) return;
    if (!extents_.empty()) {
        Extent& last = extents_.back();
        if (last.offset + last.length == offset) {
            last.length += length;
            return;
        }
    }
    extents_.push_back({offset, length});
}

void add_bit_runs(ExtentBuilder& out, std::span<const std::byte> bits, std::uint64_t count,
                  std::uint64_t first, std::uint64_t base, std::uint64_t unit_size) {
    count = std::min<std::uint64_t>(count, static_cast<std::uint64_t>(bits.size()) * 8);
    bool in_run = false;
    std::uint64_t run_start = 0;
    std::uint64_t k = 0;
    while (k < count) {
        const auto byte = std::to_integer<std::uint8_t>(bits[k / 8]);
        // Whole bytes that only continue the current state are skipped at once.
        if (k % 8 == 0 && count - k >= 8 && byte == (in_run ? 0xFF : 0x00)) {
            k += 8;
            continue;
        }
        const bool set = ((byte >> (k % 8)) & 1U) != 0;
        if (set && !in_run) {
            run_start = k;
            in_run = true;
        } else if (!set && in_run) {
            out.add(base + (first + run_start) * unit_size, (k - run_start) * unit_size);
            in_run = false;
        }
        ++k;
    }
    if (in_run) out.add(base + (first + run_start) * unit_size, (count - run_start) * unit_size);
}

Result<std::vector<std::byte>> read_bytes(io::BlockSource& source, std::uint64_t offset, std::size_t length) {
    std::vector<std::byte> buffer(length);
    if (auto s = source.read_at(offset, buffer); !s) return std::unexpected(s.error());
    return buffer;
}

namespace {
constexpr std::array<std::uint32_t, 256> crc32c_table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // the reflected polynomial
        t[i] = c;
    }
    return t;
}();
}  // namespace

std::uint32_t crc32c(std::span<const std::byte> bytes) {
    std::uint32_t c = ~0u;
    for (const std::byte b : bytes) c = crc32c_table[(c ^ std::to_integer<std::uint32_t>(b)) & 0xFF] ^ (c >> 8);
    return ~c;
}

Error bad_fs(std::string_view fs, const io::BlockSource& source, std::string_view what) {
    return make_error(Errc::unsupported, std::string(fs) + " on " + source.name() + ": " + std::string(what),
                      "check it with the filesystem's own checker, or capture it raw");
}

UsedMap finish(std::vector<Extent> extents, std::uint32_t block_size, const io::BlockSource& source) {
    UsedMap map;
    map.extents = normalize(std::move(extents), source.size());
    map.block_size = block_size;
    return map;
}

}  // namespace imager::fs::detail
