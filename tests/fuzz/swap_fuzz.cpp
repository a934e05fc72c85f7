// Linux swap (fs/swap.cpp): the "swap" record's reader over the
// input as a swap area (fs_support.hpp: 4-byte size in sectors, then its
// first bytes), with the map's promises checked; then restore --grow's
// grow_swap_header on a copy of the header, to the area's size and to a
// larger one, which must keep the header's size.
#include "fs_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::run_used_extents("swap", data, size);
    const fuzz::SizedInput in = fuzz::sized_input(data, size);
    const std::size_t n = std::min(in.bytes.size(), imager::fs::kSwapHeaderBytes);
    for (const std::uint64_t area : {in.size, in.size + (1u << 20), std::uint64_t{1} << 40}) {
        fuzz::Bytes header(in.bytes.begin(), in.bytes.begin() + static_cast<std::ptrdiff_t>(n));
        auto pages = imager::fs::grow_swap_header(header, area);
        fuzz::check(pages, "grow_swap_header");
        if (header.size() != n) fuzz::fail("grow_swap_header changed the header's size");
    }
    return 0;
}
