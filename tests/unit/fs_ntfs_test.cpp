// NTFS used-block maps, judged by ntfsfix -n and file checksums (read back
// through ntfs-3g, FUSE) on copies that hold only the used extents over junk.
#include "fs/used_blocks.hpp"
#include "fs_test_support.hpp"

#include <catch2/catch.hpp>

namespace {

using fs_test::quote;
using fs_test::sh;

constexpr std::uint64_t image_size = 64ULL << 20;

// Runs `body` with `image` mounted at `dir` by ntfs-3g, which stays in the
// foreground (no_detach) so that after umount we can wait until it has
// written everything back: a plain FUSE umount does not wait for that.
fs_test::Ran with_mount(const std::string& image, const std::string& dir, const std::string& options,
                        const std::string& body) {
    std::filesystem::create_directories(dir);
    const std::string d = quote(dir);
    return sh("ntfs-3g -o no_detach" + options + " " + quote(image) + " " + d + " >/dev/null 2>&1 & pid=$!; "
              "for i in $(seq 200); do mountpoint -q " + d + " && break; sleep 0.05; done; "
              "mountpoint -q " + d + " || { kill $pid; exit 99; }; "
              "( " + body + " ); rc=$?; umount " + d + "; wait $pid; exit $rc");
}

std::string extract(const fs_test::TempDir& t, const std::string& image, const std::string& name) {
    const std::string dir = t / name;
    const auto r = with_mount(image, dir, ",ro",
                              "cd " + quote(dir) +
                                  " && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum");
    return r.code == 0 ? r.out : "mount failed: " + r.out;
}

// ntfsfix -n's report with the image's name taken out.
std::string report(const std::string& image) {
    auto r = sh("ntfsfix -n " + quote(image));
    for (auto at = r.out.find(image); at != std::string::npos; at = r.out.find(image)) r.out.erase(at, image.size());
    return std::to_string(r.code) + ":" + r.out;
}

// Scratch files, the tree, every other scratch file deleted, then a late
// file that lands in the holes (a runlist with several runs).
void populate(const fs_test::TempDir& t, const std::string& image, const std::string& tree) {
    std::filesystem::create_directories(tree + "/scratch");
    for (int i = 0; i < 20; ++i)
        fs_test::write_random_file(tree + "/scratch/s" + std::to_string(i) + ".bin", 40 * 1024 + 7, 100 + i);
    fs_test::make_tree(tree, 2);
    std::string rm;
    for (int i = 1; i < 20; i += 2) rm += " scratch/s" + std::to_string(i) + ".bin";
    const std::string m = quote(t / "mnt");
    const auto r = with_mount(image, t / "mnt", "",
                              "set -e; cp -r " + quote(tree + "/scratch") + " " + quote(tree + "/docs") + " " +
                                  quote(tree + "/data") + " " + m + "/; cd " + m + "; rm" + rm);
    INFO(r.out);
    REQUIRE(r.code == 0);
    for (int i = 1; i < 20; i += 2) std::filesystem::remove(tree + "/scratch/s" + std::to_string(i) + ".bin");
    fs_test::write_random_file(tree + "/late.bin", 300 * 1024 + 5, 99);
    REQUIRE(with_mount(image, t / "mnt", "", "cp " + quote(tree + "/late.bin") + " " + m + "/").code == 0);
}

void check_ntfs(const std::string& options) {
    INFO("mkntfs -F -Q " << options);
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    const std::string tree = t / "tree";
    REQUIRE(sh("truncate -s " + std::to_string(image_size) + " " + image).code == 0);
    REQUIRE(sh("mkntfs -F -Q " + options + " " + image).code == 0);
    populate(t, image, tree);
    const std::string expected = fs_test::checksums(tree);
    const std::string original = report(image);
    REQUIRE(original.starts_with("0:"));
    REQUIRE(extract(t, image, "out-original") == expected);

    auto map = fs_test::used_extents(image, "ntfs");
    REQUIRE(map.has_value());
    fs_test::check_well_formed(*map, image_size);
    INFO("NTFS " << options << ": used " << map->used_bytes() << " of " << image_size << " bytes, files "
                 << fs_test::tree_bytes(tree));
    CHECK(map->used_bytes() > fs_test::tree_bytes(tree));
    CHECK(map->used_bytes() < image_size / 2);
    // The backup boot sector is the partition's last sector.
    CHECK(map->extents.back().offset + map->extents.back().length == image_size);

    const std::string copy = t / "copy.img";
    fs_test::write_junk(copy, image_size, 42);
    REQUIRE(fs_test::copy_extents(image, copy, map->extents));
    CHECK(report(copy) == original);
    CHECK(extract(t, copy, "out") == expected);

    // Negative control: without the largest extent the copy must differ.
    const std::string broken = t / "broken.img";
    fs_test::write_junk(broken, image_size, 43);
    REQUIRE(fs_test::copy_extents(image, broken, fs_test::without_largest(map->extents)));
    CHECK((extract(t, broken, "out-broken") != expected || report(broken) != original));
}

std::uint64_t le(const std::vector<std::byte>& b, std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
        v = (v << 8) | std::to_integer<std::uint64_t>(b[at + static_cast<std::size_t>(i)]);
    return v;
}

}  // namespace

TEST_CASE("NTFS: only clusters in $Bitmap are needed", "[fs][ntfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkntfs", "ntfs-3g", "ntfsfix", "mountpoint", "sha256sum");
    check_ntfs("");
}

TEST_CASE("NTFS with 512-byte clusters (records span clusters)", "[fs][ntfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkntfs", "ntfs-3g", "ntfsfix", "mountpoint", "sha256sum");
    check_ntfs("-c 512");
}

