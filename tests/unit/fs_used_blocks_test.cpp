// The descriptor table, normalize() and UsedMap, plus every descriptor
// against every other filesystem's bytes: each recognises only its own.
#include "fs/used_blocks.hpp"
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

TEST_CASE("the descriptor table maps libblkid types, raw last", "[fs][used_blocks]") {
    const auto all = imager::fs::descriptors();
    REQUIRE(all.size() == 7);
    CHECK(all.back().name == "raw");
    CHECK(all.back().blkid_types.empty());
    std::set<std::string_view> names;
    for (const auto& d : all) {
        CHECK(names.insert(d.name).second);
        CHECK(d.used_extents != nullptr);
    }
    CHECK(imager::fs::descriptor_for("ext2").name == "ext4");
    CHECK(imager::fs::descriptor_for("ext3").name == "ext4");
    CHECK(imager::fs::descriptor_for("ext4").name == "ext4");
    CHECK(imager::fs::descriptor_for("vfat").name == "vfat");
    CHECK(imager::fs::descriptor_for("exfat").name == "exfat");
    CHECK(imager::fs::descriptor_for("ntfs").name == "ntfs");
    CHECK(imager::fs::descriptor_for("swap").name == "swap");
    CHECK(imager::fs::descriptor_for("xfs").name == "xfs");
    for (const auto* other : {"btrfs", "swsuspend", "crypto_LUKS", "", "EXT4", "XFS"})
        CHECK(imager::fs::descriptor_for(other).name == "raw");
}

TEST_CASE("raw keeps every byte", "[fs][used_blocks]") {
    const auto& raw = imager::fs::descriptor_for("");
    imager::io::MemorySource some(std::vector<std::byte>(12345));
    auto map = raw.used_extents(some);
    REQUIRE(map.has_value());
    CHECK(map->extents == std::vector<Extent>{{0, 12345}});
    CHECK(map->used_bytes() == 12345);
    imager::io::MemorySource none(std::vector<std::byte>{});
    auto empty = raw.used_extents(none);
    REQUIRE(empty.has_value());
    CHECK(empty->extents.empty());
}

TEST_CASE("every descriptor refuses zeros, garbage and other filesystems", "[fs][used_blocks]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4", "mkfs.vfat", "mkfs.exfat", "mkntfs", "mkswap");
    fs_test::TempDir t;
    // image -> the descriptor that must accept it
    const std::vector<std::pair<std::string, std::string>> made{
        {"mkfs.ext4 -q -F -t ext2", "ext4"}, {"mkfs.ext4 -q -F", "ext4"}, {"mkfs.vfat -F 12", "vfat"},
        {"mkfs.vfat -F 16", "vfat"},        {"mkfs.exfat", "exfat"},      {"mkntfs -F -Q", "ntfs"},
        {"mkswap", "swap"}};
    for (std::size_t i = 0; i < made.size(); ++i) {
        const std::string image = t / ("fs" + std::to_string(i) + ".img");
        REQUIRE(fs_test::sh("truncate -s 16M " + image + " && " + made[i].first + " " + image).code == 0);
        auto src = imager::io::open_source(image);
        REQUIRE(src.has_value());
        for (const auto& d : imager::fs::descriptors()) {
            if (d.name == "raw") continue;
            INFO(made[i].first << " read as " << d.name);
            CHECK(d.used_extents(**src).has_value() == (d.name == made[i].second));
        }
    }

    std::vector<std::byte> junk(4 << 20);
    std::mt19937_64 rng(5);
    for (auto& b : junk) b = static_cast<std::byte>(rng() & 0xFF);
    imager::io::MemorySource garbage(junk);
    imager::io::MemorySource zeros(std::vector<std::byte>(4 << 20));
    imager::io::MemorySource empty(std::vector<std::byte>{});
    for (const auto& d : imager::fs::descriptors()) {
        if (d.name == "raw") continue;
        INFO(d.name);
        for (imager::io::MemorySource* s : {&garbage, &zeros, &empty}) {
            auto map = d.used_extents(*s);
            REQUIRE_FALSE(map.has_value());
            CHECK_FALSE(map.error().message().empty());
        }
    }
}
