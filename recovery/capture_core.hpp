// What the Capture flow needs from the core, as one small interface: the
// wizard's real one (capture_core_adapter.hpp) lists disks, mounts other
// disks' filesystems read-only to list them, mounts only the chosen one
// read-write when the capture starts, and runs imager::capture on a worker thread;
// unit tests use a fake and drive every step without disks, root or a terminal.
#pragma once

#include "imager/devices.hpp"
#include "imager/image_ops.hpp"
#include "imager/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace recovery {

// A filesystem an image can be written to: mounted read-only while it is
// listed (or someone else's read-write mount), made writable by make_writable().
// Or a folder on a network store (`store` set): no disk, mount point or free space.
struct CaptureDestination {
    std::string disk;        // /dev/sdc
    int partition = 0;       // 0: the filesystem fills the whole disk
    std::string name;        // sdc1, or sdc for a whole disk
    std::string filesystem;  // "ext4", "vfat", ...
    std::string label;
    std::string mountpoint;  // where it is mounted (the same once made writable)
    std::uint64_t free_bytes = 0;
    std::uint64_t size_bytes = 0;
    std::string store;       // "nfs://nas/srv/images": the folder's URL, for a network store
};

// Where a running capture reports; the flow implements it. The real core
// queues the worker's events and delivers them on the screen's thread.
class CaptureEvents {
public:
    virtual ~CaptureEvents() = default;
    virtual void on_progress(const imager::ProgressUpdate& update) = 0;
    virtual void on_note(std::string_view message) = 0;
    virtual void on_finished(const imager::Result<imager::CaptureReport>& result) = 0;
};

class CaptureCore {
public:
    virtual ~CaptureCore() = default;
    virtual imager::Result<std::vector<imager::devices::Device>> list_disks() = 0;
    // The disk Lifeboat started from (/run/lifeboat/boot-device), "" when unknown.
    [[nodiscard]] virtual std::string boot_device() const = 0;
    // What a capture of `source` stores and about how big the image will be; writes nothing.
    virtual imager::Result<imager::CaptureEstimate> estimate(const std::string& source) = 0;
    // Every filesystem on the disks other than `source_disk` that could take
    // the image, mounted READ-ONLY to read its free space (or where someone
    // else mounted it read-write); nothing is written. Nothing of
    // `source_disk` is ever mounted. What could not be used goes to `problems`.
    virtual std::vector<CaptureDestination> find_destinations(const std::string& source_disk,
                                                             std::vector<std::string>& problems) = 0;
    // The one destination the capture writes to, made writable right before
    // start(): remounted read-write at the same mount point. Nothing else is
    // ever mounted read-write. An error says why and what to do; the capture
    // must not start then.
    virtual imager::Status make_writable(const CaptureDestination& destination) = 0;
    // True when `path` or `path`.partial exists (on a network store: an image
    // or a file that is not one is there under that name).
    virtual bool image_exists(const std::string& path) = 0;
    [[nodiscard]] virtual std::string host_name() const = 0;
    [[nodiscard]] virtual std::string today() const = 0;  // "2026-11-25", local time
    // Creates the image's folder (on a local filesystem) and starts the
    // capture; it reports through `events` until on_finished().
    virtual void start(const imager::CaptureOptions& options, CaptureEvents& events) = 0;
    // Asks a running capture to stop; it still ends with on_finished().
    virtual void cancel() = 0;
    [[nodiscard]] virtual std::string log_path() const = 0;
};

}  // namespace recovery
