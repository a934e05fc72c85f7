#include "devices/sysfs.hpp"

#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace imager::devices::sysfs {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
    const char* space = " \t\n\r";
    s.erase(0, s.find_first_not_of(space));
    const auto end = s.find_last_not_of(space);
    s.erase(end == std::string::npos ? 0 : end + 1);
    return s;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return {};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string read_attr(const fs::path& p) { return trim(read_text(p)); }

std::uint64_t read_number(const fs::path& p, std::uint64_t fallback = 0) {
    const std::string s = read_attr(p);
    if (s.empty()) return fallback;
    try {
        return std::stoull(s);
    } catch (...) {
        return fallback;
    }
}

dev_t read_devnum(const fs::path& p) {
    const std::string s = read_attr(p);  // "8:0"
    const auto colon = s.find(':');
    if (colon == std::string::npos) return 0;
    try {
        return makedev(std::stoul(s.substr(0, colon)), std::stoul(s.substr(colon + 1)));
    } catch (...) {
        return 0;
    }
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string read_serial(const fs::path& dir) {
    // virtio-blk puts it beside the disk, nvme and mmc on the device, SCSI and
    // ATA (through libata's SCSI translation) in VPD page 0x80.
    for (const auto& candidate : {dir / "serial", dir / "device" / "serial"}) {
        std::string s = read_attr(candidate);
        if (!s.empty()) return s;
    }
    return serial_from_vpd80(read_text(dir / "device" / "vpd_pg80"));
}

std::string read_model(const fs::path& dir) {
    std::string model = read_attr(dir / "device" / "model");
    if (model.empty()) model = read_attr(dir / "device" / "name");  // mmc
    return model;
}

std::vector<KernelPartition> read_partitions(const fs::path& dir, const std::string& name) {
    std::vector<KernelPartition> parts;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string child = entry.path().filename().string();
        if (!starts_with(child, name.c_str()) || !fs::exists(entry.path() / "partition")) continue;
        KernelPartition p;
        p.name = child;
        p.number = static_cast<int>(read_number(entry.path() / "partition"));
        p.start = read_number(entry.path() / "start") * 512;  // sysfs counts 512-byte units
        p.size = read_number(entry.path() / "size") * 512;
        p.devnum = read_devnum(entry.path() / "dev");
        parts.push_back(p);
    }
    std::ranges::sort(parts, {}, &KernelPartition::number);
    return parts;
}

}  // namespace

Transport transport_from_path(const std::string& path, const std::string& name) {
    if (starts_with(name, "loop")) return Transport::loop;
    if (starts_with(name, "nvme") || path.find("/nvme") != std::string::npos) return Transport::nvme;
    // USB first: a USB-SATA bridge also shows SCSI hosts below the USB device.
    if (path.find("/usb") != std::string::npos) return Transport::usb;
    if (starts_with(name, "mmcblk") || path.find("/mmc") != std::string::npos) return Transport::mmc;
    if (path.find("/ata") != std::string::npos) return Transport::sata;
    if (starts_with(name, "vd") || path.find("/virtio") != std::string::npos) return Transport::virtio;
    if (starts_with(name, "sd") || starts_with(name, "sr") || path.find("/host") != std::string::npos)
        return Transport::scsi;
    return Transport::unknown;
}

std::string serial_from_vpd80(const std::string& page) {
    // SPC: byte 1 is the page code, bytes 2-3 the big-endian length, then ASCII.
    if (page.size() < 4 || static_cast<unsigned char>(page[1]) != 0x80) return {};
    const std::size_t len = (static_cast<unsigned char>(page[2]) << 8) | static_cast<unsigned char>(page[3]);
    std::string serial = page.substr(4, std::min(len, page.size() - 4));
    serial.erase(std::remove(serial.begin(), serial.end(), '\0'), serial.end());
    return trim(serial);
}

Result<BlockDevice> read_device(const std::string& sys_root, const std::string& name) {
    return read_device_dir(fs::path(sys_root) / "block" / name);
}

Result<BlockDevice> read_device_dir(const std::string& sys_dir) {
    std::error_code ec;
    const fs::path dir = sys_dir;
    if (!fs::exists(dir / "dev", ec))
        return std::unexpected(make_error(Errc::not_found, "no block device in " + sys_dir));
    const std::string name = fs::canonical(dir, ec).filename().string();
    BlockDevice d;
    d.name = name;
    d.devnum = read_devnum(dir / "dev");
    d.size = read_number(dir / "size") * 512;
    d.logical_sector_size = static_cast<unsigned>(read_number(dir / "queue" / "logical_block_size", 512));
    d.physical_sector_size = static_cast<unsigned>(read_number(dir / "queue" / "physical_block_size", 512));
    d.model = read_model(dir);
    d.serial = read_serial(dir);
    d.removable = read_number(dir / "removable") != 0;
    d.read_only = read_number(dir / "ro") != 0;
    const fs::path resolved = fs::canonical(dir, ec);
    d.transport = transport_from_path(ec ? dir.string() : resolved.string(), name);
    if (fs::exists(dir / "loop", ec)) {
        d.is_loop = true;
        d.loop.backing_file = read_attr(dir / "loop" / "backing_file");
        d.loop.offset = read_number(dir / "loop" / "offset");
        d.loop.size_limit = read_number(dir / "loop" / "sizelimit");
    }
    d.partitions = read_partitions(dir, name);
    return d;
}

std::vector<BlockDevice> scan(const std::string& sys_root) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(sys_root) / "block", ec))
        names.push_back(entry.path().filename().string());
    std::ranges::sort(names);

    std::vector<BlockDevice> devices;
    for (const auto& name : names) {
        if (starts_with(name, "ram") || starts_with(name, "zram")) continue;
        auto d = read_device(sys_root, name);
        if (!d) continue;
        if (starts_with(name, "loop") && d->loop.backing_file.empty()) continue;  // unattached
        if (d->size == 0 && !d->removable) continue;
        devices.push_back(std::move(*d));
    }
    return devices;
}

}  // namespace imager::devices::sysfs
