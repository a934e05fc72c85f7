// The wizard's CaptureCore over imager: disks, destinations (listed from
// read-only mounts, the chosen one made writable at the start), the
// estimate, a capture on the shared worker thread, and the log of all of it.
#include "capture_core_adapter.hpp"

#include "imager/store_access.hpp"

#include <sys/stat.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <utility>

namespace recovery {

namespace {

using imager::devices::human_size;


bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

// mkdir -p for the image's folder (<mount>/lifeboat).
imager::Status make_folder(const std::string& folder) {
    for (std::size_t at = folder.find('/', 1);; at = folder.find('/', at + 1)) {
        const std::string part = folder.substr(0, at);
        if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
            return std::unexpected(imager::make_error(imager::Errc::io, "create the folder " + part + ": " + std::strerror(errno),
                                                      "the destination may be read-only or full: choose another one"));
        if (at == std::string::npos) return {};
    }
}

}  // namespace

CaptureCoreAdapter::CaptureCoreAdapter(CaptureCoreConfig config)
    : config_(std::move(config)),
      log_(config_.log_path),
      mounter_(config_.mount_base, config_.paths),
      worker_(log_, "capture", config_.wake) {
    log_.write("wizard: capture core ready");
}

CaptureCoreAdapter::~CaptureCoreAdapter() = default;  // worker joined, then unmounted (members' order)

imager::Result<std::vector<imager::devices::Device>> CaptureCoreAdapter::list_disks() {
    auto disks = imager::devices::list_devices(config_.paths);
    if (!disks) {
        log_.write("list disks: " + error_text(disks.error()));
        return disks;
    }
    std::string text = "list disks: " + std::to_string(disks->size());
    for (const auto& d : *disks)
        text += "\n" + d.path + ": " + human_size(d.size) + (d.model.empty() ? "" : ", " + d.model) +
                (d.in_use() ? ", in use" : "") + (d.probe_error.empty() ? "" : ", unreadable: " + d.probe_error);
    log_.write(text);
    return disks;
}

std::string CaptureCoreAdapter::boot_device() const {
    std::ifstream in(config_.boot_device_file);
    std::string device;
    std::getline(in, device);
    return device;
}

imager::Result<imager::CaptureEstimate> CaptureCoreAdapter::estimate(const std::string& source) {
    auto e = imager::estimate_capture(source);
    if (!e) {
        log_.write("estimate of " + source + ": " + error_text(e.error()));
        return e;
    }
    std::string text = "estimate of " + source + ": " + human_size(e->used_bytes) + " used of " +
                       human_size(e->source_size) + ", image about " + human_size(e->estimated_image_bytes) +
                       ", at most " + human_size(e->max_image_bytes);
    for (const auto& p : e->parts)
        text += "\n" + imager::format::part_title(p.role, p.partition, p.filesystem.empty() ? "raw" : p.filesystem,
                                                 p.label) +
                ": " + human_size(p.used_bytes) + " used of " + human_size(p.size);
    for (const auto& n : e->notes) text += "\nnote: " + n;
    log_.write(text);
    return e;
}

std::vector<CaptureDestination> CaptureCoreAdapter::find_destinations(const std::string& source_disk,
                                                                     std::vector<std::string>& problems) {
    log_.write("destinations: mounting the filesystems of every disk but " + source_disk + " read-only");
    mounter_.unmount_all();  // mounted afresh: the disks may have changed
    auto disks = imager::devices::list_devices(config_.paths);
    if (!disks) {
        problems.push_back("the disks could not be listed: " + disks.error().message());
        log_.write("destinations: " + problems.back());
        return {};
    }
    std::vector<CaptureDestination> found;
    for (auto& w : mounter_.mount_all(*disks, source_disk, problems)) {
        log_.write(std::string(w.mounted_here ? "mounted read-only: " : "someone else's read-write mount, used where it is: ") +
                   w.name + " (" + w.type + ") at " + w.mountpoint + ", " + human_size(w.free_bytes) + " free");
        found.push_back({w.disk, w.partition, w.name, w.type, w.label, w.mountpoint, w.free_bytes, w.size_bytes, {}});
    }
    for (const auto& p : problems) log_.write("not a destination: " + p);
    return found;
}

imager::Status CaptureCoreAdapter::make_writable(const CaptureDestination& d) {
    const std::string what = d.name + " (" + d.filesystem + ") at " + d.mountpoint;
    auto made = mounter_.make_writable(d.mountpoint);
    if (!made) {
        log_.write("destination " + what + " cannot be written: " + error_text(made.error()));
        return std::unexpected(made.error());
    }
    log_.write(*made ? "mounted read-write: " + what + ", the capture's destination (nothing else is)"
                     : "destination " + what + ": written where it is already mounted read-write");
    return {};
}

bool CaptureCoreAdapter::image_exists(const std::string& path) {
    if (imager::store::looks_like_url(path)) {  // a store that cannot be read now fails the capture itself, in words
        const auto image = imager::describe_image(path);
        return image || image.error().code == imager::Errc::damaged_image;
    }
    return exists(path) || exists(path + ".partial");
}

std::string CaptureCoreAdapter::host_name() const {
    struct utsname u {};
    return ::uname(&u) == 0 ? u.nodename : "";
}

std::string CaptureCoreAdapter::today() const {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

void CaptureCoreAdapter::start(const imager::CaptureOptions& options, CaptureEvents& events) {
    if (worker_.refuse_if_running(events)) return;
    log_.write("capture started: " + options.source + " to " + options.image + ", level " +
               std::to_string(options.level) + (options.note.empty() ? "" : ", note: " + options.note));
    worker_.start(events, [this, o = options](imager::Progress& progress, std::stop_token stop) mutable {
        o.stop = std::move(stop);
        o.threads = config_.threads;
        const auto slash = o.image.rfind('/');
        if (slash != std::string::npos && slash > 0 && !imager::store::looks_like_url(o.image))
            if (auto made = make_folder(o.image.substr(0, slash)); !made) {
                log_.write("capture ended: " + error_text(made.error()));
                return imager::Result<imager::CaptureReport>(std::unexpected(made.error()));
            }
        auto r = imager::capture(o, progress);
        if (r)
            log_.write("capture finished: " + o.image + ", " + human_size(r->image_bytes) + " from " +
                       human_size(r->used_bytes) + " used, in " + std::to_string(r->seconds) + " s, " +
                       (r->verified ? "verified" : "not verified"));
        else
            log_.write(std::string("capture ended (") + imager::errc_name(r.error().code) + "): " + error_text(r.error()));
        return r;
    });
}

void CaptureCoreAdapter::cancel() {
    log_.write("cancel: the person asked to stop the capture");
    worker_.cancel();
}

std::string CaptureCoreAdapter::log_path() const { return log_.usable() ? log_.path() : std::string(); }

std::size_t CaptureCoreAdapter::deliver_events() { return worker_.deliver_events(); }

bool CaptureCoreAdapter::wait_for_events(std::chrono::milliseconds timeout) { return worker_.wait_for_events(timeout); }

bool CaptureCoreAdapter::running() const { return worker_.running(); }

std::unique_ptr<CaptureCoreAdapter> make_capture_core(CaptureCoreConfig config) {
    return std::make_unique<CaptureCoreAdapter>(std::move(config));
}

}  // namespace recovery
