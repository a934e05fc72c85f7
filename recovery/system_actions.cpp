// Shell, reboot and power off for the start screen, and the network's
// settings; see system_actions.hpp.
#include "system_actions.hpp"

#include "terminal.hpp"

#include "imager/programs.hpp"

#include <arpa/inet.h>
#include <curses.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

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

// ---- The network ------------------------------------------------------------------

namespace {

namespace fs = std::filesystem;

// A small file of the kernel's or the system's; "" when it cannot be read.
std::string file_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The udhcpc processes of this network namespace (one of another namespace
// serves another machine's interfaces, as far as the wizard is concerned),
// each with the interface it serves.
struct DhcpClient {
    pid_t pid = 0;
    std::string interface;
};

bool is_dhcp_client_here(const std::string& proc_dir, const std::string& own_namespace) {
    std::error_code error;
    return first_line(file_text(proc_dir + "/comm")) == "udhcpc" && !own_namespace.empty() &&
           fs::read_symlink(proc_dir + "/ns/net", error).string() == own_namespace;
}

std::vector<DhcpClient> dhcp_clients() {
    std::vector<DhcpClient> clients;
    std::error_code error;
    const std::string own_namespace = fs::read_symlink("/proc/self/ns/net", error).string();
    // increment(error), not ++: a process that ends meanwhile must not throw
    for (fs::directory_iterator entry("/proc", error), end; !error && entry != end; entry.increment(error)) {
        const std::string name = entry->path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
        if (!is_dhcp_client_here(entry->path().string(), own_namespace)) continue;
        std::vector<std::string> argv;
        std::istringstream arguments(file_text(entry->path().string() + "/cmdline"));
        for (std::string argument; std::getline(arguments, argument, '\0');) argv.push_back(argument);
        clients.push_back({static_cast<pid_t>(std::stoi(name)), dhcp_client_interface(argv)});
    }
    return clients;
}

// The system calls themselves: Debian 12's glibc (2.36) declares its
// wrappers in <sys/pidfd.h> without C linkage, so C++ cannot link them.
int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
bool send_signal(int pidfd, int signal) { return ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0) == 0; }

// Ends every udhcpc serving `interface`: SIGTERM, then SIGKILL after 3 s.
// Through a pidfd, checked again once opened, so a pid reused meanwhile is
// never signalled. "" or what went wrong.
std::string stop_dhcp_clients(const std::string& interface) {
    std::error_code error;
    const std::string own_namespace = fs::read_symlink("/proc/self/ns/net", error).string();
    for (const auto& client : dhcp_clients()) {
        if (client.interface != interface) continue;
        const int pidfd = open_pidfd(client.pid);
        if (pidfd < 0) continue;  // it has ended
        if (is_dhcp_client_here("/proc/" + std::to_string(client.pid), own_namespace)) {
            pollfd ended{pidfd, POLLIN, 0};  // readable once the process has ended
            bool gone = send_signal(pidfd, SIGTERM) && ::poll(&ended, 1, 3000) == 1;
            if (!gone) gone = send_signal(pidfd, SIGKILL) && ::poll(&ended, 1, 1000) == 1;
            if (!gone && send_signal(pidfd, 0)) {
                ::close(pidfd);
                return "The DHCP client of " + interface + " (udhcpc, process " + std::to_string(client.pid) +
                       ") did not stop, and would replace the address. Choose Shell and end it (kill " +
                       std::to_string(client.pid) + ").";
            }
        }
        ::close(pidfd);
    }
    return {};
}

// What to tell the person when `argv` could not run or failed: the command,
// its exit status and the first line it wrote to stderr.
std::string command_problem(const std::vector<std::string>& argv, const imager::Result<int>& status,
                            const std::string& said) {
    std::string command;
    for (const auto& argument : argv) command += (command.empty() ? "" : " ") + argument;
    if (!status && status.error().code == imager::Errc::not_found)
        return argv.front() + " is not on this system (the rescue media have it), so " + command + " could not run.";
    if (!status) return "Lifeboat could not run " + command + ": " + status.error().message();
    std::string text = command + " failed (exit status " + std::to_string(*status) + ")";
    if (const std::string line = first_line(said); !line.empty()) text += ": " + line;
    return text + ".";
}

std::string run_commands(const std::vector<std::vector<std::string>>& commands) {
    for (const auto& argv : commands) {
        std::string said;
        const auto status = imager::io::run_program(argv, &said);
        if (!status || *status != 0) return command_problem(argv, status, said);
    }
    return {};
}

// In place, as udhcpc's script does: a symlink or a file bound over
// /etc/resolv.conf keeps working.
std::string write_resolv_conf(const std::string& text) {
    constexpr const char* kPath = "/etc/resolv.conf";
    int error = 0;
    const int fd = ::open(kPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) error = errno;
    for (std::size_t done = 0; error == 0 && done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n > 0) done += static_cast<std::size_t>(n);
        else if (n == 0) error = EIO;
        else if (errno != EINTR) error = errno;
    }
    if (fd >= 0 && ::close(fd) != 0 && error == 0) error = errno;
    if (error == 0) return {};
    return std::string("The address is set, but the DNS server could not be written to ") + kPath + ": " +
           std::strerror(error) + ".";
}

