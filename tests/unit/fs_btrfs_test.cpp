// btrfs used-block maps, judged by btrfs check --readonly and by the files
// btrfs restore reads back (every subvolume and snapshot) from copies that
// hold only the used extents over junk, for every profile one device allows.
#include "fs/parse.hpp"
#include "fs/used_blocks.hpp"
#include "fs_test_support.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <tuple>

namespace {

using fs_test::quote;
using fs_test::sh;

constexpr std::uint64_t image_size = 256ULL << 20;

// Every file btrfs restore reads from `image` (snapshots too), as checksums.
std::string extract(const fs_test::TempDir& t, const std::string& image, const std::string& name) {
    const std::string dir = t / name;
    std::filesystem::create_directories(dir);
    if (sh("btrfs restore -s -i " + quote(image) + " " + quote(dir)).code != 0) return "btrfs restore failed";
    return fs_test::checksums(dir);
}

int check(const std::string& image) {
    const auto checked = sh("btrfs check --readonly " + quote(image));
    INFO(checked.out);
    return checked.code;
}

// The map of `image` copied over junk: btrfs check passes and the files are
// the same; with `control`, also that a copy without its largest extent fails.
imager::fs::UsedMap judged_map(const fs_test::TempDir& t, const std::string& image, bool control = true) {
    auto map = fs_test::used_extents(image, "btrfs");
    INFO((map ? std::string() : map.error().message()));
    REQUIRE(map.has_value());
    fs_test::check_well_formed(*map, image_size);
    const std::string expected = extract(t, image, "out-original");
    const std::string copy = t / "copy.img";
    fs_test::write_junk(copy, image_size, 42);
    REQUIRE(fs_test::copy_extents(image, copy, map->extents));
    CHECK(check(copy) == 0);
    CHECK(extract(t, copy, "out-copy") == expected);

    if (!control) return *map;
    // Negative control: without the largest extent the copy must differ.
    const std::string broken = t / "broken.img";
    fs_test::write_junk(broken, image_size, 43);
    REQUIRE(fs_test::copy_extents(image, broken, fs_test::without_largest(map->extents)));
    CHECK((extract(t, broken, "out-broken") != expected || check(broken) != 0));
    return *map;
}

std::string made(const fs_test::TempDir& t, const std::string& mkfs_options) {
    const std::string image = t / "fs.img";
    const std::string tree = t / "tree";
    fs_test::make_tree(tree, 2);
    const auto r = sh("truncate -s " + std::to_string(image_size) + " " + image + " && mkfs.btrfs -q -f " +
                      mkfs_options + " --rootdir " + quote(tree) + " " + image);
    INFO(r.out);
    REQUIRE(r.code == 0);
    REQUIRE(check(image) == 0);
    return image;
}

}  // namespace

// mkfs.btrfs's defaults on one device: data single, metadata DUP (every tree
// block twice); then data DUP too, and mixed block groups (data and metadata
// in the same chunks). Single everywhere: the damage test's filesystem.
TEST_CASE("btrfs: the extent tree's extents, on every stripe, are what is needed", "[fs][btrfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.btrfs", "btrfs", "sha256sum");
    for (const std::string options : {"", "-m dup -d dup", "--mixed"}) {
        INFO("mkfs.btrfs " << options);
        fs_test::TempDir t;
        const std::string image = made(t, options);
        const auto map = judged_map(t, image, options.empty());
        const std::uint64_t files = fs_test::tree_bytes(t / "tree");
        INFO("used " << map.used_bytes() << " of " << image_size << " bytes in " << map.extents.size()
                     << " extents, files " << files);
        CHECK(map.used_bytes() > files * (options == "-m dup -d dup" ? 2 : 1));  // DUP data: two copies
        CHECK(map.used_bytes() < image_size / 4);
    }
}

// Through the kernel: a subvolume, a read-only snapshot of it, files deleted
// after (their blocks freed in the subvolume but kept by the snapshot) and a
// file written after the snapshot.
TEST_CASE("btrfs: subvolumes and snapshots are kept", "[fs][btrfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.btrfs", "btrfs", "mount", "sha256sum");
    LIFEBOAT_SKIP_UNLESS_ROOT("mounting btrfs through a loop device");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    const std::string tree = t / "tree";
    const std::string mnt = t / "mnt";
    fs_test::make_tree(tree, 3);
    std::filesystem::create_directories(mnt);
    const auto r = sh("truncate -s " + std::to_string(image_size) + " " + image + " && mkfs.btrfs -q -f " + image +
                      " && mount -o loop " + image + " " + quote(mnt) + " && btrfs subvolume create " +
                      quote(mnt + "/@") + " && cp -r " + quote(tree) + "/. " + quote(mnt + "/@/") +
                      " && btrfs subvolume snapshot -r " + quote(mnt + "/@") + " " + quote(mnt + "/@snap") +
                      " && rm -r " + quote(mnt + "/@/data/deep") + " && head -c 3000000 /dev/urandom > " +
                      quote(mnt + "/@/late.bin") + " ; r=$?; umount " + quote(mnt) + " && exit $r");
    INFO(r.out);
    REQUIRE(r.code == 0);
    const std::string restored = extract(t, image, "out-whole");
    CHECK(restored.find("./@snap/data/deep/odd-size.bin") != std::string::npos);
    CHECK(restored.find("./@/data/deep/odd-size.bin") == std::string::npos);
    CHECK(restored.find("./@/late.bin") != std::string::npos);
    const auto map = judged_map(t, image);
    CHECK(map.used_bytes() > fs_test::tree_bytes(tree) + 3000000);
}

