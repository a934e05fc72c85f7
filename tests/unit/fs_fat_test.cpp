// FAT12/16/32 used-block maps, judged by fsck.fat and file checksums on
// copies that hold only the used extents over junk. Files go in with mtools,
// with deletions in between so later files are fragmented.
#include "fs/used_blocks.hpp"
#include "fs_test_support.hpp"

#include <catch2/catch.hpp>

namespace {

using fs_test::quote;
using fs_test::sh;

// fsck.fat's summary without the image name: " 35 files, 1234/5678 clusters".
std::string summary(const std::string& output) {
    const auto at = output.rfind(" files, ");
    if (at == std::string::npos) return {};
    const auto start = output.rfind(':', at);
    const auto end = output.find('\n', at);
    return output.substr(start + 1, end - start - 1);
}

std::string extract(const fs_test::TempDir& t, const std::string& image, const std::string& name) {
    const std::string out = t / name;
    std::filesystem::create_directories(out);
    (void)sh("mcopy -i " + quote(image) + " -s -n -m '::/*' " + quote(out + "/"));
    return fs_test::checksums(out);
}

// Fills the image through mtools: scratch files, the tree, every other
// scratch file deleted, then a late file that lands in the holes.
void populate(const std::string& image, const std::string& tree, std::size_t scale) {
    std::filesystem::create_directories(tree + "/scratch");
    for (int i = 0; i < 20; ++i)
        fs_test::write_random_file(tree + "/scratch/s" + std::to_string(i) + ".bin", 40 * 1024 + 7, 100 + i);
    REQUIRE(sh("mcopy -i " + quote(image) + " -s " + quote(tree + "/scratch") + " ::/").code == 0);
    fs_test::make_tree(tree, scale);
    const std::string dirs = quote(tree + "/docs") + " " + quote(tree + "/data");
    REQUIRE(sh("mcopy -i " + quote(image) + " -s " + dirs + " ::/").code == 0);
    for (int i = 1; i < 20; i += 2) {
        const std::string name = "s" + std::to_string(i) + ".bin";
        REQUIRE(sh("mdel -i " + quote(image) + " ::/scratch/" + name).code == 0);
        std::filesystem::remove(tree + "/scratch/" + name);
    }
    fs_test::write_random_file(tree + "/late.bin", 300 * 1024 + 5, 99);
    REQUIRE(sh("mcopy -i " + quote(image) + " " + quote(tree + "/late.bin") + " ::/").code == 0);
}

void check_fat(unsigned bits, std::uint64_t size, const std::string& options, std::size_t scale) {
    INFO("mkfs.vfat -F " << bits << " " << options << " on " << size << " bytes");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    const std::string tree = t / "tree";
    REQUIRE(sh("truncate -s " + std::to_string(size) + " " + image).code == 0);
    REQUIRE(sh("mkfs.vfat -F " + std::to_string(bits) + " " + options + " " + image).code == 0);
    populate(image, tree, scale);
    const std::string expected = fs_test::checksums(tree);
    const auto original = sh("fsck.fat -n " + image);
    REQUIRE(original.code == 0);
    REQUIRE(extract(t, image, "out-original") == expected);

    auto map = fs_test::used_extents(image, "vfat");
    REQUIRE(map.has_value());
    fs_test::check_well_formed(*map, size);
    INFO("FAT" << bits << ": used " << map->used_bytes() << " of " << size << " bytes, files "
               << fs_test::tree_bytes(tree));
    CHECK(map->used_bytes() > fs_test::tree_bytes(tree));
    CHECK(map->used_bytes() < size * 3 / 4);

    const std::string copy = t / "copy.img";
    fs_test::write_junk(copy, size, 42);
    REQUIRE(fs_test::copy_extents(image, copy, map->extents));
    const auto checked = sh("fsck.fat -n " + copy);
    INFO(checked.out);
    CHECK(checked.code == 0);
    CHECK(!summary(original.out).empty());
    CHECK(summary(checked.out) == summary(original.out));
    CHECK(extract(t, copy, "out") == expected);

    // Negative control: without the largest extent the copy must differ.
    const std::string broken = t / "broken.img";
    fs_test::write_junk(broken, size, 43);
    REQUIRE(fs_test::copy_extents(image, broken, fs_test::without_largest(map->extents)));
    CHECK((extract(t, broken, "out-broken") != expected || sh("fsck.fat -n " + broken).code != 0));
}

}  // namespace

