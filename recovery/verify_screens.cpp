// The Verify screens: VerifyFlow drawn with the screen kit over the real core
// (make_verify_core), its events delivered from the key loop.
// "Looking for images..." -> the image picker (shared with Restore) ->
// progress (bar, speed, elapsed, remaining; Esc asks before stopping) ->
// the result (whole, or the damaged chunk and what to do; the verified mark;
// the log) -> the list again, or back to the start screen.
#include "verify_screens.hpp"

#include "flow_screens.hpp"
#include "image_picker.hpp"
#include "imager/devices.hpp"
#include "progress_view.hpp"
#include "terminal.hpp"
#include "ui_kit.hpp"
#include "verify_core_adapter.hpp"
#include "verify_flow.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace recovery {

namespace {

using imager::devices::human_size;

constexpr std::size_t kNotesShown = 3;

class VerifyScreens {
public:
    VerifyScreens(Terminal& terminal, VerifyFlow& flow, VerifyCoreAdapter& core)
        : terminal_(terminal), flow_(flow), core_(core) {}
    ScreenExit run();

private:
    // Each returns a ScreenExit when the screens end, else nullopt (the flow moved on).
    std::optional<ScreenExit> choose_image();
    std::optional<ScreenExit> running();
    std::optional<ScreenExit> result();
    void draw_progress();
    void draw_result(const DialogModel& buttons);
    void look_for_images();
    bool deliver() { return core_.deliver_events() > 0; }

    Terminal& terminal_;
    VerifyFlow& flow_;
    VerifyCoreAdapter& core_;
};

ScreenExit VerifyScreens::run() {
    look_for_images();
    for (;;) {
        std::optional<ScreenExit> exit;
        switch (flow_.step()) {
            case VerifyStep::choose_image: exit = choose_image(); break;
            case VerifyStep::running:
            case VerifyStep::cancel_confirm: exit = running(); break;
            case VerifyStep::result: exit = result(); break;
            case VerifyStep::closed: return ScreenExit::back;
        }
        if (exit) return *exit;
    }
}

void VerifyScreens::look_for_images() {
    show_message(terminal_, "Verify an image",
                 "Looking for images...\n\nLifeboat is opening the filesystems on every disk (read-only) and "
                 "looking for images. This can take a few seconds.");
    flow_.open();
}

std::optional<ScreenExit> VerifyScreens::choose_image() {
    const auto path = pick_image(terminal_, flow_.catalog(), "Verify: choose an image to check");
    if (terminal_.pending_signal() != 0) return ScreenExit::signal;
    if (!path) {
        flow_.back();
        return std::nullopt;
    }
    flow_.choose_image(*path);
    return std::nullopt;
}

void VerifyScreens::draw_progress() {
    const ProgressView& p = flow_.progress();
    draw_frame(terminal_, "Verify: checking " + printable(file_name(flow_.image())),
               p.cancelling ? "Stopping..." : "Esc: stop (asks first)");
    const int width = terminal_.cols() - 4;
    const int bar = std::max(width - 10, 10);
    int y = kContentTop + 1;
    y += draw_wrapped(terminal_, y, 2, "Image: " + printable(flow_.image()), width, 2);
    ++y;
    draw_text(terminal_, y++, 2, "Reading every chunk and checking it against its checksum.", Style::heading);
    ++y;
    draw_text(terminal_, y, 2, "Checked");
    draw_progress_bar(terminal_, y++, 12, bar, p.fraction());
    draw_text(terminal_, y++, 12, human_size(p.done) + " of " + human_size(p.total));
    ++y;
    draw_text(terminal_, y++, 2, progress_numbers(p));
    ++y;
    if (p.cancelling)
        y += draw_wrapped(terminal_, y, 2, "Stopping: nothing has been changed.", width, 2, Style::warning);
    draw_notes(terminal_, y, 2, width, p.notes, kNotesShown);
}

std::optional<ScreenExit> VerifyScreens::running() {
    return run_progress_screen(terminal_, flow_, {"Stop verifying?", "Stop verifying"}, [&] { draw_progress(); },
                               [&] { return deliver(); });
}

void VerifyScreens::draw_result(const DialogModel& buttons) {
    const VerifyOutcome* o = flow_.outcome();
    const bool whole = o->kind == VerifyOutcome::Kind::whole;
    draw_frame(terminal_, "Verify: " + printable(file_name(o->image)),
               "Left/Right/Tab: choose  Enter: do it  Esc: another image");
    const int width = terminal_.cols() - 4;
    const int last = terminal_.rows() - 4;
    int y = kContentTop + 1;
    auto para = [&](const std::string& text, Style style = Style::plain) {
        if (y < last && !text.empty()) y += draw_wrapped(terminal_, y, 2, printable(text), width, last - y, style) + 1;
    };
    para(o->headline, whole ? Style::heading : Style::warning);
    para(o->detail, whole ? Style::plain : Style::warning);
    para("What to do: " + o->what_to_do);
    para(o->mark, Style::note);
    para(o->log_path.empty() ? "No log could be written." : "Log: " + o->log_path + " (readable from Shell)");
    draw_text(terminal_, terminal_.rows() - 3, 2, buttons.buttons_line(), Style::plain);
}

std::optional<ScreenExit> VerifyScreens::result() {
    DialogModel buttons("", "", {"Verify another image", "Back to the start"}, 0, 0);
    const auto chosen = wait_for_button(terminal_, buttons, [&] { draw_result(buttons); });
    if (!chosen) return ScreenExit::signal;
    if (*chosen == 1) return ScreenExit::back;
    look_for_images();  // the list again, searched afresh: a mark may have been recorded
    return std::nullopt;
}

}  // namespace

ScreenExit run_verify_screens(Terminal& terminal) {
    auto core = make_verify_core();
    VerifyFlow flow(*core);
    VerifyScreens screens(terminal, flow, *core);
    const ScreenExit exit = screens.run();
    if (exit != ScreenExit::signal)
        show_message(terminal, "Verify an image", "Unmounting the filesystems Lifeboat opened...");
    return exit;  // the core's destructor stops a running verification, then unmounts
}

}  // namespace recovery