TEST_CASE("btrfs: a log tree, several devices and damage are refused", "[fs][btrfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.btrfs", "btrfs", "mount", "xfs_io");
    using fs_test::PatchedSource;
    const auto& btrfs = imager::filesystems::of_type("btrfs");
    REQUIRE(btrfs.name == "btrfs");
    fs_test::TempDir t;

    SECTION("a log tree: fsync'd writes not committed yet") {
        LIFEBOAT_SKIP_UNLESS_ROOT("mounting btrfs through a loop device");
        const std::string image = t / "fs.img";
        const std::string mnt = t / "mnt";
        std::filesystem::create_directories(mnt);
        // The image copied while mounted, right after an fsync: what a crash would leave.
        const auto r = sh("truncate -s " + std::to_string(image_size) + " " + image + " && mkfs.btrfs -q -f " + image +
                          " && mount -o loop,commit=300 " + image + " " + quote(mnt) +
                          " && xfs_io -f -c 'pwrite 0 64k' -c fsync " + quote(mnt + "/late") + " >/dev/null && cp " +
                          image + " " + quote(t / "crashed.img") + " ; r=$?; umount " + quote(mnt) + " && exit $r");
        INFO(r.out);
        REQUIRE(r.code == 0);
        auto crashed = fs_test::used_extents(t / "crashed.img", "btrfs");
        REQUIRE_FALSE(crashed.has_value());
        CHECK(crashed.error().message().find("log tree") != std::string::npos);
        CHECK(fs_test::used_extents(image, "btrfs").has_value());  // unmounted: committed
    }

    SECTION("two devices") {
        const std::string a = t / "a.img", b = t / "b.img";
        REQUIRE(sh("truncate -s 160M " + a + " " + b + " && mkfs.btrfs -q -f -d single -m single " + a + " " + b).code ==
                0);
        auto map = fs_test::used_extents(a, "btrfs");
        REQUIRE_FALSE(map.has_value());
        CHECK(map.error().message().find("several devices") != std::string::npos);
    }

    SECTION("garbage, zeros, too small, truncated, and any byte of the metadata changed") {
        const std::string image = made(t, "");
        const auto bytes = fs_test::slurp(image);
        PatchedSource clean(bytes, {});
        REQUIRE(btrfs.used_blocks(clean).has_value());
        std::vector<std::byte> junk(1 << 20);
        std::mt19937_64 rng(7);
        for (auto& b : junk) b = static_cast<std::byte>(rng() & 0xFF);
        std::memcpy(junk.data() + 0x10040, "_BHRfS_M", 8);
        imager::io::MemorySource garbage(junk);
        CHECK_FALSE(btrfs.used_blocks(garbage).has_value());
        imager::io::MemorySource zeros(std::vector<std::byte>(1 << 20));
        CHECK_FALSE(btrfs.used_blocks(zeros).has_value());
        imager::io::MemorySource tiny(std::vector<std::byte>(100));
        CHECK_FALSE(btrfs.used_blocks(tiny).has_value());
        auto cut = bytes;
        cut.resize(image_size / 2);
        imager::io::MemorySource truncated(std::move(cut));
        CHECK_FALSE(btrfs.used_blocks(truncated).has_value());
        // A changed byte in the superblock or a tree block: its checksum no longer matches.
        PatchedSource changed(bytes, {{0x10000 + 120, std::byte{0x55}}});
        CHECK_FALSE(btrfs.used_blocks(changed).has_value());
    }

    SECTION("fields that pass their checksum but not the structure checks") {
        const std::string image = made(t, "-m single -d single");
        auto bytes = fs_test::slurp(image);
        const auto le64 = [&](std::size_t at) {
            std::uint64_t v = 0;
            for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(bytes[at + i]);
            return v;
        };
        // The superblock with one field changed and its checksum made right again.
        const auto resealed = [&](std::size_t at, std::uint64_t value, int width) {
            auto copy = bytes;
            for (int i = 0; i < width; ++i) copy[0x10000 + at + i] = std::byte(value >> (8 * i));
            const std::uint32_t crc = imager::fs::detail::crc32c(std::span(copy).subspan(0x10000 + 32, 4096 - 32));
            for (int i = 0; i < 4; ++i) copy[0x10000 + i] = std::byte(crc >> (8 * i));
            return copy;
        };
        const std::vector<std::tuple<const char*, std::size_t, std::uint64_t, int>> cases{
            {"bytes used", 120, le64(0x10000 + 120) + 4096, 8},
            {"two devices", 136, 2, 8},
            {"a log tree", 96, 0x1000000, 8},
            {"sector size", 144, 3000, 4},
            {"node size", 148, 1 << 20, 4},
            {"the device's size", 201 + 8, image_size * 2, 8},
            {"the chunk tree's root", 88, le64(0x10000 + 88) + 16384, 8},
            {"the root tree's level", 198, 3, 1},
            {"an unknown feature", 188, le64(0x10000 + 188) | (1ULL << 40), 8},
            {"zoned", 188, le64(0x10000 + 188) | (1ULL << 12), 8},
            {"the system chunk array's size", 160, 4000, 4},
        };
        for (const auto& [what, at, value, width] : cases) {
            INFO(what);
            imager::io::MemorySource src(resealed(at, value, width));
            auto map = btrfs.used_blocks(src);
            REQUIRE_FALSE(map.has_value());
            CHECK_FALSE(map.error().message().empty());
        }
    }
}