LinkKind link_kind(const std::string& interface) {
    std::error_code error;
    const fs::path sys = fs::path("/sys/class/net") / interface;
    if (fs::exists(sys / "wireless", error) || fs::exists(sys / "phy80211", error)) return LinkKind::wireless;
    if (fs::exists(sys / "device", error)) return LinkKind::wired;
    return LinkKind::other;
}

}  // namespace

NetworkState read_network_state() {
    NetworkState state;
    std::map<std::string, InterfaceState> by_name;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) == 0) {
        for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
            if ((entry->ifa_flags & IFF_LOOPBACK) != 0) continue;
            InterfaceState& interface = by_name[entry->ifa_name];
            interface.name = entry->ifa_name;
            interface.up = (entry->ifa_flags & IFF_UP) != 0;
            interface.carrier = (entry->ifa_flags & IFF_RUNNING) != 0;
            if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET || entry->ifa_netmask == nullptr)
                continue;
            const auto ipv4 = [](const sockaddr* a) {
                return ntohl(reinterpret_cast<const sockaddr_in*>(a)->sin_addr.s_addr);
            };
            interface.addresses.push_back(ipv4_text(ipv4(entry->ifa_addr)) + "/" +
                                          std::to_string(std::popcount(ipv4(entry->ifa_netmask))));
        }
        ::freeifaddrs(list);
    }
    const auto clients = dhcp_clients();
    for (auto& [name, interface] : by_name) {
        interface.kind = link_kind(name);
        interface.dhcp_client =
            std::any_of(clients.begin(), clients.end(), [&](const DhcpClient& c) { return c.interface == name; });
        state.interfaces.push_back(std::move(interface));
    }
    if (const auto route = default_route(file_text("/proc/net/route"))) {
        state.gateway = route->first;
        state.gateway_interface = route->second;
    }
    state.dns_servers = nameservers(file_text("/etc/resolv.conf"));
    return state;
}

std::string set_static_address(const StaticAddress& address) {
    if (std::string problem = stop_dhcp_clients(address.interface); !problem.empty()) return problem;
    if (std::string problem = run_commands(static_address_commands(address)); !problem.empty()) return problem;
    return address.dns ? write_resolv_conf(resolv_conf_text(*address.dns)) : std::string();
}

std::string ask_dhcp_again(const std::string& interface) {
    if (std::string problem = stop_dhcp_clients(interface); !problem.empty()) return problem;
    if (std::string problem = run_commands({link_up_command(interface)}); !problem.empty()) return problem;
    // Without its stderr: udhcpc stays in the background holding it, and run_program would wait for its end.
    const auto command = dhcp_client_command(interface);
    const auto status = imager::io::run_program(command);
    return status && *status == 0 ? std::string() : command_problem(command, status, {});
}

}  // namespace recovery
