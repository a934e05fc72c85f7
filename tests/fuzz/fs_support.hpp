// Shared by the filesystem targets (ext, fat, exfat, ntfs, swap, xfs, btrfs): the input
// is a fuzz::SizedInput (4-byte size in 512-byte sectors, then the
// filesystem's first bytes; zeros after them), the source is cut to 128 MiB
// so that one input costs milliseconds, and the record's used-block reader
// (imager/filesystems.hpp) runs over it with its promises checked.
#pragma once

#include "fuzz_support.hpp"

namespace fuzz {

inline constexpr std::uint64_t kMaxFilesystemBytes = 128u << 20;

inline const imager::filesystems::Record& record(std::string_view name) {
    for (const auto& r : imager::filesystems::all())
        if (r.name == name && r.used_blocks) return r;
    fail("no filesystem record with a used-block reader named " + std::string(name));
}

inline void run_used_extents(std::string_view name, const std::uint8_t* data, std::size_t size) {
    SizedInput in = sized_input(data, size);
    if (in.bytes.size() > kMaxFilesystemBytes) return;
    in.size = std::min(in.size, std::max<std::uint64_t>(kMaxFilesystemBytes, in.bytes.size()));
    ZeroExtendedSource source(in, std::string(name) + "-fuzz");
    const auto& r = record(name);
    check_used_map(r.used_blocks(source), in.size, std::string(r.name) + " used_blocks");
}

}  // namespace fuzz
