// The pieces the flows' screens share; see flow_screens.hpp.
#include "flow_screens.hpp"

namespace recovery {

bool show_flow_dialog(Terminal& terminal, const std::string& title, const std::string& reason,
                      const std::string& what_to_do) {
    std::string text = reason;
    if (!what_to_do.empty()) text += "\n\nWhat to do: " + what_to_do;
    return show_notice(terminal, title, text);
}

int draw_notes(Terminal& terminal, int y, int x, int width, const std::vector<std::string>& notes, std::size_t most) {
    const int last = terminal.rows() - 1;  // the hint line
    const std::size_t first = notes.size() > most ? notes.size() - most : 0;
    for (std::size_t i = first; i < notes.size() && y < last; ++i)
        y += draw_wrapped(terminal, y, x, "Note: " + printable(notes[i]), width, last - y, Style::note);
    return y;
}

std::optional<std::size_t> wait_for_button(Terminal& terminal, DialogModel& buttons, const std::function<void()>& draw) {
    for (;;) {
        const auto key = next_key(terminal, draw);
        if (!key) return std::nullopt;
        if (buttons.handle_key(*key) == DialogKey::chosen) return buttons.selected();
    }
}

DialogModel result_buttons() { return DialogModel("", "", {"Back", "Reboot", "Power off"}, 0, 0); }

ScreenExit result_exit(std::optional<std::size_t> chosen) {
    if (!chosen) return ScreenExit::signal;
    if (*chosen == 1) return ScreenExit::reboot;
    if (*chosen == 2) return ScreenExit::power_off;
    return ScreenExit::back;
}

}  // namespace recovery
