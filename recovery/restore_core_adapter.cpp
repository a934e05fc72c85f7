// The wizard's RestoreCore over imager: discovery, the dry run, a restore on a
// worker thread reporting through a queue, and the log of all of it.
#include "restore_core_adapter.hpp"

#include "imager/progress.hpp"

#include <algorithm>
#include <exception>
#include <string_view>
#include <utility>

namespace recovery {

namespace {

namespace dsc = imager::discovery;
using imager::devices::human_size;

// The wizard asks before starting (RestoreOptions::assume_yes); the core's own
// prompt must never be the one that lets a disk be overwritten.
class NeverConfirm final : public imager::Prompt {
public:
    bool confirm(std::string_view, std::string_view) override { return false; }
};

bool under(const std::string& path, const std::string& folder) {
    if (folder.empty()) return false;
    if (folder == "/") return true;
    return path.size() > folder.size() && path.starts_with(folder) && path[folder.size()] == '/';
}

std::string error_text(const imager::Error& e) {
    return e.message() + (e.hint.empty() ? "" : "\n(" + e.hint + ")");
}

std::string disk_line(const imager::devices::Device& d) {
    std::string line = d.path + ": " + human_size(d.size);
    if (!d.model.empty()) line += ", " + d.model;
    if (!d.serial.empty()) line += ", serial " + d.serial;
    if (d.read_only) line += ", read-only";
    if (d.in_use()) line += ", in use";
    return line;
}

std::string percent(std::uint64_t done, std::uint64_t total) {
    return total == 0 ? std::string("0%") : std::to_string(done * 100 / total) + "%";
}

// The worker's Progress: every update and note to the queue; to the log, the
// notes and each tenth of a step.
class QueueProgress final : public imager::Progress {
public:
    QueueProgress(RestoreCoreAdapter& adapter, RestoreEvents* events) : adapter_(adapter), events_(events) {}

    void update(const imager::ProgressUpdate& u) override {
        const std::uint64_t tenth = u.total == 0 ? 10 : u.done * 10 / u.total;
        if (u.step != step_ || tenth > logged_tenth_) {
            if (u.step != step_) adapter_.log().write("step: " + std::string(u.step));
            step_ = std::string(u.step);
            logged_tenth_ = tenth;
            adapter_.log().write(step_ + ": " + human_size(u.done) + " of " + human_size(u.total) + " (" +
                                 percent(u.done, u.total) + ")");
        }
        adapter_.push({RestoreCoreAdapter::Event::Kind::progress, std::string(u.step), u.done, u.total, {}, events_});
    }
    void note(std::string_view message) override {
        adapter_.log().write("note: " + std::string(message));
        adapter_.push({RestoreCoreAdapter::Event::Kind::note, std::string(message), 0, 0, {}, events_});
    }

private:
    RestoreCoreAdapter& adapter_;
    RestoreEvents* events_;
    std::string step_;
    std::uint64_t logged_tenth_ = 0;
};

}  // namespace

RestoreCoreAdapter::RestoreCoreAdapter(RestoreCoreConfig config)
    : config_(std::move(config)), log_(config_.log_path) {
    log_.write("wizard: restore core ready");
}

RestoreCoreAdapter::~RestoreCoreAdapter() {
    if (worker_.joinable()) {
        log_.write("wizard: closing while a restore runs: asking it to stop");
        stop_.request_stop();
        worker_.join();
    }
    if (mounted_any_) {
        mounter().unmount_all();
        log_.write("unmounted the filesystems the wizard mounted");
    }
}

dsc::FilesystemMounter& RestoreCoreAdapter::mounter() {
    if (!config_.mounter) config_.mounter = dsc::make_system_mounter(config_.mount_base, config_.paths);
    return *config_.mounter;
}

dsc::ImageCatalog RestoreCoreAdapter::find_images() {
    log_.write("find images: listing disks and mounting their filesystems read-only");
    auto disks = imager::devices::list_devices(config_.paths);
    if (!disks) log_.write("cannot list the disks: " + error_text(disks.error()));
    disks_ = disks ? std::move(*disks) : std::vector<imager::devices::Device>{};
    if (mounted_any_) mounter().unmount_all();  // mounted afresh: the disks may have changed
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
                       (e.created.empty() ? "?" : e.created) + ", " + human_size(e.size_on_disk));
    }
    for (const auto& e : catalog.unreadable) log_.write("unusable image " + e.path + ": " + e.problem);
    log_.write("find images: " + std::to_string(count) + " image(s) of " + std::to_string(catalog.machines.size()) +
               " machine(s), " + std::to_string(catalog.unreadable.size()) + " unusable, in " +
               std::to_string(roots.size()) + " folder(s)");
    return catalog;
}

