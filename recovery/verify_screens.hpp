#pragma once

#include "screen_exit.hpp"

namespace recovery {

class Terminal;

// The wizard's "Verify an image": pick an image, check every chunk on a
// worker thread, show whether it is whole or which chunk is damaged.
ScreenExit run_verify_screens(Terminal& terminal);

}  // namespace recovery
