// The network settings as data; see network_settings_model.hpp.
#include "network_settings_model.hpp"

#include <arpa/inet.h>
#include <curses.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace recovery {

namespace {

std::string joined(const std::vector<std::string>& parts, std::string_view between) {
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i) text += (i > 0 ? std::string(between) : std::string()) + parts[i];
    return text;
}

// A decimal number with no sign and no leading zero (but "0" itself).
std::optional<unsigned> decimal(std::string_view text, unsigned most) {
    if (text.empty() || text.size() > 10 || (text.size() > 1 && text.front() == '0')) return std::nullopt;
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value > most) return std::nullopt;
    return value;
}

Ipv4 mask_of(int prefix) { return prefix == 0 ? 0 : ~Ipv4{0} << (32 - prefix); }

// A netmask's prefix length: 255.255.255.0 is 24; nullopt when its ones are not contiguous.
std::optional<int> prefix_of_mask(Ipv4 mask) {
    for (int prefix = 0; prefix <= 32; ++prefix)
        if (mask_of(prefix) == mask) return prefix;
    return std::nullopt;
}

// Why no machine may have this address ("" when it may).
std::string not_a_host_address(Ipv4 address) {
    const unsigned first = address >> 24;
    if (first == 0) return "addresses starting with 0 mean \"this network\", not a machine";
    if (first == 127) return "it is a loopback address (127.x.x.x), this machine's own inside itself";
    if (first >= 224 && first <= 239) return "it is a multicast address (224 to 239), for groups, not a machine";
    if (first >= 240) return "it is a reserved or broadcast address (240 and above)";
    return {};
}

std::string not_an_address(std::string_view what, std::string_view typed) {
    return std::string(what) + " '" + std::string(typed) +
           "' is not an IPv4 address: four numbers from 0 to 255 with dots between, e.g. 192.168.1.50.";
}

// "192.168.1.0/24": the network an address is in.
std::string network_text(Ipv4 address, int prefix) {
    return ipv4_text(address & mask_of(prefix)) + "/" + std::to_string(prefix);
}

// "192.168.1.1 to 192.168.1.254": its machines' addresses (prefix 30 or less).
std::string hosts_text(Ipv4 address, int prefix) {
    const Ipv4 network = address & mask_of(prefix);
    return ipv4_text(network + 1) + " to " + ipv4_text((network | ~mask_of(prefix)) - 1);
}

}  // namespace

std::optional<Ipv4> parse_ipv4(std::string_view text) {
    Ipv4 address = 0;
    for (int part = 0; part < 4; ++part) {
        const auto dot = text.find('.');
        if ((part < 3) != (dot != std::string_view::npos)) return std::nullopt;
        const auto number = decimal(text.substr(0, dot), 255);
        if (!number) return std::nullopt;
        address = address << 8 | *number;
        text = part < 3 ? text.substr(dot + 1) : std::string_view();
    }
    return address;
}

std::string ipv4_text(Ipv4 address) {
    return std::to_string(address >> 24) + "." + std::to_string(address >> 16 & 0xff) + "." +
           std::to_string(address >> 8 & 0xff) + "." + std::to_string(address & 0xff);
}

// ---- What the machine has now ----------------------------------------------------

std::string link_text(const InterfaceState& interface) {
    const bool wired = interface.kind == LinkKind::wired;
    const std::string kind = wired ? "wired" : interface.kind == LinkKind::wireless ? "wireless" : "virtual";
    if (!interface.up) return kind + ", down";
    if (interface.carrier) return kind + (wired ? ", cable in" : ", link up");
    return kind + (wired ? ", no cable" : ", no link");
}

std::string addresses_text(const InterfaceState& interface) {
    if (interface.addresses.empty()) return interface.dhcp_client ? "no address, DHCP asking" : "no address";
    return joined(interface.addresses, ", ") + (interface.dhcp_client ? " by DHCP" : "");
}

std::string network_summary(const NetworkState& state) {
    if (state.interfaces.empty()) return "no network interface";
    std::vector<std::string> parts;
    for (const auto& interface : state.interfaces)
        parts.push_back(interface.name + " " +
                        (interface.addresses.empty() ? std::string("no address") : joined(interface.addresses, " ")));
    return joined(parts, ", ");
}

std::string routing_text(const NetworkState& state) {
    return "Default gateway " +
           (state.gateway.empty() ? std::string("none") : state.gateway + " (" + state.gateway_interface + ")") +
           "   DNS " + (state.dns_servers.empty() ? std::string("none") : joined(state.dns_servers, ", "));
}

std::vector<ListItem> interface_list_items(const NetworkState& state) {
    std::vector<ListItem> items;
    for (const auto& interface : state.interfaces) {
        std::string name = interface.name;
        std::string link = link_text(interface);
        name.resize(std::max<std::size_t>(name.size(), 15), ' ');  // the kernel's longest name
        link.resize(std::max<std::size_t>(link.size(), 18), ' ');
        items.push_back({name + " " + link + " " + addresses_text(interface), Style::plain, true});
    }
    return items;
}

