// How each filesystem's size follows its partition's, as its record says
// (imager/filesystems.hpp): by its own tools (resize2fs for ext2/3/4,
// ntfsresize for NTFS), made again at the new size with its files copied
// (mkfs.fat and mtools' mcopy for FAT), or by Lifeboat itself (swap's header). Shrinking runs during the restore, before the table,
// through a PartitionView; growing ext and NTFS after the table, on the
// partition. docs/SHRINK.md.
#pragma once

#include "format/image_file.hpp"
#include "imager/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace imager::resize {

// Why a filesystem of libblkid's `type` keeps its size ("" when it can be resized).
[[nodiscard]] std::string why_fixed_size(const std::string& type);

// The least size `stream`'s filesystem can be given, as its tool says,
// measured on a view of the image (nothing is written anywhere).
[[nodiscard]] Result<std::uint64_t> minimum_size(const format::ImageReader& image, const format::Stream& stream);

// A filesystem of the image given a new size on the target, before the table
// is written: its partition's first `size` bytes (at most) are restored at
// `offset` already.
struct Resize {
    const format::ImageReader& image;
    const format::Stream& stream;
    std::string target;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    unsigned sector_size = 512;
};
// True when the filesystem is resized before the table (every shrink; FAT
// either way), false when after it, on the partition (ext, NTFS, swap growing).
[[nodiscard]] bool resized_before_table(const std::string& type, bool shrinks);
// Does it; says in a line what it took (the bytes a shrink held in memory).
[[nodiscard]] Result<std::string> resize_before_table(const Resize& job);

// Swap grows by its header, which Lifeboat writes itself; the others by
// their record's grow_commands (imager/filesystems.hpp).
[[nodiscard]] Status grow_swap(const std::string& target, std::uint64_t offset, std::uint64_t size);

// A moved NTFS or FAT volume's boot sector (and its backup) names the sector
// its partition starts on ("hidden sectors"); Windows boots from it. Rewritten
// for the new start when it named the old one; `offset` is the partition's
// byte offset on `target`, `size` its size there.
[[nodiscard]] Status update_hidden_sectors(const std::string& target, const std::string& type, std::uint64_t offset,
                                           std::uint64_t size, std::uint64_t old_start_sector,
                                           std::uint64_t new_start_sector);

}  // namespace imager::resize
