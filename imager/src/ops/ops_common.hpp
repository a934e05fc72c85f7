// Small things capture, restore and verify share.
#pragma once

#include "imager/result.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace imager {

// 0 = every core.
inline unsigned worker_count(unsigned requested) {
    return requested != 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
}

// Jobs alive at once: enough to keep every worker busy while the reader and
// writer run, capped so memory stays bounded (docs/FORMAT.md, "Memory").
inline std::size_t in_flight_limit(unsigned workers) { return std::min<std::size_t>(2 * workers + 2, 16); }

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline Error with_hint(Error e, std::string hint) {
    if (e.hint.empty()) e.hint = std::move(hint);
    return e;
}

}  // namespace imager
