// Used-block maps: which byte ranges of a filesystem hold data worth storing.
// Each filesystem's record (imager/filesystems.hpp) names its reader; one
// without a reader is stored whole (every byte is used, and the image engine
// turns all-zero blocks into holes). Readers read only through
// io::BlockSource, so each is tested on an image file without root.
// Called by ops/ (capture) with a source spanning exactly the filesystem.
#pragma once

#include "imager/filesystems.hpp"
#include "imager/result.hpp"
#include "io/block_source.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imager::fs {

struct Extent {
    std::uint64_t offset = 0;  // bytes from the start of the filesystem
    std::uint64_t length = 0;  // bytes
    bool operator==(const Extent&) const = default;
};

struct UsedMap {
    std::vector<Extent> extents;  // sorted, non-overlapping, adjacent ones merged
    std::uint32_t block_size = 0; // the filesystem's allocation unit (cluster, block)
    [[nodiscard]] std::uint64_t used_bytes() const;
};

// The used extents of the filesystem `source` spans exactly, by `record`'s
// reader; every byte when it has none.
[[nodiscard]] Result<UsedMap> used_extents(const filesystems::Record& record, io::BlockSource& source);
// Every byte of `source`; the image engine turns all-zero blocks into holes.
[[nodiscard]] Result<UsedMap> every_byte(io::BlockSource& source);

// restore --grow for Linux swap, the one filesystem Lifeboat grows itself (its
// size is one field of its header): sets the last page of the swap header
// `header` begins with (the area's first kSwapHeaderBytes, or all of a smaller
// area) so that the area covers `area_bytes`, as mkswap would; UUID, label and
// bad pages stay. The area's pages; Errc::unsupported when `header` holds no
// swap header.
inline constexpr std::size_t kSwapHeaderBytes = 65536;  // the largest page size
[[nodiscard]] Result<std::uint64_t> grow_swap_header(std::span<std::byte> header, std::uint64_t area_bytes);

// Sorts, merges adjacent/overlapping extents and clips them to `limit` bytes.
[[nodiscard]] std::vector<Extent> normalize(std::vector<Extent> extents, std::uint64_t limit);

}  // namespace imager::fs
