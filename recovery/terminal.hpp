// The wizard's terminal. Picks a terminal description the system or the
// binary itself provides (the initramfs has no terminfo database; see
// docs/TERMINAL.md), starts ncurses on stdin/stdout without ever letting it
// exit the process, and gives the terminal back (endwin) on every way out:
// normal return, Ctrl+C, SIGTERM, SIGHUP, and crashes (SIGSEGV, SIGABRT, ...).
// Invariant: at most one Terminal exists per process, because the signal
// handlers must find it. Called by wizard.cpp; screens read keys through it.
#pragma once

#include "imager/result.hpp"

#include <functional>
#include <memory>
#include <string>

namespace recovery {

struct TermChoice {
    std::string name;       // what to hand to ncurses
    bool embedded = false;  // the system lacks it: write out the built-in copy first
};

// Which terminal description to load. term is $TERM (null or empty when
// unset); linux_vt says stdin is a Linux virtual console; system_has says
// whether ncurses finds a name in the system's database. An unset or unknown
// TERM falls back to "linux" on a virtual console and "vt100" elsewhere.
[[nodiscard]] imager::Result<TermChoice> choose_terminal(const char* term, bool linux_vt,
                                                         const std::function<bool(const std::string&)>& system_has);

class Terminal {
public:
    // Starts ncurses on the controlling terminal (stdin/stdout).
    [[nodiscard]] static imager::Result<std::unique_ptr<Terminal>> open();

    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;
    ~Terminal();  // endwin, free the screen, put the old signal handlers back

    // The next key (an ncurses key code), or -1 when none came within a short
    // poll interval, so callers notice pending_signal() promptly.
    [[nodiscard]] int read_key();
    // SIGINT, SIGTERM or SIGHUP once one has arrived, else 0. The caller
    // returns; the destructor restores the terminal.
    [[nodiscard]] int pending_signal() const;

    [[nodiscard]] int rows() const;
    [[nodiscard]] int cols() const;
    [[nodiscard]] bool colour() const { return colour_; }
    [[nodiscard]] const std::string& name() const { return name_; }

private:
    Terminal(void* screen, std::string name, bool colour) : screen_(screen), name_(std::move(name)), colour_(colour) {}

    void* screen_;  // SCREEN*, kept opaque so no ncurses macro leaks into users
    std::string name_;
    bool colour_;
};

}  // namespace recovery
