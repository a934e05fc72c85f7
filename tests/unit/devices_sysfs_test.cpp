// devices/sysfs: the kernel's view of block devices, read from a fake sysfs
// tree laid out the way the kernel lays out /sys (real directories under
// /sys/devices, /sys/block/NAME as relative symlinks into them), so the
// transport comes from the resolved path exactly as on a real machine.
#include "devices/sysfs.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <sys/sysmacros.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using imager::devices::Transport;
namespace sysfs = imager::devices::sysfs;

using test_support::TempDir;
using test_support::write_file;

struct Attrs {
    std::string dev;  // "8:16"
    std::uint64_t sectors = 0;
    unsigned logical = 512;
    unsigned physical = 512;
    bool removable = false;
    bool ro = false;
};

// Makes SYS/DEVPATH with the usual attributes and SYS/block/NAME -> ../DEVPATH.
fs::path add_disk(const fs::path& sys, const std::string& devpath, const Attrs& a) {
    const fs::path dir = sys / devpath;
    const std::string name = dir.filename().string();
    write_file(dir / "dev", a.dev + "\n");
    write_file(dir / "size", std::to_string(a.sectors) + "\n");
    write_file(dir / "removable", a.removable ? "1\n" : "0\n");
    write_file(dir / "ro", a.ro ? "1\n" : "0\n");
    write_file(dir / "queue" / "logical_block_size", std::to_string(a.logical) + "\n");
    write_file(dir / "queue" / "physical_block_size", std::to_string(a.physical) + "\n");
    fs::create_directories(sys / "block");
    fs::create_directory_symlink("../" + devpath, sys / "block" / name);
    return dir;
}

void add_partition(const fs::path& disk, const std::string& name, int number, std::uint64_t start,
                   std::uint64_t size, const std::string& dev) {
    write_file(disk / name / "partition", std::to_string(number) + "\n");
    write_file(disk / name / "start", std::to_string(start) + "\n");
    write_file(disk / name / "size", std::to_string(size) + "\n");
    write_file(disk / name / "dev", dev + "\n");
}

// A SCSI VPD page 0x80 as the kernel exposes it in device/vpd_pg80.
std::string vpd80(const std::string& serial) {
    std::string page{'\x00', '\x80', '\x00', static_cast<char>(serial.size())};
    return page + serial;
}

const std::string kUsbPath = "devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb";
const std::string kAtaPath = "devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda";
const std::string kAtaCdPath = "devices/pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block/sr0";
const std::string kScsiPath = "devices/pci0000:00/0000:00:10.0/host2/target2:0:0/2:0:0:0/block/sdc";
const std::string kNvmePath = "devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1";
const std::string kVirtioPath = "devices/pci0000:00/0000:00:02.0/virtio1/block/vda";
const std::string kMmcPath = "devices/platform/soc/fe340000.mmc/mmc_host/mmc0/mmc0:0001/block/mmcblk0";

