// The Restore flow of the wizard as a model, without a terminal: choose an
// image -> see what it holds -> choose the target (one is suggested) -> see
// the core's plan (and, for a whole disk, set partition sizes) -> type the
// target's name -> progress -> result. Refusals of
// the core become a dialog saying why and what to do; a cancel asks first and
// says what condition the disk is left in. Screens draw this state and turn
// keys into these calls; unit tests drive it with a fake RestoreCore.
// Invariants: dialog() is set only in step dialog, outcome() only in step
// result; nothing is written unless type_confirmation() accepted the name.
// Not thread-safe: the screen passes the core's events on from its own thread.
#pragma once

#include "progress_view.hpp"
#include "restore_core.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace recovery {

enum class RestoreStep {
    choose_image,
    image_contents,
    choose_target,
    show_plan,
    sizes,           // the person sets partition sizes (a whole-disk image)
    confirm,         // typing the target's name
    running,
    cancel_confirm,  // "stop the restore?" while it goes on
    dialog,          // a refusal or an error before anything was written
    result,
    closed,          // back to the start screen
};

struct Dialog {
    std::string title;       // "sdb cannot be used"
    std::string reason;      // why, in words
    std::string what_to_do;  // what the person can do next
    imager::Errc code = imager::Errc::internal;
    RestoreStep back_to = RestoreStep::choose_image;  // where dismissing it goes
};

struct TargetChoice {
    imager::devices::Device disk;
    bool big_enough = false;   // the image fits (imager::fit_image)
    bool same_serial = false;  // the disk the image was taken from
    bool holds_image = false;  // the image is read from it: never suggested
};

// The sizes screen: each partition as the sizes shown would lay it out on the target.
struct SizeRow {
    imager::PartitionChange part;  // new_start/new_size: on the target, with these sizes
    bool chosen = false;           // the person set its size; else it keeps it or shrinks to fit
};

struct SizesView {
    std::vector<SizeRow> rows;
    std::uint64_t unused = 0;  // bytes after the last partition that stay in none
    std::string refusal;       // why these sizes do not fit the target, with the numbers; "" when they do
};

struct RestoreOutcome {
    bool success = false;
    imager::Error error;          // when not success
    std::string what_to_do;       // the core's hint, or ours for the error's class
    std::string disk_condition;   // what the target holds now
    std::string log_path;
    imager::RestoreReport report;  // when success
    std::vector<std::string> notes;  // the core's that the plan did not show, e.g. what growing did
};

class RestoreFlow final : public RestoreEvents {
public:
    using Clock = std::function<double()>;  // monotonic seconds
    explicit RestoreFlow(RestoreCore& core, Clock clock = {});

    // Finds the images (mounting what it must) and shows them.
    void open();
    [[nodiscard]] RestoreStep step() const { return step_; }
    [[nodiscard]] const imager::discovery::ImageCatalog& catalog() const { return catalog_; }

    // An image from the catalog (or any image file): its contents, or a dialog.
    void choose_image(const std::string& path);
    [[nodiscard]] const imager::discovery::ImageContents& contents() const { return contents_; }

    // From the contents to the disks, one of them suggested.
    void show_targets();
    [[nodiscard]] const std::vector<TargetChoice>& targets() const { return targets_; }
    [[nodiscard]] std::optional<std::size_t> suggested_target() const { return suggested_; }
    [[nodiscard]] const std::string& suggestion_reason() const { return suggestion_reason_; }

    // A disk by its path: the core plans (and checks) the restore onto it.
    void choose_target(const std::string& disk_path);
    [[nodiscard]] const std::string& plan_text() const { return plan_text_; }
    [[nodiscard]] const imager::devices::Device& target() const { return target_; }

    // How the image fits the chosen target (imager::fit_image, as the core's
    // plan has it once the filesystems' least sizes were measured).
    [[nodiscard]] imager::TargetFit fit() const;
    // A whole-disk image onto a disk with at least 1 MiB after the partition
    // that ends last: that partition (it may grow) and the room it may grow
    // into (the core's --grow: the partition to the disk's end, its ext2/3/4,
    // NTFS or swap with it); else nullptr and 0.
    [[nodiscard]] const imager::format::Stream* part_to_grow() const;
    [[nodiscard]] std::uint64_t room_to_grow() const;
    [[nodiscard]] bool grow() const { return grow_; }
    // On the plan: grow or not (off when a disk is chosen), planned again.
    void toggle_grow();

    // The bytes after the last partition that stay in none, as planned.
    [[nodiscard]] std::uint64_t unused_at_end() const;

