// The filesystem records (imager/filesystems.hpp): everything Lifeboat knows
// about a filesystem is here, and only here, besides its used-block reader.
// A new filesystem is one record below plus its reader (docs/FILESYSTEMS.md).
#include "imager/filesystems.hpp"

#include "fs/parse.hpp"

#include <algorithm>
#include <array>
#include <sstream>

namespace imager::filesystems {

namespace {

using namespace std::string_view_literals;

namespace ext {
constexpr std::array types{"ext2"sv, "ext3"sv, "ext4"sv};
constexpr std::array kernel{"ext4"sv};
// resize2fs wants a filesystem checked since it was last mounted.
constexpr std::array shrink{Command{"e2fsck -fy {device}", 1}, Command{"resize2fs {device} {kib}K"}};
constexpr std::array grow{Command{"e2fsck -fy {device}", 1}, Command{"resize2fs {device}"}};
constexpr std::array packages{"e2fsprogs"sv, "libext2fs2"sv, "libcom-err2"sv, "libblkid1"sv, "libuuid1"sv};
constexpr std::array programs{"e2fsprogs/sbin/e2fsck"sv, "e2fsprogs/sbin/resize2fs"sv};
}  // namespace ext

namespace fat {
// libblkid says "vfat" for every FAT; "msdos" appears as a secondary type.
constexpr std::array types{"vfat"sv, "msdos"sv};
constexpr std::array kernel{"vfat"sv};
constexpr std::array packages{"dosfstools"sv, "mtools"sv};
// mtools is one program that acts by the name it is called by.
constexpr std::array programs{"dosfstools/sbin/mkfs.fat"sv, "mtools/usr/bin/mtools mcopy mdir"sv};
constexpr std::array modules{"vfat"sv};
}  // namespace fat

namespace exfat {
constexpr std::array types{"exfat"sv};
constexpr std::array modules{"exfat"sv};
}  // namespace exfat

namespace ntfs {
constexpr std::array types{"ntfs"sv};
// ntfs3 writes; the old ntfs driver only reads. Debian 12's kernel has neither.
constexpr std::array kernel{"ntfs3"sv, "ntfs"sv};
constexpr std::array shrink{Command{"ntfsresize --force --no-progress-bar --size {bytes} {device}"}};
constexpr std::array grow{Command{"ntfsresize --force --no-progress-bar {device}"}};
constexpr std::array packages{"ntfs-3g"sv, "libntfs-3g89"sv};
constexpr std::array programs{"ntfs-3g/sbin/ntfsresize"sv};
}  // namespace ntfs

namespace xfs {
constexpr std::array types{"xfs"sv};
constexpr std::array grow{Command{"xfs_growfs {mountpoint}"}};
constexpr std::array packages{"xfsprogs"sv, "liburcu8"sv};
constexpr std::array programs{"xfsprogs/usr/sbin/xfs_growfs"sv};
constexpr std::array modules{"xfs"sv};
}  // namespace xfs

namespace btrfs {
constexpr std::array types{"btrfs"sv};
constexpr std::array grow{Command{"btrfs filesystem resize max {mountpoint}"}};
constexpr std::array packages{"btrfs-progs"sv, "libblkid1"sv, "libuuid1"sv, "libudev1"sv,
                              "zlib1g"sv,      "liblzo2-2"sv, "libzstd1"sv};
constexpr std::array programs{"btrfs-progs/bin/btrfs"sv};
constexpr std::array modules{"btrfs"sv};
}  // namespace btrfs

// Only a plain swap area: "swsuspend" holds a hibernation image and is stored whole.
constexpr std::array swap_types{"swap"sv};

constexpr std::array<Record, 8> table{{
    {.name = "ext4",
     .title = "ext2/3/4",
     .blkid_types = ext::types,
     .used_blocks = &fs::detail::ext_used_extents,
     .kernel_readers = ext::kernel,
     .kernel_writer = "ext4",
     .read_only_retry = "noload",  // a journal that needs replaying cannot be replayed read-only
     .resizer = Resizer::tools,
     .shrink_commands = ext::shrink,
     .grow_commands = ext::grow,
     .minimum_command = {"resize2fs -P {device}"},
     .minimum_after = "Estimated minimum size of the filesystem:",
     .minimum_in_blocks = true,
     .media_packages = ext::packages,
     .media_programs = ext::programs,
     .media_modules = ext::kernel,
     .checker = {"e2fsck -fn {device}"}},
    {.name = "vfat",
     .title = "FAT",
     .blkid_types = fat::types,
     .used_blocks = &fs::detail::fat_used_extents,
     .kernel_readers = fat::kernel,
     .kernel_writer = "vfat",
     .resizer = Resizer::remake,
     .media_packages = fat::packages,
     .media_programs = fat::programs,
     .media_modules = fat::modules,
     .checker = {"fsck.fat -n {device}"}},
    {.name = "exfat",
     .title = "exFAT",
     .blkid_types = exfat::types,
     .used_blocks = &fs::detail::exfat_used_extents,
     .kernel_readers = exfat::types,
     .kernel_writer = "exfat",
     .fixed_because = "exFAT has no tool that resizes it",
     .media_modules = exfat::modules,
     .checker = {"fsck.exfat -n {device}"},
     .checker_clean = "clean"},
    {.name = "ntfs",
     .title = "NTFS",
     .blkid_types = ntfs::types,
     .used_blocks = &fs::detail::ntfs_used_extents,
     .kernel_readers = ntfs::kernel,
     .kernel_writer = "ntfs3",
     .resizer = Resizer::tools,
     .shrink_commands = ntfs::shrink,
     .grow_commands = ntfs::grow,
     .minimum_command = {"ntfsresize --info --force --no-progress-bar {device}"},
     .minimum_after = "You might resize at",
     .media_packages = ntfs::packages,
     .media_programs = ntfs::programs,
     .checker = {"ntfsfix -n {device}"},  // says what it would do: nothing
     .checker_clean = "processed successfully"},
    {.name = "xfs",
     .title = "XFS",
     .blkid_types = xfs::types,
     .used_blocks = &fs::detail::xfs_used_extents,
     .kernel_readers = xfs::types,
     .kernel_writer = "xfs",
     .fixed_because = "XFS cannot shrink",
     .grow_commands = xfs::grow,
     .grow_mounted = true,
     .media_packages = xfs::packages,
     .media_programs = xfs::programs,
     .media_modules = xfs::modules,
     .checker = {"xfs_repair -n -f {device}"}},  // -f: on a file
    {.name = "swap",
     .title = "swap",
     .blkid_types = swap_types,
     .used_blocks = &fs::detail::swap_used_extents,
     .resizer = Resizer::header},
    {.name = "btrfs",
     .title = "btrfs",
     .blkid_types = btrfs::types,
     .used_blocks = &fs::detail::btrfs_used_extents,
     .kernel_readers = btrfs::types,
     .kernel_writer = "btrfs",
     .fixed_because = "Lifeboat does not shrink btrfs",
     .grow_commands = btrfs::grow,
     .grow_mounted = true,
     .media_packages = btrfs::packages,
     .media_programs = btrfs::programs,
     .media_modules = btrfs::modules,
     .checker = {"btrfs check --readonly {device}"}},
    // What no record names: stored whole, mounted by libblkid's name for it. Keep it last.
    {.name = "other", .title = "other filesystems", .fixed_because = "Lifeboat does not resize it"},
}};

}  // namespace

std::span<const Record> all() { return table; }

const Record& of_type(std::string_view blkid_type) {
    for (const Record& r : table)
        if (std::ranges::find(r.blkid_types, blkid_type) != r.blkid_types.end()) return r;
    return table.back();
}

namespace {
std::string titles_of(bool (Record::*which)() const) {
    std::vector<std::string_view> titles;
    for (const Record& r : table)
        if ((r.*which)()) titles.push_back(r.title);
    std::string out;
    for (std::size_t i = 0; i < titles.size(); ++i)
        out += (i == 0 ? "" : i + 1 == titles.size() ? " and " : ", ") + std::string(titles[i]);
    return out;
}
}  // namespace

std::string resizable_titles() { return titles_of(&Record::can_resize); }
std::string growable_titles() { return titles_of(&Record::can_grow); }

std::vector<std::string> kernel_readers(std::string_view blkid_type) {
    const Record& r = of_type(blkid_type);
    std::vector<std::string> names;
    if (std::ranges::find(r.kernel_readers, blkid_type) == r.kernel_readers.end()) names.emplace_back(blkid_type);
    names.insert(names.end(), r.kernel_readers.begin(), r.kernel_readers.end());
    return names;
}

std::string kernel_writer(std::string_view blkid_type) {
    const Record& r = of_type(blkid_type);
    return std::string(r.name == "other" ? blkid_type : r.kernel_writer);
}

std::vector<std::string> words(const Command& command, const std::string& device, std::uint64_t bytes,
                               const std::string& mountpoint) {
    std::vector<std::string> out;
    std::istringstream in{std::string(command.line)};
    for (std::string word; in >> word;) {
        if (word == "{device}") word = device;
        else if (word == "{mountpoint}") word = mountpoint;
        else if (word == "{bytes}") word = std::to_string(bytes);
        else if (const auto at = word.find("{kib}"); at != std::string::npos)
            word.replace(at, 5, std::to_string(bytes / 1024));
        out.push_back(std::move(word));
    }
    return out;
}

}  // namespace imager::filesystems
