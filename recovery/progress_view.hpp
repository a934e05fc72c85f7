// The progress of a running core operation (restore, verify, capture) as the
// wizard's screens show it, and the accounting that keeps it: the flows call
// start() when they start the core, then update() and note() with the core's
// events (on the screen's thread), finish() with its result. The rate and the
// remaining time are of the current step ("capture", then "verify"): they
// reset when the step changes and appear only once a second of the step has
// passed (a rate over less than that jumps about too much to be worth
// showing). Shared by RestoreFlow, VerifyFlow and CaptureFlow and their
// screens; pure, unit-tested through the flows' tests.
#pragma once

#include "imager/progress.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recovery {

struct ProgressView {
    std::string step;  // as the core names it: "restore", "verify", "capture"
    std::uint64_t done = 0;
    std::uint64_t total = 0;
    // The part of a whole-disk image being worked on ("partition 2 (ext4)",
    // "boot area / gap"), its bytes done and its size; "" for one stream.
    std::string item;
    std::uint64_t item_done = 0;
    std::uint64_t item_total = 0;
    double elapsed_seconds = 0;                // since start()
    double bytes_per_second = 0;               // this step's; 0 until there is a rate
    std::optional<double> remaining_seconds;   // of this step, once there is a rate
    std::vector<std::string> notes;            // the core's notes, oldest first
    bool cancelling = false;                   // cancel asked; waiting for the core to stop
    double started_at = 0;                     // clock reading at start()
    double step_started_at = 0;                // when the current step began

    [[nodiscard]] double fraction() const { return total == 0 ? 0.0 : static_cast<double>(done) / static_cast<double>(total); }
    [[nodiscard]] double item_fraction() const {
        return item_total == 0 ? 0.0 : static_cast<double>(item_done) / static_cast<double>(item_total);
    }

    // A fresh view at clock reading `now`; `first_step` may name the step
    // before the core's first update ("verify").
    void start(double now, std::string first_step = {});
    // The core's update at clock reading `now`.
    void update(const imager::ProgressUpdate& u, double now);
    void note(std::string_view message) { notes.emplace_back(message); }
    // The core finished at `now`: the elapsed time is final.
    void finish(double now) { elapsed_seconds = now - started_at; }
};

// The monotonic clock the flows use unless a test hands over another, in seconds.
[[nodiscard]] double steady_seconds();

// "0:12", "12:05", "1:02:03" (rounded to the second; negative or not finite is "0:00").
[[nodiscard]] std::string clock_text(double seconds);

// The progress screens' line below the bars:
// "Speed 45.3 MiB/s   Elapsed 0:12   Remaining about 0:20" ("-" where there is no rate yet).
[[nodiscard]] std::string progress_numbers(const ProgressView& progress);

}  // namespace recovery
