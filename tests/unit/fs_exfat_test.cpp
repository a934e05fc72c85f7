// exFAT used-block maps, judged by fsck.exfat and file checksums on copies
// that hold only the used extents over junk. exfat-fuse insists on a block
// device (it mounts with "blkdev" as root), so images are reached through
// loop devices; everything else works on the image files.
#include "fs/used_blocks.hpp"
#include "fs_test_support.hpp"

#include <catch2/catch.hpp>

namespace {

using fs_test::quote;
using fs_test::sh;

constexpr std::uint64_t image_size = 64ULL << 20;

// fsck.exfat's verdict without the image name: "clean. directories 4, files 35".
std::string summary(const std::string& output) {
    const auto at = output.find(": clean.");
    if (at == std::string::npos) return {};
    return output.substr(at + 2, output.find('\n', at) - at - 2);
}

// Mounts `image` through a loop device at t/`name`; empty on failure.
std::string mount_exfat(const fs_test::TempDir& t, const std::string& image, const std::string& name,
                        bool read_only) {
    const auto loop = sh(std::string("losetup -f --show ") + (read_only ? "-r " : "") + quote(image));
    if (loop.code != 0) return {};
    const std::string dev = loop.out.substr(0, loop.out.find('\n'));
    const std::string dir = t / name;
    std::filesystem::create_directories(dir);
    const std::string options = read_only ? "-o ro " : "";
    if (sh("mount.exfat-fuse " + options + dev + " " + quote(dir)).code != 0) return {};
    return dir;
}

// Unmounts (exfat-fuse is a fuseblk mount, so umount waits for its writes)
// and detaches the loop device, which flushes it to the image file.
void unmount(const std::string& dir) {
    (void)sh("dev=$(findmnt -n -o SOURCE " + quote(dir) + ") && umount " + quote(dir) + " && losetup -d \"$dev\"");
}

std::string extract(const fs_test::TempDir& t, const std::string& image, const std::string& name) {
    const std::string dir = mount_exfat(t, image, name, true);
    if (dir.empty()) return "mount failed";
    const std::string sums = fs_test::checksums(dir);
    unmount(dir);
    return sums;
}

// Scratch files, the tree, every other scratch file deleted, then a late
// file that lands in the holes (so it needs a FAT chain).
void populate(const fs_test::TempDir& t, const std::string& image, const std::string& tree) {
    std::filesystem::create_directories(tree + "/scratch");
    for (int i = 0; i < 20; ++i)
        fs_test::write_random_file(tree + "/scratch/s" + std::to_string(i) + ".bin", 40 * 1024 + 7, 100 + i);
    fs_test::make_tree(tree, 2);
    const std::string mnt = mount_exfat(t, image, "mnt", false);
    REQUIRE(!mnt.empty());
    REQUIRE(sh("cp -r " + quote(tree + "/scratch") + " " + quote(mnt + "/") + " && cp -r " + quote(tree + "/docs") +
               " " + quote(tree + "/data") + " " + quote(mnt + "/")).code == 0);
    for (int i = 1; i < 20; i += 2) {
        const std::string name = "/scratch/s" + std::to_string(i) + ".bin";
        REQUIRE(sh("rm " + quote(mnt + name)).code == 0);
        std::filesystem::remove(tree + name);
    }
    fs_test::write_random_file(tree + "/late.bin", 300 * 1024 + 5, 99);
    REQUIRE(sh("cp " + quote(tree + "/late.bin") + " " + quote(mnt + "/")).code == 0);
    unmount(mnt);
}

}  // namespace

TEST_CASE("exFAT: only allocated clusters are needed", "[fs][exfat]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.exfat", "fsck.exfat", "mount.exfat-fuse", "losetup", "sha256sum");
    LIFEBOAT_SKIP_UNLESS_ROOT("attaching the loop device exfat-fuse mounts");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    const std::string tree = t / "tree";
    REQUIRE(sh("truncate -s " + std::to_string(image_size) + " " + image + " && mkfs.exfat " + image).code == 0);
    populate(t, image, tree);
    const std::string expected = fs_test::checksums(tree);
    const auto original = sh("fsck.exfat -n " + image);
    INFO(original.out);
    REQUIRE(original.code == 0);
    REQUIRE(extract(t, image, "out-original") == expected);

    auto map = fs_test::used_extents(image, "exfat");
    REQUIRE(map.has_value());
    fs_test::check_well_formed(*map, image_size);
    INFO("exFAT: used " << map->used_bytes() << " of " << image_size << " bytes, files "
                        << fs_test::tree_bytes(tree));
    CHECK(map->used_bytes() > fs_test::tree_bytes(tree));
    CHECK(map->used_bytes() < image_size / 2);

    const std::string copy = t / "copy.img";
    fs_test::write_junk(copy, image_size, 42);
    REQUIRE(fs_test::copy_extents(image, copy, map->extents));
    const auto checked = sh("fsck.exfat -n " + copy);
    INFO(checked.out);
    CHECK(checked.code == 0);
    CHECK(!summary(original.out).empty());
    CHECK(summary(checked.out) == summary(original.out));
    CHECK(extract(t, copy, "out") == expected);

    // Negative control: without the largest extent the copy must differ.
    const std::string broken = t / "broken.img";
    fs_test::write_junk(broken, image_size, 43);
    REQUIRE(fs_test::copy_extents(image, broken, fs_test::without_largest(map->extents)));
    CHECK((extract(t, broken, "out-broken") != expected || sh("fsck.exfat -n " + broken).code != 0));
}

