#include "store/location.hpp"

#include "store/local_store.hpp"

namespace imager::store {

Result<Location> locate(const std::string& where) {
    const auto scheme_end = where.find("://");
    const auto first_slash = where.find('/');
    if (scheme_end != std::string::npos && scheme_end > 0 && scheme_end < first_slash) {
        // No credential can leak: only the scheme is repeated.
        return std::unexpected(make_error(Errc::unsupported,
                                          "images on network stores (" + where.substr(0, scheme_end) +
                                              "://) are not supported yet",
                                          "mount the share and give the image's path on it, or copy the image to a "
                                          "disk of this machine"));
    }
    static const auto local = std::make_shared<LocalStore>();
    return Location{local, where};
}

}  // namespace imager::store
