#pragma once

#include "screen_exit.hpp"

namespace recovery {

class Terminal;

// The Capture wizard: source disk -> destination -> name and note -> level
// -> summary -> progress -> result. Returns how the person left it;
// ScreenExit::signal means Terminal::pending_signal() is set.
ScreenExit run_capture_screens(Terminal& terminal);

}  // namespace recovery