// The whole fake machine: one disk of every transport plus the devices that
// must not be listed.
fs::path make_machine(const fs::path& root) {
    const fs::path sys = root / "sys";

    // USB stick: SCSI below USB; model and VPD serial on the SCSI device.
    const fs::path sdb = add_disk(sys, kUsbPath, {"8:16", 60062500, 512, 512, true, false});
    fs::create_directory_symlink("../..", sdb / "device");
    write_file(sdb / ".." / ".." / "model", "Flash Disk      \n");
    write_file(sdb / ".." / ".." / "vpd_pg80", vpd80(std::string("   4C530001230518115350\0\0", 25)));
    add_partition(sdb, "sdb1", 1, 2048, 1024000, "8:17");
    add_partition(sdb, "sdb10", 10, 2000000, 4096, "8:26");
    add_partition(sdb, "sdb2", 2, 1026048, 2048, "8:18");
    fs::create_directories(sys / "dev" / "block");
    fs::create_directory_symlink("../../" + kUsbPath + "/sdb1", sys / "dev" / "block" / "8:17");

    // SATA disk through libata: VPD serial, 512e sectors.
    const fs::path sda = add_disk(sys, kAtaPath, {"8:0", 1000215216, 512, 4096, false, false});
    fs::create_directory_symlink("../..", sda / "device");
    write_file(sda / ".." / ".." / "model", "Samsung SSD 860 \n");
    write_file(sda / ".." / ".." / "vpd_pg80", vpd80("S3Z9NB0K123456A     "));

    // An empty SATA CD drive: removable, no medium, still listed.
    const fs::path sr0 = add_disk(sys, kAtaCdPath, {"11:0", 0, 2048, 2048, true, false});
    fs::create_directory_symlink("../..", sr0 / "device");
    write_file(sr0 / ".." / ".." / "model", "DVD-RW DRW-24F1ST\n");

    // Plain SCSI (a SAS HBA): no USB, no ATA in the path.
    const fs::path sdc = add_disk(sys, kScsiPath, {"8:32", 2097152, 512, 512, false, true});
    fs::create_directory_symlink("../..", sdc / "device");
    write_file(sdc / ".." / ".." / "model", "ST4000NM0023    \n");
    write_file(sdc / ".." / ".." / "vpd_pg80", vpd80("Z1Z2Z3Z4"));

    // NVMe: serial and model on the controller, 4Kn.
    const fs::path nvme = add_disk(sys, kNvmePath, {"259:0", 976773168, 4096, 4096, false, false});
    fs::create_directory_symlink("..", nvme / "device");
    write_file(nvme / ".." / "model", "WDC WDS500G2B0C-00PXH0                  \n");
    write_file(nvme / ".." / "serial", "20092B801234        \n");

    // virtio-blk: the serial beside the disk, no model.
    const fs::path vda = add_disk(sys, kVirtioPath, {"254:0", 536870912, 512, 4096, false, false});
    fs::create_directory_symlink("../..", vda / "device");
    write_file(vda / "serial", "overlayblk\n");

    // SD card: model in "name", serial in hex, write-protect switch on.
    const fs::path mmc = add_disk(sys, kMmcPath, {"179:0", 62333952, 512, 512, false, true});
    fs::create_directory_symlink("../..", mmc / "device");
    write_file(mmc / ".." / ".." / "name", "SD32G\n");
    write_file(mmc / ".." / ".." / "serial", "0x9f2c1a3b\n");

    // An attached loop device with offset and size limit.
    const fs::path loop0 = add_disk(sys, "devices/virtual/block/loop0", {"7:0", 65536, 512, 512, false, false});
    write_file(loop0 / "loop" / "backing_file", "/srv/images/disk one.img\n");
    write_file(loop0 / "loop" / "offset", "1048576\n");
    write_file(loop0 / "loop" / "sizelimit", "33554432\n");

    // Not listed: an unattached loop, ram and zram disks, an unconnected nbd.
    add_disk(sys, "devices/virtual/block/loop1", {"7:1", 0, 512, 512, false, false});
    add_disk(sys, "devices/virtual/block/ram0", {"1:0", 131072, 512, 4096, false, false});
    add_disk(sys, "devices/virtual/block/zram0", {"252:0", 8388608, 4096, 4096, false, false});
    add_disk(sys, "devices/virtual/block/nbd0", {"43:0", 0, 512, 512, false, false});
    return sys;
}