imager::Result<dsc::ImageContents> RestoreCoreAdapter::read_contents(const std::string& image) {
    auto contents = dsc::read_contents(image);
    if (!contents) {
        log_.write("contents of " + image + ": " + error_text(contents.error()));
        return contents;
    }
    std::string text = "contents of " + image + ": " + (contents->table.empty() ? "no table" : contents->table) +
                       ", needs " + human_size(contents->needed_size);
    for (const auto& p : contents->parts)
        text += "\n" + p.role + (p.partition != 0 ? " " + std::to_string(p.partition) : std::string()) + ": " +
                human_size(p.size) + (p.filesystem.empty() ? "" : " " + p.filesystem) +
                (p.label.empty() ? "" : " '" + p.label + "'");
    log_.write(text);
    return contents;
}

imager::Result<std::vector<imager::devices::Device>> RestoreCoreAdapter::list_disks() {
    auto disks = imager::devices::list_devices(config_.paths);
    if (!disks) {
        log_.write("list disks: " + error_text(disks.error()));
        return disks;
    }
    std::string text = "list disks: " + std::to_string(disks->size());
    for (const auto& d : *disks) text += "\n" + disk_line(d);
    log_.write(text);
    return disks;
}

void RestoreCoreAdapter::release_target(const std::string& target, const std::string& image) {
    const auto on_target = [&](const dsc::MountedFilesystem& m) { return m.mounted_here && m.disk == target; };
    if (std::ranges::none_of(mounted_, on_target)) return;
    for (const auto& m : mounted_)
        if (on_target(m) && under(image, m.mountpoint)) return;  // the core refuses: it holds the image
    log_.write("unmounting what the wizard mounted on " + target + ", so that it can be written");
    mounter().unmount_all();
    std::vector<imager::devices::Device> others;
    std::ranges::copy_if(disks_, std::back_inserter(others),
                         [&](const imager::devices::Device& d) { return d.path != target; });
    std::vector<std::string> failures;
    mounted_ = mounter().mount_all(others, failures);
    for (const auto& f : failures) log_.write("not mounted again: " + f);
}

imager::Result<std::string> RestoreCoreAdapter::plan(const imager::RestoreOptions& options) {
    auto o = options;
    o.dry_run = true;
    o.stop = {};
    log_.write("plan: " + o.image + " onto " + o.target +
               (o.expect_size != 0 ? ", expected size " + std::to_string(o.expect_size) : std::string()) +
               (o.expect_serial.empty() ? std::string() : ", expected serial " + o.expect_serial));
    release_target(o.target, o.image);
    imager::SilentProgress quiet;
    NeverConfirm no;
    auto planned = imager::restore(o, quiet, no);
    if (!planned) {
        log_.write(std::string("plan refused (") + imager::errc_name(planned.error().code) +
                   "): " + error_text(planned.error()));
        return std::unexpected(planned.error());
    }
    log_.write("plan:\n" + planned->plan);
    return planned->plan;
}

