// The worker's Progress: updates and notes to the queue, the log kept short.
#include "core_worker.hpp"

#include "imager/devices.hpp"

namespace recovery {

namespace {

std::string percent(std::uint64_t done, std::uint64_t total) {
    return total == 0 ? std::string("0%") : std::to_string(done * 100 / total) + "%";
}

}  // namespace

void LoggingProgress::update(const imager::ProgressUpdate& u) {
    using imager::devices::human_size;
    const std::uint64_t tenth = u.total == 0 ? 10 : u.done * 10 / u.total;
    if (u.step != step_ || tenth > logged_tenth_) {
        if (u.step != step_) log_.write("step: " + std::string(u.step));
        step_ = std::string(u.step);
        logged_tenth_ = tenth;
        log_.write(step_ + ": " + human_size(u.done) + " of " + human_size(u.total) + " (" + percent(u.done, u.total) +
                   ")");
    }
    sink_({false, std::string(u.step), u.done, u.total, std::string(u.item), u.item_done, u.item_total});
}

void LoggingProgress::note(std::string_view message) {
    log_.write("note: " + std::string(message));
    sink_({true, std::string(message), 0, 0, {}, 0, 0});
}

}  // namespace recovery
