// Running another program quietly: the filesystem tools restore calls
// (resize2fs, ntfsresize) and the system's reboot / poweroff for the wizard.
// Its output goes to /dev/null, so it can neither clutter the CLI nor draw
// over the wizard's screen.
#pragma once

#include "imager/result.hpp"

#include <string>
#include <vector>

namespace imager::io {

// True when `program` is found on PATH.
[[nodiscard]] bool have_program(const std::string& program);
// Runs argv[0] (found on PATH) with its output discarded; its exit status.
// An error (not_found for a program that is not there) when it cannot start.
[[nodiscard]] Result<int> run_program(const std::vector<std::string>& argv);

}  // namespace imager::io
