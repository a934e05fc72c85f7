// What the Restore, Capture and Verify screens share: the loop of a progress
// screen (the core's events delivered between key polls; Esc or c asks
// before stopping), a flow's dialog (why, and what to do), the notes under
// the progress, and the buttons at the foot of a result screen (Back /
// Reboot / Power off). Drawn with the screen kit (ui_kit.hpp); needs ncurses
// running. Called by restore_screens.cpp, capture_screens.cpp and
// verify_screens.cpp.
#pragma once

#include "screen_exit.hpp"
#include "terminal.hpp"
#include "ui_kit.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace recovery {

// The question a progress screen asks before stopping: its title and the
// stop button's label ("Stop the restore?", "Stop the restore"); the other
// button is "Keep going", the default and Esc's.
struct StopQuestion {
    std::string title;
    std::string stop;
};

// The progress screen of a running `flow` (RestoreFlow, CaptureFlow,
// VerifyFlow: step() with running and cancel_confirm, request_cancel(),
// cancel_question(), confirm_cancel(), keep_going()). Draws with `draw`,
// runs `background` (the core's deliver_events()) between key polls, asks
// `question` while the flow asks whether to stop. Returns nullopt when the
// flow has left running (the core finished), ScreenExit::signal on a signal.
template <class Flow>
[[nodiscard]] std::optional<ScreenExit> run_progress_screen(Terminal& terminal, Flow& flow, const StopQuestion& question,
                                                            const std::function<void()>& draw,
                                                            const std::function<bool()>& background) {
    using Step = decltype(flow.step());
    for (;;) {
        if (flow.step() == Step::cancel_confirm) {
            const auto stop = ask_yes_no(terminal, question.title, flow.cancel_question(), question.stop, "Keep going",
                                         draw, background);
            if (!stop) return ScreenExit::signal;
            if (*stop) flow.confirm_cancel();
            else flow.keep_going();
            continue;
        }
        if (flow.step() != Step::running) return std::nullopt;
        draw();
        refresh_screen();
        const Input input = wait_for_input(terminal, background);
        if (input.kind == InputKind::signal) return ScreenExit::signal;
        if (input.kind == InputKind::key && (input.key == kKeyEsc || input.key == 'c' || input.key == 'C'))
            flow.request_cancel();
    }
}

// A flow's dialog: `reason`, then "What to do: ..." when there is something
// to do, and OK. False when a signal is pending.
bool show_flow_dialog(Terminal& terminal, const std::string& title, const std::string& reason,
                      const std::string& what_to_do);

// The newest `most` of `notes`, oldest first, as "Note: ..." from row y at
// column x, wrapped to width, above the hint line. Returns the next free row.
int draw_notes(Terminal& terminal, int y, int x, int width, const std::vector<std::string>& notes, std::size_t most);

// Draws with `draw` (which shows buttons.buttons_line()) and waits until one
// of `buttons` is chosen (Left/Right/Tab, Enter; Esc picks the cancel
// button); redraws after a move or a resize. The chosen index, or nullopt
// when a signal is pending.
[[nodiscard]] std::optional<std::size_t> wait_for_button(Terminal& terminal, DialogModel& buttons,
                                                         const std::function<void()>& draw);

// The result screens' buttons: Back (the default and Esc's), Reboot, Power off.
[[nodiscard]] DialogModel result_buttons();
// What the chosen result button means (nullopt, a signal: ScreenExit::signal).
[[nodiscard]] ScreenExit result_exit(std::optional<std::size_t> chosen);

}  // namespace recovery
