#include "exit_codes.hpp"

namespace cli {

int exit_code_for(imager::Errc code) {
    using imager::Errc;
    switch (code) {
    case Errc::damaged_image: return exit_damaged;
    case Errc::target_refused: return exit_refused;
    case Errc::no_space: return exit_no_space;
    case Errc::cancelled: return exit_cancelled;
    case Errc::not_found: return exit_not_found;
    case Errc::permission: return exit_permission;
    case Errc::unsupported: return exit_unsupported;
    case Errc::invalid_argument: return exit_usage;
    case Errc::target_in_use: return exit_target_in_use;
    case Errc::target_holds_image: return exit_target_holds_image;
    case Errc::sector_size_mismatch: return exit_sector_mismatch;
    case Errc::target_is_boot_medium: return exit_boot_medium;
    case Errc::target_changed: return exit_target_changed;
    case Errc::resize_failed: return exit_resize_failed;
    case Errc::io:
    case Errc::internal: break;
    }
    return exit_failure;
}

}  // namespace cli