const sysfs::BlockDevice& find(const std::vector<sysfs::BlockDevice>& devices, const std::string& name) {
    for (const auto& d : devices)
        if (d.name == name) return d;
    FAIL("no device " << name << " in the scan");
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("sysfs: scan lists whole disks in name order and skips ram, zram, unattached loops, empty nbd",
          "[devices][sysfs]") {
    const TempDir tmp("sysfs");
    const auto sys = make_machine(tmp.path());
    const auto devices = sysfs::scan(sys.string());
    std::vector<std::string> names;
    for (const auto& d : devices) names.push_back(d.name);
    CHECK(names == std::vector<std::string>{"loop0", "mmcblk0", "nvme0n1", "sda", "sdb", "sdc", "sr0", "vda"});
}

TEST_CASE("sysfs: transport comes from the device's resolved path", "[devices][sysfs]") {
    const TempDir tmp("sysfs");
    const auto devices = sysfs::scan(make_machine(tmp.path()).string());
    CHECK(find(devices, "sdb").transport == Transport::usb);
    CHECK(find(devices, "sda").transport == Transport::sata);
    CHECK(find(devices, "sr0").transport == Transport::sata);
    CHECK(find(devices, "sdc").transport == Transport::scsi);
    CHECK(find(devices, "nvme0n1").transport == Transport::nvme);
    CHECK(find(devices, "vda").transport == Transport::virtio);
    CHECK(find(devices, "mmcblk0").transport == Transport::mmc);
    CHECK(find(devices, "loop0").transport == Transport::loop);
}

TEST_CASE("sysfs: identity, sizes and flags of each disk", "[devices][sysfs]") {
    const TempDir tmp("sysfs");
    const auto devices = sysfs::scan(make_machine(tmp.path()).string());

    const auto& sdb = find(devices, "sdb");
    CHECK(sdb.devnum == makedev(8, 16));
    CHECK(sdb.size == 60062500ull * 512);
    CHECK(sdb.model == "Flash Disk");
    CHECK(sdb.serial == "4C530001230518115350");
    CHECK(sdb.removable);
    CHECK_FALSE(sdb.read_only);
    CHECK_FALSE(sdb.is_loop);

    const auto& sda = find(devices, "sda");
    CHECK(sda.size == 1000215216ull * 512);
    CHECK(sda.logical_sector_size == 512);
    CHECK(sda.physical_sector_size == 4096);
    CHECK(sda.model == "Samsung SSD 860");
    CHECK(sda.serial == "S3Z9NB0K123456A");
    CHECK_FALSE(sda.removable);

    const auto& sr0 = find(devices, "sr0");
    CHECK(sr0.size == 0);
    CHECK(sr0.removable);
    CHECK(sr0.logical_sector_size == 2048);
    CHECK(sr0.serial.empty());

    const auto& sdc = find(devices, "sdc");
    CHECK(sdc.model == "ST4000NM0023");
    CHECK(sdc.serial == "Z1Z2Z3Z4");
    CHECK(sdc.read_only);

    const auto& nvme = find(devices, "nvme0n1");
    CHECK(nvme.devnum == makedev(259, 0));
    CHECK(nvme.size == 976773168ull * 512);  // sysfs counts 512-byte units even on 4Kn
    CHECK(nvme.logical_sector_size == 4096);
    CHECK(nvme.physical_sector_size == 4096);
    CHECK(nvme.model == "WDC WDS500G2B0C-00PXH0");
    CHECK(nvme.serial == "20092B801234");

    const auto& vda = find(devices, "vda");
    CHECK(vda.serial == "overlayblk");
    CHECK(vda.model.empty());
    CHECK(vda.physical_sector_size == 4096);

    const auto& mmc = find(devices, "mmcblk0");
    CHECK(mmc.model == "SD32G");
    CHECK(mmc.serial == "0x9f2c1a3b");
    CHECK(mmc.read_only);
    CHECK_FALSE(mmc.removable);
}

TEST_CASE("sysfs: loop devices carry their backing file, offset and size limit", "[devices][sysfs]") {
    const TempDir tmp("sysfs");
    const auto devices = sysfs::scan(make_machine(tmp.path()).string());
    const auto& loop = find(devices, "loop0");
    CHECK(loop.is_loop);
    CHECK(loop.loop.backing_file == "/srv/images/disk one.img");
    CHECK(loop.loop.offset == 1048576);
    CHECK(loop.loop.size_limit == 33554432);
    CHECK(loop.size == 65536ull * 512);
    CHECK(loop.model.empty());
    CHECK(loop.serial.empty());
}

TEST_CASE("sysfs: kernel partitions in number order, in bytes", "[devices][sysfs]") {
    const TempDir tmp("sysfs");
    const auto devices = sysfs::scan(make_machine(tmp.path()).string());
    const auto& parts = find(devices, "sdb").partitions;
    REQUIRE(parts.size() == 3);
    CHECK(parts[0].name == "sdb1");
    CHECK(parts[0].number == 1);
    CHECK(parts[0].start == 2048ull * 512);
    CHECK(parts[0].size == 1024000ull * 512);
    CHECK(parts[0].devnum == makedev(8, 17));
    CHECK(parts[1].name == "sdb2");
    CHECK(parts[1].number == 2);
    CHECK(parts[1].start == 1026048ull * 512);
    CHECK(parts[2].name == "sdb10");
    CHECK(parts[2].number == 10);
    CHECK(parts[2].devnum == makedev(8, 26));
    CHECK(find(devices, "sda").partitions.empty());
}

TEST_CASE("sysfs: read_device and read_device_dir", "[devices][sysfs]") {
    const TempDir tmp("sysfs");
    const auto sys = make_machine(tmp.path());

    // An unattached loop is readable on its own; only scan() skips it.
    auto loop1 = sysfs::read_device(sys.string(), "loop1");
    REQUIRE(loop1);
    CHECK(loop1->name == "loop1");
    CHECK_FALSE(loop1->is_loop);
    CHECK(loop1->size == 0);

    auto missing = sysfs::read_device(sys.string(), "sdq");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == imager::Errc::not_found);

    // /sys/dev/block/MAJ:MIN of a partition names the partition, not the link.
    auto part = sysfs::read_device_dir((sys / "dev" / "block" / "8:17").string());
    REQUIRE(part);
    CHECK(part->name == "sdb1");
    CHECK(part->devnum == makedev(8, 17));
    CHECK(part->size == 1024000ull * 512);
    CHECK(part->transport == Transport::usb);
}

