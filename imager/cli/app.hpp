// The command line: parses arguments, calls the core, prints, returns the
// exit code. Nothing below this layer talks to a person.
#pragma once

#include "imager/result.hpp"

#include <string>

namespace cli {

[[nodiscard]] int run(int argc, char** argv);

// Prints "lifeboat: <message>" and the hint to stderr, returns the exit code.
[[nodiscard]] int report(const imager::Error& error);

}  // namespace cli
