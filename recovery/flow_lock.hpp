// One flow at a time on a machine. The wizard runs on several consoles at
// once (the screen and the serial port), and Restore, Capture and Verify each
// mount the machine's filesystems under /run/lifeboat: two at once would
// mount the same filesystems twice and unmount each other's, or restore onto
// a disk the other is reading. So a flow holds this lock from its start to
// its end; the other console is told who holds it. The lock is an flock on a
// file, so the kernel drops it when its holder ends in any way.
#pragma once

#include <optional>
#include <string>

namespace recovery {

class FlowLock {
public:
    static constexpr const char* kDefaultPath = "/run/lifeboat/flow.lock";

    // Takes the lock for `flow` ("Restore") run on `console` ("/dev/ttyS0").
    // nullopt when another holds it: then `holder` says who, for people
    // ("Restore on /dev/tty1, since 11:05"); or a lock that could not be
    // made at all (no /run), which is not held: then `holder` is empty and
    // the flow goes on, as one wizard alone always may.
    static std::optional<FlowLock> take(const std::string& flow, const std::string& console, std::string& holder,
                                        const std::string& path = kDefaultPath);
    FlowLock(FlowLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    FlowLock& operator=(FlowLock&&) = delete;
    FlowLock(const FlowLock&) = delete;
    FlowLock& operator=(const FlowLock&) = delete;
    ~FlowLock();

private:
    explicit FlowLock(int fd) : fd_(fd) {}
    int fd_;
};

// The console this process runs on ("/dev/ttyS0"), or "another console".
[[nodiscard]] std::string console_name();

}  // namespace recovery
