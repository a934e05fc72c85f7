// discovery/: finding images in folders (root, lifeboat/, one level down) made
// by the real capture; damaged and hostile files become unreadable entries;
// grouping by machine; what an image holds; which filesystems get mounted.
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "imager/disk_layout.hpp"
#include "imager/image_discovery.hpp"
#include "imager/image_ops.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace {

namespace dsc = imager::discovery;

// A raw image of `size` bytes of junk; split into volumes of `split` bytes if not 0.
void make_image(const fs_test::TempDir& t, const std::string& image, std::uint64_t size, std::uint64_t split = 0,
                const std::string& note = {}) {
    const std::string source = t / ("source-" + std::to_string(size) + ".bin");
    fs_test::write_random_file(source, static_cast<std::size_t>(size), size);
    imager::CaptureOptions o;
    o.source = source;
    o.image = image;
    o.split = split;
    o.note = note;
    o.threads = 1;
    image_test::capture(o);
}

// An 8 MiB file with a GPT of two partitions, captured as a whole disk.
void make_disk_image(const fs_test::TempDir& t, const std::string& image) {
    const std::string disk = t / "disk.bin";
    image_test::write_two_partition_disk(disk, 8u << 20, 6143, 12287, 11);
    image_test::capture(disk, image);
}

const dsc::ImageEntry* find(const std::vector<dsc::ImageEntry>& v, const std::string& path) {
    const auto it = std::find_if(v.begin(), v.end(), [&](const auto& e) { return e.path == path; });
    return it == v.end() ? nullptr : &*it;
}

std::uint64_t file_size(const std::string& path) { return std::filesystem::file_size(path); }

}  // namespace

TEST_CASE("discovery: images in the root, lifeboat/ and one level down, damaged ones marked, others skipped",
          "[discovery]") {
    fs_test::TempDir t;
    const std::string root = t / "store";
    std::filesystem::create_directories(root + "/lifeboat/office");
    std::filesystem::create_directories(root + "/pcs");
    std::filesystem::create_directories(root + "/deep/deeper");

    make_image(t, root + "/plain.lbi", 1u << 20, 0, "before the upgrade");
    make_disk_image(t, root + "/lifeboat/office/pc");  // no .lbi: found by its volume header
    make_image(t, root + "/pcs/split.lbi", 5u << 20, 1u << 20);
    make_image(t, root + "/deep/deeper/too-deep.lbi", 1u << 20);
    REQUIRE(std::filesystem::exists(root + "/pcs/split.lbi.002"));

    // A truncated copy, random bytes named .lbi, an unfinished capture, a FIFO and a symlink.
    REQUIRE(fs_test::sh("head -c 300000 " + root + "/plain.lbi > " + root + "/truncated.lbi").code == 0);
    fs_test::write_random_file(root + "/pcs/random.lbi", 100000, 3);
    fs_test::write_random_file(root + "/lifeboat/tiny.lbi", 5, 4);
    REQUIRE(fs_test::sh("cp " + root + "/plain.lbi " + root + "/unfinished.lbi.partial").code == 0);
    REQUIRE(::mkfifo((root + "/fifo.lbi").c_str(), 0600) == 0);
    REQUIRE(::symlink((root + "/plain.lbi").c_str(), (root + "/link.lbi").c_str()) == 0);
    fs_test::write_random_file(root + "/notes.txt", 1000, 5);

    // The root given twice (and a root that does not exist) find each image once.
    const auto found = dsc::find_images({root, root + "/", t / "missing"});

    const auto* plain = find(found, root + "/plain.lbi");
    REQUIRE(plain != nullptr);
    CHECK(plain->readable);
    CHECK(plain->note == "before the upgrade");
    CHECK_FALSE(plain->whole_disk);
    CHECK(plain->size_on_disk == file_size(root + "/plain.lbi"));
    CHECK(plain->volumes == 1);
    CHECK(plain->source_size == 1u << 20);
    CHECK(plain->created.size() == 20);
    CHECK(plain->created.back() == 'Z');

    const auto* disk = find(found, root + "/lifeboat/office/pc");
    REQUIRE(disk != nullptr);
    CHECK(disk->readable);
    CHECK(disk->whole_disk);
    CHECK(disk->source_size == 8u << 20);

    const auto* split = find(found, root + "/pcs/split.lbi");
    REQUIRE(split != nullptr);
    CHECK(split->readable);
    CHECK(split->volumes >= 5);
    std::uint64_t all = 0;
    for (const auto& e : std::filesystem::directory_iterator(root + "/pcs"))
        if (e.path().filename().string().rfind("split.lbi", 0) == 0) all += e.file_size();
    CHECK(split->size_on_disk == all);

    for (const std::string bad : {"/truncated.lbi", "/pcs/random.lbi", "/lifeboat/tiny.lbi"}) {
        const auto* e = find(found, root + bad);
        INFO(bad);
        REQUIRE(e != nullptr);
        CHECK_FALSE(e->readable);
        CHECK_FALSE(e->problem.empty());
        CHECK(e->size_on_disk == file_size(root + bad));
    }
    CHECK(found.size() == 6);  // no .002, .partial, FIFO, symlink, text file or too-deep image
    for (const auto& e : found) {
        INFO(e.path);
        CHECK(e.path.find(".00") == std::string::npos);
        CHECK(e.path.find("deeper") == std::string::npos);
    }

    // A continuation volume whose first volume is gone is not an image of its own.
    std::filesystem::remove(root + "/pcs/split.lbi");
    const auto after = dsc::find_images({root});
    CHECK(find(after, root + "/pcs/split.lbi.002") == nullptr);
    CHECK(find(after, root + "/pcs/split.lbi") == nullptr);
}

