// Terminal setup and restoration; see terminal.hpp.
#include "terminal.hpp"

#include "terminfo.hpp"
#include "theme.hpp"

#include <curses.h>
#include <linux/kd.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace recovery {

namespace {

constexpr int kKeyPollMs = 200;
constexpr int kEscDelayMs = 100;  // Esc alone vs. the start of an arrow key's sequence

// Handled in the main loop, which returns normally and so runs endwin.
constexpr std::array kGraceful{SIGINT, SIGTERM, SIGHUP};
// Handled in the handler itself: the program cannot go on.
constexpr std::array kFatal{SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGQUIT};
constexpr std::size_t kHandled = kGraceful.size() + kFatal.size();

// Signal handlers take no arguments, so what they need lives here: the one
// deliberate exception to "no global mutable state".
volatile std::sig_atomic_t g_pending = 0;
std::atomic<bool> g_curses_up{false};
std::array<int, kHandled> g_signals{};
std::array<struct sigaction, kHandled> g_previous{};

void on_graceful(int sig) {
    if (g_pending == 0) g_pending = sig;
}

void restore_previous(int sig) {
    for (std::size_t i = 0; i < kHandled; ++i)
        if (g_signals[i] == sig) ::sigaction(sig, &g_previous[i], nullptr);
}

// A hardware fault re-executes the faulting instruction when the handler
// returns, so the previous handler (a core dump, or ASan's report) sees the
// real fault; a signal someone sent has to be sent again.
bool is_fault(int sig, const siginfo_t* info) {
    const bool fault_signal = sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL;
    return fault_signal && info != nullptr && info->si_code > 0 && info->si_code != SI_KERNEL;
}

void on_fatal(int sig, siginfo_t* info, void*) {
    if (g_curses_up.exchange(false)) endwin();
    restore_previous(sig);
    if (!is_fault(sig, info)) ::raise(sig);
}

void install_handlers() {
    g_pending = 0;
    std::size_t i = 0;
    for (const int sig : kGraceful) {
        struct sigaction sa {};
        sa.sa_handler = on_graceful;
        sa.sa_flags = SA_RESTART;  // the core's reads must not fail with EINTR
        sigemptyset(&sa.sa_mask);
        g_signals[i] = sig;
        ::sigaction(sig, &sa, &g_previous[i++]);
    }
    for (const int sig : kFatal) {
        struct sigaction sa {};
        sa.sa_sigaction = on_fatal;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        g_signals[i] = sig;
        ::sigaction(sig, &sa, &g_previous[i++]);
    }
}

void restore_handlers() {
    for (std::size_t i = 0; i < kHandled; ++i) ::sigaction(g_signals[i], &g_previous[i], nullptr);
}

// KDGKBTYPE only succeeds on a Linux virtual console (the kbd tools' test).
bool is_linux_vt(int fd) {
    char type = 0;
    return ::ioctl(fd, KDGKBTYPE, &type) == 0;
}

// Asks ncurses, with a return code instead of an exit, whether it can load name.
bool system_has(const std::string& name) {
    int status = 0;
    if (setupterm(name.c_str(), STDOUT_FILENO, &status) != OK) return false;
    del_curterm(cur_term);  // probing only: newterm loads it again for its screen
    return true;
}

// Sets or unsets an environment variable back to a remembered value.
void put_env(const char* name, const std::optional<std::string>& value) {
    if (value) ::setenv(name, value->c_str(), 1);
    else ::unsetenv(name);
}

std::optional<std::string> get_env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
}

// newterm, with TERMINFO pointing at a private copy of the built-in entry when
// the system lacks it. The copy is deleted at once: ncurses keeps what it read.
imager::Result<SCREEN*> start_screen(const TermChoice& choice) {
    std::optional<terminfo::PrivateDatabase> db;
    const auto old_terminfo = get_env("TERMINFO");
    if (choice.embedded) {
        const terminfo::Entry* entry = terminfo::find(choice.name);
        if (entry == nullptr)
            return std::unexpected(imager::make_error(imager::Errc::internal, "no built-in entry for " + choice.name));
        auto made = terminfo::PrivateDatabase::create(*entry);
        if (!made) return std::unexpected(made.error());
        db.emplace(std::move(*made));
        ::setenv("TERMINFO", db->dir().c_str(), 1);
    }
    SCREEN* screen = newterm(choice.name.c_str(), stdout, stdin);
    put_env("TERMINFO", old_terminfo);
    if (screen == nullptr)
        return std::unexpected(imager::make_error(imager::Errc::unsupported,
                                                  "cannot start the terminal as '" + choice.name + "'",
                                                  "set TERM to linux, vt100 or xterm and try again"));
    return screen;
}

