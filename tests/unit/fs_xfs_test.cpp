// XFS used-block maps, judged by xfs_repair -n and file checksums on copies
// that hold only the used extents over junk. mkfs.xfs makes nothing under
// 300 MiB; the files go in through the kernel's XFS on a loop device. Free
// space is fragmented (every other small file deleted) so the free-space
// trees have more than one level.
#include "fs/used_blocks.hpp"
#include "fs_test_support.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace {

using fs_test::quote;
using fs_test::sh;

constexpr std::uint64_t image_size = 320ULL << 20;

std::string mount_xfs(const fs_test::TempDir& t, const std::string& image, const std::string& name,
                      const std::string& options) {
    const std::string dir = t / name;
    std::filesystem::create_directories(dir);
    if (sh("mount -t xfs -o loop" + (options.empty() ? "" : "," + options) + " " + quote(image) + " " + quote(dir))
            .code != 0)
        return {};
    return dir;
}

void unmount(const std::string& dir) {
    const auto r = sh("umount " + quote(dir));
    INFO(r.out);
    REQUIRE(r.code == 0);
}

std::string extract(const fs_test::TempDir& t, const std::string& image, const std::string& name) {
    const std::string dir = mount_xfs(t, image, name, "ro,norecovery");
    if (dir.empty()) return "mount failed";
    const std::string sums = fs_test::checksums(dir);
    unmount(dir);
    return sums;
}

// The free space xfs_db sees (`freesp -d`: every free extent, the free list's
// blocks among them) as byte extents, and the free list's length over all AGs.
struct XfsDbFree {
    std::vector<imager::fs::Extent> extents;
    std::uint64_t free_list_blocks = 0;
    std::uint64_t block = 0;
};

XfsDbFree xfs_db_free(const std::string& image) {
    XfsDbFree f;
    const auto geometry = sh("xfs_db -r -c 'sb 0' -c 'p blocksize agblocks agcount' " + quote(image));
    std::uint64_t agblocks = 0, agcount = 0;
    std::istringstream g(geometry.out);
    for (std::string name, eq; g >> name >> eq;) {
        std::uint64_t v = 0;
        g >> v;
        if (name == "blocksize") f.block = v;
        if (name == "agblocks") agblocks = v;
        if (name == "agcount") agcount = v;
    }
    for (std::uint64_t ag = 0; ag < agcount; ++ag) {
        const auto agf = sh("xfs_db -r -c 'agf " + std::to_string(ag) + "' -c 'p flcount' " + quote(image));
        f.free_list_blocks += std::stoull(agf.out.substr(agf.out.find('=') + 1));
    }
    std::istringstream in(sh("xfs_db -r -c 'freesp -d' " + quote(image)).out);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream l(line);
        std::uint64_t agno = 0, agbno = 0, len = 0;
        std::string more;  // the histogram after the list has five columns
        if (l >> agno >> agbno >> len && !(l >> more))
            f.extents.push_back({(agno * agblocks + agbno) * f.block, len * f.block});
    }
    return f;
}

// The map against xfs_db: everything the map leaves out, xfs_db calls free;
// what xfs_db calls free beyond that is the free lists' blocks (kept: the
// free-space trees do not list them).
void same_free_space_as_xfs_db(const std::string& image, const imager::fs::UsedMap& map, std::uint64_t fs_bytes) {
    const auto db = xfs_db_free(image);
    REQUIRE(db.block > 0);
    std::vector<imager::fs::Extent> left_out;  // the map's complement
    std::uint64_t at = 0;
    for (const auto& e : map.extents) {
        if (e.offset > at) left_out.push_back({at, e.offset - at});
        at = e.offset + e.length;
    }
    if (fs_bytes > at) left_out.push_back({at, fs_bytes - at});
    std::uint64_t ours = 0, theirs = 0;
    for (const auto& e : left_out) {
        ours += e.length;
        const bool inside = std::ranges::any_of(db.extents, [&](const auto& d) {
            return d.offset <= e.offset && e.offset + e.length <= d.offset + d.length;
        });
        INFO("left out: bytes " << e.offset << " + " << e.length);
        CHECK(inside);
    }
    for (const auto& d : db.extents) theirs += d.length;
    CHECK(theirs - ours == db.free_list_blocks * db.block);
}

// The used-block map of `image`, well formed and left-out bytes exactly xfs_db's free space.
imager::fs::UsedMap checked_map(const std::string& image) {
    auto map = fs_test::used_extents(image, "xfs");
    INFO((map ? std::string() : map.error().message()));
    REQUIRE(map.has_value());
    fs_test::check_well_formed(*map, image_size);
    same_free_space_as_xfs_db(image, *map, image_size);
    return *map;
}

