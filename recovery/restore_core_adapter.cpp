// The wizard's RestoreCore over imager: discovery, the dry run, a restore on a
// worker thread reporting through a queue, and the log of all of it.
#include "restore_core_adapter.hpp"

#include "restore_flow.hpp"

#include "imager/progress.hpp"

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

std::string disk_line(const imager::devices::Device& d) {
    std::string line = d.path + ": " + human_size(d.size);
    if (!d.model.empty()) line += ", " + d.model;
    if (!d.serial.empty()) line += ", serial " + d.serial;
    if (d.read_only) line += ", read-only";
    if (d.in_use()) line += ", in use";
    return line;
}

}  // namespace

RestoreCoreAdapter::RestoreCoreAdapter(RestoreCoreConfig config)
    : config_(std::move(config)),
      log_(config_.log_path),
      search_(search_config(config_), log_),
      worker_(log_, "restore", config_.wake) {
    log_.write("wizard: restore core ready");
}

// The worker is joined before the search unmounts (members' order).
RestoreCoreAdapter::~RestoreCoreAdapter() = default;

dsc::ImageCatalog RestoreCoreAdapter::find_images() { return search_.find_images(); }

imager::Result<dsc::ImageContents> RestoreCoreAdapter::read_contents(const std::string& image) {
    auto contents = dsc::read_contents(image);
    if (!contents) {
        log_.write("contents of " + image + ": " + error_text(contents.error()));
        return contents;
    }
    const auto& m = contents->manifest;
    std::string text = "contents of " + image + ": " + (m.disk ? m.disk->label : std::string("no table")) +
                       ", needs " + human_size(needed_size(*contents));
    for (const auto& s : m.streams)
        if (s.role != imager::format::StreamRole::gap)
            text += "\n" + imager::format::part_title(s) + ": " + human_size(s.size);
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

imager::Result<std::map<int, std::uint64_t>> RestoreCoreAdapter::measure_minimums(const std::string& image) {
    auto minimums = imager::measure_minimums(image);
    if (!minimums) {
        log_.write("measure the filesystems' minimums in " + image + ": " + error_text(minimums.error()));
        return minimums;
    }
    std::string text = "the filesystems' minimums in " + image + ":";
    for (const auto& [number, bytes] : *minimums)
        text += "\npartition " + std::to_string(number) + ": " + human_size(bytes) + " (" + std::to_string(bytes) + " bytes)";
    log_.write(text);
    return minimums;
}

imager::Result<std::string> RestoreCoreAdapter::plan(const imager::RestoreOptions& options) {
    auto o = options;
    o.dry_run = true;
    o.stop = {};
    log_.write("plan: " + o.image + " onto " + o.target +
               (o.expect_size != 0 ? ", expected size " + std::to_string(o.expect_size) : std::string()) +
               (o.expect_serial.empty() ? std::string() : ", expected serial " + o.expect_serial));
    search_.release_disk(o.target, o.image);
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
    if (worker_.refuse_if_running(events)) return;
    auto o = options;
    o.dry_run = false;
    log_.write("restore started: " + o.image + " onto " + o.target);
    search_.release_disk(o.target, o.image);
    worker_.start(events, [this, o](imager::Progress& progress, std::stop_token stop) mutable {
        o.stop = std::move(stop);
        NeverConfirm no;
        auto r = imager::restore(o, progress, no);
        if (r)
            log_.write("restore finished: " + human_size(r->data_bytes) + " of data and " +
                       human_size(r->zero_bytes) + " of zeros written onto " + o.target + " in " +
                       std::to_string(r->seconds) + " s");
        else
            log_.write(std::string("restore ended (") + imager::errc_name(r.error().code) + "): " +
                       error_text(r.error()));
        return r;
    });
}

void RestoreCoreAdapter::cancel() {
    log_.write("cancel: the person asked to stop the restore");
    worker_.cancel();
}

std::string RestoreCoreAdapter::log_path() const { return log_.usable() ? log_.path() : std::string(); }

bool RestoreCoreAdapter::wait_for_events(std::chrono::milliseconds timeout) {
    return worker_.wait_for_events(timeout);
}

std::size_t RestoreCoreAdapter::deliver_events() { return worker_.deliver_events(); }

bool RestoreCoreAdapter::running() const { return worker_.running(); }

std::unique_ptr<RestoreCoreAdapter> make_restore_core(RestoreCoreConfig config) {
    return std::make_unique<RestoreCoreAdapter>(std::move(config));
}

}  // namespace recovery
