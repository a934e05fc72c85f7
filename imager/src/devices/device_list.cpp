// list_devices() and describe(): sysfs for the kernel's view, libblkid for the
// contents, libparted for flags, /proc for what is in use.
#include "devices/probe.hpp"
#include "devices/sysfs.hpp"
#include "devices/usage.hpp"
#include "disk/parted_table.hpp"
#include "imager/devices.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace imager::devices {

namespace {

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

Device from_sysfs(const sysfs::BlockDevice& b, const std::string& path) {
    Device d;
    d.path = path;
    d.name = b.name;
    d.size = b.size;
    d.logical_sector_size = b.logical_sector_size;
    d.physical_sector_size = b.physical_sector_size;
    d.model = b.model;
    d.serial = b.serial;
    d.transport = b.transport;
    d.removable = b.removable;
    d.read_only = b.read_only;
    if (b.is_loop) {
        d.backing_file = b.loop.backing_file;
        const auto backing = identify(strip_deleted(b.loop.backing_file));
        d.backed_by_device = backing && backing->block;
    }
    return d;
}

void add_flags(Device& d) {
    auto table = disk::read_parted_table(d.path);
    if (!table) return;  // blkid's view stands; flags are an extra
    for (auto& p : d.partitions) {
        auto it = std::ranges::find(table->partitions, p.number, &disk::PartedPartition::number);
        if (it != table->partitions.end()) p.flags = it->flags;
    }
}

void read_contents(Device& d) {
    Fd fd(::open(d.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        d.probe_error = sys_error("open " + d.path, errno).message();
        return;
    }
    auto contents = probe_contents(fd.get(), d.path);
    if (!contents) {
        d.probe_error = contents.error().message();
        return;
    }
    d.table_type = contents->table_type;
    d.table_id = contents->table_id;
    d.partitions = std::move(contents->partitions);
    d.filesystem = std::move(contents->filesystem);
    if (!d.table_type.empty()) add_flags(d);
}

void attribute_uses(Device& d, const std::vector<Use>& uses) {
    for (const auto& use : uses) {
        Partition* owner = nullptr;
        for (auto& p : d.partitions) {
            if (p.kind == "extended") continue;
            if (use.start >= p.start && use.start < p.start + p.size) owner = &p;
        }
        auto& mountpoints = owner ? owner->mountpoints : d.mountpoints;
        bool& swap = owner ? owner->swap_active : d.swap_active;
        if (use.swap)
            swap = true;
        else if (std::ranges::find(mountpoints, use.mountpoint) == mountpoints.end())
            mountpoints.push_back(use.mountpoint);
    }
}

Device finish(Device d, const UsageMap& usage) {
    read_contents(d);
    if (auto id = identify(d.path)) attribute_uses(d, usage.uses_of(*id));
    return d;
}

}  // namespace

const char* transport_name(Transport t) {
    switch (t) {
    case Transport::nvme: return "nvme";
    case Transport::sata: return "sata";
    case Transport::scsi: return "scsi";
    case Transport::usb: return "usb";
    case Transport::virtio: return "virtio";
    case Transport::mmc: return "mmc";
    case Transport::loop: return "loop";
    case Transport::file: return "file";
    case Transport::unknown: break;
    }
    return "unknown";
}

bool Device::in_use() const {
    if (!mountpoints.empty() || swap_active) return true;
    return std::ranges::any_of(partitions, [](const Partition& p) { return !p.mountpoints.empty() || p.swap_active; });
}

Result<std::vector<Device>> list_devices(const SystemPaths& paths) {
    const auto scanned = sysfs::scan(paths.sys);
    const auto usage = UsageMap::load(paths, scanned);
    std::vector<Device> devices;
    for (const auto& b : scanned) devices.push_back(finish(from_sysfs(b, paths.dev + "/" + b.name), usage));
    return devices;
}

Result<Device> describe(const std::string& path, const SystemPaths& paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        Error e = sys_error("cannot describe " + path, errno);
        e.hint = "give a block device such as /dev/sda or a disk-image file";
        return std::unexpected(e);
    }
    const auto usage = UsageMap::load(paths, sysfs::scan(paths.sys));
    if (S_ISBLK(st.st_mode)) {
        const std::string dir = paths.sys + "/dev/block/" + std::to_string(major(st.st_rdev)) + ":" +
                                std::to_string(minor(st.st_rdev));
        auto b = sysfs::read_device_dir(dir);
        if (!b) return std::unexpected(b.error());
        return finish(from_sysfs(*b, path), usage);
    }
    if (!S_ISREG(st.st_mode))
        return std::unexpected(make_error(Errc::invalid_argument, path + " is neither a block device nor a regular file",
                                          "give a block device such as /dev/sda or a disk-image file"));
    Device d;
    d.path = path;
    d.name = std::filesystem::path(path).filename().string();
    d.size = static_cast<std::uint64_t>(st.st_size);
    d.transport = Transport::file;
    d.read_only = ::access(path.c_str(), W_OK) != 0;
    return finish(std::move(d), usage);
}

}  // namespace imager::devices