// Only the used extents of `image` copied over junk into t/`name`: xfs_repair -n passes on it.
std::string repaired_copy(const fs_test::TempDir& t, const std::string& image, const imager::fs::UsedMap& map,
                          const std::string& name) {
    const std::string copy = t / name;
    fs_test::write_junk(copy, image_size, 42);
    REQUIRE(fs_test::copy_extents(image, copy, map.extents));
    const auto checked = sh("xfs_repair -n -f " + copy);
    INFO(checked.out);
    CHECK(checked.code == 0);
    return copy;
}

// The tree, then 3000 small files written out (sync) of which every other one is deleted.
void populate(const fs_test::TempDir& t, const std::string& image, const std::string& tree) {
    fs_test::make_tree(tree, 2);
    const std::string mnt = mount_xfs(t, image, "mnt", "");
    REQUIRE(!mnt.empty());
    REQUIRE(sh("cp -r " + quote(tree + "/docs") + " " + quote(tree + "/data") + " " + quote(mnt + "/")).code == 0);
    REQUIRE(sh("mkdir " + quote(mnt + "/holes") + " && cd " + quote(mnt + "/holes") +
               " && for i in $(seq 3000); do head -c 3000 /dev/urandom > f$i; done && sync && rm f*[13579]")
                .code == 0);
    REQUIRE(sh("cp -r " + quote(mnt + "/holes") + " " + quote(tree + "/")).code == 0);
    unmount(mnt);
}

void round_trip(const std::string& mkfs_options) {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.xfs", "xfs_repair", "mount", "sha256sum");
    LIFEBOAT_SKIP_UNLESS_ROOT("mounting XFS through a loop device");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    const std::string tree = t / "tree";
    const auto made = sh("truncate -s " + std::to_string(image_size) + " " + image + " && mkfs.xfs -q " +
                         mkfs_options + " " + image);
    INFO(made.out);
    REQUIRE(made.code == 0);
    populate(t, image, tree);
    const auto levels = sh("for ag in 0 1 2 3; do xfs_db -r -c \"agf $ag\" -c 'p bnolevel' " + image + "; done");
    INFO(levels.out);
    CHECK(levels.out.find("bnolevel = 2") != std::string::npos);  // a node above the leaves to walk
    const std::string expected = fs_test::checksums(tree);
    const auto original = sh("xfs_repair -n -f " + image);
    INFO(original.out);
    REQUIRE(original.code == 0);
    REQUIRE(extract(t, image, "out-original") == expected);

    const auto map = checked_map(image);
    INFO("XFS " << mkfs_options << ": used " << map.used_bytes() << " of " << image_size << " bytes in "
                << map.extents.size() << " extents, files " << fs_test::tree_bytes(tree));
    CHECK(map.used_bytes() > fs_test::tree_bytes(tree));
    CHECK(map.used_bytes() < image_size / 3);
    CHECK(map.extents.size() > 100);  // the holes left by the deleted files are not needed
    CHECK(extract(t, repaired_copy(t, image, map, "copy.img"), "out") == expected);

    // Negative control: without the largest extent the copy must differ.
    const std::string broken = t / "broken.img";
    fs_test::write_junk(broken, image_size, 43);
    REQUIRE(fs_test::copy_extents(image, broken, fs_test::without_largest(map.extents)));
    CHECK((extract(t, broken, "out-broken") != expected || sh("xfs_repair -n -f " + broken).code != 0));
}

}  // namespace

// mkfs.xfs's defaults (reflink) and the reverse-mapping tree; the deleted
// files leave free-space trees of two levels.
TEST_CASE("XFS v5: only blocks outside the free-space trees are needed", "[fs][xfs]") { round_trip("-m rmapbt=1"); }

// The kernel may no longer mount V4 (CONFIG_XFS_SUPPORT_V4): files go in by
// mkfs's prototype file, and xfs_db and xfs_repair judge without mounting.
TEST_CASE("XFS v4 (no metadata checksums: short tree block headers)", "[fs][xfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.xfs", "xfs_repair", "xfs_db");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    const std::string proto = t / "proto";
    std::ofstream(proto) << "unused\n0 0\nd--755 0 0\n"
                            "os-release ---644 0 0 /etc/os-release\n"
                            "bash ---755 0 0 /bin/bash\n"
                            "docs d--755 0 0\n"
                            "copyright ---644 0 0 /usr/share/doc/bash/copyright\n"
                            "$\n$\n";
    const auto made = sh("truncate -s " + std::to_string(image_size) + " " + image +
                         " && mkfs.xfs -q -m crc=0,finobt=0,reflink=0 -i sparse=0 -p " + quote(proto) + " " + image);
    INFO(made.out);
    REQUIRE(made.code == 0);
    const auto map = checked_map(image);
    CHECK(map.used_bytes() > std::filesystem::file_size("/bin/bash"));
    const std::string copy = repaired_copy(t, image, map, "copy.img");
    CHECK(sh("xfs_db -r -c 'ls /' " + quote(copy)).out.find("bash") != std::string::npos);  // the root directory reads
}

