// What a server says a folder holds, read from its answer: a WebDAV PROPFIND
// multistatus (XML, through expat) and an SFTP long listing (OpenSSH's ls -l
// form). A server is untrusted input like an image: these take any bytes,
// keep regular files directly in `folder` only, never a name with '/' or a
// size that is not a number, and are fuzzed (tests/fuzz/listings_fuzz.cpp).
#pragma once

#include "store/store.hpp"

#include <string_view>

namespace imager::store {

// `folder` is the listed folder's name ("/images"); the objects are named
// folder + "/" + file, sorted, NAME.partial left out.
[[nodiscard]] Result<std::vector<ObjectInfo>> parse_propfind(std::string_view xml, const std::string& folder);
[[nodiscard]] std::vector<ObjectInfo> parse_sftp_listing(std::string_view text, const std::string& folder);

}  // namespace imager::store