TEST_CASE("exFAT: damaged or foreign bytes give an Error, not a crash", "[fs][exfat]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.exfat");
    using fs_test::PatchedSource;
    const auto& exfat = imager::filesystems::of_type("exfat");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    REQUIRE(sh("truncate -s 8M " + image + " && mkfs.exfat " + image).code == 0);
    const auto bytes = fs_test::slurp(image);
    PatchedSource clean(bytes, {});
    REQUIRE(exfat.used_blocks(clean).has_value());

    const auto u32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint32_t>(bytes[at + i]);
        return v;
    };
    const std::size_t fat = u32(80) * 512;
    const std::size_t cluster = 512U << std::to_integer<unsigned>(bytes[109]);
    const std::size_t root = u32(88) * 512 + (u32(96) - 2) * cluster;

    SECTION("garbage, zeros, too small and truncated") {
        std::vector<std::byte> junk(1 << 20);
        std::mt19937_64 rng(7);
        for (auto& b : junk) b = static_cast<std::byte>(rng() & 0xFF);
        std::memcpy(junk.data() + 3, "EXFAT   ", 8);
        imager::io::MemorySource garbage(junk);
        CHECK_FALSE(exfat.used_blocks(garbage).has_value());
        imager::io::MemorySource zeros(std::vector<std::byte>(1 << 20));
        CHECK_FALSE(exfat.used_blocks(zeros).has_value());
        imager::io::MemorySource tiny(std::vector<std::byte>(100));
        CHECK_FALSE(exfat.used_blocks(tiny).has_value());
        auto cut = bytes;
        cut.resize(2 << 20);
        imager::io::MemorySource truncated(std::move(cut));
        CHECK_FALSE(exfat.used_blocks(truncated).has_value());
    }

    SECTION("impossible fields") {
        const std::vector<std::pair<std::size_t, std::uint8_t>> cases{
            {108, 8}, {108, 13}, {109, 30}, {110, 0}, {110, 3}, {95, 0xFF}, {99, 0xFF}, {96, 0}, {96, 1}, {83, 0x7F}};
        for (const auto& [at, value] : cases) {
            INFO("byte " << at << " = " << int(value));
            PatchedSource src(bytes, {{at, std::byte{value}}});
            CHECK_FALSE(exfat.used_blocks(src).has_value());
        }
    }

    SECTION("a root directory whose chain loops") {
        const std::uint32_t c = u32(96);
        std::vector<std::pair<std::size_t, std::byte>> loop;
        for (int i = 0; i < 4; ++i) loop.emplace_back(fat + c * 4 + i, static_cast<std::byte>((c >> (8 * i)) & 0xFF));
        // The loop only matters once the first cluster has no end marker.
        for (std::size_t at = root; at < root + cluster; at += 32)
            if (bytes[at] == std::byte{0}) loop.emplace_back(at, std::byte{0x85});
        PatchedSource src(bytes, std::move(loop));
        auto map = exfat.used_blocks(src);
        REQUIRE_FALSE(map.has_value());
    }

    SECTION("a bitmap entry pointing outside the volume") {
        for (std::size_t at = root; at < root + cluster; at += 32) {
            if (bytes[at] != std::byte{0x81}) continue;
            PatchedSource src(bytes, {{at + 23, std::byte{0x7F}}});
            CHECK_FALSE(exfat.used_blocks(src).has_value());
            PatchedSource small(bytes, {{at + 24, std::byte{1}}, {at + 25, std::byte{0}}, {at + 26, std::byte{0}}});
            CHECK_FALSE(exfat.used_blocks(small).has_value());
        }
    }

    SECTION("random damage to the boot sector, FAT and root directory") {
        CHECK(fs_test::fuzz_region(exfat, bytes, 0, 512, 400, 31) == 0);
        CHECK(fs_test::fuzz_region(exfat, bytes, 64, 112, 400, 32) == 0);
        CHECK(fs_test::fuzz_region(exfat, bytes, fat, fat + 64, 400, 33) == 0);
        CHECK(fs_test::fuzz_region(exfat, bytes, root, root + 128, 400, 34) == 0);
    }
}