TEST_CASE("XFS: a log that was not cleanly unmounted is refused, and accepted once replayed", "[fs][xfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.xfs", "xfs_io", "mount");
    LIFEBOAT_SKIP_UNLESS_ROOT("mounting XFS through a loop device");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    REQUIRE(sh("truncate -s " + std::to_string(image_size) + " " + image + " && mkfs.xfs -q " + image).code == 0);
    REQUIRE(fs_test::used_extents(image, "xfs").has_value());  // as mkfs left it: clean
    const std::string mnt = mount_xfs(t, image, "mnt", "");
    REQUIRE(!mnt.empty());
    // Files committed to the log only, then the filesystem shut down as a crash would leave it.
    REQUIRE(sh("cp -r /usr/share/doc/bash " + quote(mnt + "/") + " && xfs_io -x -c 'shutdown -f' " + quote(mnt)).code == 0);
    unmount(mnt);
    auto dirty = fs_test::used_extents(image, "xfs");
    REQUIRE_FALSE(dirty.has_value());
    CHECK(dirty.error().message().find("not cleanly unmounted") != std::string::npos);
    const std::string again = mount_xfs(t, image, "again", "");  // replays the log
    REQUIRE(!again.empty());
    unmount(again);
    CHECK(fs_test::used_extents(image, "xfs").has_value());
}

TEST_CASE("XFS: damaged or foreign bytes give an Error, not a crash", "[fs][xfs]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.xfs");
    using fs_test::PatchedSource;
    const auto& xfs = imager::filesystems::of_type("xfs");
    REQUIRE(xfs.name == "xfs");
    fs_test::TempDir t;
    const std::string image = t / "fs.img";
    REQUIRE(sh("truncate -s " + std::to_string(image_size) + " " + image + " && mkfs.xfs -q -b size=1024 " + image)
                .code == 0);
    const auto bytes = fs_test::slurp(image);
    PatchedSource clean(bytes, {});
    REQUIRE(xfs.used_blocks(clean).has_value());

    const auto u32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = (v << 8) | std::to_integer<std::uint32_t>(bytes[at + i]);
        return v;
    };
    const std::size_t block = u32(4);
    const std::size_t sector = (u32(100) & 0xFFFF);
    const std::size_t agf = sector;                      // AG 0's free-space header
    const std::size_t bno_root = u32(agf + 16) * block;  // its by-block-number tree

    SECTION("garbage, zeros, too small and truncated") {
        std::vector<std::byte> junk(1 << 20);
        std::mt19937_64 rng(7);
        for (auto& b : junk) b = static_cast<std::byte>(rng() & 0xFF);
        std::memcpy(junk.data(), "XFSB", 4);
        imager::io::MemorySource garbage(junk);
        CHECK_FALSE(xfs.used_blocks(garbage).has_value());
        imager::io::MemorySource zeros(std::vector<std::byte>(1 << 20));
        CHECK_FALSE(xfs.used_blocks(zeros).has_value());
        imager::io::MemorySource tiny(std::vector<std::byte>(100));
        CHECK_FALSE(xfs.used_blocks(tiny).has_value());
        auto cut = bytes;
        cut.resize(image_size / 2);
        imager::io::MemorySource truncated(std::move(cut));
        CHECK_FALSE(xfs.used_blocks(truncated).has_value());
    }

    SECTION("impossible superblock and AG header fields") {
        const std::vector<std::pair<std::size_t, std::uint8_t>> cases{
            {5, 0x03},            // block size not a power of two
            {101, 0x03},          // version 3
            {102, 0x7F},          // sector size
            {126, 1},             // mkfs in progress
            {91, 0x40},           // AG count
            {87, 0x01},           // AG blocks
            {agf + 11, 7},        // the AGF names another AG
            {agf + 31, 12},       // tree height
            {agf + 55, 0x11},     // the free count disagrees with the tree
            {bno_root + 1, 0x00}, // the tree root's magic
            {bno_root + 5, 3},    // the tree root's level
            {bno_root + 6, 0x7F}, // the number of records
        };
        for (const auto& [at, value] : cases) {
            INFO("byte " << at << " = " << int(value));
            PatchedSource src(bytes, {{at, std::byte{value}}});
            CHECK_FALSE(xfs.used_blocks(src).has_value());
        }
    }

    SECTION("free extents outside the AG") {
        const std::size_t header = 56;  // v5 tree block header
        PatchedSource start(bytes, {{bno_root + header, std::byte{0x7F}}});
        CHECK_FALSE(xfs.used_blocks(start).has_value());
        PatchedSource length(bytes, {{bno_root + header + 4, std::byte{0x7F}}});
        CHECK_FALSE(xfs.used_blocks(length).has_value());
    }
}
