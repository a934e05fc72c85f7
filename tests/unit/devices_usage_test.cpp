// devices/usage: what is mounted or used as swap, followed through partition
// nodes and loop devices to byte ranges on a disk or image file. The /proc and
// /sys trees are fakes in a temp dir; the files and device nodes they name are
// real, because identity is stat()'s. Device nodes use majors 60 and 61
// ("local/experimental use"), so no node here aliases a real device.
#include "devices/usage.hpp"

#include "devices/sysfs.hpp"
#include "imager/devices.hpp"

#include "temp_dir.hpp"
#include "test_requirements.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using imager::devices::Identity;
using imager::devices::SystemPaths;
using imager::devices::UsageMap;
using imager::devices::Use;

using test_support::TempDir;
using test_support::write_file;

// mountinfo and swaps escape a space in a path as \040.
std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) out += c == ' ' ? std::string("\\040") : std::string(1, c);
    return out;
}

bool make_block_node(const fs::path& p, unsigned maj, unsigned min) {
    fs::create_directories(p.parent_path());
    return ::mknod(p.c_str(), S_IFBLK | 0600, makedev(maj, min)) == 0;
}

// SYS/devices/virtual/block/NAME + SYS/block/NAME, the way sysfs has them.
fs::path add_sys_disk(const fs::path& sys, const std::string& name, const std::string& dev, std::uint64_t sectors) {
    const fs::path dir = sys / "devices" / "virtual" / "block" / name;
    write_file(dir / "dev", dev + "\n");
    write_file(dir / "size", std::to_string(sectors) + "\n");
    fs::create_directories(sys / "block");
    fs::create_directory_symlink("../devices/virtual/block/" + name, sys / "block" / name);
    return dir;
}

void add_sys_loop(const fs::path& sys, const std::string& name, const std::string& dev, const fs::path& backing,
                  std::uint64_t offset, std::uint64_t size_limit) {
    const fs::path dir = add_sys_disk(sys, name, dev, 8192);
    write_file(dir / "loop" / "backing_file", backing.string() + "\n");
    write_file(dir / "loop" / "offset", std::to_string(offset) + "\n");
    write_file(dir / "loop" / "sizelimit", std::to_string(size_limit) + "\n");
}

// An 8 MiB image with an MBR: signature 0xdeadbeef, one bootable Linux
// partition from sector 2048 (1 MiB) for 8192 sectors (4 MiB).
void write_mbr_image(const fs::path& p) {
    std::string sector(512, '\0');
    const auto put32 = [&](std::size_t at, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) sector[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
    };
    put32(440, 0xdeadbeef);
    sector[446] = '\x80';  // bootable
    sector[446 + 4] = '\x83';
    put32(446 + 8, 2048);
    put32(446 + 12, 8192);
    sector[510] = '\x55';
    sector[511] = '\xaa';
    write_file(p, sector);
    fs::resize_file(p, 8 << 20);
}

// The fake machine:
//   disk.img   a real file; loop5 maps [1 MiB, 5 MiB) of it, loop6 all of it
//   sdz        a fake disk 61:0 (node dev/sdz) with kernel partition sdz1
//              61:1 at 1 MiB, 1 MiB long; loop7 maps sdz from 2 MiB on
//   other.img  a real file behind loop8, unused
// mounts: loop5 at "/mnt/part two"; sdz1 at /mnt/sdz1; loop7 as btrfs (an
// anonymous 0:N device named by its source); a FUSE and a tmpfs mount.
// swap: loop6. DEV holds a node for every disk (loop5..8 are 60:5..8).
struct Machine {
    const TempDir tmp{"usage"};
    SystemPaths paths;
    fs::path disk_img, other_img, sdz_node;
    bool nodes_ok = true;

