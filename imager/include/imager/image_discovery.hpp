// Finding images by themselves: the wizard's Restore lists every Lifeboat
// image on every filesystem it can reach, grouped by the machine it came from.
// Only volume headers and manifests are read (describe_image), never the data.
// A damaged or hostile file becomes an entry marked unreadable with the
// reason; nothing here throws or stops at one bad file. Mounting is behind
// FilesystemMounter so tests (and a live system that has mounted everything
// already) can hand over plain directories. Called by the wizard.
#pragma once

#include "imager/devices.hpp"
#include "imager/manifest.hpp"
#include "imager/result.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace imager::discovery {

struct ImageEntry {
    std::string path;           // the first volume
    bool readable = false;      // false: `problem` says why it cannot be used
    std::string problem;        // "damaged: ...", "incomplete: ...", for people
    std::string host;           // manifest: the machine it was captured on
    std::string source_model;   // manifest: the source disk
    std::string source_serial;
    std::uint64_t source_size = 0;
    std::string created;        // "2026-11-24T19:00:00Z", or "" when unknown
    std::string note;
    std::uint64_t size_on_disk = 0;  // every volume's file, headers included
    std::uint32_t volumes = 0;
    bool whole_disk = false;    // it holds a partition table and every partition
    // When a verification last found every chunk whole ("2026-11-24T19:00:00Z");
    // "" when none is recorded for this image (see docs/FORMAT.md, "Verified mark").
    std::string verified;
};

// One machine's images (same host name and source serial), newest first.
struct MachineImages {
    std::string host;
    std::string source_model;  // the newest image's
    std::string source_serial;
    std::vector<ImageEntry> images;
};

struct ImageCatalog {
    std::vector<MachineImages> machines;  // the machine with the newest image first
    std::vector<ImageEntry> unreadable;   // by path
};

// Looks in each root, in its `lifeboat/` folder and one level below each
// (root/*/ and root/lifeboat/*/). Skips continuation volumes (NAME.002, ...),
// `.partial` files, symlinks and anything not a regular file. A file counts
// as an image when it starts with a volume header or is named *.lbi. A root
// that cannot be read is skipped. Each image appears once, by its first volume.
// At most 20000 entries of one folder and 200000 of one root are looked at, so
// a hostile or huge filesystem cannot stall the wizard.
[[nodiscard]] std::vector<ImageEntry> find_images(const std::vector<std::string>& roots);

// One file, described from its volume headers and manifest.
[[nodiscard]] ImageEntry describe_entry(const std::string& path);

// The manifest's facts an image list shows (host, source, created, note,
// whole disk), copied from the manifest open() read and checked.
void fill_entry(const format::Manifest& manifest, ImageEntry& entry);

[[nodiscard]] ImageCatalog group_by_machine(std::vector<ImageEntry> entries);

// `lifeboat list`: find_images() in folders a person named, grouped. Unlike
// the wizard's search, a folder that is not there, not a folder or not
// readable is an error that names it, and so is a location no store serves.
[[nodiscard]] Result<ImageCatalog> list_images(const std::vector<std::string>& folders);

// What an image holds, for the screens between choosing an image and
// restoring it: its entry and its manifest (the parts are manifest.streams;
// whether it fits a disk is imager::fit_image()'s answer).
struct ImageContents {
    ImageEntry entry;
    format::Manifest manifest;
};

[[nodiscard]] Result<ImageContents> read_contents(const std::string& image);

// One filesystem made reachable for find_images().
struct MountedFilesystem {
    std::string disk;        // /dev/sdb
    int partition = 0;       // 0: the whole disk holds the filesystem
    std::string type;        // as libblkid names it
    std::string mountpoint;  // /run/lifeboat/sdb1, or where it already was
    bool mounted_here = false;  // false: someone else had mounted it; left alone
};

// Makes the filesystems on the machine's disks readable as directories.
class FilesystemMounter {
public:
    virtual ~FilesystemMounter() = default;
    // Mounts what it can; a filesystem that fails to mount is left out (its
    // reason is in `failures`), it does not stop the others.
    virtual std::vector<MountedFilesystem> mount_all(const std::vector<devices::Device>& disks,
                                                     std::vector<std::string>& failures) = 0;
    // Unmounts everything mount_all() mounted, newest first.
    virtual void unmount_all() = 0;
};

// The real one: each partition (or whole disk) holding a filesystem the
// running kernel knows (/proc/filesystems) is mounted read-only under
// base/<name> (sdb1, nvme0n1p2) through a read-only loop device at the
// partition's offset on the disk, whether or not a partition node exists,
// so nothing is ever written to it (a read-only mount of ext4 on a writable
// device still replays its journal). Filesystems mounted already are used
// where they are. Needs root.
[[nodiscard]] std::unique_ptr<FilesystemMounter> make_system_mounter(std::string base = "/run/lifeboat",
                                                                     devices::SystemPaths paths = {});

// The filesystems on block devices the running kernel can mount, as
// /proc/filesystems (under `proc`) names them ("nodev" ones left out).
[[nodiscard]] std::vector<std::string> kernel_filesystem_types(const std::string& proc);

// Mounts the filesystem `type` (libblkid's name) that lies at `offset`, `size`
// bytes long, on `disk` read-only on `mountpoint` (created when missing,
// removed again on failure), with nodev,nosuid,noexec, through a read-only
// loop device at that offset: nothing can reach the disk's bytes for writing,
// and an ext2/3/4 whose journal needs replaying is mounted with `noload`. The
// mount keeps the loop; its autoclear frees it at the unmount. Shared by
// make_system_mounter() and the capture's destinations (WritableMounter).
[[nodiscard]] Status mount_read_only(const std::string& disk, std::uint64_t offset, std::uint64_t size,
                                     const std::string& type, const std::string& mountpoint);

// What make_system_mounter() would mount (exposed for tests): the
// partitions and whole disks with a filesystem type in `kernel_types`,
// skipping swap, and with `mountpoint` set to base/<name>, or to the
// existing mount point (mounted_here false) when one is mounted already.
[[nodiscard]] std::vector<MountedFilesystem> mount_candidates(const std::vector<devices::Device>& disks,
                                                              const std::vector<std::string>& kernel_types,
                                                              const std::string& base);

// The kernel's name of a partition: sda + 1 -> sda1, nvme0n1 + 2 -> nvme0n1p2.
[[nodiscard]] std::string partition_name(const std::string& disk_name, int number);

}  // namespace imager::discovery
