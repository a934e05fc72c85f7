// The start screen's actions that leave the wizard's screens: a shell (the
// terminal handed back to /bin/sh until it exits) and rebooting or powering
// off the machine. Called by wizard.cpp.
#pragma once

#include <chrono>
#include <string>

namespace recovery {

class Terminal;

// Ends curses mode, prints where the log is and "type exit to return to
// Lifeboat", runs $SHELL (or /bin/sh) and waits for it; then redraws nothing
// (the caller draws its screen again). Ctrl+C in the shell does not end the
// wizard: SIGINT and SIGQUIT are ignored while it runs, as system() does.
// Returns "" or, when no shell could be started, what to tell the person.
[[nodiscard]] std::string run_shell(Terminal& terminal, const std::string& log_path);

// sync(), then the system's own `reboot` or `poweroff`, which asks its init to
// stop everything in order, and waits up to `wait` for init to end the wizard
// (a signal to the terminal ends the wait: "" is returned). Only where no such
// command exists, reboot(2). Returns what to tell the person when the machine
// did not stop.
[[nodiscard]] std::string restart_machine(const Terminal& terminal, bool power_off,
                                          std::chrono::seconds wait = std::chrono::seconds(60));

}  // namespace recovery
