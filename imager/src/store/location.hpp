// Where a person says an image is, resolved to a store and a name in it:
// every command that takes an image path goes through locate(). Today that
// is a path on this machine (a local or mounted disk); a URL ("nfs://",
// "smb://", "ssh://", "http(s)://", "s3://") is refused in words until its
// store exists (issue 19), instead of being read as a relative path.
#pragma once

#include "store/store.hpp"

#include <memory>
#include <string>

namespace imager::store {

struct Location {
    std::shared_ptr<Store> store;
    std::string name;  // the image's name in `store`
};

[[nodiscard]] Result<Location> locate(const std::string& where);

}  // namespace imager::store
