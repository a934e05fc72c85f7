// The Capture flow of the wizard as a model, without a terminal: choose the
// source disk -> the destination (one is picked automatically: the most free
// space on another disk, with room for the image) -> name and note ->
// compression level -> summary with the estimate -> progress (capture, then
// verify) -> result. Destinations are listed from read-only mounts; start()
// has the core make the chosen one (and only it) writable first. Refusals (no
// destination with room, a name that exists, a destination on the source
// disk, a destination that cannot be mounted read-write) become a dialog
// saying why and what to do; a cancel asks first and says the partial image will be removed.
// Screens draw this state and turn keys into these calls; unit tests drive it
// with a fake CaptureCore (tests/unit/wizard_capture_flow_test.cpp).
// Invariants: dialog() is set only in step dialog, outcome() only in step
// result; nothing is written before start().
// Not thread-safe: the screen passes the core's events on from its own thread.
#pragma once

#include "capture_core.hpp"
#include "progress_view.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace recovery {

enum class CaptureStep {
    choose_source,
    choose_destination,
    name_and_note,
    level,
    summary,
    running,
    cancel_confirm,  // "stop the capture?" while it goes on
    dialog,          // a refusal or an error; nothing was written
    result,
    closed,          // back to the start screen
};

struct CaptureDialog {
    std::string title;       // "No room for the image"
    std::string reason;      // why, in words
    std::string what_to_do;  // what the person can do next
    CaptureStep back_to = CaptureStep::choose_source;
};

struct SourceChoice {
    imager::devices::Device disk;
    std::string why_not;  // "" when it can be captured
    std::string warning;  // e.g. mounted: the image may not be consistent
};

struct DestinationChoice {
    CaptureDestination destination;
    bool has_room = false;  // free space >= the most the image can take
    std::string why_not;    // "" when it can be chosen
};

struct CaptureOutcome {
    bool success = false;
    std::string image_path;
    imager::CaptureReport report;  // when success
    double ratio = 0;              // used bytes / image bytes ("2.4:1"), when success
    imager::Error error;           // when not success
    std::string what_to_do;
    std::string log_path;
};

class CaptureFlow final : public CaptureEvents {
public:
    using Clock = std::function<double()>;  // monotonic seconds
    explicit CaptureFlow(CaptureCore& core, Clock clock = {});

    // Lists the disks and which of them can be captured.
    void open();
    [[nodiscard]] CaptureStep step() const { return step_; }
    [[nodiscard]] const std::vector<SourceChoice>& sources() const { return sources_; }
    [[nodiscard]] const std::string& disks_problem() const { return disks_problem_; }

    // A disk by its path: estimates the image, finds the destinations and
    // picks one, or shows a dialog.
    void choose_source(const std::string& disk_path);
    [[nodiscard]] const imager::devices::Device& source() const { return source_; }
    [[nodiscard]] const imager::CaptureEstimate& estimate() const { return estimate_; }
    [[nodiscard]] const std::vector<DestinationChoice>& destinations() const { return destinations_; }
    [[nodiscard]] const std::vector<std::string>& destination_problems() const { return destination_problems_; }
    [[nodiscard]] std::optional<std::size_t> suggested_destination() const { return suggested_; }
    [[nodiscard]] const std::string& suggestion_reason() const { return suggestion_reason_; }

    // A destination from destinations(): on to the name, or a dialog.
    void choose_destination(std::size_t index);
    // A folder on a network store (its URL, listed by the form's Connect):
    // on to the name. Its free space is not known: a store that fills up
    // fails the capture, and the partial image is removed.
    void choose_store(const std::string& folder_url);
    [[nodiscard]] const CaptureDestination& destination() const { return destination_; }

    [[nodiscard]] const std::string& default_name() const { return default_name_; }
    // On to the level when `name` is usable; otherwise false, and either
    // name_problem() says why (the step stays) or a dialog says it exists.
    bool set_name_and_note(const std::string& name, const std::string& note);
    [[nodiscard]] const std::string& name_problem() const { return name_problem_; }
    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] const std::string& note() const { return note_; }
    // <mountpoint>/lifeboat/<name>.lbi; on a network store <folder URL>/<name>.lbi
    [[nodiscard]] std::string image_path() const { return image_path_for(name_); }
    [[nodiscard]] std::string image_path_for(const std::string& name) const;

    static constexpr int kDefaultLevel = 3;
    // 1..19: on to the summary; otherwise false and level_problem().
    bool set_level(int level);
    [[nodiscard]] int level() const { return level_; }
    [[nodiscard]] const std::string& level_problem() const { return level_problem_; }

    // The summary's lines: source, destination and free space, estimate, level.
    [[nodiscard]] std::vector<std::string> summary_lines() const;
    // Has the core make the destination writable, then starts the capture;
    // when it cannot be made writable, a dialog (back to the destinations).
    void start();

    void on_progress(const imager::ProgressUpdate& update) override;
    void on_note(std::string_view message) override;
    void on_finished(const imager::Result<imager::CaptureReport>& result) override;
    [[nodiscard]] const ProgressView& progress() const { return progress_; }

    void request_cancel();  // running -> cancel_confirm
    [[nodiscard]] std::string cancel_question() const;
    void confirm_cancel();  // asks the core to stop; stays running until it has
    void keep_going();      // cancel_confirm -> running

    [[nodiscard]] const CaptureDialog* dialog() const { return step_ == CaptureStep::dialog ? &dialog_ : nullptr; }
    void dismiss_dialog();
    [[nodiscard]] const CaptureOutcome* outcome() const { return step_ == CaptureStep::result ? &outcome_ : nullptr; }
    void close();  // result -> closed

    // Esc: one step back; ignored while the capture runs.
    void back();

private:
    void show_dialog(CaptureDialog d);
    void load_destinations();
    void use_destination(CaptureDestination d);

    CaptureCore& core_;
    Clock clock_;
    CaptureStep step_ = CaptureStep::choose_source;
    std::vector<SourceChoice> sources_;
    std::string disks_problem_;
    imager::devices::Device source_;
    imager::CaptureEstimate estimate_;
    std::vector<DestinationChoice> destinations_;
    std::vector<std::string> destination_problems_;
    std::optional<std::size_t> suggested_;
    std::string suggestion_reason_;
    CaptureDestination destination_;
    std::string default_name_;
    std::string name_;
    std::string note_;
    std::string name_problem_;
    int level_ = kDefaultLevel;
    std::string level_problem_;
    ProgressView progress_;
    CaptureDialog dialog_;
    CaptureOutcome outcome_;
};

// The destination to pick (exposed for tests): the one with the most free
// space among those with room; `reason` says why, for the screen.
[[nodiscard]] std::optional<std::size_t> pick_destination(const std::vector<DestinationChoice>& choices,
                                                          std::string& reason);

// "pc-2026-11-25" from a host name and a date; characters a file name should
// not hold become '-'; "lifeboat" when there is no host name.
[[nodiscard]] std::string default_image_name(const std::string& host, const std::string& date);

// Why `name` cannot name an image ("" when it can): letters, digits, '.', '-',
// '_', not starting with '.', at most 64 characters.
[[nodiscard]] std::string image_name_problem(const std::string& name);

}  // namespace recovery