    // Partition sizes (a whole-disk image restored whole): the plan's S key.
    // The first time for an image the core measures each filesystem's least
    // size (seconds); a failure there is a dialog that leads back to the plan.
    [[nodiscard]] bool can_choose_sizes() const;
    void choose_sizes();  // show_plan -> sizes, with the sizes planned so far
    [[nodiscard]] SizesView sizes_view() const;
    // `typed` ("25G", "25600M", "30.5G") for partition `number`; false, and
    // size_problem() says why, when it is no size or one the partition cannot have.
    bool set_size(int number, std::string_view typed);
    void automatic_size(int number);  // the partition keeps its size, or shrinks to fit
    [[nodiscard]] const std::string& size_problem() const { return size_problem_; }
    // sizes -> show_plan, planned again with these sizes; when they do not fit
    // or the core refuses them, stays and size_problem() says why.
    void use_sizes();

    void accept_plan();
    // What must be typed: the target's name as the disk list shows it ("sdb").
    [[nodiscard]] const std::string& confirmation_word() const { return target_.name; }
    // True and the restore starts when `typed` is the target's name (or its
    // path); otherwise false, nothing happens and confirm_problem() says why.
    bool type_confirmation(std::string_view typed);
    [[nodiscard]] const std::string& confirm_problem() const { return confirm_problem_; }

    void on_progress(const imager::ProgressUpdate& update) override;
    void on_note(std::string_view message) override;
    void on_finished(const imager::Result<imager::RestoreReport>& result) override;
    [[nodiscard]] const ProgressView& progress() const { return progress_; }

    void request_cancel();  // running -> cancel_confirm
    [[nodiscard]] std::string cancel_question() const;
    void confirm_cancel();  // asks the core to stop; stays running until it has
    void keep_going();      // cancel_confirm -> running

    [[nodiscard]] const Dialog* dialog() const { return step_ == RestoreStep::dialog ? &dialog_ : nullptr; }
    void dismiss_dialog();
    [[nodiscard]] const RestoreOutcome* outcome() const { return step_ == RestoreStep::result ? &outcome_ : nullptr; }

    // Esc: one step back; ignored while the restore runs.
    void back();

private:
    void load_targets();
    void show_dialog(Dialog d);
    [[nodiscard]] imager::RestoreOptions options(bool dry_run) const;
    [[nodiscard]] imager::RestoreOptions options_with(const std::map<int, std::uint64_t>& sizes) const;
    imager::Status measure_minimums();  // by the core, once per image
    // What the core measured for this image; empty (estimates) before.
    [[nodiscard]] const std::map<int, std::uint64_t>& measured_minimums() const;
    [[nodiscard]] std::string condition_after_failure(const imager::Error& e) const;

    RestoreCore& core_;
    Clock clock_;
    RestoreStep step_ = RestoreStep::choose_image;
    imager::discovery::ImageCatalog catalog_;
    imager::discovery::ImageContents contents_;
    std::vector<TargetChoice> targets_;
    std::optional<std::size_t> suggested_;
    std::string suggestion_reason_;
    imager::devices::Device target_;
    std::string plan_text_;
    bool grow_ = false;
    std::map<int, std::uint64_t> sizes_;    // planned: partition number -> bytes
    std::map<int, std::uint64_t> draft_;    // on the sizes screen
    std::map<int, std::uint64_t> minimums_;  // measured, for the image at minimums_of_
    std::string minimums_of_;
    std::string size_problem_;
    std::string confirm_problem_;
    ProgressView progress_;
    std::uint64_t written_ = 0;  // the most bytes the core said it wrote
    Dialog dialog_;
    RestoreOutcome outcome_;
};

// Which disk to suggest for `contents` (exposed for tests): the one the image
// was taken from (same serial), else the smallest one that is big enough;
// never one that holds the image. `reason` says why, for the screen.
[[nodiscard]] std::optional<std::size_t> suggest_target(const std::vector<TargetChoice>& targets,
                                                        const imager::discovery::ImageContents& contents,
                                                        std::string& reason);

// A refusal or error of the core in a person's words (exposed for tests).
[[nodiscard]] Dialog refusal_dialog(const imager::Error& error, const imager::devices::Device& target,
                                    const imager::discovery::ImageContents& contents);

// The least a target must hold for the image (imager::fit_image).
[[nodiscard]] std::uint64_t needed_size(const imager::discovery::ImageContents& contents);

// True for the Errc values that refuse a target (nothing was written).
[[nodiscard]] bool is_target_refusal(imager::Errc code);

}  // namespace recovery