    Machine() {
        const fs::path root = tmp.path();
        paths = {(root / "sys").string(), (root / "proc").string(), (root / "dev").string()};
        disk_img = root / "images" / "disk.img";
        other_img = root / "images" / "other.img";
        write_mbr_image(disk_img);
        write_file(other_img, std::string(4096, '\0'));
        sdz_node = root / "dev" / "sdz";
        nodes_ok = make_block_node(sdz_node, 61, 0);
        for (unsigned minor : {5u, 6u, 7u, 8u})
            nodes_ok = nodes_ok && make_block_node(root / "dev" / ("loop" + std::to_string(minor)), 60, minor);

        const fs::path sys = paths.sys;
        add_sys_loop(sys, "loop5", "60:5", disk_img, 1 << 20, 4 << 20);
        add_sys_loop(sys, "loop6", "60:6", disk_img, 0, 0);
        add_sys_loop(sys, "loop7", "60:7", sdz_node, 2 << 20, 0);
        add_sys_loop(sys, "loop8", "60:8", other_img, 0, 0);
        const fs::path sdz = add_sys_disk(sys, "sdz", "61:0", 16384);
        write_file(sdz / "sdz1" / "partition", "1\n");
        write_file(sdz / "sdz1" / "start", "2048\n");
        write_file(sdz / "sdz1" / "size", "2048\n");
        write_file(sdz / "sdz1" / "dev", "61:1\n");

        write_file(fs::path(paths.proc) / "self" / "mountinfo",
              "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
              "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
              "100 27 60:5 / " + escape("/mnt/part two") + " ro,relatime shared:7 - ext4 /dev/loop5 ro\n"
              "101 27 61:1 / /mnt/sdz1 ro,relatime - ext4 /dev/sdz1 ro\n"
              "102 27 0:44 / /mnt/btrfs ro,relatime - btrfs " + (root / "dev" / "loop7").string() +
              " ro,subvolid=5,subvol=/\n"
              "103 27 0:45 / /mnt/fuse rw,nosuid - fuse.sshfs host:/srv rw\n"
              "104 27 0:46 / /mnt/tmp rw - tmpfs tmpfs rw\n");
        write_file(fs::path(paths.proc) / "swaps",
              "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" + (root / "dev" / "loop6").string() +
                  "                               partition\t4194300\t\t0\t\t-2\n");
    }
};

Identity block_id(unsigned maj, unsigned min) { return Identity{true, makedev(maj, min), 0, 0}; }

bool has_use(const std::vector<Use>& uses, std::uint64_t start, const std::string& mountpoint, bool swap) {
    return std::ranges::any_of(uses, [&](const Use& u) {
        return u.start == start && u.mountpoint == mountpoint && u.swap == swap;
    });
}

std::string describe_uses(const std::vector<Use>& uses) {
    std::string out;
    for (const auto& u : uses)
        out += "{start " + std::to_string(u.start) + " size " + std::to_string(u.size) + " '" + u.mountpoint +
               "'" + (u.swap ? " swap" : "") + "} ";
    return out;
}

}  // namespace

TEST_CASE("usage: mountinfo parsing", "[devices][usage]") {
    const auto mounts = UsageMap::parse_mountinfo(
        "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
        "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
        "45 27 7:3 / /mnt/my\\040disk ro,relatime shared:5 master:2 - ext4 /dev/loop3 ro\n"
        "46 27 8:1 / /mnt/a\\134b\\011c rw - ext4 /dev/sda1 rw\n"
        "47 27 8:2 / /mnt/end\\040 rw - ext4 /dev/with\\040space rw\n"
        "50 27 0:39 / /srv/btrfs ro,relatime - btrfs /dev/loop4 ro,subvol=/\n"
        "51 27 0:40 / /srv/sshfs rw - fuse.sshfs user@host:/x rw\n"
        "52 27 0:41 / /run rw - tmpfs tmpfs rw\n"
        "53 27 0:42 / /merged rw - overlay overlay rw,lowerdir=/a\n"
        "\n"
        "garbage\n"
        "54 27 nocolon / /x rw - ext4 /dev/x rw\n");
    REQUIRE(mounts.size() == 5);
    CHECK(mounts[0].devnum == makedev(254, 0));
    CHECK(mounts[0].mountpoint == "/");
    CHECK(mounts[0].source == "/dev/vda");
    CHECK(mounts[1].devnum == makedev(7, 3));
    CHECK(mounts[1].mountpoint == "/mnt/my disk");
    CHECK(mounts[1].source == "/dev/loop3");
    CHECK(mounts[2].devnum == makedev(8, 1));
    CHECK(mounts[2].mountpoint == "/mnt/a\\b\tc");
    CHECK(mounts[3].mountpoint == "/mnt/end ");  // an escape at the very end
    CHECK(mounts[3].source == "/dev/with space");
    // btrfs shows an anonymous 0:N; the device is only in the source, and
    // load() resolves it. Sources that are not paths (tmpfs, overlay, sshfs)
    // have no device behind them and are dropped.
    CHECK(mounts[4].devnum == 0);
    CHECK(mounts[4].mountpoint == "/srv/btrfs");
    CHECK(mounts[4].source == "/dev/loop4");
}

