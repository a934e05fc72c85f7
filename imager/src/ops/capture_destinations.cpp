// WritableMounter: the capture's destinations mounted read-only through loop
// devices at each partition's offset, and the chosen one made read-write when
// the capture starts; see imager/capture_destinations.hpp.
#include "imager/capture_destinations.hpp"

#include "imager/filesystems.hpp"
#include "imager/image_discovery.hpp"
#include "io/external_tool.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace imager {

namespace {

// Filesystems on block devices the running kernel can mount, less the ones
// that are read-only by design.
std::vector<std::string> writable_kernel_types(const std::string& proc) {
    static const std::vector<std::string> read_only = {"iso9660", "squashfs", "erofs", "udf", "cramfs"};
    std::vector<std::string> types = discovery::kernel_filesystem_types(proc);
    std::erase_if(types, [](const std::string& t) { return std::ranges::find(read_only, t) != read_only.end(); });
    // libblkid's names for what the kernel calls otherwise (ntfs3 writes "ntfs", ext4 "ext2").
    std::vector<std::string> blkid_types;
    for (const auto& record : filesystems::all())
        if (std::ranges::find(types, record.kernel_writer) != types.end() && !record.kernel_writer.empty())
            blkid_types.insert(blkid_types.end(), record.blkid_types.begin(), record.blkid_types.end());
    for (auto& t : blkid_types)
        if (std::ranges::find(types, t) == types.end()) types.push_back(std::move(t));
    return types;
}

struct Place {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::string label;
};

Place place_of(const devices::Device& d, int partition) {
    if (partition == 0) return {0, d.size, d.filesystem ? d.filesystem->label : ""};
    for (const auto& p : d.partitions)
        if (p.number == partition) return {p.start, p.size, p.filesystem ? p.filesystem->label : ""};
    return {};
}

// The free space from statvfs. Someone else's read-only mount is refused;
// ours are read-only on purpose until make_writable().
bool fill_space(WritableFilesystem& fs, std::string& problem) {
    struct statvfs st {};
    if (::statvfs(fs.mountpoint.c_str(), &st) != 0) {
        problem = fs.name + " (" + fs.type + "): cannot read its free space (" + std::strerror(errno) + ")";
        return false;
    }
    if (!fs.mounted_here && (st.f_flag & ST_RDONLY) != 0) {
        problem = fs.name + " (" + fs.type + "): mounted read-only at " + fs.mountpoint;
        return false;
    }
    fs.free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    fs.size_bytes = static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
    return true;
}

}  // namespace

WritableMounter::WritableMounter(std::string base, devices::SystemPaths paths)
    : base_(std::move(base)), paths_(std::move(paths)) {}

WritableMounter::~WritableMounter() { unmount_all(); }

std::vector<WritableFilesystem> WritableMounter::mount_all(const std::vector<devices::Device>& disks,
                                                           const std::string& exclude_disk,
                                                           std::vector<std::string>& problems) {
    std::vector<devices::Device> others;
    for (const auto& d : disks) {
        if (d.path == exclude_disk) continue;
        if (d.read_only) {
            if (d.filesystem || !d.partitions.empty()) problems.push_back(d.name + ": the disk is read-only");
            continue;
        }
        others.push_back(d);
    }
    std::vector<WritableFilesystem> ready;
    for (const auto& m : discovery::mount_candidates(others, writable_kernel_types(paths_.proc), base_)) {
        const auto& disk = *std::ranges::find(others, m.disk, &devices::Device::path);
        const Place place = place_of(disk, m.partition);
        WritableFilesystem fs{m.disk, m.partition,
                              m.partition == 0 ? disk.name : discovery::partition_name(disk.name, m.partition),
                              m.type, place.label, m.mountpoint, m.mounted_here, 0, 0};
        std::string problem;
        if (!m.mounted_here) {  // someone else's mount: used only when it is read-write
            if (fill_space(fs, problem)) ready.push_back(std::move(fs));
            else problems.push_back(problem);
            continue;
        }
        if (::mkdir(base_.c_str(), 0755) != 0 && errno != EEXIST) {
            problems.push_back("cannot create " + base_ + ": " + std::strerror(errno));
            return ready;
        }
        if (auto st = discovery::mount_read_only(m.disk, place.offset, place.size, m.type, fs.mountpoint); !st) {
            problems.push_back(fs.name + " (" + fs.type + "): " + st.error().message());
            continue;
        }
        mounted_.push_back({fs.mountpoint, fs.name, m.disk, m.type, place.offset, place.size, false});
        if (fill_space(fs, problem)) ready.push_back(std::move(fs));
        else problems.push_back(problem);
    }
    return ready;
}

