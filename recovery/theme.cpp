// Colour pairs and attributes for the wizard's text styles; see theme.hpp.
#include "theme.hpp"

#include <curses.h>

namespace recovery {

namespace {

enum Pair : short { kBar = 1, kDisk, kNote, kCursor, kWarning, kDialog };

}  // namespace

void init_theme() {
    // -1 keeps the terminal's own background where use_default_colors() allows it.
    const short background = use_default_colors() == OK ? -1 : COLOR_BLACK;
    init_pair(kBar, COLOR_WHITE, COLOR_BLUE);
    init_pair(kDisk, COLOR_CYAN, background);
    init_pair(kNote, COLOR_YELLOW, background);
    init_pair(kCursor, COLOR_BLACK, COLOR_CYAN);
    init_pair(kWarning, COLOR_RED, background);
    init_pair(kDialog, COLOR_BLACK, COLOR_WHITE);
}

int style_attributes(Style style, bool selected, bool colour) {
    if (selected) return static_cast<int>(colour ? COLOR_PAIR(kCursor) | A_BOLD : A_REVERSE | A_BOLD);
    switch (style) {
        case Style::title:
        case Style::status: return static_cast<int>(colour ? COLOR_PAIR(kBar) | A_BOLD : A_REVERSE);
        case Style::heading: return static_cast<int>(A_UNDERLINE);
        case Style::disk: return static_cast<int>(colour ? COLOR_PAIR(kDisk) | A_BOLD : A_BOLD);
        case Style::note: return static_cast<int>(colour ? COLOR_PAIR(kNote) : A_NORMAL);
        case Style::warning: return static_cast<int>(colour ? COLOR_PAIR(kWarning) | A_BOLD : A_BOLD);
        case Style::dialog: return static_cast<int>(colour ? COLOR_PAIR(kDialog) : A_NORMAL);
        case Style::plain:
        case Style::partition: break;
    }
    return static_cast<int>(A_NORMAL);
}

}  // namespace recovery
