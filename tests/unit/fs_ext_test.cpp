// ext2/3/4 used-block maps, judged by e2fsck and file checksums on copies
// that hold only the used blocks over junk.
#include "fs/used_blocks.hpp"
#include "fs_test_support.hpp"

#include <catch2/catch.hpp>

namespace {

constexpr std::uint64_t image_size = 64ULL << 20;

// e2fsck's closing summary: "NAME: 23/16384 files (0.0% non-contiguous), 5678/65536 blocks".
std::string summary(const std::string& output) {
    const auto at = output.rfind(" files (");
    if (at == std::string::npos) return {};
    const auto colon = output.rfind(':', at);
    const auto start = colon == std::string::npos ? 0 : colon + 1;
    return output.substr(start, output.find('\n', at) - start);
}

std::string dump(const fs_test::TempDir& t, const std::string& image, const std::string& name) {
    const std::string out = t / name;
    std::filesystem::create_directories(out);
    (void)fs_test::sh("debugfs -R " + fs_test::quote("rdump / " + out) + " " + fs_test::quote(image));
    return fs_test::checksums(out);
}

void check_ext(const std::string& type, const std::string& options) {
    INFO("mkfs.ext4 -t " << type << " " << options);
    fs_test::TempDir t;
    const std::string tree = t / "tree";
    fs_test::make_tree(tree);
    const std::string expected = fs_test::checksums(tree);
    REQUIRE(expected.find("one.bin") != std::string::npos);

    const std::string image = t / "fs.img";
    REQUIRE(fs_test::sh("truncate -s " + std::to_string(image_size) + " " + image).code == 0);
    const auto made = fs_test::sh("mkfs.ext4 -q -F -t " + type + " " + options + " -d " + tree + " " + image);
    REQUIRE(made.code == 0);
    const auto original = fs_test::sh("e2fsck -fn " + image);
    REQUIRE(original.code == 0);

    auto map = fs_test::used_extents(image, type);
    REQUIRE(map.has_value());
    fs_test::check_well_formed(*map, image_size);
    INFO(type << " " << options << ": used " << map->used_bytes() << " of " << image_size << " bytes, files "
              << fs_test::tree_bytes(tree));
    CHECK(map->used_bytes() > fs_test::tree_bytes(tree));
    CHECK(map->used_bytes() < image_size / 2);

    const std::string copy = t / "copy.img";
    fs_test::write_junk(copy, image_size, 42);
    REQUIRE(fs_test::copy_extents(image, copy, map->extents));
    const auto checked = fs_test::sh("e2fsck -fn " + copy);
    INFO(checked.out);
    CHECK(checked.code == 0);
    CHECK(summary(checked.out) == summary(original.out));
    CHECK(!summary(original.out).empty());
    CHECK(dump(t, copy, "out") == expected);

    // Negative control: without the largest extent the copy must differ.
    const std::string broken = t / "broken.img";
    fs_test::write_junk(broken, image_size, 43);
    REQUIRE(fs_test::copy_extents(image, broken, fs_test::without_largest(map->extents)));
    CHECK((dump(t, broken, "out-broken") != expected || fs_test::sh("e2fsck -fn " + broken).code != 0));
}

}  // namespace

TEST_CASE("ext2 with 1 KiB blocks: only used blocks are needed", "[fs][ext]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4", "e2fsck", "debugfs", "sha256sum");
    check_ext("ext2", "-b 1024");
}

TEST_CASE("ext3: only used blocks are needed", "[fs][ext]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4", "e2fsck", "debugfs", "sha256sum");
    check_ext("ext3", "");
}

TEST_CASE("ext4: only used blocks are needed", "[fs][ext]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4", "e2fsck", "debugfs", "sha256sum");
    check_ext("ext4", "");
}

TEST_CASE("ext4 with bigalloc: only used clusters are needed", "[fs][ext]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4", "e2fsck", "debugfs", "sha256sum");
    check_ext("ext4", "-O bigalloc -C 16384");
}

