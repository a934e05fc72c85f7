// What Lifeboat knows about each filesystem: one record per filesystem in one
// ordered table (imager/src/fs/filesystems.cpp), the way libblkid keeps one
// small descriptor per filesystem. A record says how the filesystem is
// recognized, captured, mounted and resized, what the rescue media carry for
// it, and which checker judges a restored copy. Capture, restore, discovery
// and capture destinations read it here; the media build and the tests read
// it from `lifeboat filesystems --json` (docs/FILESYSTEMS.md).
#pragma once

#include "imager/result.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imager::io {
class BlockSource;
}
namespace imager::fs {
struct UsedMap;
}

namespace imager::filesystems {

// How a filesystem takes a new size, smaller or larger.
enum class Resizer {
    none,    // it keeps its size; Record::fixed_because says why
    tools,   // its own tools: shrink_commands on a view of the image before the
             // partition table is written, grow_commands on the partition after it
    remake,  // made again at its new size and its files copied (FAT: mkfs.fat, mcopy)
    header,  // Lifeboat writes the new size into its header (swap)
};

// A command line of a filesystem's tool. Placeholders: {device} the
// filesystem's device or file, {mountpoint} the folder it is mounted on,
// {kib} the new size in KiB, {bytes} in bytes.
struct Command {
    std::string_view line{};
    int worst_exit = 0;  // exit codes up to this succeed (e2fsck's 1: it fixed something)
};

struct Record {
    std::string_view name{};                          // Lifeboat's name for it: "ext4", "vfat", ...
    std::string_view title{};                         // how people name it: "ext2/3/4", "FAT", ...
    std::span<const std::string_view> blkid_types{};  // the libblkid TYPE values it covers
    // Capture: its used-block reader (fs/used_blocks.hpp); null: every byte is stored.
    Result<fs::UsedMap> (*used_blocks)(io::BlockSource& source) = nullptr;

    // Mounting: the kernel drivers that read it, in the order to try; the one
    // that writes ("" none); options to retry a read-only mount with ("" none).
    std::span<const std::string_view> kernel_readers{};
    std::string_view kernel_writer{};
    std::string_view read_only_retry{};

    // Resizing (docs/SHRINK.md).
    Resizer resizer = Resizer::none;
    std::string_view fixed_because{};  // Resizer::none: why it keeps its size
    std::span<const Command> shrink_commands{};
    // Growing to fill a larger partition; with grow_mounted, on the filesystem
    // mounted by kernel_writer ({mountpoint}), which some grow only then.
    std::span<const Command> grow_commands{};
    bool grow_mounted = false;
    // Its least size, measured on a view of the image: the command, the text
    // its answer's number follows, and whether that counts filesystem blocks
    // (else bytes). Empty command: Lifeboat estimates it (FAT, swap).
    Command minimum_command{};
    std::string_view minimum_after{};
    bool minimum_in_blocks = false;

    // The rescue media: Debian packages to unpack (tools and the libraries
    // they load), the programs restore runs ("PACKAGE/PATH [OTHER-NAME...]":
    // the file in its unpacked package, and names linked to it), the kernel
    // modules that mount it.
    std::span<const std::string_view> media_packages{};
    std::span<const std::string_view> media_programs{};
    std::span<const std::string_view> media_modules{};

    // Tests: the read-only checker that judges a restored copy, and what its
    // output says when it found nothing wrong ("": its exit status tells).
    Command checker{};
    std::string_view checker_clean{};

    [[nodiscard]] bool can_resize() const { return resizer != Resizer::none; }
    [[nodiscard]] bool can_grow() const { return can_resize() || !grow_commands.empty(); }
};

// Every record; the last is "other", for what no record names (stored whole).
[[nodiscard]] std::span<const Record> all();
// The record covering a libblkid TYPE ("ext3", "vfat", ...), or "other".
[[nodiscard]] const Record& of_type(std::string_view blkid_type);
// Those that take a new size, as a list of titles: "ext2/3/4, FAT, NTFS and
// swap"; or those that at least grow to fill a larger partition.
[[nodiscard]] std::string resizable_titles();
[[nodiscard]] std::string growable_titles();

// The kernel's names for what libblkid calls `blkid_type`: the drivers that
// read it, in the order to try (its own name first); the one that writes ("" none).
[[nodiscard]] std::vector<std::string> kernel_readers(std::string_view blkid_type);
[[nodiscard]] std::string kernel_writer(std::string_view blkid_type);

// A command's words with its placeholders filled.
[[nodiscard]] std::vector<std::string> words(const Command& command, const std::string& device,
                                             std::uint64_t bytes = 0, const std::string& mountpoint = "");

}  // namespace imager::filesystems