void RestoreCoreAdapter::start(const imager::RestoreOptions& options, RestoreEvents& events) {
    if (running_) {
        log_.write("start refused: a restore is running already");
        push({Event::Kind::finished, {}, 0, 0,
              std::unexpected(imager::make_error(imager::Errc::internal, "a restore is running already")), &events});
        return;
    }
    if (worker_.joinable()) worker_.join();  // finished; its result delivered
    auto o = options;
    o.dry_run = false;
    stop_ = std::stop_source();
    o.stop = stop_.get_token();
    log_.write("restore started: " + o.image + " onto " + o.target);
    release_target(o.target, o.image);
    running_ = true;
    try {
        worker_ = std::thread([this, opts = std::move(o), &events]() mutable { run(std::move(opts), &events); });
    } catch (const std::exception& e) {
        running_ = false;
        log_.write(std::string("restore could not start: ") + e.what());
        push({Event::Kind::finished, {}, 0, 0,
              std::unexpected(imager::make_error(imager::Errc::internal,
                                                 std::string("start the restore: ") + e.what())),
              &events});
    }
}

void RestoreCoreAdapter::run(imager::RestoreOptions options, RestoreEvents* events) {
    Event finished{Event::Kind::finished, {}, 0, 0, {}, events, true};
    try {
        QueueProgress progress(*this, events);
        NeverConfirm no;
        finished.result = imager::restore(options, progress, no);
    } catch (const std::exception& e) {
        finished.result = std::unexpected(
            imager::make_error(imager::Errc::internal, std::string("restore failed: ") + e.what()));
    } catch (...) {
        finished.result = std::unexpected(imager::make_error(imager::Errc::internal, "restore failed"));
    }
    const auto& r = *finished.result;
    if (r)
        log_.write("restore finished: " + human_size(r->data_bytes) + " of data and " + human_size(r->zero_bytes) +
                   " of zeros written onto " + options.target + " in " + std::to_string(r->seconds) + " s");
    else
        log_.write(std::string("restore ended (") + imager::errc_name(r.error().code) + "): " +
                   error_text(r.error()));
    push(std::move(finished));
}

void RestoreCoreAdapter::cancel() {
    log_.write("cancel: the person asked to stop the restore");
    stop_.request_stop();
}

std::string RestoreCoreAdapter::log_path() const { return log_.usable() ? log_.path() : std::string(); }

void RestoreCoreAdapter::push(Event event) {
    {
        const std::lock_guard lock(mutex_);
        // A slow screen needs only the latest numbers of a step, not every chunk's.
        if (event.kind == Event::Kind::progress && !queue_.empty() && queue_.back().kind == Event::Kind::progress &&
            queue_.back().text == event.text)
            queue_.back() = std::move(event);
        else
            queue_.push_back(std::move(event));
    }
    queued_.notify_all();
    if (config_.wake) config_.wake();
}

bool RestoreCoreAdapter::wait_for_events(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return queued_.wait_for(lock, timeout, [&] { return !queue_.empty(); });
}

std::size_t RestoreCoreAdapter::deliver_events() {
    std::deque<Event> events;
    {
        const std::lock_guard lock(mutex_);
        events.swap(queue_);
    }
    // Called without the lock: the flow calls back into this adapter (log_path, list_disks).
    for (auto& e : events) {
        switch (e.kind) {
            case Event::Kind::progress: e.events->on_progress({e.text, e.done, e.total}); break;
            case Event::Kind::note: e.events->on_note(e.text); break;
            case Event::Kind::finished:
                if (e.ends_run) {
                    if (worker_.joinable()) worker_.join();  // it queued this as its last act
                    running_ = false;
                }
                e.events->on_finished(*e.result);
                break;
        }
    }
    return events.size();
}

bool RestoreCoreAdapter::running() const { return running_; }

std::unique_ptr<RestoreCoreAdapter> make_restore_core(RestoreCoreConfig config) {
    return std::make_unique<RestoreCoreAdapter>(std::move(config));
}

}  // namespace recovery
