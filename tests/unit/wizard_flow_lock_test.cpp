// One flow at a time across consoles (recovery/flow_lock.hpp): a second take
// is refused with the first holder's words until the first lock is gone.
#include "../../recovery/flow_lock.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <string>

TEST_CASE("flow lock: one flow at a time, the other console told who runs one", "[wizard][flow_lock]") {
    test_support::TempDir t;
    const std::string path = (t.path() / "run/lifeboat/flow.lock").string();  // its folder is made as needed
    std::string holder;
    auto first = recovery::FlowLock::take("Restore", "/dev/tty1", holder, path);
    REQUIRE(first.has_value());
    CHECK(holder.empty());

    auto second = recovery::FlowLock::take("Capture", "/dev/ttyS0", holder, path);
    CHECK_FALSE(second.has_value());
    INFO(holder);
    CHECK(std::regex_match(holder, std::regex("Restore on /dev/tty1, since [0-2][0-9]:[0-5][0-9]")));

    first.reset();  // the restore ended: the lock is free
    auto third = recovery::FlowLock::take("Capture", "/dev/ttyS0", holder, path);
    CHECK(third.has_value());
    CHECK(holder.empty());
    std::string other;
    CHECK_FALSE(recovery::FlowLock::take("Verify", "/dev/tty1", other, path).has_value());
    CHECK(other.starts_with("Capture on /dev/ttyS0, since "));  // the holder's words, not the one before
}
