#pragma once

namespace cli {

// `lifeboat filesystems`: what Lifeboat does with each filesystem (one line
// per record of imager/filesystems.hpp); --json prints the whole records,
// which the media build and the tests read.
[[nodiscard]] int run_filesystems(bool json);

}  // namespace cli
