// Compiled terminfo entries, through the wizard's own way of starting the
// terminal (recovery/terminal.cpp, docs/TERMINAL.md). An entry reaches
// ncurses' reader in two ways there: from the system's database, which
// system_has() probes with setupterm() and newterm() then loads (a live
// system's /usr/share/terminfo, ~/.terminfo or $TERMINFO), and from a
// private directory terminfo::PrivateDatabase writes a built-in entry to.
// Input: the entry's bytes, exactly (what tic writes). PrivateDatabase
// writes it as "lbfuzz" and TERMINFO points there, TERM names it, and
// Terminal::open() runs as the wizard runs it (choose_terminal, setupterm,
// newterm, modes, colours, the theme); then the wizard's kind of drawing
// (styled text, a box of line-drawing characters, a refresh) and the
// Terminal's destructor (clear, endwin, delscreen) put the entry's strings
// through tputs and tparm. stdin and stdout are /dev/null; LINES and COLUMNS
// say 24x80, as a terminal's size would, so a hostile lines#/cols# is not
// what decides how much ncurses allocates; TMPDIR is the scratch directory.
#include "fuzz_support.hpp"
#include "terminal.hpp"
#include "terminfo.hpp"
#include "theme.hpp"

#include <curses.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

// ncurses keeps some of what a screen allocated until the process ends (its
// documented "still reachable" memory, which delscreen does not free);
// leaks allocated inside ncurses (its sources, its _nc_ internals, or
// Debian's libraries if linked instead) are its own, not the wizard's.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:ncurses-src/\nleak:_nc_\nleak:libncursesw\nleak:libtinfo\n";
}

// ncurses' own switch (libtinfo exports it) for its "corrupt data found"
// lines on stderr, which would bury the fuzzer's output.
extern "C" bool _nc_suppress_warnings;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    _nc_suppress_warnings = true;
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || ::dup2(null, STDIN_FILENO) < 0 || ::dup2(null, STDOUT_FILENO) < 0) std::abort();
    ::close(null);
    ::setenv("LINES", "24", 1);
    ::setenv("COLUMNS", "80", 1);
    ::setenv("TMPDIR", fuzz::Scratch::get().dir().c_str(), 1);  // where PrivateDatabase writes
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const unsigned char> entry(data, size);
    (void)recovery::terminfo::has_terminfo_magic(entry);
    auto db = recovery::terminfo::PrivateDatabase::create({"lbfuzz", entry});
    if (!db) return 0;
    ::setenv("TERMINFO", db->dir().c_str(), 1);
    ::setenv("TERM", "lbfuzz", 1);
    if (auto terminal = recovery::Terminal::open()) {
        const bool colour = (*terminal)->colour();
        wattrset(stdscr, recovery::style_attributes(recovery::Style::title, false, colour));
        mvwaddstr(stdscr, 0, 0, "Lifeboat");
        wattrset(stdscr, recovery::style_attributes(recovery::Style::warning, true, colour));
        mvwaddstr(stdscr, 2, 2, "Everything on /dev/sdb will be replaced");
        wattrset(stdscr, A_NORMAL);
        box(stdscr, 0, 0);
        wrefresh(stdscr);
    }
    ::unsetenv("TERMINFO");
    return 0;
}
