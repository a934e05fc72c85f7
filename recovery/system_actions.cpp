// Shell, reboot and power off for the start screen; see system_actions.hpp.
#include "system_actions.hpp"

#include "terminal.hpp"

#include "imager/programs.hpp"

#include <curses.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace recovery {

std::string run_shell(Terminal& /*terminal*/, const std::string& log_path) {
    const char* configured = std::getenv("SHELL");
    const std::string shell = configured != nullptr && *configured != '\0' && ::access(configured, X_OK) == 0
                                  ? configured
                                  : "/bin/sh";
    if (::access(shell.c_str(), X_OK) != 0)
        return "There is no shell on this system (" + shell + " is missing). Choose another action.";

    def_prog_mode();  // so reset_prog_mode() brings the wizard's modes back
    endwin();
    std::printf("\nLifeboat: a shell. Type exit to return to Lifeboat.\n");
    if (!log_path.empty()) std::printf("The log of the wizard: %s\n", log_path.c_str());
    std::fflush(stdout);

    // Like system(): the wizard ignores the keyboard's signals while the shell has the terminal.
    struct sigaction ignore {}, old_int {}, old_quit {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    std::string problem;
    const pid_t child = ::fork();
    if (child == 0) {
        struct sigaction defaults {};
        defaults.sa_handler = SIG_DFL;
        sigemptyset(&defaults.sa_mask);
        sigaction(SIGINT, &defaults, nullptr);
        sigaction(SIGQUIT, &defaults, nullptr);
        ::execl(shell.c_str(), shell.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    if (child < 0) {
        problem = "The shell could not be started: the system is out of memory or processes. Try again, or reboot.";
    } else {
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
    }
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
    reset_prog_mode();
    clearok(stdscr, TRUE);  // the shell drew over everything
    return problem;
}

std::string restart_machine(const Terminal& terminal, bool power_off, std::chrono::seconds wait) {
    const std::string what = power_off ? "switch the machine off" : "restart the machine";
    const char* command = power_off ? "poweroff" : "reboot";
    const std::string by_hand =
        std::string(". Choose Shell and type ") + command + ", or hold the power button.";
    ::sync();
    // The system's own command asks its init to stop in order: busybox init on the
    // rescue media unmounts everything first, systemd on an installed system stops
    // its services. reboot(2) would cut them off.
    const auto status = imager::io::run_program({command});
    if (status && *status == 0) {
        // Init now ends every process, this one too: its SIGTERM ends the wait.
        const auto deadline = std::chrono::steady_clock::now() + wait;
        while (std::chrono::steady_clock::now() < deadline) {
            if (terminal.pending_signal() != 0) return {};
            ::sleep(1);
        }
        return std::string("This system was asked to ") + what + " (" + command + ") but has not done so" + by_hand;
    }
    if (status)
        return "Lifeboat could not " + what + ": " + command + " failed (exit status " + std::to_string(*status) +
               ")" + by_hand;
    if (status.error().code != imager::Errc::not_found)
        return "Lifeboat could not " + what + ": " + status.error().message() + by_hand;
    // No such command (a bare system): the kernel's own, after the sync above.
    if (::reboot(power_off ? RB_POWER_OFF : RB_AUTOBOOT) == 0) return {};  // not reached when it works
    if (errno == EPERM)
        return "Lifeboat is not allowed to " + what + ": it is not running as root on the rescue system" + by_hand;
    return "Lifeboat could not " + what + by_hand;
}

}  // namespace recovery
