// Shared by the filesystem targets (ext, fat, exfat, ntfs, swap, xfs): the input
// is a fuzz::SizedInput (4-byte size in 512-byte sectors, then the
// filesystem's first bytes; zeros after them), the source is cut to 128 MiB
// so that one input costs milliseconds, and the descriptor's used_extents
// (fs/used_blocks.hpp) runs over it with its promises checked.
#pragma once

#include "fuzz_support.hpp"

namespace fuzz {

inline constexpr std::uint64_t kMaxFilesystemBytes = 128u << 20;

inline const imager::fs::Descriptor& descriptor(std::string_view name) {
    for (const auto& d : imager::fs::descriptors())
        if (d.name == name) return d;
    fail("no used-block descriptor named " + std::string(name));
}

inline void run_used_extents(std::string_view name, const std::uint8_t* data, std::size_t size) {
    SizedInput in = sized_input(data, size);
    if (in.bytes.size() > kMaxFilesystemBytes) return;
    in.size = std::min(in.size, std::max<std::uint64_t>(kMaxFilesystemBytes, in.bytes.size()));
    ZeroExtendedSource source(in, std::string(name) + "-fuzz");
    const auto& d = descriptor(name);
    check_used_map(d.used_extents(source), in.size, std::string(d.name) + " used_extents");
}

}  // namespace fuzz
