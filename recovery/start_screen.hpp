// The start screen: what the wizard can do (Restore, Capture, Verify, Browse
// disks, Shell, Reboot, Power off) above the machine's disks, drawn from a
// StartScreenModel, with the keys to move through them. Browse disks is a
// mode of this screen; every other action is returned to wizard.cpp, which
// runs it. Called by wizard.cpp.
#pragma once

#include "start_screen_model.hpp"

#include <optional>
#include <string_view>

namespace recovery {

class Terminal;

// Shows message alone while the disks are being looked for.
void show_start_message(Terminal& terminal, std::string_view message);

struct StartChoice {
    bool quit = false;    // q or Esc on the actions
    int signal = 0;       // Ctrl+C, SIGTERM or SIGHUP arrived: the wizard ends
    StartAction action = StartAction::restore;  // when neither
};

// Draws model and handles keys until the person chooses an action, quits, or
// a signal arrives.
[[nodiscard]] StartChoice run_start_screen(Terminal& terminal, StartScreenModel& model);

}  // namespace recovery
