// The wizard's VerifyCore over imager: the shared image search, verify() on
// the shared worker, and the log of it.
#include "verify_core_adapter.hpp"

#include "imager/devices.hpp"

#include <utility>

namespace recovery {

namespace {

using imager::devices::human_size;

}  // namespace

VerifyCoreAdapter::VerifyCoreAdapter(VerifyCoreConfig config)
    : config_(std::move(config)),
      log_(config_.log_path),
      search_(search_config(config_), log_),
      worker_(log_, "verification", config_.wake) {
    log_.write("wizard: verify core ready");
}

VerifyCoreAdapter::~VerifyCoreAdapter() = default;  // worker joined before the search unmounts (members' order)

imager::discovery::ImageCatalog VerifyCoreAdapter::find_images() { return search_.find_images(); }

void VerifyCoreAdapter::start(const std::string& image, VerifyEvents& events) {
    if (worker_.refuse_if_running(events)) return;
    log_.write("verify started: " + image);
    worker_.start(events, [this, image, threads = config_.threads](imager::Progress& progress, std::stop_token stop) {
        imager::VerifyOptions o;
        o.image = image;
        o.threads = threads;
        o.stop = std::move(stop);
        auto r = imager::verify(o, progress);
        if (r)
            log_.write("verify finished: " + image + " is whole: " + std::to_string(r->chunks) + " chunks, " +
                       human_size(r->data_bytes) + " checked in " + std::to_string(r->seconds) + " s; " +
                       (r->marked ? "verified mark recorded" : "no verified mark: " + r->mark_problem));
        else
            log_.write(std::string("verify ended (") + imager::errc_name(r.error().code) + "): " +
                       error_text(r.error()));
        return r;
    });
}

void VerifyCoreAdapter::cancel() {
    log_.write("cancel: the person asked to stop the verification");
    worker_.cancel();
}

std::string VerifyCoreAdapter::log_path() const { return log_.usable() ? log_.path() : std::string(); }

std::size_t VerifyCoreAdapter::deliver_events() { return worker_.deliver_events(); }

bool VerifyCoreAdapter::wait_for_events(std::chrono::milliseconds timeout) {
    return worker_.wait_for_events(timeout);
}

bool VerifyCoreAdapter::running() const { return worker_.running(); }

std::unique_ptr<VerifyCoreAdapter> make_verify_core(VerifyCoreConfig config) {
    return std::make_unique<VerifyCoreAdapter>(std::move(config));
}

}  // namespace recovery
