// The start screen's actions that leave the wizard's screens: a shell (the
// terminal handed back to /bin/sh until it exits) and rebooting or powering
// off the machine. Called by wizard.cpp.
#pragma once

#include <string>

namespace recovery {

class Terminal;

// Ends curses mode, prints where the log is and "type exit to return to
// Lifeboat", runs $SHELL (or /bin/sh) and waits for it; then redraws nothing
// (the caller draws its screen again). Ctrl+C in the shell does not end the
// wizard: SIGINT and SIGQUIT are ignored while it runs, as system() does.
// Returns "" or, when no shell could be started, what to tell the person.
[[nodiscard]] std::string run_shell(Terminal& terminal, const std::string& log_path);

// sync(), then reboot(RB_AUTOBOOT or RB_POWER_OFF). Returns only when that
// failed, with what to tell the person (e.g. not running as root).
[[nodiscard]] std::string restart_machine(bool power_off);

}  // namespace recovery