TEST_CASE("usage: /proc/swaps parsing", "[devices][usage]") {
    const auto swaps = UsageMap::parse_swaps(
        "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
        "/dev/zram0                              partition\t8388604\t\t0\t\t100\n"
        "/swap\\040file                           file\t\t1048572\t\t0\t\t-2\n"
        "/dev/sda2                               partition\t2097148\t\t1024\t\t-3\n");
    CHECK(swaps == std::vector<std::string>{"/dev/zram0", "/swap file", "/dev/sda2"});
    CHECK(UsageMap::parse_swaps("Filename\tType\tSize\tUsed\tPriority\n").empty());
    CHECK(UsageMap::parse_swaps("").empty());
}

TEST_CASE("usage: identify tells files by inode", "[devices][usage]") {
    const TempDir tmp("usage");
    const fs::path file = tmp.path() / "f.img";
    write_file(file, "x");
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    auto id = imager::devices::identify(file.string());
    REQUIRE(id);
    CHECK_FALSE(id->block);
    CHECK(id->dev == st.st_dev);
    CHECK(id->ino == st.st_ino);

    auto missing = imager::devices::identify((tmp.path() / "nope").string());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == imager::Errc::not_found);
}

TEST_CASE("usage: identify tells block devices by number", "[devices][usage]") {
    LIFEBOAT_SKIP_UNLESS_ROOT("mknod of a block device node");
    const TempDir tmp("usage");
    REQUIRE(make_block_node(tmp.path() / "node", 60, 42));
    auto node = imager::devices::identify((tmp.path() / "node").string());
    REQUIRE(node);
    CHECK(node->block);
    CHECK(node->rdev == makedev(60, 42));
    CHECK(*node == block_id(60, 42));
}

TEST_CASE("usage: uses_of follows loop devices and partition nodes to byte ranges", "[devices][usage]") {
    LIFEBOAT_SKIP_UNLESS_ROOT("mknod of the fake machine's block device nodes");
    Machine m;
    REQUIRE(m.nodes_ok);
    const auto map = UsageMap::load(m.paths, imager::devices::sysfs::scan(m.paths.sys));

    SECTION("an image file: a mount through an offset loop and swap on a whole-file loop") {
        auto id = imager::devices::identify(m.disk_img.string());
        REQUIRE(id);
        const auto uses = map.uses_of(*id);
        INFO(describe_uses(uses));
        CHECK(uses.size() == 2);
        CHECK(has_use(uses, 1 << 20, "/mnt/part two", false));
        CHECK(has_use(uses, 0, "", true));
        for (const auto& u : uses)
            if (!u.swap) CHECK(u.size == 4 << 20);  // the loop's size limit
    }
    SECTION("a disk: its kernel partition mounted, and a btrfs on a loop at 2 MiB") {
        const auto uses = map.uses_of(block_id(61, 0));
        INFO(describe_uses(uses));
        CHECK(uses.size() == 2);
        CHECK(has_use(uses, 1 << 20, "/mnt/sdz1", false));
        CHECK(has_use(uses, 2 << 20, "/mnt/btrfs", false));
        for (const auto& u : uses)
            if (u.mountpoint == "/mnt/sdz1") CHECK(u.size == 1 << 20);  // the partition's size
    }
    SECTION("a btrfs mount (0:N) counts for the device named as its source") {
        const auto uses = map.uses_of(block_id(60, 7));
        INFO(describe_uses(uses));
        CHECK(has_use(uses, 0, "/mnt/btrfs", false));
    }
    SECTION("a loop shares its bytes with other loops on the same file") {
        // loop6 maps all of disk.img, so loop5's mount at 1 MiB is on it too.
        const auto whole = map.uses_of(block_id(60, 6));
        INFO(describe_uses(whole));
        CHECK(has_use(whole, 0, "", true));
        CHECK(has_use(whole, 1 << 20, "/mnt/part two", false));
        // loop5 maps [1 MiB, 5 MiB): its own mount at 0, and loop6's swap
        // covers it too.
        const auto window = map.uses_of(block_id(60, 5));
        INFO(describe_uses(window));
        CHECK(has_use(window, 0, "/mnt/part two", false));
        CHECK(has_use(window, 0, "", true));
        CHECK_FALSE(has_use(window, 1 << 20, "/mnt/part two", false));
    }
    SECTION("nothing on an unused file, its loop, or an unknown device") {
        auto id = imager::devices::identify(m.other_img.string());
        REQUIRE(id);
        CHECK(map.uses_of(*id).empty());
        CHECK(map.uses_of(block_id(60, 8)).empty());
        CHECK(map.uses_of(block_id(61, 99)).empty());
    }
}

