// Linux swap: only the header page (UUID, label, bad-page list) matters; the
// rest is scratch that the next boot overwrites. A swap area holding a
// hibernation image has another signature and is refused here (blkid calls it
// "swsuspend", which stays raw).
#include "fs/parse.hpp"

#include <array>

namespace imager::fs::detail {

Result<UsedMap> swap_used_extents(io::BlockSource& source) {
    // The signature ends the first page; pages other than 4 KiB exist on some CPUs.
    for (const std::uint64_t page : std::array<std::uint64_t, 4>{4096, 8192, 16384, 65536}) {
        if (page > source.size()) break;
        std::array<std::byte, 10> magic{};
        if (auto s = source.read_at(page - magic.size(), magic); !s) return std::unexpected(s.error());
        if (has_bytes(magic, 0, "SWAPSPACE2")) {
            std::array<std::byte, 4> version{};
            if (auto s = source.read_at(1024, version); !s) return std::unexpected(s.error());
            if (le32(version, 0) != 1) return std::unexpected(bad_fs("swap", source, "unknown swap header version"));
            return finish({{0, page}}, static_cast<std::uint32_t>(page), source);
        }
    }
    return std::unexpected(bad_fs("swap", source, "no swap signature (SWAPSPACE2)"));
}

}  // namespace imager::fs::detail
