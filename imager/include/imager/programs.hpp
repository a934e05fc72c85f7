// Running another program quietly: the filesystem tools restore calls
// (e2fsck, resize2fs, ntfsresize), and for the wizard the system's reboot / poweroff
// and the network's ip and udhcpc. Its output goes to /dev/null, so it can
// neither clutter the CLI nor draw over the wizard's screen.
#pragma once

#include "imager/result.hpp"

#include <string>
#include <vector>

namespace imager::io {

// True when `program` is found on PATH.
[[nodiscard]] bool have_program(const std::string& program);
// Runs argv[0] (found on PATH) with its output discarded; its exit status.
// An error (not_found for a program that is not there) when it cannot start.
// With `errors`, what it writes to stderr (its first 4 KiB) is kept there
// instead, to say why it failed; only for a program that leaves no process
// behind holding its stderr (the wait is for that stream's end).
[[nodiscard]] Result<int> run_program(const std::vector<std::string>& argv, std::string* errors = nullptr);
// The same, with what it writes to stdout and stderr (its first 64 KiB) kept
// in `output`: a tool's answer (resize2fs -P), or why it failed; `env`'s
// "NAME=value" entries are added to its environment.
[[nodiscard]] Result<int> run_program_output(const std::vector<std::string>& argv, std::string& output,
                                             const std::vector<std::string>& env = {});

}  // namespace imager::io