TEST_CASE("ext: read by offset through a slice of a larger source", "[fs][ext]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    REQUIRE(fs_test::sh("truncate -s 16M " + image + " && mkfs.ext4 -q -F " + image).code == 0);
    auto direct = fs_test::used_extents(image, "ext4");
    REQUIRE(direct.has_value());

    // The same filesystem 1 MiB into a disk-sized buffer.
    auto bytes = fs_test::slurp(image);
    std::vector<std::byte> disk(1 << 20, std::byte{0x5A});
    disk.insert(disk.end(), bytes.begin(), bytes.end());
    disk.resize(disk.size() + (1 << 20), std::byte{0x5A});
    imager::io::MemorySource whole(std::move(disk), "disk");
    imager::io::SliceSource slice(whole, 1 << 20, bytes.size());
    auto sliced = imager::fs::used_extents(imager::filesystems::of_type("ext4"), slice);
    REQUIRE(sliced.has_value());
    CHECK(sliced->extents == direct->extents);
    CHECK(sliced->block_size == direct->block_size);
}

TEST_CASE("ext: damaged or foreign bytes give an Error, not a crash", "[fs][ext]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4");
    const auto& ext = imager::filesystems::of_type("ext4");
    fs_test::TempDir t;

    SECTION("garbage, zeros and too small") {
        std::vector<std::byte> junk(1 << 20);
        std::mt19937_64 rng(7);
        for (auto& b : junk) b = static_cast<std::byte>(rng() & 0xFF);
        imager::io::MemorySource garbage(junk);
        CHECK_FALSE(ext.used_blocks(garbage).has_value());
        imager::io::MemorySource zeros(std::vector<std::byte>(1 << 20));
        CHECK_FALSE(ext.used_blocks(zeros).has_value());
        imager::io::MemorySource tiny(std::vector<std::byte>(100));
        CHECK_FALSE(ext.used_blocks(tiny).has_value());
    }

    SECTION("truncated: the superblock promises more than the source holds") {
        const std::string image = t / "fs.img";
        REQUIRE(fs_test::sh("truncate -s 16M " + image + " && mkfs.ext4 -q -F " + image).code == 0);
        auto bytes = fs_test::slurp(image);
        bytes.resize(1 << 20);
        imager::io::MemorySource truncated(std::move(bytes));
        auto map = ext.used_blocks(truncated);
        REQUIRE_FALSE(map.has_value());
        CHECK(map.error().code == imager::Errc::unsupported);
    }

    SECTION("a journal that needs recovery is refused") {
        const std::string image = t / "fs.img";
        REQUIRE(fs_test::sh("truncate -s 16M " + image + " && mkfs.ext4 -q -F -t ext3 " + image).code == 0);
        auto bytes = fs_test::slurp(image);
        bytes[1024 + 0x60] |= std::byte{0x04};  // s_feature_incompat |= RECOVER (ext3 has no checksum)
        imager::io::MemorySource dirty(std::move(bytes));
        auto map = ext.used_blocks(dirty);
        REQUIRE_FALSE(map.has_value());
        CHECK(map.error().context.find("journal") != std::string::npos);
    }

    SECTION("random damage to the superblock and group descriptors") {
        for (const std::string options : {"-t ext2 -b 1024", "-t ext4 -O ^metadata_csum"}) {
            const std::string image = t / "small.img";
            REQUIRE(fs_test::sh("rm -f " + image + " && truncate -s 4M " + image + " && mkfs.ext4 -q -F " + options +
                                " " + image).code == 0);
            const auto bytes = fs_test::slurp(image);
            CHECK(fs_test::fuzz_region(ext, bytes, 1024, 2048, 300, 11) == 0);
            CHECK(fs_test::fuzz_region(ext, bytes, 2048, 8192, 300, 12) == 0);
        }
    }
}