void set_modes() {
    cbreak();  // keys at once, but Ctrl+C still raises SIGINT
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(kEscDelayMs);
    wtimeout(stdscr, kKeyPollMs);
    curs_set(0);  // ERR where the terminal cannot hide it: harmless
}

}  // namespace

imager::Result<TermChoice> choose_terminal(const char* term, bool linux_vt,
                                           const std::function<bool(const std::string&)>& system_has_name) {
    std::array<std::string, 2> names{term != nullptr ? term : "", linux_vt ? "linux" : "vt100"};
    for (const auto& name : names) {
        if (name.empty()) continue;
        if (system_has_name(name)) return TermChoice{name, false};
        if (terminfo::find(name) != nullptr) return TermChoice{name, true};
    }
    return std::unexpected(imager::make_error(imager::Errc::not_found,
                                              "no description of the terminal '" + names[1] + "'",
                                              "this build lacks its built-in terminal descriptions"));
}

imager::Result<std::unique_ptr<Terminal>> Terminal::open() {
    auto choice = choose_terminal(std::getenv("TERM"), is_linux_vt(STDIN_FILENO), system_has);
    if (!choice) return std::unexpected(choice.error());
    // Ours first: ncurses then leaves SIGINT and SIGTERM alone (it only takes default ones).
    install_handlers();
    auto screen = start_screen(*choice);
    if (!screen) {
        restore_handlers();
        return std::unexpected(screen.error());
    }
    set_term(*screen);
    g_curses_up = true;  // from here on a crash must call endwin
    set_modes();
    const bool colour = has_colors() && start_color() == OK;
    if (colour) init_theme();
    return std::unique_ptr<Terminal>(new Terminal(*screen, choice->name, colour));
}

Terminal::~Terminal() {
    // A blank screen first: without an alternate screen (linux, vt100) the
    // shell would otherwise print over the wizard's last picture.
    werase(stdscr);
    wrefresh(stdscr);
    if (g_curses_up.exchange(false)) endwin();
    delscreen(static_cast<SCREEN*>(screen_));
    restore_handlers();
}

// A terminal whose terminfo lacks a key (vt100 has no PgUp/PgDn) still sends
// the key's escape sequence, which ncurses then hands over as a bare Esc and
// the rest: read the rest here, so "ESC [ 6 ~" pages instead of quitting.
static int read_escape_sequence() {
    nodelay(stdscr, TRUE);  // a sequence's bytes are already waiting; a lone Esc has none
    const int next = wgetch(stdscr);
    std::string body;
    if (next == '[' || next == 'O') {
        for (int i = 0; i < 8; ++i) {
            const int c = wgetch(stdscr);
            if (c == ERR) break;
            body += static_cast<char>(c);
            if (c >= 0x40 && c <= 0x7e) break;  // the final byte of a CSI sequence
        }
    } else if (next != ERR) {
        ungetch(next);
    }
    wtimeout(stdscr, kKeyPollMs);
    if (next != '[' && next != 'O') return 27;
    static constexpr std::pair<const char*, int> known[] = {
        {"5~", KEY_PPAGE}, {"6~", KEY_NPAGE}, {"A", KEY_UP},    {"B", KEY_DOWN}, {"C", KEY_RIGHT},
        {"D", KEY_LEFT},   {"H", KEY_HOME},   {"F", KEY_END},   {"1~", KEY_HOME}, {"4~", KEY_END}};
    for (const auto& [sequence, key] : known)
        if (body == sequence) return key;
    return ERR;  // an unknown sequence: ignored, never taken for Esc
}

int Terminal::read_key() {
    const int key = wgetch(stdscr);
    return key == 27 ? read_escape_sequence() : key;
}

int Terminal::pending_signal() const { return g_pending; }

int Terminal::rows() const { return getmaxy(stdscr); }

int Terminal::cols() const { return getmaxx(stdscr); }

}  // namespace recovery