TEST_CASE("discovery: a split image missing a middle volume is unreadable, with the volume named", "[discovery]") {
    fs_test::TempDir t;
    make_image(t, t / "split.lbi", 4u << 20, 1u << 20);
    std::filesystem::remove(t / "split.lbi.003");
    const auto found = dsc::find_images({t.path()});
    const auto* e = find(found, t / "split.lbi");
    REQUIRE(e != nullptr);
    CHECK_FALSE(e->readable);
    INFO(e->problem);
    CHECK_FALSE(e->problem.empty());
}

TEST_CASE("discovery: what a whole-disk image holds, from its manifest", "[discovery]") {
    fs_test::TempDir t;
    make_disk_image(t, t / "pc.lbi");
    auto c = dsc::read_contents(t / "pc.lbi");
    INFO((c ? std::string() : c.error().message()));
    REQUIRE(c.has_value());
    REQUIRE(c->manifest.disk.has_value());
    CHECK(c->manifest.disk->label == "gpt");
    CHECK(c->entry.whole_disk);
    CHECK(c->entry.readable);
    std::vector<const imager::format::Stream*> parts;  // the gaps (MBR, GPTs) are not parts
    for (const auto& s : c->manifest.streams)
        if (s.role == imager::format::StreamRole::partition) parts.push_back(&s);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0]->partition == 1);
    CHECK(parts[0]->offset == 2048 * 512);
    CHECK(parts[0]->size == 4096 * 512);
    CHECK(parts[1]->partition == 2);
    // The last partition's end plus the 33 sectors of the backup GPT, not the source's 8 MiB.
    CHECK(imager::fit_image(c->manifest, 0, {}).needed_bytes == (12288 + 33) * 512);

    auto bad = dsc::read_contents(t / "missing.lbi");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == imager::Errc::not_found);
}

