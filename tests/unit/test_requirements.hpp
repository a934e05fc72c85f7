// What a unit test needs before it can test anything. A test that cannot run
// must never count as passed:
// - a missing tool FAILS the test: tools/install-deps installs every tool the
//   tests use, so a missing one is a broken setup, not a reason to pass;
// - what only root can do (mknod, loop devices, mounts) is SKIPPED for other
//   users: Catch2 2 has no skip, so LIFEBOAT_SKIP prints kSkipMarker and
//   returns, and ctest reports the test as skipped through the
//   SKIP_REGULAR_EXPRESSION that tests/CMakeLists.txt sets.
// ctest counts a test skipped when the marker appears, whatever failed before
// it: skip only at the top of a TEST_CASE, before any check and outside
// SECTIONs.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <initializer_list>
#include <string>

namespace test_requirements {

inline constexpr const char* kSkipMarker = "LIFEBOAT-TEST-SKIPPED";

inline bool have_tool(const std::string& tool) {
    return std::system(("command -v '" + tool + "' >/dev/null 2>&1").c_str()) == 0;
}

// The tools of `tools` that are not on PATH, space-separated.
inline std::string missing_tools(std::initializer_list<const char*> tools) {
    std::string missing;
    for (const char* t : tools)
        if (!have_tool(t)) missing += (missing.empty() ? "" : " ") + std::string(t);
    return missing;
}

}  // namespace test_requirements

// Fails the test unless every tool is installed.
#define LIFEBOAT_REQUIRE_TOOLS(...)                                                                  \
    do {                                                                                             \
        const std::string missing_ = test_requirements::missing_tools({__VA_ARGS__});                \
        if (!missing_.empty())                                                                       \
            FAIL("not installed: " << missing_ << " (run tools/install-deps as root: it installs " \
                                      "every tool the tests use)");                                  \
    } while (0)

// Ends the test as skipped (for ctest), saying why.
#define LIFEBOAT_SKIP(why)                                                      \
    do {                                                                        \
        WARN(test_requirements::kSkipMarker << ": " << why);                    \
        return;                                                                 \
    } while (0)

// Skips the test for anyone but root; `what` says what needs root.
#define LIFEBOAT_SKIP_UNLESS_ROOT(what)                                         \
    do {                                                                        \
        if (::geteuid() != 0) LIFEBOAT_SKIP(what << " needs root");             \
    } while (0)
