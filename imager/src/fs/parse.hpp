// Helpers shared by the on-disk parsers in fs/: bounds-checked little- and big-endian
// loads, an extent builder that merges as it goes, allocation-bitmap scanning
// and the error every parser returns for a filesystem it cannot trust.
// Internal to fs/; the per-filesystem entry points are declared at the end.
#pragma once

#include "fs/used_blocks.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace imager::fs::detail {

// Loads from `bytes` at `at`; 0 when the field lies outside `bytes`, so a
// parser that forgot a bounds check reads zeros rather than past a buffer.
[[nodiscard]] std::uint8_t le8(std::span<const std::byte> bytes, std::size_t at);
[[nodiscard]] std::uint16_t le16(std::span<const std::byte> bytes, std::size_t at);
[[nodiscard]] std::uint32_t le32(std::span<const std::byte> bytes, std::size_t at);
[[nodiscard]] std::uint64_t le64(std::span<const std::byte> bytes, std::size_t at);
// The same, big-endian (XFS).
[[nodiscard]] std::uint16_t be16(std::span<const std::byte> bytes, std::size_t at);
[[nodiscard]] std::uint32_t be32(std::span<const std::byte> bytes, std::size_t at);
[[nodiscard]] std::uint64_t be64(std::span<const std::byte> bytes, std::size_t at);
[[nodiscard]] bool has_bytes(std::span<const std::byte> bytes, std::size_t at, std::string_view text);
// CRC-32C (Castagnoli), as btrfs and XFS v5 checksum their metadata.
[[nodiscard]] std::uint32_t crc32c(std::span<const std::byte> bytes);
[[nodiscard]] constexpr bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Collects extents in ascending order, extending the last one when the next
// is adjacent, so a long run of used clusters costs one Extent.
class ExtentBuilder {
public:
    void add(std::uint64_t offset, std::uint64_t length);
    [[nodiscard]] std::vector<Extent> take() { return std::move(extents_); }

private:
    std::vector<Extent> extents_;
};

// Adds one extent per run of set bits in `bits` (LSB first): bit k stands for
// unit first + k, which lives at byte base + (first + k) * unit_size.
void add_bit_runs(ExtentBuilder& out, std::span<const std::byte> bits, std::uint64_t count,
                  std::uint64_t first, std::uint64_t base, std::uint64_t unit_size);

// Reads `length` bytes at `offset` into a fresh buffer.
[[nodiscard]] Result<std::vector<std::byte>> read_bytes(io::BlockSource& source, std::uint64_t offset,
                                                        std::size_t length);

// "NAME on SOURCE: WHAT" as Errc::unsupported: the bytes do not form a
// filesystem we can trust, so its used blocks cannot be listed.
[[nodiscard]] Error bad_fs(std::string_view fs, const io::BlockSource& source, std::string_view what);

// Sorted, merged and clipped to the source, with the unit recorded.
[[nodiscard]] UsedMap finish(std::vector<Extent> extents, std::uint32_t block_size,
                             const io::BlockSource& source);

// The per-filesystem readers the records name (fs/filesystems.cpp).
[[nodiscard]] Result<UsedMap> ext_used_extents(io::BlockSource& source);
[[nodiscard]] Result<UsedMap> fat_used_extents(io::BlockSource& source);
[[nodiscard]] Result<UsedMap> exfat_used_extents(io::BlockSource& source);
[[nodiscard]] Result<UsedMap> ntfs_used_extents(io::BlockSource& source);
[[nodiscard]] Result<UsedMap> xfs_used_extents(io::BlockSource& source);
[[nodiscard]] Result<UsedMap> btrfs_used_extents(io::BlockSource& source);
[[nodiscard]] Result<UsedMap> swap_used_extents(io::BlockSource& source);

}  // namespace imager::fs::detail
