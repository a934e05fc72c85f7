// The filesystem records (imager/filesystems.hpp), normalize() and UsedMap,
// plus every reader against every other filesystem's bytes: each recognises only its own.
#include "fs/used_blocks.hpp"
#include "imager/filesystems.hpp"
#include "fs_test_support.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <set>

using imager::fs::Extent;

TEST_CASE("normalize sorts, merges, drops empties and clips", "[fs][used_blocks]") {
    using V = std::vector<Extent>;
    CHECK(imager::fs::normalize({}, 100).empty());
    CHECK(imager::fs::normalize(V{{50, 10}, {0, 10}, {10, 5}}, 100) == V{{0, 15}, {50, 10}});
    CHECK(imager::fs::normalize(V{{0, 30}, {10, 5}, {20, 20}}, 100) == V{{0, 40}});
    CHECK(imager::fs::normalize(V{{5, 0}, {7, 1}}, 100) == V{{7, 1}});
    CHECK(imager::fs::normalize(V{{90, 20}, {100, 5}, {200, 1}}, 100) == V{{90, 10}});
    const auto max = std::numeric_limits<std::uint64_t>::max();
    CHECK(imager::fs::normalize(V{{max - 1, max}, {10, max}}, 100) == V{{10, 90}});
    CHECK(imager::fs::normalize(V{{0, 10}}, 0).empty());
}

TEST_CASE("UsedMap::used_bytes adds the extents", "[fs][used_blocks]") {
    imager::fs::UsedMap map;
    CHECK(map.used_bytes() == 0);
    map.extents = {{0, 4096}, {8192, 100}};
    CHECK(map.used_bytes() == 4196);
}

TEST_CASE("the filesystem records map libblkid types, other last", "[fs][used_blocks]") {
    using imager::filesystems::of_type;
    const auto all = imager::filesystems::all();
    REQUIRE(all.size() == 8);
    CHECK(all.back().name == "other");
    CHECK(all.back().blkid_types.empty());
    CHECK(all.back().used_blocks == nullptr);
    std::set<std::string_view> names, types;
    for (const auto& r : all) {
        INFO(r.name);
        CHECK(names.insert(r.name).second);
        CHECK_FALSE(r.title.empty());
        for (const auto t : r.blkid_types) CHECK(types.insert(t).second);  // one record per type
    }
    CHECK(of_type("ext2").name == "ext4");
    CHECK(of_type("ext3").name == "ext4");
    CHECK(of_type("ext4").name == "ext4");
    CHECK(of_type("vfat").name == "vfat");
    CHECK(of_type("msdos").name == "vfat");
    CHECK(of_type("exfat").name == "exfat");
    CHECK(of_type("ntfs").name == "ntfs");
    CHECK(of_type("swap").name == "swap");
    CHECK(of_type("xfs").name == "xfs");
    CHECK(of_type("btrfs").name == "btrfs");
    for (const auto* other : {"swsuspend", "crypto_LUKS", "", "EXT4", "XFS", "iso9660"})
        CHECK(of_type(other).name == "other");
}

TEST_CASE("every record says how it resizes, mounts and what the media need", "[fs][used_blocks]") {
    using imager::filesystems::Resizer;
    for (const auto& r : imager::filesystems::all()) {
        INFO(r.name);
        // Keeps its size exactly when it says why.
        CHECK(r.fixed_because.empty() == r.can_resize());
        if (r.resizer == Resizer::tools) {
            CHECK_FALSE(r.shrink_commands.empty());
            CHECK_FALSE(r.grow_commands.empty());
            CHECK_FALSE(r.minimum_command.line.empty());
            CHECK_FALSE(r.minimum_after.empty());
        } else {
            CHECK(r.shrink_commands.empty());
            CHECK(r.minimum_command.line.empty());
            CHECK(r.grow_commands.empty() == !r.grow_mounted);  // grow-only ones (XFS, btrfs) grow mounted
        }
        if (r.grow_mounted) CHECK_FALSE(r.kernel_writer.empty());
        // Each tool restore runs comes from a package the media unpack, and is carried.
        for (const auto& c : {r.shrink_commands, r.grow_commands, std::span(&r.minimum_command, 1)})
            for (const auto& command : c) {
                if (command.line.empty()) continue;
                const auto tool = imager::filesystems::words(command, "/dev/x")[0];
                const bool carried = std::ranges::any_of(r.media_programs, [&](std::string_view p) {
                    return p.substr(0, p.find(' ')).ends_with("/" + tool);
                });
                CHECK(carried);
            }
        for (const auto program : r.media_programs) {
            const auto package = program.substr(0, program.find('/'));
            CHECK(std::ranges::find(r.media_packages, package) != r.media_packages.end());
        }
        // A writer is one of its readers; one that mounts has a module in the media or says why not (NTFS).
        if (!r.kernel_writer.empty())
            CHECK(std::ranges::find(r.kernel_readers, r.kernel_writer) != r.kernel_readers.end());
        if (!r.kernel_readers.empty() && r.name != "ntfs") CHECK_FALSE(r.media_modules.empty());
    }
    CHECK(imager::filesystems::resizable_titles() == "ext2/3/4, FAT, NTFS and swap");
    CHECK(imager::filesystems::growable_titles() == "ext2/3/4, FAT, NTFS, XFS, swap and btrfs");
}