TEST_CASE("NTFS with 64 KiB clusters", "[fs][ntfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkntfs", "ntfs-3g", "ntfsfix", "mountpoint", "sha256sum");
    check_ntfs("-c 65536");
}

TEST_CASE("NTFS with 4 KiB sectors (4 KiB records, 512-byte fixup stride)", "[fs][ntfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkntfs", "ntfs-3g", "ntfsfix", "mountpoint", "sha256sum");
    check_ntfs("-s 4096");
}

TEST_CASE("NTFS: a volume marked dirty is refused", "[fs][ntfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkntfs");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    REQUIRE(sh("truncate -s 16M " + image + " && mkntfs -F -Q " + image).code == 0);
    auto bytes = fs_test::slurp(image);
    // Windows sets VOLUME_IS_DIRTY in $Volume's $VOLUME_INFORMATION while
    // mounted (ntfs-3g does not): find it in record 3 the way chkdsk would.
    const std::size_t cluster = le(bytes, 11, 2) * le(bytes, 13, 1);
    const std::size_t record = le(bytes, 48, 8) * cluster + 3 * 1024;
    REQUIRE(std::memcmp(bytes.data() + record, "FILE", 4) == 0);
    std::size_t at = record + le(bytes, record + 20, 2);
    while (le(bytes, at, 4) != 0x70 && le(bytes, at, 4) != 0xFFFFFFFF) at += le(bytes, at + 4, 4);
    REQUIRE(le(bytes, at, 4) == 0x70);
    const std::size_t flags = at + le(bytes, at + 20, 2) + 10;
    REQUIRE(flags % 512 < 510);  // not under a fixup
    REQUIRE(fs_test::used_extents(image, "ntfs").has_value());
    bytes[flags] |= std::byte{0x01};
    imager::io::MemorySource dirty(std::move(bytes));
    auto map = imager::fs::used_extents(imager::filesystems::of_type("ntfs"), dirty);
    REQUIRE_FALSE(map.has_value());
    CHECK(map.error().context.find("dirty") != std::string::npos);
}

TEST_CASE("NTFS: damaged or foreign bytes give an Error, not a crash", "[fs][ntfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkntfs");
    using fs_test::PatchedSource;
    const auto& ntfs = imager::filesystems::of_type("ntfs");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    REQUIRE(sh("truncate -s 8M " + image + " && mkntfs -F -Q -c 1024 " + image).code == 0);
    const auto bytes = fs_test::slurp(image);
    PatchedSource clean(bytes, {});
    REQUIRE(ntfs.used_blocks(clean).has_value());
    const std::size_t cluster = le(bytes, 11, 2) * le(bytes, 13, 1);
    const std::size_t mft = le(bytes, 48, 8) * cluster;

    SECTION("garbage, zeros, too small and truncated") {
        std::vector<std::byte> junk(1 << 20);
        std::mt19937_64 rng(7);
        for (auto& b : junk) b = static_cast<std::byte>(rng() & 0xFF);
        std::memcpy(junk.data() + 3, "NTFS    ", 8);
        imager::io::MemorySource garbage(junk);
        CHECK_FALSE(ntfs.used_blocks(garbage).has_value());
        imager::io::MemorySource zeros(std::vector<std::byte>(1 << 20));
        CHECK_FALSE(ntfs.used_blocks(zeros).has_value());
        imager::io::MemorySource tiny(std::vector<std::byte>(100));
        CHECK_FALSE(ntfs.used_blocks(tiny).has_value());
        auto cut = bytes;
        cut.resize(4 << 20);
        imager::io::MemorySource truncated(std::move(cut));
        CHECK_FALSE(ntfs.used_blocks(truncated).has_value());
    }

    SECTION("impossible boot sector fields") {
        const std::vector<std::pair<std::size_t, std::uint8_t>> cases{
            {12, 0},  {12, 0x20}, {13, 0},    {13, 3},    {13, 0xE0},
            {64, 0},  {64, 0x80}, {64, 0xE0}, {54, 0x7F}, {47, 0x7F}};
        for (const auto& [at, value] : cases) {
            INFO("byte " << at << " = " << int(value));
            PatchedSource src(bytes, {{at, std::byte{value}}});
            CHECK_FALSE(ntfs.used_blocks(src).has_value());
        }
    }

    SECTION("a torn MFT record (update sequence mismatch)") {
        PatchedSource torn(bytes, {{mft + 510, ~bytes[mft + 510]}});
        auto map = ntfs.used_blocks(torn);
        REQUIRE_FALSE(map.has_value());
        CHECK(map.error().context.find("update sequence") != std::string::npos);
    }

    SECTION("random damage to the boot sector, $MFT and $Bitmap records") {
        CHECK(fs_test::fuzz_region(ntfs, bytes, 0, 512, 400, 41) == 0);
        CHECK(fs_test::fuzz_region(ntfs, bytes, 0, 80, 400, 42) == 0);
        CHECK(fs_test::fuzz_region(ntfs, bytes, mft, mft + 1024, 600, 43) == 0);
        CHECK(fs_test::fuzz_region(ntfs, bytes, mft + 6 * 1024, mft + 7 * 1024, 600, 44) == 0);
        // The runlists and attribute headers, where the damage is subtler.
        CHECK(fs_test::fuzz_region(ntfs, bytes, mft + 0x38, mft + 0x1A0, 600, 45) == 0);
        CHECK(fs_test::fuzz_region(ntfs, bytes, mft + 6 * 1024 + 0x38, mft + 6 * 1024 + 0x1A0, 600, 46) == 0);
    }
}
