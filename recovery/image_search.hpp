// Finding images for the wizard's cores (restore_core_adapter,
// verify_core_adapter): list the disks, mount every filesystem on them
// read-only (FilesystemMounter, the system one under /run/lifeboat unless a
// test hands over another), search the mount points plus any extra folders,
// group what is found by machine, and write all of it to the log. Mounts are
// made afresh on each search and undone by unmount_all() or the destructor.
// Not thread-safe: called on the screen's thread.
#pragma once

#include "imager/devices.hpp"
#include "imager/image_discovery.hpp"
#include "wizard_log.hpp"

#include <memory>
#include <string>
#include <vector>

namespace recovery {

struct ImageSearchConfig {
    std::string mount_base = "/run/lifeboat";  // where the system mounter mounts
    // Null: make_system_mounter(mount_base, paths), made when images are first looked for.
    std::unique_ptr<imager::discovery::FilesystemMounter> mounter;
    imager::devices::SystemPaths paths;
    std::vector<std::string> extra_roots;  // searched besides the mounted filesystems
};

// The search part of a core's config (RestoreCoreConfig, VerifyCoreConfig,
// which have the same fields); the mounter is moved out of it.
template <class CoreConfig>
[[nodiscard]] ImageSearchConfig search_config(CoreConfig& c) {
    ImageSearchConfig s;
    s.mount_base = c.mount_base;
    s.mounter = std::move(c.mounter);
    s.paths = c.paths;
    s.extra_roots = c.extra_roots;
    return s;
}

class ImageSearch {
public:
    ImageSearch(ImageSearchConfig config, WizardLog& log);
    ~ImageSearch();  // unmounts what it mounted
    ImageSearch(const ImageSearch&) = delete;
    ImageSearch& operator=(const ImageSearch&) = delete;

    // Every image on every filesystem the machine's disks hold, mounting them first.
    imager::discovery::ImageCatalog find_images();
    // Unmounts what the wizard mounted on `disk` (so it can be written) and
    // mounts the other disks again; nothing when `image` lies on one of
    // those filesystems (the core then refuses the disk as holding the image).
    void release_disk(const std::string& disk, const std::string& image);
    void unmount_all();

    [[nodiscard]] const imager::devices::SystemPaths& paths() const { return config_.paths; }

private:
    imager::discovery::FilesystemMounter& mounter();

    ImageSearchConfig config_;
    WizardLog& log_;
    std::vector<imager::devices::Device> disks_;  // as mounted from
    std::vector<imager::discovery::MountedFilesystem> mounted_;
    bool mounted_any_ = false;
};

}  // namespace recovery
