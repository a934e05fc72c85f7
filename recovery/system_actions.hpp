// What the wizard asks of the system: the start screen's actions that leave
// the wizard's screens, a shell (the terminal handed back to /bin/sh until it
// exits) and rebooting or powering off the machine (called by wizard.cpp);
// and the network settings (network_settings.cpp): reading what the network
// is, and changing it with the system's own ip and udhcpc, each run from an
// argv list (never a shell line made from what was typed).
#pragma once

#include "network_settings_model.hpp"

#include <chrono>
#include <string>

namespace recovery {

class Terminal;

// Ends curses mode, prints where the log is and "type exit to return to
// Lifeboat", runs $SHELL (or /bin/sh) and waits for it; then redraws nothing
// (the caller draws its screen again). Ctrl+C in the shell does not end the
// wizard: SIGINT and SIGQUIT are ignored while it runs, as system() does.
// Returns "" or, when no shell could be started, what to tell the person.
[[nodiscard]] std::string run_shell(Terminal& terminal, const std::string& log_path);

// sync(), then the system's own `reboot` or `poweroff`, which asks its init to
// stop everything in order, and waits up to `wait` for init to end the wizard
// (a signal to the terminal ends the wait: "" is returned). Only where no such
// command exists, reboot(2). Returns what to tell the person when the machine
// did not stop.
[[nodiscard]] std::string restart_machine(const Terminal& terminal, bool power_off,
                                          std::chrono::seconds wait = std::chrono::seconds(60));

// Every network interface of the network namespace the wizard runs in but
// loopback (getifaddrs: the kernel's own list, which /sys/class/net matches
// only when sysfs was mounted in that namespace), with its kind from
// /sys/class/net/NAME, its IPv4 addresses, and whether a udhcpc serves it;
// the default route (/proc/net/route) and the DNS servers of /etc/resolv.conf.
[[nodiscard]] NetworkState read_network_state();

// Stops every udhcpc that serves the interface (so none replaces the address
// later), then runs static_address_commands() and, with a DNS server, writes
// /etc/resolv.conf in place (as udhcpc's script does). "" or what went wrong.
[[nodiscard]] std::string set_static_address(const StaticAddress& address);

// Stops every udhcpc that serves the interface, switches it on and runs
// dhcp_client_command(): back within about 10 s, with a lease or with udhcpc
// still asking in the background. "" or what went wrong (not whether a lease
// came: read_network_state() says).
[[nodiscard]] std::string ask_dhcp_again(const std::string& interface);

}  // namespace recovery
