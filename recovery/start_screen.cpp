// Draws the start screen with ncurses and feeds it keys; the layout and the
// key handling are the model's (start_screen_model.cpp).
#include "start_screen.hpp"

#include "start_screen_model.hpp"
#include "terminal.hpp"
#include "theme.hpp"

#include <curses.h>

#include <string>

namespace recovery {

namespace {

void draw(const StartScreenModel& model, bool colour) {
    werase(stdscr);
    const int height = getmaxy(stdscr);
    const int width = getmaxx(stdscr);
    const auto rows = model.rows();
    for (int y = 0; y < height && static_cast<std::size_t>(y) < rows.size(); ++y) {
        const Row& row = rows[static_cast<std::size_t>(y)];
        std::string text = row.text;
        // Bars and the cursor span the width, so they show even without colour.
        const bool full = row.selected || row.style == Style::title || row.style == Style::status;
        if (full && text.size() < static_cast<std::size_t>(width)) text.resize(static_cast<std::size_t>(width), ' ');
        wattrset(stdscr, style_attributes(row.style, row.selected, colour));
        // ERR for the bottom-right cell on some terminals only means the cursor could not advance.
        (void)mvwaddnstr(stdscr, y, 0, text.c_str(), width);
    }
    wattrset(stdscr, A_NORMAL);
    wrefresh(stdscr);
}

}  // namespace

void show_start_message(Terminal& terminal, std::string_view message) {
    werase(stdscr);
    const std::string text(message);
    (void)mvwaddnstr(stdscr, terminal.rows() / 2, 2, text.c_str(), terminal.cols() - 2);
    wrefresh(stdscr);
}

int run_start_screen(Terminal& terminal, StartScreenModel& model) {
    model.resize(terminal.rows(), terminal.cols());
    draw(model, terminal.colour());
    for (;;) {
        if (const int sig = terminal.pending_signal(); sig != 0) return 128 + sig;
        const int key = terminal.read_key();
        if (key == -1) continue;  // poll interval elapsed
        if (key == KEY_RESIZE) {
            model.resize(terminal.rows(), terminal.cols());
            draw(model, terminal.colour());
            continue;
        }
        switch (model.handle_key(key)) {
            case KeyResult::quit: return 0;
            case KeyResult::changed: draw(model, terminal.colour()); break;
            case KeyResult::ignored: break;
        }
    }
}

}  // namespace recovery
