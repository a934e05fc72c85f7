// Draws the start screen with ncurses and feeds it keys; the layout and the
// key handling are the model's (start_screen_model.cpp).
#include "start_screen.hpp"

#include "terminal.hpp"
#include "ui_kit.hpp"

#include <curses.h>

#include <string>

namespace recovery {

namespace {

void draw(Terminal& terminal, StartScreenModel& model) {
    model.resize(terminal.rows(), terminal.cols());
    werase(stdscr);
    const auto rows = model.rows();
    for (int y = 0; y < terminal.rows() && static_cast<std::size_t>(y) < rows.size(); ++y)
        draw_row(terminal, y, 0, rows[static_cast<std::size_t>(y)]);
}

}  // namespace

void show_start_message(Terminal& terminal, std::string_view message) {
    werase(stdscr);
    draw_text(terminal, terminal.rows() / 2, 2, message, Style::plain, terminal.cols() - 2);
    refresh_screen();
}

StartChoice run_start_screen(Terminal& terminal, StartScreenModel& model) {
    const auto redraw = [&] { draw(terminal, model); };
    for (;;) {
        const auto key = next_key(terminal, redraw);
        if (!key) return {false, terminal.pending_signal(), model.chosen_action()};
        switch (model.handle_key(*key)) {
            case KeyResult::quit: return {true, 0, model.chosen_action()};
            case KeyResult::action: return {false, 0, model.chosen_action()};
            case KeyResult::changed:
            case KeyResult::ignored: break;
        }
    }
}

}  // namespace recovery
