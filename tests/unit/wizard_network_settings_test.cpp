// The wizard's network settings as data (recovery/network_settings_model.hpp):
// IPv4 addresses read strictly, every typed value checked with the line to
// correct, the exact argv lists that change the network, what the system's
// files say (/proc/net/route, /etc/resolv.conf, udhcpc's arguments), and the
// text the screens and the store form's Network line show.
#include "../../recovery/network_settings_model.hpp"

#include <catch2/catch.hpp>

#define NCURSES_NOMACROS
#include <curses.h>

#include <string>
#include <vector>

using recovery::InterfaceSettingsForm;
using recovery::InterfaceState;
using recovery::LinkKind;
using recovery::NetworkState;
using recovery::SettingsField;
using recovery::SettingsKey;

namespace {

// The form for eth0 with these three lines typed.
InterfaceSettingsForm typed(const std::string& address, const std::string& gateway = "", const std::string& dns = "") {
    InterfaceSettingsForm form("eth0");
    form.field(SettingsField::address).set_text(address);
    form.field(SettingsField::gateway).set_text(gateway);
    form.field(SettingsField::dns).set_text(dns);
    return form;
}

// What checked() says is wrong, and on which line ("" when nothing is).
std::pair<SettingsField, std::string> problem_of(const InterfaceSettingsForm& form) {
    const auto checked = form.checked();
    if (checked) return {SettingsField::apply, ""};
    return {checked.error().field, checked.error().text};
}

}  // namespace

TEST_CASE("IPv4 addresses are four numbers 0-255 and nothing else", "[wizard][network_settings]") {
    CHECK(recovery::parse_ipv4("10.0.2.15") == 0x0a00020fu);
    CHECK(recovery::parse_ipv4("0.0.0.0") == 0u);
    CHECK(recovery::parse_ipv4("255.255.255.255") == 0xffffffffu);
    for (const char* bad : {"", "10.0.2", "10.0.2.15.1", "10.0.2.256", "10.0.02.15", "10.0.2.-1", "10..2.15",
                            "10.0.2.15 ", " 10.0.2.15", "10.0.2.+1", "0x0a.0.2.15", "a.b.c.d", "10.0.2.15/24",
                            "4294967296.0.0.1"})
        CHECK_FALSE(recovery::parse_ipv4(bad));
    CHECK(recovery::ipv4_text(0x0a00020f) == "10.0.2.15");
    CHECK(recovery::ipv4_text(0xffffffff) == "255.255.255.255");
}

TEST_CASE("a good static address becomes the change to make", "[wizard][network_settings]") {
    const auto change = typed(" 192.168.1.50/24 ", "192.168.1.1", "192.168.1.53").checked();
    REQUIRE(change);
    CHECK(change->interface == "eth0");
    CHECK(change->address == 0xc0a80132u);
    CHECK(change->prefix == 24);
    CHECK(change->gateway == 0xc0a80101u);
    CHECK(change->dns == 0xc0a80135u);

    const auto mask = typed("10.1.2.3/255.255.0.0").checked();  // a netmask for the prefix
    REQUIRE(mask);
    CHECK(mask->prefix == 16);
    CHECK_FALSE(mask->gateway);
    CHECK_FALSE(mask->dns);

    // /31 and /32 have no network or broadcast address of their own.
    const auto point_to_point = typed("10.0.0.0/31", "10.0.0.1").checked();
    REQUIRE(point_to_point);
    CHECK(point_to_point->gateway == 0x0a000001u);
    CHECK(typed("10.0.0.255/32").checked());
    // A DNS server outside the network is reached through the gateway; one on this machine too.
    CHECK(typed("192.168.1.50/24", "192.168.1.1", "8.8.8.8").checked());
    CHECK(typed("192.168.1.50/24", "", "127.0.0.53").checked());
}