TEST_CASE("FAT12: only allocated clusters are needed", "[fs][fat]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.vfat", "fsck.fat", "mcopy", "mdel", "sha256sum");
    check_fat(12, 8ULL << 20, "", 1);
}

TEST_CASE("FAT16: only allocated clusters are needed", "[fs][fat]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.vfat", "fsck.fat", "mcopy", "mdel", "sha256sum");
    check_fat(16, 64ULL << 20, "", 2);
}

TEST_CASE("FAT32: only allocated clusters are needed", "[fs][fat]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.vfat", "fsck.fat", "mcopy", "mdel", "sha256sum");
    check_fat(32, 64ULL << 20, "", 2);
}

TEST_CASE("FAT16 with 4 KiB sectors: only allocated clusters are needed", "[fs][fat]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.vfat", "fsck.fat", "mcopy", "mdel", "sha256sum");
    check_fat(16, 64ULL << 20, "-S 4096", 2);
}

TEST_CASE("FAT: damaged or foreign bytes give an Error, not a crash", "[fs][fat]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.vfat");
    const auto& fat = imager::filesystems::of_type("vfat");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";

    SECTION("garbage, zeros and too small") {
        std::vector<std::byte> junk(1 << 20);
        std::mt19937_64 rng(7);
        for (auto& b : junk) b = static_cast<std::byte>(rng() & 0xFF);
        junk[0] = std::byte{0xEB};  // past the first check
        imager::io::MemorySource garbage(junk);
        CHECK_FALSE(fat.used_blocks(garbage).has_value());
        imager::io::MemorySource zeros(std::vector<std::byte>(1 << 20));
        CHECK_FALSE(fat.used_blocks(zeros).has_value());
        imager::io::MemorySource tiny(std::vector<std::byte>(100));
        CHECK_FALSE(fat.used_blocks(tiny).has_value());
    }

    SECTION("truncated, or with impossible geometry") {
        REQUIRE(sh("truncate -s 40M " + image + " && mkfs.vfat -F 32 " + image).code == 0);
        const auto bytes = fs_test::slurp(image);
        auto cut = bytes;
        cut.resize(8 << 20);
        imager::io::MemorySource truncated(std::move(cut));
        auto map = fat.used_blocks(truncated);
        REQUIRE_FALSE(map.has_value());
        CHECK(map.error().code == imager::Errc::unsupported);

        for (const auto& [at, value] : std::vector<std::pair<std::size_t, std::uint8_t>>{
                 {13, 0}, {13, 3}, {12, 0}, {16, 0}, {40, 0x8F}, {36, 0}, {37, 0}, {14, 0}}) {
            auto bad = bytes;
            bad[at] = std::byte{value};
            if (at == 36) bad[37] = bad[38] = bad[39] = std::byte{0};
            INFO("byte " << at << " = " << int(value));
            imager::io::MemorySource source(std::move(bad));
            CHECK_FALSE(fat.used_blocks(source).has_value());
        }
    }

    SECTION("random damage to the boot sector and the FAT") {
        for (const std::string options : {"-F 12", "-F 16", "-F 32"}) {
            const std::string size = options == "-F 32" ? "34M" : options == "-F 16" ? "12M" : "6M";
            REQUIRE(sh("rm -f " + image + " && truncate -s " + size + " " + image + " && mkfs.vfat " + options + " " +
                       image).code == 0);
            const auto bytes = fs_test::slurp(image);
            const int rounds = options == "-F 32" ? 100 : 300;
            CHECK(fs_test::fuzz_region(fat, bytes, 0, 512, rounds, 21) == 0);
            CHECK(fs_test::fuzz_region(fat, bytes, 0, 64, rounds, 22) == 0);
        }
    }
}
