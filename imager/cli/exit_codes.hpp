// The documented exit codes (docs/ARCHITECTURE.md). Scripts depend on them:
// never renumber, only add.
#pragma once

#include "imager/result.hpp"

namespace cli {

enum ExitCode : int {
    exit_ok = 0,
    exit_failure = 1,       // anything not listed below
    exit_usage = 2,         // bad command line
    exit_damaged = 3,       // an image failed a check
    exit_refused = 4,       // a target safety check refused
    exit_no_space = 5,      // a destination or target is too small
    exit_cancelled = 6,     // the person said no
    exit_not_found = 7,     // a source, image or device does not exist
    exit_permission = 8,    // the OS refused access (not root?)
    exit_unsupported = 9,   // e.g. an image from a newer Lifeboat
    exit_target_in_use = 10,       // restore target: mounted or swap
    exit_target_holds_image = 11,  // restore target: the image lives on it
    exit_sector_mismatch = 12,     // restore target: other logical sector size
    exit_boot_medium = 13,         // restore target: Lifeboat runs from it
    exit_target_changed = 14,      // restore target: size or serial changed
    exit_resize_failed = 15,       // restored, but a filesystem was not grown as asked
};

[[nodiscard]] int exit_code_for(imager::Errc code);

}  // namespace cli
