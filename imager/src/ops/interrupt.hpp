// SIGINT, SIGTERM and SIGHUP while capture writes NAME.partial: instead of
// dying with the partial files left behind, the capture stops at the next
// chunk, removes what it wrote and returns Errc::cancelled. The guard installs
// a handler that only records the signal (for signals not ignored when it is
// made) and puts the previous dispositions back when it goes; one guard at a
// time per process (the handler's flag is the process's, as signals are).
#pragma once

#include <csignal>

namespace imager::ops {

class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    // The signal received since the guard was made, or 0.
    [[nodiscard]] static int pending();
    // "SIGINT", "SIGTERM", "SIGHUP".
    [[nodiscard]] static const char* name(int sig);

private:
    static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction previous_[3] {};
    bool installed_[3] {};
};

}  // namespace imager::ops
