// The network settings screen (issue 19), reached from the network store
// form's "Network" line: every interface with its link and IPv4 addresses,
// the default gateway and the DNS servers. Enter on an interface opens its
// form: "Ask DHCP again", or an address typed in (address/prefix, gateway,
// DNS server), checked before anything changes (network_settings_model.hpp)
// and applied with the system's own ip and udhcpc (system_actions.hpp). What
// the screens show is always read back from the system, never assumed.
#pragma once

#include "network_settings_model.hpp"

#include <chrono>
#include <string>

namespace recovery {

class Terminal;

// Until Esc leaves the interface list, or a signal is pending (the caller
// checks terminal.pending_signal()).
void run_network_settings(Terminal& terminal);

// The network's state as the screens show it: read on first use, and again
// when refresh() finds 2 s gone (udhcpc may bring an interface up in the
// background meanwhile) or is told to.
class NetworkWatch {
public:
    [[nodiscard]] const NetworkState& state();
    // Reads again when due (or `now`); true when what is shown changed.
    bool refresh(bool now = false);

private:
    NetworkState state_;
    std::string shown_;  // network_summary() + routing_text() of state_
    std::chrono::steady_clock::time_point read_at_{};
    bool read_ = false;
};

}  // namespace recovery
