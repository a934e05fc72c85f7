// Mount, search, group and log: the image lists of Restore and Verify.
#include "image_search.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace recovery {

namespace {

namespace dsc = imager::discovery;
using imager::devices::human_size;

bool under(const std::string& path, const std::string& folder) {
    if (folder.empty()) return false;
    if (folder == "/") return true;
    return path.size() > folder.size() && path.starts_with(folder) && path[folder.size()] == '/';
}

}  // namespace

ImageSearch::ImageSearch(ImageSearchConfig config, WizardLog& log) : config_(std::move(config)), log_(log) {}

ImageSearch::~ImageSearch() { unmount_all(); }

dsc::FilesystemMounter& ImageSearch::mounter() {
    if (!config_.mounter) config_.mounter = dsc::make_system_mounter(config_.mount_base, config_.paths);
    return *config_.mounter;
}

void ImageSearch::unmount_all() {
    if (!mounted_any_) return;
    mounter().unmount_all();
    mounted_any_ = false;
    mounted_.clear();
    log_.write("unmounted the filesystems the wizard mounted");
}

dsc::ImageCatalog ImageSearch::find_images() {
    log_.write("find images: listing disks and mounting their filesystems read-only");
    // Mounted afresh (the disks may have changed). Our own mounts go first: a
    // listing taken while they stand would show them as someone else's
    // (searched where they were, then gone) and their loop devices as disks.
    if (mounted_any_) mounter().unmount_all();
    auto disks = imager::devices::list_devices(config_.paths);
    if (!disks) log_.write("cannot list the disks: " + error_text(disks.error()));
    disks_ = disks ? std::move(*disks) : std::vector<imager::devices::Device>{};
    std::vector<std::string> failures;
    mounted_ = mounter().mount_all(disks_, failures);
    mounted_any_ = true;
    std::vector<std::string> roots;
    for (const auto& m : mounted_) {
        log_.write((m.mounted_here ? "mounted " : "searched where it was mounted: ") + m.disk +
                   (m.partition != 0 ? " partition " + std::to_string(m.partition) : std::string()) + " (" + m.type +
                   ") at " + m.mountpoint);
        roots.push_back(m.mountpoint);
    }
    for (const auto& f : failures) log_.write("not mounted: " + f);
    roots.insert(roots.end(), config_.extra_roots.begin(), config_.extra_roots.end());
    auto catalog = dsc::group_by_machine(dsc::find_images(roots));
    std::size_t count = 0;
    for (const auto& machine : catalog.machines) {
        count += machine.images.size();
        for (const auto& e : machine.images)
            log_.write("image " + e.path + ": host " + (e.host.empty() ? "?" : e.host) + ", created " +
                       (e.created.empty() ? "?" : e.created) + ", " + human_size(e.size_on_disk) +
                       (e.verified.empty() ? std::string() : ", verified " + e.verified));
    }
    for (const auto& e : catalog.unreadable) log_.write("unusable image " + e.path + ": " + e.problem);
    log_.write("find images: " + std::to_string(count) + " image(s) of " + std::to_string(catalog.machines.size()) +
               " machine(s), " + std::to_string(catalog.unreadable.size()) + " unusable, in " +
               std::to_string(roots.size()) + " folder(s)");
    return catalog;
}

void ImageSearch::release_disk(const std::string& disk, const std::string& image) {
    const auto on_disk = [&](const dsc::MountedFilesystem& m) { return m.mounted_here && m.disk == disk; };
    if (std::ranges::none_of(mounted_, on_disk)) return;
    for (const auto& m : mounted_)
        if (on_disk(m) && under(image, m.mountpoint)) return;  // the core refuses: it holds the image
    log_.write("unmounting what the wizard mounted on " + disk + ", so that it can be written");
    mounter().unmount_all();
    std::vector<imager::devices::Device> others;
    std::ranges::copy_if(disks_, std::back_inserter(others),
                         [&](const imager::devices::Device& d) { return d.path != disk; });
    std::vector<std::string> failures;
    mounted_ = mounter().mount_all(others, failures);
    for (const auto& f : failures) log_.write("not mounted again: " + f);
}

}  // namespace recovery
