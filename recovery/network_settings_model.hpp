// The network settings screen as data (issue 19: the rescue system brings the
// network up by itself, "DHCP on every wired interface, a static address from
// ip= on the kernel command line or a wizard screen"; this is that screen).
// No system calls here: what the machine has now (NetworkState) is read by
// system_actions.hpp, which also applies a change with the argv lists built
// below; network_settings.cpp draws. Tested in
// tests/unit/wizard_network_settings_test.cpp.
//
// An interface's form offers "Ask DHCP again" or an address typed in
// (address/prefix, gateway, DNS server), each checked before anything runs:
// an IPv4 address a machine may have, a prefix 1-32 (or a netmask), not the
// network's own or broadcast address, a gateway inside that network.
#pragma once

#include "ui_kit.hpp"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recovery {

// ---- IPv4 addresses -------------------------------------------------------------

using Ipv4 = std::uint32_t;  // host byte order: 10.0.2.15 is 0x0a00020f

// "10.0.2.15": four decimal numbers 0-255 with dots between (no leading
// zeros, which some tools read as octal); nullopt for anything else.
[[nodiscard]] std::optional<Ipv4> parse_ipv4(std::string_view text);
[[nodiscard]] std::string ipv4_text(Ipv4 address);

// ---- What the machine has now ----------------------------------------------------

// wired: a device behind it (/sys/class/net/X/device) and no wireless/;
// other: no device (veth, bridge, tun: "virtual").
enum class LinkKind { wired, wireless, other };

struct InterfaceState {
    std::string name;  // "eth0"
    LinkKind kind = LinkKind::other;
    bool up = false;                     // switched on (IFF_UP)
    bool carrier = false;                // a link (IFF_RUNNING): a cable in, a peer up
    std::vector<std::string> addresses;  // IPv4 with prefix: "10.0.2.15/24"
    bool dhcp_client = false;            // a udhcpc runs for it
};

struct NetworkState {
    std::vector<InterfaceState> interfaces;  // by name; never loopback
    std::string gateway;                     // the default route's, "" when none
    std::string gateway_interface;
    std::vector<std::string> dns_servers;  // /etc/resolv.conf's nameservers
};

// "wired, cable in", "wired, no cable", "virtual, link up", "wireless, down".
[[nodiscard]] std::string link_text(const InterfaceState& interface);
// "10.0.2.15/24 by DHCP", "10.88.0.7/24", "no address, DHCP asking", "no address".
[[nodiscard]] std::string addresses_text(const InterfaceState& interface);
// One line for the network store form: "eth0 10.0.2.15/24, eth1 no address".
[[nodiscard]] std::string network_summary(const NetworkState& state);
// "Default gateway 10.0.2.2 (eth0)   DNS 10.0.2.3" ("none" for what is missing).
[[nodiscard]] std::string routing_text(const NetworkState& state);
// The settings screen's list: one selectable line per interface, in the
// order of state.interfaces.
[[nodiscard]] std::vector<ListItem> interface_list_items(const NetworkState& state);
// The interface of that name, nullptr when it is gone.
[[nodiscard]] const InterfaceState* find_interface(const NetworkState& state, std::string_view name);
// What asking DHCP again came to, from the state read after it (`interface`
// nullptr: it is gone).
[[nodiscard]] std::string dhcp_outcome(std::string_view name, const InterfaceState* interface);

// What the system says, parsed. /proc/net/route: the default route with the
// lowest metric as {gateway, interface}.
[[nodiscard]] std::optional<std::pair<std::string, std::string>> default_route(std::string_view proc_net_route);
// /etc/resolv.conf: its "nameserver" addresses in order.
[[nodiscard]] std::vector<std::string> nameservers(std::string_view resolv_conf);
// A udhcpc's argument list (argv[0] first): the interface it serves, from
// "-i IF", "-iIF", "--interface IF" or "--interface=IF"; eth0 without one (udhcpc's default).
[[nodiscard]] std::string dhcp_client_interface(const std::vector<std::string>& argv);

// ---- Changes and the commands that make them ----------------------------------

struct StaticAddress {
    std::string interface;
    Ipv4 address = 0;
    int prefix = 24;
    std::optional<Ipv4> gateway;  // none: no default route is set
    std::optional<Ipv4> dns;      // none: /etc/resolv.conf is left as it is
};

// The interface switched on, its IPv4 addresses removed, the typed one added
// (with its broadcast address), the default route through the gateway (which
// replaces any other). Run in order by system_actions, each as an argv.
[[nodiscard]] std::vector<std::vector<std::string>> static_address_commands(const StaticAddress& address);
[[nodiscard]] std::vector<std::string> link_up_command(const std::string& interface);
// DHCP as the rescue system's init asks it (initramfs/init, with ip=dhcp):
// udhcpc waits up to about 10 s for a lease, then goes on in the background
// (and renews it); its script (/etc/udhcpc/default.script on the media) sets
// the address, route and /etc/resolv.conf.
[[nodiscard]] std::vector<std::string> dhcp_client_command(const std::string& interface);
// /etc/resolv.conf naming that DNS server alone.
[[nodiscard]] std::string resolv_conf_text(Ipv4 dns);

// ---- The interface's form --------------------------------------------------------

enum class SettingsField { dhcp, address, gateway, dns, apply };
enum class SettingsKey { ignored, changed, ask_dhcp, apply, cancelled };

// What is wrong with what was typed, and the line to correct.
struct SettingsProblem {
    SettingsField field = SettingsField::address;
    std::string text;
};

class InterfaceSettingsForm : public FormStatus {
public:
    explicit InterfaceSettingsForm(std::string interface);

    // Up/Down/Tab move between the lines (a field's Enter moves on too);
    // Enter on "Ask DHCP again" returns ask_dhcp, on "Use this address"
    // apply; Esc cancelled. Keys on a text field edit it.
    [[nodiscard]] SettingsKey handle_key(int key);

    [[nodiscard]] const std::string& interface() const { return interface_; }
    [[nodiscard]] SettingsField focus() const { return focus_; }
    void focus_on(SettingsField field) { focus_ = field; }
    [[nodiscard]] TextField& field(SettingsField which);
    [[nodiscard]] const TextField& field(SettingsField which) const;

    // The typed address checked: the change to make, or what is wrong.
    [[nodiscard]] std::expected<StaticAddress, SettingsProblem> checked() const;

private:
    std::string interface_;
    SettingsField focus_ = SettingsField::dhcp;
    TextField address_{31};  // "255.255.255.255/255.255.255.255"
    TextField gateway_{15};
    TextField dns_{15};
};

}  // namespace recovery