TEST_CASE("kernel names and command words come from the records", "[fs][used_blocks]") {
    using V = std::vector<std::string>;
    CHECK(imager::filesystems::kernel_readers("ext2") == V{"ext2", "ext4"});
    CHECK(imager::filesystems::kernel_readers("ext4") == V{"ext4"});
    CHECK(imager::filesystems::kernel_readers("ntfs") == V{"ntfs3", "ntfs"});
    CHECK(imager::filesystems::kernel_readers("iso9660") == V{"iso9660"});
    CHECK(imager::filesystems::kernel_writer("ext3") == "ext4");
    CHECK(imager::filesystems::kernel_writer("ntfs") == "ntfs3");
    CHECK(imager::filesystems::kernel_writer("f2fs") == "f2fs");  // no record: its own name
    CHECK(imager::filesystems::kernel_writer("swap").empty());
    const auto& ext = imager::filesystems::of_type("ext4");
    CHECK(imager::filesystems::words(ext.shrink_commands[1], "/dev/loop7", 25u << 20) ==
          V{"resize2fs", "/dev/loop7", "25600K"});
    CHECK(ext.shrink_commands[0].worst_exit == 1);  // e2fsck: 1 = it fixed something
    const auto& xfs = imager::filesystems::of_type("xfs");
    CHECK(imager::filesystems::words(xfs.grow_commands[0], "/dev/loop7", 0, "/run/m") == V{"xfs_growfs", "/run/m"});
    const auto& ntfs = imager::filesystems::of_type("ntfs");
    CHECK(imager::filesystems::words(ntfs.shrink_commands[0], "/v", 1000) ==
          V{"ntfsresize", "--force", "--no-progress-bar", "--size", "1000", "/v"});
}

TEST_CASE("a record without a reader keeps every byte", "[fs][used_blocks]") {
    const auto& other = imager::filesystems::of_type("");
    imager::io::MemorySource some(std::vector<std::byte>(12345));
    auto map = imager::fs::used_extents(other, some);
    REQUIRE(map.has_value());
    CHECK(map->extents == std::vector<Extent>{{0, 12345}});
    CHECK(map->used_bytes() == 12345);
    imager::io::MemorySource none(std::vector<std::byte>{});
    auto empty = imager::fs::every_byte(none);
    REQUIRE(empty.has_value());
    CHECK(empty->extents.empty());
}

TEST_CASE("every reader refuses zeros, garbage and other filesystems", "[fs][used_blocks]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4", "mkfs.vfat", "mkfs.exfat", "mkntfs", "mkswap", "mkfs.btrfs");
    fs_test::TempDir t;
    // image -> the record whose reader must accept it
    const std::vector<std::pair<std::string, std::string>> made{
        {"mkfs.ext4 -q -F -t ext2", "ext4"}, {"mkfs.ext4 -q -F", "ext4"}, {"mkfs.vfat -F 12", "vfat"},
        {"mkfs.vfat -F 16", "vfat"},        {"mkfs.exfat", "exfat"},      {"mkntfs -F -Q", "ntfs"},
        {"mkswap", "swap"},                  {"mkfs.btrfs -q -f --mixed", "btrfs"}};
    for (std::size_t i = 0; i < made.size(); ++i) {
        const std::string image = t / ("fs" + std::to_string(i) + ".img");
        REQUIRE(fs_test::sh("truncate -s 16M " + image + " && " + made[i].first + " " + image).code == 0);
        auto src = imager::io::open_source(image);
        REQUIRE(src.has_value());
        for (const auto& d : imager::filesystems::all()) {
            if (!d.used_blocks) continue;
            INFO(made[i].first << " read as " << d.name);
            CHECK(d.used_blocks(**src).has_value() == (d.name == made[i].second));
        }
    }

    std::vector<std::byte> junk(4 << 20);
    std::mt19937_64 rng(5);
    for (auto& b : junk) b = static_cast<std::byte>(rng() & 0xFF);
    imager::io::MemorySource garbage(junk);
    imager::io::MemorySource zeros(std::vector<std::byte>(4 << 20));
    imager::io::MemorySource empty(std::vector<std::byte>{});
    for (const auto& d : imager::filesystems::all()) {
        if (!d.used_blocks) continue;
        INFO(d.name);
        for (imager::io::MemorySource* s : {&garbage, &zeros, &empty}) {
            auto map = d.used_blocks(*s);
            REQUIRE_FALSE(map.has_value());
            CHECK_FALSE(map.error().message().empty());
        }
    }
}
