// The used-block reader of btrfs (fs/btrfs.cpp): the "btrfs" record's reader
// over the input as a filesystem (fs_support.hpp: 4-byte size in sectors,
// then its first bytes): the superblock and its system chunks, the chunk
// tree, the root tree and the extent tree, each block's checksum, address,
// level and generation. The map it returns must be sorted, non-overlapping,
// merged and inside the source.
#include "fs_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::run_used_extents("btrfs", data, size);
    return 0;
}
