// The start screen: the machine's disks and their partitions, drawn from a
// StartScreenModel, with the keys to move through them. Called by wizard.cpp.
#pragma once

#include <string_view>

namespace recovery {

class Terminal;
class StartScreenModel;

// Shows message alone while the disks are being looked for.
void show_start_message(Terminal& terminal, std::string_view message);

// Draws model and handles keys until the person quits (returns 0) or Ctrl+C,
// SIGTERM or SIGHUP arrives (returns 128 + the signal's number).
[[nodiscard]] int run_start_screen(Terminal& terminal, StartScreenModel& model);

}  // namespace recovery