TEST_CASE("sysfs: transport_from_path", "[devices][sysfs]") {
    using sysfs::transport_from_path;
    CHECK(transport_from_path("/sys/" + kUsbPath, "sdb") == Transport::usb);
    CHECK(transport_from_path("/sys/" + kAtaPath, "sda") == Transport::sata);
    CHECK(transport_from_path("/sys/" + kScsiPath, "sdc") == Transport::scsi);
    CHECK(transport_from_path("/sys/" + kNvmePath, "nvme0n1") == Transport::nvme);
    CHECK(transport_from_path("/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1", "nvme0n1") ==
          Transport::nvme);
    CHECK(transport_from_path("/sys/" + kVirtioPath, "vda") == Transport::virtio);
    CHECK(transport_from_path("/sys/" + kMmcPath, "mmcblk0") == Transport::mmc);
    CHECK(transport_from_path("/sys/devices/virtual/block/loop3", "loop3") == Transport::loop);
    // A card reader on USB is USB, whatever the name.
    CHECK(transport_from_path("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/host7/target7:0:0/7:0:0:0/"
                              "block/sdd",
                              "sdd") == Transport::usb);
    CHECK(transport_from_path("/sys/devices/virtual/block/md0", "md0") == Transport::unknown);
}

TEST_CASE("sysfs: serial from a VPD page 0x80", "[devices][sysfs]") {
    using sysfs::serial_from_vpd80;
    CHECK(serial_from_vpd80(vpd80("  WD-WCC4N1234567")) == "WD-WCC4N1234567");
    CHECK(serial_from_vpd80(vpd80(std::string("ABC123\0\0", 8))) == "ABC123");
    // The length field wins over trailing bytes...
    std::string page = vpd80("ABCD");
    page += "EFGH";
    CHECK(serial_from_vpd80(page) == "ABCD");
    // ...and a length past the end is cut to what is there.
    std::string longer{'\x00', '\x80', '\x00', '\x40'};
    longer += "XYZ";
    CHECK(serial_from_vpd80(longer) == "XYZ");
    // Not page 0x80, or too short: no serial.
    std::string device_id{'\x00', '\x83', '\x00', '\x04'};
    device_id += "ABCD";
    CHECK(serial_from_vpd80(device_id).empty());
    CHECK(serial_from_vpd80(std::string("\x00\x80\x00", 3)).empty());
    CHECK(serial_from_vpd80("").empty());
    // A two-byte length.
    const std::string big(300, 'S');
    std::string two_byte{'\x00', '\x80', '\x01', '\x2c'};
    CHECK(serial_from_vpd80(two_byte + big) == big);
}
