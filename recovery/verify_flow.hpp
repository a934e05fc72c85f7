// The Verify flow of the wizard as a model, without a terminal: choose an
// image -> every chunk is checked (progress; cancel asks first) -> result:
// whole ("every chunk checked: N chunks, X"), or damaged with the chunk and
// its source offset as the core names them and what to do instead, or an
// error; with the log's path and whether the verified mark was recorded.
// Verifying writes nothing to the image, so a cancel can stop it at any time
// and the question says so. Screens draw this state and turn keys into these
// calls; unit tests drive it with a fake VerifyCore.
// Invariants: outcome() is set only in step result; the core runs only
// between choose_image() and on_finished().
// Not thread-safe: the screen passes the core's events on from its own thread.
#pragma once

#include "progress_view.hpp"
#include "verify_core.hpp"

#include <functional>
#include <string>

namespace recovery {

enum class VerifyStep {
    choose_image,
    running,
    cancel_confirm,  // "stop verifying?" while it goes on
    result,
    closed,  // back to the start screen
};

struct VerifyOutcome {
    enum class Kind { whole, damaged, cancelled, failed };
    Kind kind = Kind::failed;
    std::string image;
    std::string headline;     // "The image is whole.", "The image is damaged.", ...
    std::string detail;       // the count checked, or the core's message (the damaged chunk)
    std::string what_to_do;   // the next step for the person
    std::string mark;         // whether the verified mark was recorded, and why not
    std::string log_path;
    imager::VerifyReport report;  // for kind whole
    imager::Error error;          // otherwise
};

class VerifyFlow final : public VerifyEvents {
public:
    using Clock = std::function<double()>;  // monotonic seconds
    explicit VerifyFlow(VerifyCore& core, Clock clock = {});

    // Finds the images (mounting what it must) and shows them.
    void open();
    [[nodiscard]] VerifyStep step() const { return step_; }
    [[nodiscard]] const imager::discovery::ImageCatalog& catalog() const { return catalog_; }

    // An image from the catalog (or any image file, unreadable ones too: the
    // verification says what is wrong): the check starts.
    void choose_image(const std::string& path);
    [[nodiscard]] const std::string& image() const { return image_; }

    void on_progress(const imager::ProgressUpdate& update) override;
    void on_note(std::string_view message) override;
    void on_finished(const imager::Result<imager::VerifyReport>& result) override;
    [[nodiscard]] const ProgressView& progress() const { return progress_; }

    void request_cancel();  // running -> cancel_confirm
    [[nodiscard]] static std::string cancel_question();
    void confirm_cancel();  // asks the core to stop; stays running until it has
    void keep_going();      // cancel_confirm -> running

    [[nodiscard]] const VerifyOutcome* outcome() const { return step_ == VerifyStep::result ? &outcome_ : nullptr; }

    // Esc: from the list to the start screen; from the result to the list
    // (searched again: a verification may have recorded a mark); while
    // running it is request_cancel().
    void back();

private:
    VerifyCore& core_;
    Clock clock_;
    VerifyStep step_ = VerifyStep::choose_image;
    imager::discovery::ImageCatalog catalog_;
    std::string image_;
    ProgressView progress_;
    VerifyOutcome outcome_;
};

// The outcome of a verification of `image` in a person's words (exposed for tests).
[[nodiscard]] VerifyOutcome verify_outcome(const std::string& image,
                                           const imager::Result<imager::VerifyReport>& result);

}  // namespace recovery