TEST_CASE("every wrong address says what is wrong and on which line", "[wizard][network_settings]") {
    struct Case {
        std::string address, gateway, dns;
        SettingsField field;
        std::string says;
    };
    const std::vector<Case> cases{
        {"", "", "", SettingsField::address, "Type the address and its prefix, e.g. 192.168.1.50/24."},
        {"192.168.1.50", "", "", SettingsField::address, "Add the prefix length after a slash, e.g. 192.168.1.50/24"},
        {"192.168.1.300/24", "", "", SettingsField::address, "The address '192.168.1.300' is not an IPv4 address"},
        {"192.168.1.50/33", "", "", SettingsField::address, "The prefix '33' is not a number from 1 to 32"},
        {"192.168.1.50/0", "", "", SettingsField::address, "The prefix '0' is not a number from 1 to 32"},
        {"192.168.1.50/", "", "", SettingsField::address, "The prefix '' is not a number from 1 to 32"},
        {"192.168.1.50/255.0.255.0", "", "", SettingsField::address, "The prefix '255.0.255.0' is not a number"},
        {"192.168.1.0/24", "", "", SettingsField::address,
         "192.168.1.0 is the network's own address of 192.168.1.0/24: a machine's is one of 192.168.1.1 to 192.168.1.254."},
        {"192.168.1.255/24", "", "", SettingsField::address, "192.168.1.255 is the broadcast address of 192.168.1.0/24"},
        {"127.0.0.5/8", "", "", SettingsField::address, "127.0.0.5 cannot be this machine's address: it is a loopback"},
        {"0.1.2.3/8", "", "", SettingsField::address, "0.1.2.3 cannot be this machine's address"},
        {"224.0.0.9/24", "", "", SettingsField::address, "it is a multicast address"},
        {"250.1.1.1/24", "", "", SettingsField::address, "it is a reserved or broadcast address"},
        {"192.168.1.50/24", "192.168.1", "", SettingsField::gateway, "The gateway '192.168.1' is not an IPv4 address"},
        {"192.168.1.50/24", "192.168.2.1", "", SettingsField::gateway,
         "The gateway 192.168.2.1 is not a machine in this address's network 192.168.1.0/24 (192.168.1.1 to "
         "192.168.1.254): it could not be reached."},
        {"192.168.1.50/24", "192.168.1.255", "", SettingsField::gateway, "The gateway 192.168.1.255 is not a machine"},
        {"192.168.1.50/24", "192.168.1.0", "", SettingsField::gateway, "The gateway 192.168.1.0 is not a machine"},
        {"192.168.1.50/24", "192.168.1.50", "", SettingsField::gateway, "not this one's own address"},
        {"10.0.0.5/32", "10.0.0.6", "", SettingsField::gateway, "network 10.0.0.5/32: it could not be reached"},
        {"192.168.1.50/24", "192.168.1.1", "dns.lan", SettingsField::dns, "The DNS server 'dns.lan' is not an IPv4 address"},
        {"192.168.1.50/24", "192.168.1.1", "239.1.1.1", SettingsField::dns, "239.1.1.1 cannot be a DNS server"},
        {"192.168.1.50/24", "192.168.1.1", "0.0.0.0", SettingsField::dns, "0.0.0.0 cannot be a DNS server"},
    };
    for (const auto& c : cases) {
        INFO(c.address << " | " << c.gateway << " | " << c.dns);
        const auto [field, text] = problem_of(typed(c.address, c.gateway, c.dns));
        CHECK(field == c.field);
        CHECK_THAT(text, Catch::Contains(c.says));
    }
}

TEST_CASE("the commands that set an address are exact argv lists", "[wizard][network_settings]") {
    recovery::StaticAddress address{"enp0s3", 0xc0a80132, 24, 0xc0a80101, 0xc0a80135};
    using Argv = std::vector<std::string>;
    const std::vector<Argv> expected{
        {"ip", "link", "set", "dev", "enp0s3", "up"},
        {"ip", "-4", "addr", "flush", "dev", "enp0s3"},
        {"ip", "addr", "add", "192.168.1.50/24", "broadcast", "+", "dev", "enp0s3"},
        {"ip", "route", "replace", "default", "via", "192.168.1.1", "dev", "enp0s3"},
    };
    CHECK(recovery::static_address_commands(address) == expected);
    address.gateway.reset();  // no gateway: no route changed
    CHECK(recovery::static_address_commands(address) == std::vector<Argv>(expected.begin(), expected.end() - 1));
    CHECK(recovery::dhcp_client_command("enp0s3") == Argv{"udhcpc", "-i", "enp0s3", "-b", "-t", "5", "-T", "2", "-S"});
    CHECK(recovery::resolv_conf_text(0xc0a80135) == "# Written by Lifeboat's network settings.\nnameserver 192.168.1.53\n");
}

TEST_CASE("the default route, DNS servers and udhcpc's interface are read from the system's text",
          "[wizard][network_settings]") {
    // /proc/net/route as Linux writes it on x86 (10.0.2.2 is 0202000A).
    const std::string route =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth1\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n"
        "eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
    const auto gateway = recovery::default_route(route);
    REQUIRE(gateway);
    CHECK(gateway->first == "10.0.2.2");  // the lower metric
    CHECK(gateway->second == "eth0");
    CHECK_FALSE(recovery::default_route("Iface\tDestination\tGateway\n"
                                        "eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"));

    const std::string resolv_conf = "# from DHCP\nsearch lan\nnameserver 10.0.2.3\n  nameserver\t1.1.1.1 \nnameserverx 9.9.9.9\n";
    CHECK(recovery::nameservers(resolv_conf) == std::vector<std::string>{"10.0.2.3", "1.1.1.1"});
    CHECK(recovery::nameservers("").empty());

    using Argv = std::vector<std::string>;
    // initramfs/init's
    CHECK(recovery::dhcp_client_interface(Argv{"udhcpc", "-i", "enp0s3", "-b", "-t", "5"}) == "enp0s3");
    CHECK(recovery::dhcp_client_interface(Argv{"udhcpc", "-b", "-ienp1s0"}) == "enp1s0");
    CHECK(recovery::dhcp_client_interface(Argv{"udhcpc", "--interface", "wan"}) == "wan");
    CHECK(recovery::dhcp_client_interface(Argv{"udhcpc", "--interface=lan"}) == "lan");
    CHECK(recovery::dhcp_client_interface(Argv{"udhcpc", "-b"}) == "eth0");  // udhcpc's own default
    CHECK(recovery::dhcp_client_interface(Argv{"/sbin/udhcpc", "-S", "-i"}) == "eth0");
}

