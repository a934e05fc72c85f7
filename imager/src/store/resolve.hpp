// A server's name to its numeric address, for the stores whose client takes
// only addresses (libnfs is given one so that the lookup and its failure are
// Lifeboat's; the kernel's SMB client resolves no names). Through
// getaddrinfo(), which in the static binary is c-ares (no_nss.cpp).
#pragma once

#include "imager/result.hpp"

#include <string>

namespace imager::store {

// "files.office" -> "192.168.1.20"; an address as written stays itself
// ("[fd00::1]" -> "fd00::1"). Errc::not_found, said in words, when the name
// does not resolve.
[[nodiscard]] Result<std::string> numeric_address(const std::string& host);

// "the server NAME is not known ...", with what to check: every store says it so.
[[nodiscard]] Error unknown_host(const std::string& host);

}  // namespace imager::store
