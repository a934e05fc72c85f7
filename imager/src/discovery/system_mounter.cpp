// make_system_mounter(): every filesystem on the machine's disks mounted
// read-only so find_images() can look in it. Each goes through a read-only
// loop device at its offset on the whole disk: no partition node is needed
// (the kernel may not have parsed the table) and the kernel cannot write to
// the disk even when a filesystem asks (ext4 replays its journal on a
// read-only mount of a writable device).
#include "imager/filesystems.hpp"
#include "imager/image_discovery.hpp"
#include "io/external_tool.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace imager::discovery {

namespace {

bool kernel_knows(const std::string& type, const std::vector<std::string>& kernel_types) {
    for (const auto& name : filesystems::kernel_readers(type))
        if (std::find(kernel_types.begin(), kernel_types.end(), name) != kernel_types.end()) return true;
    return false;
}

class SystemMounter final : public FilesystemMounter {
public:
    SystemMounter(std::string base, devices::SystemPaths paths) : base_(std::move(base)), paths_(std::move(paths)) {}
    ~SystemMounter() override { unmount_all(); }

    std::vector<MountedFilesystem> mount_all(const std::vector<devices::Device>& disks,
                                             std::vector<std::string>& failures) override {
        std::vector<MountedFilesystem> ready;
        const auto types = kernel_filesystem_types(paths_.proc);
        for (auto& m : mount_candidates(disks, types, base_)) {
            if (!m.mounted_here) {
                ready.push_back(std::move(m));
                continue;
            }
            if (auto st = mount_one(m, disks); !st) {
                failures.push_back(st.error().message());
                continue;
            }
            mounted_.push_back(m.mountpoint);
            ready.push_back(std::move(m));
        }
        return ready;
    }

    void unmount_all() override {
        // Lazily if busy: the wizard is leaving, a shell left in the folder must not keep the disk.
        for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it) {
            if (::umount2(it->c_str(), 0) != 0) (void)::umount2(it->c_str(), MNT_DETACH);
            (void)::rmdir(it->c_str());
        }
        mounted_.clear();
    }

private:
    Status mount_one(const MountedFilesystem& m, const std::vector<devices::Device>& disks) {
        std::uint64_t offset = 0;
        std::uint64_t size = 0;
        for (const auto& d : disks) {
            if (d.path != m.disk) continue;
            size = d.size;
            for (const auto& p : d.partitions) {
                if (p.number != m.partition) continue;
                offset = p.start;
                size = p.size;
            }
        }
        if (::mkdir(base_.c_str(), 0755) != 0 && errno != EEXIST) return std::unexpected(sys_error("create " + base_, errno));
        return mount_read_only(m.disk, offset, size, m.type, m.mountpoint);
    }

    std::string base_;
    devices::SystemPaths paths_;
    std::vector<std::string> mounted_;
};

}  // namespace

std::vector<std::string> kernel_filesystem_types(const std::string& proc) {
    std::vector<std::string> types;
    std::ifstream in(proc + "/filesystems");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("nodev", 0) == 0) continue;
        const auto start = line.find_first_not_of(" \t");
        if (start != std::string::npos) types.push_back(line.substr(start));
    }
    return types;
}

Status mount_read_only(const std::string& disk, std::uint64_t offset, std::uint64_t size, const std::string& type,
                       const std::string& mountpoint) {
    if (::mkdir(mountpoint.c_str(), 0755) != 0 && errno != EEXIST)
        return std::unexpected(sys_error("create " + mountpoint, errno));
    // Read-only all the way down: even a read-only ext4 mount replays its
    // journal when the device is writable. The mount keeps the loop; once
    // it goes, autoclear detaches it.
    auto loop = io::LoopDevice::attach(disk, offset, size, io::LoopAccess::read_only);
    if (!loop) {
        (void)::rmdir(mountpoint.c_str());
        return std::unexpected(loop.error());
    }
    int err = 0;
    bool mounted = false;
    const unsigned long flags = MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOEXEC;
    for (const auto& name : filesystems::kernel_readers(type)) {
        mounted = ::mount(loop->path().c_str(), mountpoint.c_str(), name.c_str(), flags, nullptr) == 0;
        // E.g. a journal that needs replaying cannot be replayed on a read-only device: read without it.
        const std::string retry(filesystems::of_type(type).read_only_retry);
        if (!mounted && !retry.empty())
            mounted = ::mount(loop->path().c_str(), mountpoint.c_str(), name.c_str(), flags, retry.c_str()) == 0;
        if (mounted) break;
        err = errno;
    }
    if (!mounted) {
        (void)::rmdir(mountpoint.c_str());
        return std::unexpected(sys_error("mount " + type + " of " + disk + " at offset " + std::to_string(offset) +
                                             " read-only on " + mountpoint, err));
    }
    return {};
}

std::string partition_name(const std::string& disk_name, int number) {
    // The kernel adds "p" when the disk's name ends in a digit (nvme0n1p2, mmcblk0p1, loop0p1).
    const bool digit_end = !disk_name.empty() && std::isdigit(static_cast<unsigned char>(disk_name.back()));
    return disk_name + (digit_end ? "p" : "") + std::to_string(number);
}

std::vector<MountedFilesystem> mount_candidates(const std::vector<devices::Device>& disks,
                                                const std::vector<std::string>& kernel_types,
                                                const std::string& base) {
    std::vector<MountedFilesystem> out;
    const auto add = [&](const devices::Device& d, int number, const devices::Filesystem& fs,
                         const std::vector<std::string>& mountpoints) {
        if (fs.type == "swap" || !kernel_knows(fs.type, kernel_types)) return;
        MountedFilesystem m{d.path, number, fs.type, {}, mountpoints.empty()};
        m.mountpoint = mountpoints.empty() ? base + "/" + (number == 0 ? d.name : partition_name(d.name, number))
                                           : mountpoints.front();
        out.push_back(std::move(m));
    };
    for (const auto& d : disks) {
        if (d.filesystem) add(d, 0, *d.filesystem, d.mountpoints);
        for (const auto& p : d.partitions)
            if (p.filesystem) add(d, p.number, *p.filesystem, p.mountpoints);
    }
    return out;
}

std::unique_ptr<FilesystemMounter> make_system_mounter(std::string base, devices::SystemPaths paths) {
    return std::make_unique<SystemMounter>(std::move(base), std::move(paths));
}

}  // namespace imager::discovery
