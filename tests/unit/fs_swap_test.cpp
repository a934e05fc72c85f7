// Linux swap: only the header page is kept, and it carries the UUID and label.
#include "fs/used_blocks.hpp"
#include "fs_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using fs_test::sh;

constexpr std::uint64_t image_size = 16ULL << 20;
constexpr const char* uuid = "3f1c1e52-7a3b-4c1d-9e2f-0123456789ab";
constexpr const char* label = "lifeboat-swap";

std::string probe(const std::string& image) {
    return sh("blkid -p -o export -s TYPE -s UUID -s LABEL " + fs_test::quote(image) + " | grep -v ^DEVNAME=").out;
}

}  // namespace

TEST_CASE("swap: only the header page is needed, and it keeps UUID and label", "[fs][swap]") {
    LIFEBOAT_REQUIRE_TOOLS("mkswap", "blkid");
    fs_test::TempDir t;
    const std::string image = t / "swap.img";
    REQUIRE(sh("truncate -s " + std::to_string(image_size) + " " + image).code == 0);
    REQUIRE(sh(std::string("mkswap -L ") + label + " -U " + uuid + " " + image).code == 0);
    const std::string original = probe(image);
    REQUIRE(original.find(uuid) != std::string::npos);
    REQUIRE(original.find(label) != std::string::npos);
    REQUIRE(original.find("TYPE=swap") != std::string::npos);

    auto map = fs_test::used_extents(image, "swap");
    REQUIRE(map.has_value());
    CHECK(map->extents == std::vector<imager::fs::Extent>{{0, 4096}});
    CHECK(map->block_size == 4096);
    CHECK(map->used_bytes() == 4096);

    const std::string copy = t / "copy.img";
    fs_test::write_junk(copy, image_size, 42);
    REQUIRE(fs_test::sh("blkid -p " + copy).out.find(uuid) == std::string::npos);
    REQUIRE(fs_test::copy_extents(image, copy, map->extents));
    CHECK(probe(copy) == original);
}

TEST_CASE("swap: anything but a plain swap header is refused", "[fs][swap]") {
    const auto& swap = imager::filesystems::of_type("swap");
    REQUIRE(swap.name == "swap");
    std::vector<std::byte> page(1 << 20);
    const auto sign = [&](std::vector<std::byte> bytes, const char* magic, std::size_t page_size) {
        std::memcpy(bytes.data() + page_size - 10, magic, 10);
        bytes[1024] = std::byte{1};
        return bytes;
    };

    imager::io::MemorySource zeros(page);
    CHECK_FALSE(swap.used_blocks(zeros).has_value());
    imager::io::MemorySource tiny(std::vector<std::byte>(100));
    CHECK_FALSE(swap.used_blocks(tiny).has_value());
    // A hibernation image: the whole area matters, so it is not "swap" here.
    imager::io::MemorySource suspended(sign(page, "S1SUSPEND\0", 4096));
    CHECK_FALSE(swap.used_blocks(suspended).has_value());
    auto wrong_version = sign(page, "SWAPSPACE2", 4096);
    wrong_version[1024] = std::byte{2};
    imager::io::MemorySource version2(std::move(wrong_version));
    CHECK_FALSE(swap.used_blocks(version2).has_value());

    // Larger pages (arm64 with 64 KiB pages) put the signature further out.
    imager::io::MemorySource big_pages(sign(page, "SWAPSPACE2", 65536));
    auto map = swap.used_blocks(big_pages);
    REQUIRE(map.has_value());
    CHECK(map->extents == std::vector<imager::fs::Extent>{{0, 65536}});
}

TEST_CASE("swap: a grown area's header is the one mkswap makes for the larger size", "[fs][swap]") {
    LIFEBOAT_REQUIRE_TOOLS("mkswap");
    fs_test::TempDir t;
    const std::string small = t / "small.img";
    const std::string large = t / "large.img";
    constexpr std::uint64_t large_size = (40ULL << 20) + 1000;  // not a whole number of pages
    REQUIRE(sh("truncate -s " + std::to_string(image_size) + " " + small).code == 0);
    REQUIRE(sh("truncate -s " + std::to_string(large_size) + " " + large).code == 0);
    for (const auto& image : {small, large})
        REQUIRE(sh(std::string("mkswap -L ") + label + " -U " + uuid + " " + image).code == 0);

    auto header = fs_test::slurp(small);
    header.resize(65536);
    const auto pages = imager::fs::grow_swap_header(header, large_size);
    REQUIRE(pages.has_value());
    CHECK(*pages == large_size / 4096);
    const auto expected = fs_test::slurp(large);
    CHECK(std::equal(header.begin(), header.begin() + 4096, expected.begin()));

    // No swap header: refused, nothing changed.
    std::vector<std::byte> zeros(65536);
    CHECK_FALSE(imager::fs::grow_swap_header(zeros, large_size).has_value());
    CHECK(std::ranges::all_of(zeros, [](std::byte b) { return b == std::byte{0}; }));
}
