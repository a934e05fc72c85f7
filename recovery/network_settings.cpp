// The network settings screens; see network_settings.hpp.
#include "network_settings.hpp"

#include "system_actions.hpp"
#include "terminal.hpp"

#include <curses.h>

#include <algorithm>
#include <map>

namespace recovery {

namespace {

// Everything the screens show of a state: a change in it is worth a redraw.
std::string shown_text(const NetworkState& state) {
    std::string text = routing_text(state);
    for (const auto& item : interface_list_items(state)) text += "\n" + item.text;
    return text;
}

}  // namespace

const NetworkState& NetworkWatch::state() {
    if (!read_) refresh(true);
    return state_;
}

bool NetworkWatch::refresh(bool now) {
    const auto time = std::chrono::steady_clock::now();
    if (read_ && !now && time - read_at_ < std::chrono::seconds(2)) return false;
    state_ = read_network_state();
    read_ = true;
    read_at_ = time;
    std::string shown = shown_text(state_);
    const bool changed = shown != shown_;
    shown_ = std::move(shown);
    return changed;
}

namespace {

constexpr int kLabelWidth = 18;

// The form of each interface, kept for the next visit in this run of the wizard.
InterfaceSettingsForm& remembered_form(const std::string& interface) {
    static std::map<std::string, InterfaceSettingsForm> forms;
    return forms.try_emplace(interface, interface).first->second;
}

std::string settings_help(const InterfaceSettingsForm& form, const NetworkState& state) {
    const std::string& name = form.interface();
    switch (form.focus()) {
        case SettingsField::dhcp:
            return "Enter: stop " + name + "'s DHCP client and ask the network's DHCP server again (up to about 10 s).";
        case SettingsField::address:
            return "This machine's address and the network's prefix length, e.g. 192.168.1.50/24 (or /255.255.255.0).";
        case SettingsField::gateway:
            return "The router to other networks, in the same network; empty: no default route is set.";
        case SettingsField::dns:
            return "The server that turns names into addresses; empty: keep " +
                   (state.dns_servers.empty() ? std::string("none") : state.dns_servers.front()) + ".";
        case SettingsField::apply:
            return "Enter: stop " + name + "'s DHCP client and use this address (and the DNS server, if typed).";
    }
    return {};
}

void draw_interface_form(Terminal& terminal, InterfaceSettingsForm& form, NetworkWatch& network) {
    const NetworkState& state = network.state();
    draw_frame(terminal, "Network settings: " + form.interface(), "Up/Down: move  Enter: next / choose  Esc: back");
    int y = kContentTop + 1;
    const InterfaceState* now = find_interface(state, form.interface());
    draw_text(terminal, y++, 0,
              "Now: " + (now != nullptr ? link_text(*now) + "; " + addresses_text(*now) : std::string("no longer there")),
              Style::heading);
    draw_text(terminal, y++, 0, routing_text(state), Style::plain);
    ++y;
    const auto button = [&](SettingsField which, const std::string& text) {
        const bool focused = form.focus() == which;
        draw_row(terminal, y++, 2, Row{focused ? ">[ " + text + " ]<" : " [ " + text + " ] ", Style::plain, focused},
                 static_cast<int>(text.size()) + 6);
    };
    button(SettingsField::dhcp, "Ask DHCP again");
    ++y;
    draw_text(terminal, y++, 0, "Or an address typed in:", Style::note);
    const int width = std::min(terminal.cols() - kLabelWidth - 2, 32);
    const std::pair<SettingsField, const char*> fields[] = {
        {SettingsField::address, "Address/prefix"},
        {SettingsField::gateway, "Gateway"},
        {SettingsField::dns, "DNS server"}};
    for (const auto& [which, label] : fields) {
        const bool focused = form.focus() == which;
        draw_row(terminal, y, 0, Row{std::string(focused ? "> " : "  ") + label, Style::plain, focused}, kLabelWidth);
        if (focused) {
            draw_text_field(terminal, form.field(which), y++, kLabelWidth + 1, width);
        } else {
            int unused = 0;
            draw_text(terminal, y++, kLabelWidth + 1, form.field(which).visible(width, unused), Style::plain, width);
        }
    }
    ++y;
    button(SettingsField::apply, "Use this address");
    ++y;
    y += draw_wrapped(terminal, y, 0, settings_help(form, state), terminal.cols() - 1, 2, Style::note) + 1;
    if (const int rows_left = terminal.rows() - 1 - y; rows_left > 0 && !form.status().empty())
        draw_wrapped(terminal, y, 0, form.status(), terminal.cols() - 1, rows_left,
                     form.status_is_problem() ? Style::warning : Style::plain);
}

// One interface's form until Esc; false when a signal is pending.
bool run_interface_form(Terminal& terminal, const std::string& interface, NetworkWatch& network) {
    InterfaceSettingsForm& form = remembered_form(interface);
    const std::string title = "Network settings: " + interface;
    const auto draw = [&] { draw_interface_form(terminal, form, network); };
    for (;;) {
        const auto key = next_key(terminal, draw, [&] { return network.refresh(); });
        if (!key) return false;
        switch (form.handle_key(*key)) {
            case SettingsKey::cancelled: return true;
            case SettingsKey::ignored:
            case SettingsKey::changed: continue;
            case SettingsKey::ask_dhcp: {
                show_message(terminal, title,
                             "Asking for an address for " + interface + " by DHCP (up to about 10 seconds)...");
                const std::string problem = ask_dhcp_again(interface);
                network.refresh(true);
                if (!problem.empty()) form.set_status("Could not ask DHCP: " + problem, true);
                else form.set_status(dhcp_outcome(interface, find_interface(network.state(), interface)), false);
                break;
            }
            case SettingsKey::apply: {
                const auto change = form.checked();
                if (!change) {
                    form.set_status(change.error().text, true);
                    form.focus_on(change.error().field);
                    break;
                }
                show_message(terminal, title, "Setting the address of " + interface + "...");
                const std::string problem = set_static_address(*change);
                network.refresh(true);
                const InterfaceState* now = find_interface(network.state(), interface);
                if (!problem.empty()) form.set_status("Could not set the address: " + problem, true);
                else
                    form.set_status("Done: " + interface + " has " + (now != nullptr ? addresses_text(*now) : "gone") + ".",
                                    false);
                break;
            }
        }
        if (terminal.pending_signal() != 0) return false;
    }
}

void draw_interface_list(Terminal& terminal, ListMenu& list, const NetworkState& state) {
    draw_frame(terminal, "Network settings", "Up/Down: move  Enter: change  Esc: back");
    int y = kContentTop + 1;
    if (state.interfaces.empty()) {
        draw_wrapped(terminal, y, 0,
                     "This machine has no network interface: the rescue system's kernel has no driver for its network "
                     "card, or it has none. Esc goes back.",
                     terminal.cols() - 1, 3, Style::warning);
        return;
    }
    draw_text(terminal, y++, 2, "Interface       Link               IPv4 address", Style::heading);
    const int rows_for_list = content_height(terminal.rows()) - 8;
    list.set_height(std::clamp(static_cast<int>(state.interfaces.size()), 1, std::max(rows_for_list, 1)));
    draw_list(terminal, list, y);
    y += list.height() + 1;
    draw_text(terminal, y++, 0, routing_text(state), Style::plain);
    ++y;
    draw_wrapped(terminal, y, 0,
                 "Enter: ask DHCP again, or type an address, for the interface under the cursor. Every interface but "
                 "loopback is listed; at boot the rescue system asks DHCP on the wired ones.",
                 terminal.cols() - 1, 3, Style::note);
}

}  // namespace

void run_network_settings(Terminal& terminal) {
    NetworkWatch network;
    ListMenu list(interface_list_items(network.state()));
    const auto draw = [&] {
        list.set_items(interface_list_items(network.state()), list.cursor().value_or(0));
        draw_interface_list(terminal, list, network.state());
    };
    for (;;) {
        const auto key = next_key(terminal, draw, [&] { return network.refresh(); });
        if (!key) return;
        switch (list.handle_key(*key)) {
            case ListKey::cancelled: return;
            case ListKey::chosen:
                if (const auto at = list.cursor(); at && *at < network.state().interfaces.size()) {
                    const std::string name = network.state().interfaces[*at].name;
                    if (!run_interface_form(terminal, name, network)) return;
                    network.refresh(true);
                }
                break;
            case ListKey::moved:
            case ListKey::ignored: break;
        }
    }
}

}  // namespace recovery