TEST_CASE("usage: describe() attributes uses to the partitions of an image", "[devices][usage]") {
    LIFEBOAT_SKIP_UNLESS_ROOT("mknod of the fake machine's block device nodes");
    Machine m;
    REQUIRE(m.nodes_ok);
    auto d = imager::devices::describe(m.disk_img.string(), m.paths);
    REQUIRE(d);
    CHECK(d->transport == imager::devices::Transport::file);
    CHECK(d->size == 8 << 20);
    CHECK(d->table_type == "dos");
    CHECK(d->table_id == "0xdeadbeef");
    REQUIRE(d->partitions.size() == 1);
    const auto& p = d->partitions[0];
    CHECK(p.number == 1);
    CHECK(p.start == 1 << 20);
    CHECK(p.size == 4 << 20);
    CHECK(p.type == "0x83");
    CHECK(p.kind == "primary");
    CHECK(p.uuid == "deadbeef-01");
    CHECK(p.flags == std::vector<std::string>{"boot"});
    CHECK(p.mountpoints == std::vector<std::string>{"/mnt/part two"});
    CHECK_FALSE(p.swap_active);
    // Swap on the whole file starts at 0, before any partition.
    CHECK(d->swap_active);
    CHECK(d->mountpoints.empty());
    CHECK(d->in_use());
}

TEST_CASE("usage: list_devices() on a fake machine", "[devices][usage]") {
    LIFEBOAT_SKIP_UNLESS_ROOT("mknod of the fake machine's block device nodes");
    Machine m;
    REQUIRE(m.nodes_ok);
    auto devices = imager::devices::list_devices(m.paths);
    REQUIRE(devices);
    std::vector<std::string> paths;
    for (const auto& d : *devices) paths.push_back(d.path);
    CHECK(paths == std::vector<std::string>{m.paths.dev + "/loop5", m.paths.dev + "/loop6", m.paths.dev + "/loop7",
                                            m.paths.dev + "/loop8", m.paths.dev + "/sdz"});
    for (const auto& d : *devices) {
        INFO(d.path);
        // No driver answers behind majors 60 and 61: listed, with the reason.
        CHECK_FALSE(d.probe_error.empty());
        CHECK(d.partitions.empty());
        CHECK(d.in_use() == (d.name != "loop8"));
    }
    const auto& loop5 = (*devices)[0];
    CHECK(loop5.backing_file == m.disk_img.string());
    CHECK(loop5.mountpoints == std::vector<std::string>{"/mnt/part two"});
    CHECK(loop5.swap_active);  // loop6's swap covers loop5's bytes
    CHECK_FALSE(loop5.backed_by_device);  // over a regular file
    const auto& loop7 = (*devices)[2];
    CHECK(loop7.mountpoints == std::vector<std::string>{"/mnt/btrfs"});
    CHECK(loop7.backing_file == m.sdz_node.string());
    CHECK(loop7.backed_by_device);  // over sdz's node: the wizard offers it for nothing
    const auto& sdz = (*devices)[4];
    CHECK(sdz.mountpoints == std::vector<std::string>{"/mnt/sdz1", "/mnt/btrfs"});
    CHECK_FALSE(sdz.swap_active);
}
