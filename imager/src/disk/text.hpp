// Message text for disk/ (GCC 12 has no <format>): cat() streams its
// arguments together, hex() gives "0x" and zero-padded lowercase digits.
#pragma once

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>

namespace imager::disk {

template <class... Args>
[[nodiscard]] std::string cat(const Args&... args) {
    std::ostringstream s;
    (s << ... << args);
    return s.str();
}

[[nodiscard]] inline std::string hex(std::uint64_t value, int digits) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(value));
    return buf;
}

}  // namespace imager::disk
