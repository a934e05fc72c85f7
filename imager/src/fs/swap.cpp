// Linux swap: only the header page (UUID, label, bad-page list) matters; the
// rest is scratch that the next boot overwrites. A swap area holding a
// hibernation image has another signature and is refused here (blkid calls it
// "swsuspend", which stays raw).
#include "fs/parse.hpp"

#include <algorithm>
#include <array>
#include <expected>
#include <string_view>
#include <vector>

namespace imager::fs {

namespace {

// The header's fields (util-linux's swap_header_v1_2), after the boot block.
constexpr std::size_t kVersionAt = 1024;
constexpr std::size_t kLastPageAt = 1028;
// The signature ends the first page; pages other than 4 KiB exist on some CPUs.
constexpr std::array<std::uint64_t, 4> kPageSizes{4096, 8192, 16384, 65536};

// The page size of the swap header that `first` (the area's first
// kSwapHeaderBytes, or all of a smaller area) begins with, or why there is none.
std::expected<std::uint64_t, std::string_view> header_page(std::span<const std::byte> first) {
    for (const std::uint64_t page : kPageSizes) {
        if (page > first.size()) break;
        if (!detail::has_bytes(first, page - 10, "SWAPSPACE2")) continue;
        if (detail::le32(first, kVersionAt) != 1) return std::unexpected("unknown swap header version");
        return page;
    }
    return std::unexpected("no swap signature (SWAPSPACE2)");
}

}  // namespace

namespace detail {

Result<UsedMap> swap_used_extents(io::BlockSource& source) {
    std::vector<std::byte> first(std::min<std::uint64_t>(source.size(), kSwapHeaderBytes));
    if (auto s = source.read_at(0, first); !s) return std::unexpected(s.error());
    const auto page = header_page(first);
    if (!page) return std::unexpected(bad_fs("swap", source, page.error()));
    return finish({{0, *page}}, static_cast<std::uint32_t>(*page), source);
}

}  // namespace detail

Result<std::uint64_t> grow_swap_header(std::span<std::byte> header, std::uint64_t area_bytes) {
    const auto page = header_page(header);
    if (!page) return std::unexpected(make_error(Errc::unsupported, std::string(page.error())));
    // mkswap's count: whole pages, the header's included; the field is 32 bits.
    const std::uint64_t pages = std::min<std::uint64_t>(area_bytes / *page, 0xffffffffULL);
    if (pages == 0) return std::unexpected(make_error(Errc::unsupported, "the swap area is smaller than its header"));
    const auto last = static_cast<std::uint32_t>(pages - 1);
    for (std::size_t i = 0; i < 4; ++i) header[kLastPageAt + i] = static_cast<std::byte>(last >> (8 * i));
    return pages;
}

}  // namespace imager::fs