TEST_CASE("discovery: grouped by host and source serial, newest first, unreadable apart", "[discovery]") {
    const auto entry = [](std::string path, std::string host, std::string serial, std::string created) {
        dsc::ImageEntry e;
        e.path = std::move(path);
        e.readable = true;
        e.host = std::move(host);
        e.source_serial = std::move(serial);
        e.source_model = "model of " + e.source_serial;
        e.created = std::move(created);
        return e;
    };
    std::vector<dsc::ImageEntry> v{
        entry("/a/office-old", "office", "S1", "2026-01-01T10:00:00Z"),
        entry("/a/laptop", "laptop", "S9", "2026-03-01T10:00:00Z"),
        entry("/b/office-new", "office", "S1", "2026-05-01T10:00:00Z"),
        entry("/b/office-other-disk", "office", "S2", "2026-02-01T10:00:00Z"),
        entry("/b/undated", "office", "S1", ""),
    };
    dsc::ImageEntry broken;
    broken.path = "/a/broken.lbi";
    broken.problem = "damaged";
    v.push_back(broken);

    const auto c = dsc::group_by_machine(v);
    REQUIRE(c.machines.size() == 3);
    CHECK(c.machines[0].host == "office");
    CHECK(c.machines[0].source_serial == "S1");
    CHECK(c.machines[0].source_model == "model of S1");
    REQUIRE(c.machines[0].images.size() == 3);
    CHECK(c.machines[0].images[0].path == "/b/office-new");
    CHECK(c.machines[0].images[1].path == "/a/office-old");
    CHECK(c.machines[0].images[2].path == "/b/undated");
    CHECK(c.machines[1].host == "laptop");
    CHECK(c.machines[2].source_serial == "S2");
    REQUIRE(c.unreadable.size() == 1);
    CHECK(c.unreadable[0].path == "/a/broken.lbi");
}

TEST_CASE("discovery: which filesystems get mounted, and where", "[discovery][mount]") {
    CHECK(dsc::partition_name("sda", 1) == "sda1");
    CHECK(dsc::partition_name("nvme0n1", 2) == "nvme0n1p2");
    CHECK(dsc::partition_name("mmcblk0", 1) == "mmcblk0p1");

    namespace dev = imager::devices;
    dev::Device sda;
    sda.path = "/dev/sda";
    sda.name = "sda";
    sda.partitions.resize(4);
    sda.partitions[0].number = 1;
    sda.partitions[0].filesystem = dev::Filesystem{"vfat", "EFI", "", "FAT32"};
    sda.partitions[1].number = 2;
    sda.partitions[1].filesystem = dev::Filesystem{"ext4", "root", "", ""};
    sda.partitions[1].mountpoints = {"/"};
    sda.partitions[2].number = 3;
    sda.partitions[2].filesystem = dev::Filesystem{"swap", "", "", ""};
    sda.partitions[3].number = 5;  // no filesystem: nothing to mount
    dev::Device stick;
    stick.path = "/dev/sdb";
    stick.name = "sdb";
    stick.filesystem = dev::Filesystem{"ntfs", "IMAGES", "", ""};
    dev::Device nvme;
    nvme.path = "/dev/nvme0n1";
    nvme.name = "nvme0n1";
    nvme.partitions.resize(1);
    nvme.partitions[0].number = 2;
    nvme.partitions[0].filesystem = dev::Filesystem{"crypto_LUKS", "", "", ""};

    const auto m = dsc::mount_candidates({sda, stick, nvme}, {"ext4", "vfat", "ntfs3", "squashfs"}, "/run/lifeboat");
    REQUIRE(m.size() == 3);
    CHECK(m[0].mountpoint == "/run/lifeboat/sda1");
    CHECK(m[0].mounted_here);
    CHECK(m[1].mountpoint == "/");  // mounted already: used where it is, left alone
    CHECK_FALSE(m[1].mounted_here);
    CHECK(m[2].disk == "/dev/sdb");
    CHECK(m[2].partition == 0);
    CHECK(m[2].mountpoint == "/run/lifeboat/sdb");
    CHECK(m[2].type == "ntfs");

    // A kernel without vfat (the build machines'): the ESP is left out.
    const auto no_vfat = dsc::mount_candidates({sda}, {"ext4"}, "/run/lifeboat");
    REQUIRE(no_vfat.size() == 1);
    CHECK(no_vfat[0].partition == 2);
}