const InterfaceState* find_interface(const NetworkState& state, std::string_view name) {
    for (const auto& interface : state.interfaces)
        if (interface.name == name) return &interface;
    return nullptr;
}

std::string dhcp_outcome(std::string_view name, const InterfaceState* interface) {
    if (interface == nullptr) return std::string(name) + " is no longer there (unplugged?).";
    if (!interface->addresses.empty())
        return "DHCP gave " + std::string(name) + " " + joined(interface->addresses, ", ") + ".";
    return "No DHCP server has answered on " + std::string(name) +
           " yet; udhcpc goes on asking in the background. Check the cable, or type an address below.";
}

std::optional<std::pair<std::string, std::string>> default_route(std::string_view proc_net_route) {
    // Iface Destination Gateway Flags RefCnt Use Metric Mask ...: the addresses
    // are the kernel's network-order bytes printed as one host-order hex number.
    constexpr unsigned long kRouteUp = 0x1, kRouteGateway = 0x2;
    std::optional<std::pair<std::string, std::string>> best;
    unsigned long best_metric = std::numeric_limits<unsigned long>::max();
    std::istringstream lines{std::string(proc_net_route)};
    std::string line;
    std::getline(lines, line);  // the heading
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string name, destination, gateway, flags, references, use, metric, mask;
        if (!(fields >> name >> destination >> gateway >> flags >> references >> use >> metric >> mask)) continue;
        const auto hex = [](const std::string& text) { return std::strtoul(text.c_str(), nullptr, 16); };
        const unsigned long route_flags = hex(flags);
        if (hex(destination) != 0 || hex(mask) != 0 || (route_flags & kRouteUp) == 0 || (route_flags & kRouteGateway) == 0)
            continue;
        const unsigned long route_metric = std::strtoul(metric.c_str(), nullptr, 10);
        if (best && route_metric >= best_metric) continue;
        best_metric = route_metric;
        best = std::pair{ipv4_text(ntohl(static_cast<std::uint32_t>(hex(gateway)))), name};
    }
    return best;
}

std::vector<std::string> nameservers(std::string_view resolv_conf) {
    std::vector<std::string> servers;
    std::istringstream lines{std::string(resolv_conf)};
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string keyword, address;
        if (words >> keyword >> address && keyword == "nameserver") servers.push_back(address);
    }
    return servers;
}

std::string dhcp_client_interface(const std::vector<std::string>& argv) {
    for (std::size_t i = 1; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if ((arg == "-i" || arg == "--interface") && i + 1 < argv.size()) return argv[i + 1];
        if (arg.starts_with("--interface=")) return arg.substr(12);
        if (arg.starts_with("-i") && arg.size() > 2) return arg.substr(2);
    }
    return "eth0";
}

// ---- Changes and the commands that make them ----------------------------------

std::vector<std::vector<std::string>> static_address_commands(const StaticAddress& a) {
    std::vector<std::vector<std::string>> commands{
        link_up_command(a.interface),
        {"ip", "-4", "addr", "flush", "dev", a.interface},
        {"ip", "addr", "add", ipv4_text(a.address) + "/" + std::to_string(a.prefix), "broadcast", "+", "dev", a.interface},
    };
    if (a.gateway)
        commands.push_back({"ip", "route", "replace", "default", "via", ipv4_text(*a.gateway), "dev", a.interface});
    return commands;
}

std::vector<std::string> link_up_command(const std::string& interface) {
    return {"ip", "link", "set", "dev", interface, "up"};
}

std::vector<std::string> dhcp_client_command(const std::string& interface) {
    return {"udhcpc", "-i", interface, "-b", "-t", "5", "-T", "2", "-S"};
}

std::string resolv_conf_text(Ipv4 dns) {
    return "# Written by Lifeboat's network settings.\nnameserver " + ipv4_text(dns) + "\n";
}

// ---- The interface's form --------------------------------------------------------

InterfaceSettingsForm::InterfaceSettingsForm(std::string interface) : interface_(std::move(interface)) {}

TextField& InterfaceSettingsForm::field(SettingsField which) {
    switch (which) {
        case SettingsField::gateway: return gateway_;
        case SettingsField::dns: return dns_;
        default: return address_;
    }
}

const TextField& InterfaceSettingsForm::field(SettingsField which) const {
    return const_cast<InterfaceSettingsForm*>(this)->field(which);
}