Result<bool> WritableMounter::make_writable(const std::string& mountpoint) {
    const auto it = std::ranges::find(mounted_, mountpoint, &Mount::mountpoint);
    if (it == mounted_.end()) {  // someone else's mount: used where it is, if it still can be written
        struct statvfs st {};
        if (::statvfs(mountpoint.c_str(), &st) != 0)
            return std::unexpected(make_error(Errc::not_found, mountpoint + ": " + std::strerror(errno),
                                              "Was the disk unplugged or unmounted? Choose the source again."));
        if ((st.f_flag & ST_RDONLY) != 0)
            return std::unexpected(make_error(Errc::target_refused, mountpoint + " is now mounted read-only",
                                              "Mount it read-write from the shell, or choose another destination."));
        return false;
    }
    if (it->writable) return false;
    const std::string what = it->name + " (" + it->type + ")";
    if (::umount2(it->mountpoint.c_str(), 0) != 0) {
        const int err = errno;
        return std::unexpected(make_error(
            err == EBUSY ? Errc::target_in_use : Errc::io,
            "unmount the read-only mount of " + what + " at " + it->mountpoint + ": " + std::strerror(err),
            "Something uses " + it->mountpoint + " (a shell in that folder?): leave it and start again, or choose "
            "another destination."));
    }
    // Put back read-only after a failure, so the list stays as it was shown;
    // when even that fails the mount is gone and forgotten.
    const auto restore = [this, it] {
        if (!discovery::mount_read_only(it->disk, it->offset, it->size, it->type, it->mountpoint)) {
            (void)::rmdir(it->mountpoint.c_str());
            mounted_.erase(it);
        }
    };
    // The mount keeps the loop; once it goes, autoclear detaches it.
    auto loop = io::LoopDevice::attach(it->disk, it->offset, it->size, io::LoopAccess::read_write);
    if (!loop) {
        Error e = loop.error();
        e.context = what + ": " + e.context;
        if (e.hint.empty()) e.hint = "Choose another destination; the log has the details.";
        restore();
        return std::unexpected(e);
    }
    const std::string driver = filesystems::kernel_writer(it->type);
    const bool mounted = !driver.empty() && ::mount(loop->path().c_str(), it->mountpoint.c_str(), driver.c_str(),
                                                    MS_NODEV | MS_NOSUID | MS_NOEXEC, nullptr) == 0;
    const int err = driver.empty() ? EROFS : errno;
    if (!mounted) {
        Error e = make_error(err == EROFS ? Errc::target_refused : Errc::io,
                             "mount " + what + " read-write at " + it->mountpoint + ": " + std::strerror(err),
                             "The kernel would not write to it: the filesystem may have errors or need checking "
                             "(e2fsck, fsck.fat, ntfsfix from the shell; the kernel's messages say more in dmesg). "
                             "Choose another destination.");
        e.sys_errno = err;
        restore();
        return std::unexpected(e);
    }
    it->writable = true;
    return true;
}

void WritableMounter::unmount_all() {
    // Lazily if busy: the wizard is leaving, a shell left in the folder must not keep the disk.
    for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it) {
        if (::umount2(it->mountpoint.c_str(), 0) != 0) (void)::umount2(it->mountpoint.c_str(), MNT_DETACH);
        (void)::rmdir(it->mountpoint.c_str());
    }
    mounted_.clear();
}

}  // namespace imager
