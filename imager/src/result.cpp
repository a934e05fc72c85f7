#include "imager/result.hpp"

#include <cerrno>
#include <cstring>

namespace imager {

std::string Error::message() const {
    std::string text = context;
    if (sys_errno != 0) {
        text += ": ";
        text += std::strerror(sys_errno);
    }
    return text;
}

Error make_error(Errc code, std::string context, std::string hint) {
    return Error{code, 0, std::move(context), std::move(hint), {}};
}

Error sys_error(std::string context, int err) {
    Errc code = Errc::io;
    switch (err) {
    case ENOENT:
    case ENXIO:
    case ENODEV: code = Errc::not_found; break;
    case EACCES:
    case EPERM:
    case EROFS: code = Errc::permission; break;
    case ENOSPC:
    case EDQUOT:
    case EFBIG: code = Errc::no_space; break;
    case EINVAL:
    case ENOTDIR:
    case EISDIR: code = Errc::invalid_argument; break;
    default: break;
    }
    return Error{code, err, std::move(context), {}, {}};
}

const char* errc_name(Errc code) {
    switch (code) {
    case Errc::io: return "io";
    case Errc::not_found: return "not_found";
    case Errc::permission: return "permission";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::unsupported: return "unsupported";
    case Errc::damaged_image: return "damaged_image";
    case Errc::target_refused: return "target_refused";
    case Errc::no_space: return "no_space";
    case Errc::cancelled: return "cancelled";
    case Errc::internal: return "internal";
    case Errc::target_in_use: return "target_in_use";
    case Errc::target_holds_image: return "target_holds_image";
    case Errc::sector_size_mismatch: return "sector_size_mismatch";
    case Errc::target_is_boot_medium: return "target_is_boot_medium";
    case Errc::target_changed: return "target_changed";
    case Errc::resize_failed: return "resize_failed";
    }
    return "unknown";
}

}  // namespace imager
