// Shared by gpt_fuzz.cpp and mbr_fuzz.cpp: the input is a disk (a flags
// byte, then fuzz::SizedInput: the size in sectors and the first bytes), and
// besides the raw readers each target runs disk::read_layout (libparted and
// the raw reader, as `lifeboat disks disk.img` and capture do) on a sparse
// file of it, checking what disk_layout.hpp promises of a layout it returns.
#pragma once

#include "fuzz_support.hpp"
#include "imager/disk_layout.hpp"

#include <set>

namespace fuzz {

inline void run_read_layout(const SizedInput& disk) {
    Scratch::get().clear();
    const std::string path = Scratch::get().path("disk.img");
    write_sparse_file(path, disk.bytes, disk.size);
    auto layout = imager::disk::read_layout(path);
    check(layout, "read_layout");
    if (!layout) return;
    const auto& l = *layout;
    if (l.label != "gpt" && l.label != "msdos") fail("read_layout returned the label '" + l.label + "'");
    if (l.logical_sector_size == 0) fail("read_layout returned a sector size of 0");
    const std::uint64_t sectors = l.size_bytes / l.logical_sector_size;
    std::set<int> numbers;
    for (const auto& p : l.partitions) {
        const std::string what = "read_layout: partition " + std::to_string(p.number);
        if (p.number < 1 || !numbers.insert(p.number).second) fail(what + " is numbered twice or below 1");
        if (p.start_sector > p.end_sector || p.end_sector >= sectors)
            fail(what + " (sectors " + std::to_string(p.start_sector) + ".." + std::to_string(p.end_sector) +
                 ") is not inside the disk's " + std::to_string(sectors) + " sectors");
    }
}

// A disk of up to 2^32 sectors of 512 bytes (2 TiB, the most an MBR
// addresses): the file read_layout reads is sparse, the source allocates
// only the input's bytes.
inline SizedInput disk_input(const std::uint8_t* data, std::size_t size) { return sized_input(data, size); }

}  // namespace fuzz
