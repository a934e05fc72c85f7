// Shell, reboot and power off for the start screen; see system_actions.hpp.
#include "system_actions.hpp"

#include "terminal.hpp"

#include <curses.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

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

std::string restart_machine(bool power_off) {
    ::sync();
    if (::reboot(power_off ? RB_POWER_OFF : RB_AUTOBOOT) == 0) return {};  // not reached when it works
    const std::string what = power_off ? "switch the machine off" : "restart the machine";
    if (errno == EPERM)
        return "Lifeboat is not allowed to " + what +
               ": it is not running as root on the rescue system. Choose Shell and type " +
               (power_off ? "poweroff" : "reboot") + ", or hold the power button.";
    return "Lifeboat could not " + what + ". Choose Shell and type " + (power_off ? "poweroff" : "reboot") +
           ", or hold the power button.";
}

}  // namespace recovery
