#include "ops/interrupt.hpp"

#include <atomic>

namespace imager::ops {

namespace {

// The one piece of process-wide state here: a signal handler can reach nothing else.
std::atomic<int> g_pending{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void record_signal(int sig) { g_pending.store(sig, std::memory_order_relaxed); }

}  // namespace

InterruptGuard::InterruptGuard() {
    g_pending.store(0);
    for (int i = 0; i < 3; ++i) {
        struct sigaction old {};
        if (::sigaction(kSignals[i], nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;  // nohup, `&`
        struct sigaction act {};
        act.sa_handler = record_signal;
        sigemptyset(&act.sa_mask);
        act.sa_flags = SA_RESTART;  // reads and writes go on; the pipeline looks at pending()
        if (::sigaction(kSignals[i], &act, &previous_[i]) == 0) installed_[i] = true;
    }
}

InterruptGuard::~InterruptGuard() {
    for (int i = 0; i < 3; ++i)
        if (installed_[i]) ::sigaction(kSignals[i], &previous_[i], nullptr);
}

const char* InterruptGuard::name(int sig) {
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}

int InterruptGuard::pending() { return g_pending.load(std::memory_order_relaxed); }

}  // namespace imager::ops
