// The used-block reader of FAT12/16/32 (fs/fat.cpp): the "vfat"
// record's reader over the input as a filesystem (fs_support.hpp:
// 4-byte size in sectors, then its first bytes). The map it returns must be
// sorted, non-overlapping, merged and inside the source.
#include "fs_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::run_used_extents("vfat", data, size);
    return 0;
}
