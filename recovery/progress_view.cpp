// The shared progress accounting and its text; see progress_view.hpp.
#include "progress_view.hpp"

#include "imager/devices.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

namespace recovery {

void ProgressView::start(double now, std::string first_step) {
    *this = {};
    step = std::move(first_step);
    started_at = step_started_at = now;
}

void ProgressView::update(const imager::ProgressUpdate& u, double now) {
    if (u.step != step && !step.empty()) {  // a new step: its own rate (the first began at start())
        step_started_at = now;
        bytes_per_second = 0;
        remaining_seconds.reset();
    }
    step = std::string(u.step);
    done = u.done;
    total = u.total;
    item = std::string(u.item);
    item_done = u.item_done;
    item_total = u.item_total;
    elapsed_seconds = now - started_at;
    const double in_step = now - step_started_at;
    if (in_step >= 1.0 && u.done > 0) {
        bytes_per_second = static_cast<double>(u.done) / in_step;
        remaining_seconds = static_cast<double>(u.total > u.done ? u.total - u.done : 0) / bytes_per_second;
    }
}

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string clock_text(double seconds) {
    const long total = seconds > 0 && std::isfinite(seconds) ? std::lround(seconds) : 0;
    char text[32];
    if (total >= 3600) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
    else std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
    return text;
}

std::string progress_numbers(const ProgressView& p) {
    std::string line = "Speed ";
    line += p.bytes_per_second > 0 ? imager::devices::human_size(static_cast<std::uint64_t>(p.bytes_per_second)) + "/s"
                                   : "-";
    line += "   Elapsed " + clock_text(p.elapsed_seconds);
    line += "   Remaining " + (p.remaining_seconds ? "about " + clock_text(*p.remaining_seconds) : std::string("-"));
    return line;
}

}  // namespace recovery