TEST_CASE("the screens say each interface's link and addresses", "[wizard][network_settings]") {
    NetworkState state;
    state.interfaces = {
        {"eth0", LinkKind::wired, true, true, {"10.0.2.15/24"}, true},
        {"eth1", LinkKind::wired, true, false, {}, true},
        {"veth-lab", LinkKind::other, true, true, {"10.88.0.7/24", "10.89.0.7/16"}, false},
        {"wlan0", LinkKind::wireless, false, false, {}, false},
    };
    CHECK(recovery::link_text(state.interfaces[0]) == "wired, cable in");
    CHECK(recovery::link_text(state.interfaces[1]) == "wired, no cable");
    CHECK(recovery::link_text(state.interfaces[2]) == "virtual, link up");
    CHECK(recovery::link_text(state.interfaces[3]) == "wireless, down");
    CHECK(recovery::addresses_text(state.interfaces[0]) == "10.0.2.15/24 by DHCP");
    CHECK(recovery::addresses_text(state.interfaces[1]) == "no address, DHCP asking");
    CHECK(recovery::addresses_text(state.interfaces[2]) == "10.88.0.7/24, 10.89.0.7/16");
    CHECK(recovery::addresses_text(state.interfaces[3]) == "no address");
    CHECK(recovery::network_summary(state) ==
          "eth0 10.0.2.15/24, eth1 no address, veth-lab 10.88.0.7/24 10.89.0.7/16, wlan0 no address");
    CHECK(recovery::network_summary(NetworkState{}) == "no network interface");

    const auto items = recovery::interface_list_items(state);
    REQUIRE(items.size() == 4);
    CHECK(items[0].text == "eth0            wired, cable in    10.0.2.15/24 by DHCP");
    CHECK(items[2].text == "veth-lab        virtual, link up   10.88.0.7/24, 10.89.0.7/16");
    CHECK(items[3].selectable);

    CHECK(recovery::routing_text(state) == "Default gateway none   DNS none");
    state.gateway = "10.0.2.2";
    state.gateway_interface = "eth0";
    state.dns_servers = {"10.0.2.3", "1.1.1.1"};
    CHECK(recovery::routing_text(state) == "Default gateway 10.0.2.2 (eth0)   DNS 10.0.2.3, 1.1.1.1");

    CHECK(recovery::find_interface(state, "eth1") == &state.interfaces[1]);
    CHECK(recovery::find_interface(state, "eth9") == nullptr);
    CHECK(recovery::dhcp_outcome("eth0", &state.interfaces[0]) == "DHCP gave eth0 10.0.2.15/24.");
    CHECK_THAT(recovery::dhcp_outcome("eth1", &state.interfaces[1]),
               Catch::StartsWith("No DHCP server has answered on eth1 yet; udhcpc goes on asking"));
    CHECK(recovery::dhcp_outcome("eth9", nullptr) == "eth9 is no longer there (unplugged?).");
}

TEST_CASE("the interface form walks DHCP, the three lines and Use this address", "[wizard][network_settings]") {
    InterfaceSettingsForm form("eth0");
    CHECK(form.focus() == SettingsField::dhcp);
    CHECK(form.handle_key('x') == SettingsKey::ignored);
    CHECK(form.handle_key('\n') == SettingsKey::ask_dhcp);
    CHECK(form.handle_key(KEY_UP) == SettingsKey::changed);
    CHECK(form.focus() == SettingsField::dhcp);  // the first line
    CHECK(form.handle_key(KEY_DOWN) == SettingsKey::changed);
    for (const char c : std::string("10.9.8.7/24")) REQUIRE(form.handle_key(c) == SettingsKey::changed);
    CHECK(form.handle_key('\n') == SettingsKey::changed);  // Enter moves on
    CHECK(form.focus() == SettingsField::gateway);
    CHECK(form.handle_key(recovery::kKeyTab) == SettingsKey::changed);
    CHECK(form.focus() == SettingsField::dns);
    CHECK(form.handle_key('\n') == SettingsKey::changed);
    CHECK(form.focus() == SettingsField::apply);
    CHECK(form.handle_key(KEY_DOWN) == SettingsKey::changed);
    CHECK(form.focus() == SettingsField::apply);  // the last line
    CHECK(form.handle_key('\r') == SettingsKey::apply);
    CHECK(form.field(SettingsField::address).text() == "10.9.8.7/24");
    const auto change = form.checked();
    REQUIRE(change);
    CHECK(change->address == 0x0a090807u);
    CHECK(form.handle_key(KEY_BTAB) == SettingsKey::changed);
    CHECK(form.focus() == SettingsField::dns);
    CHECK(form.handle_key(recovery::kKeyEsc) == SettingsKey::cancelled);
    form.set_status("Done", false);
    CHECK(form.status() == "Done");
    CHECK_FALSE(form.status_is_problem());
}