SettingsKey InterfaceSettingsForm::handle_key(int key) {
    constexpr SettingsField order[] = {SettingsField::dhcp, SettingsField::address, SettingsField::gateway,
                                       SettingsField::dns, SettingsField::apply};
    constexpr int count = 5;
    const int at = static_cast<int>(std::find(order, order + count, focus_) - order);
    const auto move = [&](int step) {
        focus_ = order[std::clamp(at + step, 0, count - 1)];
        return SettingsKey::changed;
    };
    if (key == kKeyEsc) return SettingsKey::cancelled;
    if (key == KEY_UP || key == KEY_BTAB) return move(-1);
    if (key == KEY_DOWN || key == kKeyTab) return move(1);
    if (focus_ == SettingsField::dhcp) return is_enter_key(key) ? SettingsKey::ask_dhcp : SettingsKey::ignored;
    if (focus_ == SettingsField::apply) return is_enter_key(key) ? SettingsKey::apply : SettingsKey::ignored;
    switch (field(focus_).handle_key(key)) {
        case FieldKey::submitted: return move(1);
        case FieldKey::changed: return SettingsKey::changed;
        case FieldKey::cancelled: return SettingsKey::cancelled;
        case FieldKey::ignored: break;
    }
    return SettingsKey::ignored;
}

std::expected<StaticAddress, SettingsProblem> InterfaceSettingsForm::checked() const {
    const auto problem = [](SettingsField field, std::string text) {
        return std::unexpected(SettingsProblem{field, std::move(text)});
    };
    StaticAddress result;
    result.interface = interface_;

    const std::string_view typed = trimmed(address_.text());
    if (typed.empty()) return problem(SettingsField::address, "Type the address and its prefix, e.g. 192.168.1.50/24.");
    const auto slash = typed.find('/');
    const auto address = parse_ipv4(trimmed(typed.substr(0, slash)));
    if (!address) return problem(SettingsField::address, not_an_address("The address", trimmed(typed.substr(0, slash))));
    if (slash == std::string_view::npos)
        return problem(SettingsField::address, "Add the prefix length after a slash, e.g. " + ipv4_text(*address) +
                                                   "/24 (24 is the netmask 255.255.255.0).");
    const std::string_view prefix_text = trimmed(typed.substr(slash + 1));
    std::optional<int> prefix;
    if (const auto mask = parse_ipv4(prefix_text)) prefix = prefix_of_mask(*mask);
    else if (const auto bits = decimal(prefix_text, 32)) prefix = static_cast<int>(*bits);
    if (!prefix || *prefix < 1)
        return problem(SettingsField::address, "The prefix '" + std::string(prefix_text) +
                                                   "' is not a number from 1 to 32 (or a netmask such as 255.255.255.0).");
    if (const std::string why = not_a_host_address(*address); !why.empty())
        return problem(SettingsField::address, ipv4_text(*address) + " cannot be this machine's address: " + why + ".");
    const Ipv4 mask = mask_of(*prefix);
    const Ipv4 network = *address & mask;
    const Ipv4 broadcast = network | ~mask;
    // /31 and /32 have no network or broadcast address of their own (RFC 3021).
    const auto reserved_in_network = [&](Ipv4 a) { return *prefix <= 30 && (a == network || a == broadcast); };
    if (reserved_in_network(*address))
        return problem(SettingsField::address,
                       ipv4_text(*address) + " is the " + (*address == network ? "network's own" : "broadcast") +
                           " address of " + network_text(*address, *prefix) + ": a machine's is one of " +
                           hosts_text(*address, *prefix) + ".");
    result.address = *address;
    result.prefix = *prefix;

    if (const std::string_view gateway_text = trimmed(gateway_.text()); !gateway_text.empty()) {
        const auto gateway = parse_ipv4(gateway_text);
        if (!gateway) return problem(SettingsField::gateway, not_an_address("The gateway", gateway_text));
        if (*gateway == *address)
            return problem(SettingsField::gateway,
                           "The gateway is another machine (the router), not this one's own address.");
        if ((*gateway & mask) != network || reserved_in_network(*gateway) || !not_a_host_address(*gateway).empty())
            return problem(SettingsField::gateway,
                           "The gateway " + ipv4_text(*gateway) + " is not a machine in this address's network " +
                               network_text(*address, *prefix) +
                               (*prefix <= 30 ? " (" + hosts_text(*address, *prefix) + ")" : std::string()) +
                               ": it could not be reached.");
        result.gateway = *gateway;
    }

    if (const std::string_view dns_text = trimmed(dns_.text()); !dns_text.empty()) {
        const auto dns = parse_ipv4(dns_text);
        if (!dns) return problem(SettingsField::dns, not_an_address("The DNS server", dns_text));
        // 127.x may be a resolver on this machine; every other kind is no server's.
        if (const std::string why = not_a_host_address(*dns); !why.empty() && (*dns >> 24) != 127)
            return problem(SettingsField::dns, ipv4_text(*dns) + " cannot be a DNS server: " + why + ".");
        result.dns = *dns;
    }
    return result;
}

}  // namespace recovery
