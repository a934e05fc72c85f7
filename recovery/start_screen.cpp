// Draws the start screen with ncurses and feeds it keys; the layout and the
// key handling are the model's (start_screen_model.cpp).
#include "start_screen.hpp"

#include "terminal.hpp"
#include "ui_kit.hpp"

#include <curses.h>

#include <string>

namespace recovery {

namespace {

void draw(Terminal& terminal, const StartScreenModel& model) {
    werase(stdscr);
    const auto rows = model.rows();
    for (int y = 0; y < terminal.rows() && static_cast<std::size_t>(y) < rows.size(); ++y)
        draw_row(terminal, y, 0, rows[static_cast<std::size_t>(y)]);
    refresh_screen();
}

}  // namespace

void show_start_message(Terminal& terminal, std::string_view message) {
    werase(stdscr);
    draw_text(terminal, terminal.rows() / 2, 2, message, Style::plain, terminal.cols() - 2);
    refresh_screen();
}

StartChoice run_start_screen(Terminal& terminal, StartScreenModel& model) {
    model.resize(terminal.rows(), terminal.cols());
    draw(terminal, model);
    for (;;) {
        const Input input = wait_for_input(terminal);
        switch (input.kind) {
            case InputKind::signal: return {false, terminal.pending_signal(), model.chosen_action()};
            case InputKind::resize:
            case InputKind::background:
                model.resize(terminal.rows(), terminal.cols());
                draw(terminal, model);
                break;
            case InputKind::key:
                switch (model.handle_key(input.key)) {
                    case KeyResult::quit: return {true, 0, model.chosen_action()};
                    case KeyResult::action: return {false, 0, model.chosen_action()};
                    case KeyResult::changed: draw(terminal, model); break;
                    case KeyResult::ignored: break;
                }
                break;
        }
    }
}

}  // namespace recovery
