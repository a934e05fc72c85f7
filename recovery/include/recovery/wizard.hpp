// The restore wizard: the ncurses TUI a person sees after booting the rescue
// disk. It uses the core API (imager::...) directly, never the CLI.
#pragma once

namespace recovery {

// Runs the wizard on the controlling terminal until the person quits.
// Returns a process exit code.
[[nodiscard]] int run_wizard();

}  // namespace recovery
