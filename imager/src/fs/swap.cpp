// Linux swap: only the header page (UUID, label, bad-page list) matters; the
// rest is scratch that the next boot overwrites. A swap area holding a
// hibernation image has another signature and is refused here (blkid calls it
// "swsuspend", which stays raw).
#include "fs/parse.hpp"

#include <algorithm>
#include <array>

namespace imager::fs {

namespace {

// The header's fields (util-linux's swap_header_v1_2), after the boot block.
constexpr std::size_t kVersionAt = 1024;
constexpr std::size_t kLastPageAt = 1028;
// The signature ends the first page; pages other than 4 KiB exist on some CPUs.
constexpr std::array<std::uint64_t, 4> kPageSizes{4096, 8192, 16384, 65536};

}  // namespace

namespace detail {

Result<UsedMap> swap_used_extents(io::BlockSource& source) {
    for (const std::uint64_t page : kPageSizes) {
        if (page > source.size()) break;
        std::array<std::byte, 10> magic{};
        if (auto s = source.read_at(page - magic.size(), magic); !s) return std::unexpected(s.error());
        if (has_bytes(magic, 0, "SWAPSPACE2")) {
            std::array<std::byte, 4> version{};
            if (auto s = source.read_at(kVersionAt, version); !s) return std::unexpected(s.error());
            if (le32(version, 0) != 1) return std::unexpected(bad_fs("swap", source, "unknown swap header version"));
            return finish({{0, page}}, static_cast<std::uint32_t>(page), source);
        }
    }
    return std::unexpected(bad_fs("swap", source, "no swap signature (SWAPSPACE2)"));
}

}  // namespace detail

Result<std::uint64_t> grow_swap_header(std::span<std::byte> header, std::uint64_t area_bytes) {
    for (const std::uint64_t page : kPageSizes) {
        if (page > header.size() || page > area_bytes) break;
        if (!detail::has_bytes(header, page - 10, "SWAPSPACE2")) continue;
        if (detail::le32(header, kVersionAt) != 1)
            return std::unexpected(make_error(Errc::unsupported, "unknown swap header version"));
        // mkswap's count: whole pages, the header's included; the field is 32 bits.
        const std::uint64_t pages = std::min<std::uint64_t>(area_bytes / page, 0xffffffffULL);
        const auto last = static_cast<std::uint32_t>(pages - 1);
        for (std::size_t i = 0; i < 4; ++i) header[kLastPageAt + i] = static_cast<std::byte>(last >> (8 * i));
        return pages;
    }
    return std::unexpected(make_error(Errc::unsupported, "no swap signature (SWAPSPACE2)"));
}

}  // namespace imager::fs
