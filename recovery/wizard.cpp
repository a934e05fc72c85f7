// The wizard's entry and main loop: terminal up, disks found, start screen,
// the chosen action's screens, back to the start screen; a signal ends it
// (Terminal's destructor gives the terminal back), Reboot and Power off
// restart the machine.
#include "recovery/wizard.hpp"

#include "capture_screens.hpp"
#include "flow_lock.hpp"
#include "imager/devices.hpp"
#include "restore_screens.hpp"
#include "screen_exit.hpp"
#include "start_screen.hpp"
#include "start_screen_model.hpp"
#include "system_actions.hpp"
#include "terminal.hpp"
#include "ui_kit.hpp"
#include "verify_screens.hpp"
#include "wizard_log.hpp"

#include <cstdio>
#include <exception>
#include <utility>

namespace recovery {

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitSignalBase = 128;

void print_error(const imager::Error& error) {
    std::fprintf(stderr, "lifeboat: %s\n", error.message().c_str());
    if (!error.hint.empty()) std::fprintf(stderr, "  %s\n", error.hint.c_str());
}

StartScreenModel load_start_screen(Terminal& terminal) {
    show_start_message(terminal, "Looking for disks...");
    auto devices = imager::devices::list_devices();
    return StartScreenModel(devices ? std::move(*devices) : std::vector<imager::devices::Device>{},
                            devices ? std::string() : devices.error().message());
}

// Asks first on the start screen (a result screen's button was the asking);
// returns only when the machine could not be restarted, after saying so.
void restart(Terminal& terminal, bool power_off, bool ask) {
    if (ask) {
        const auto yes = ask_yes_no(terminal, power_off ? "Power off" : "Reboot",
                                    power_off ? "Switch the machine off now?" : "Restart the machine now?",
                                    power_off ? "Power off" : "Reboot", "Back");
        if (!yes || !*yes) return;
    }
    show_message(terminal, power_off ? "Power off" : "Reboot", power_off ? "Switching off..." : "Restarting...");
    const std::string problem = restart_machine(terminal, power_off);
    if (!problem.empty()) (void)show_notice(terminal, power_off ? "Cannot power off" : "Cannot reboot", problem);
}

// What a flow's screens ended with; returns an exit code when the wizard must end.
std::optional<int> after_flow(Terminal& terminal, ScreenExit exit) {
    switch (exit) {
        case ScreenExit::signal: return kExitSignalBase + terminal.pending_signal();
        case ScreenExit::reboot: restart(terminal, false, false); break;
        case ScreenExit::power_off: restart(terminal, true, false); break;
        case ScreenExit::back: break;
    }
    if (terminal.pending_signal() != 0) return kExitSignalBase + terminal.pending_signal();
    return std::nullopt;
}

// A flow's screens, while no other console runs one (flow_lock.hpp); else a
// notice saying which does.
ScreenExit run_flow(Terminal& terminal, const std::string& flow, ScreenExit (*screens)(Terminal&)) {
    std::string holder;
    auto lock = FlowLock::take(flow, console_name(), holder);
    if (!lock) {
        (void)show_notice(terminal, "Lifeboat is busy",
                          "Lifeboat runs " + holder + ". Restore, Capture and Verify run one at a time, "
                          "because each uses the machine's disks. Wait until it has finished there, or "
                          "go on on that console.");
        return ScreenExit::back;
    }
    return screens(terminal);
}

int run(Terminal& terminal) {
    StartAction last = StartAction::restore;
    for (;;) {
        // Listed afresh each time: a restore or a USB stick plugged in changes them.
        StartScreenModel model = load_start_screen(terminal);
        model.select_action(last);
        const StartChoice choice = run_start_screen(terminal, model);
        if (choice.signal != 0) return kExitSignalBase + choice.signal;
        if (choice.quit) return 0;
        last = choice.action;
        ScreenExit exit = ScreenExit::back;
        switch (choice.action) {
            case StartAction::restore: exit = run_flow(terminal, "Restore", run_restore_screens); break;
            case StartAction::capture: exit = run_flow(terminal, "Capture", run_capture_screens); break;
            case StartAction::verify: exit = run_flow(terminal, "Verify", run_verify_screens); break;
            case StartAction::browse_disks: break;  // a mode of the start screen
            case StartAction::shell:
                if (const auto problem = run_shell(terminal, WizardLog::kDefaultPath); !problem.empty())
                    (void)show_notice(terminal, "No shell", problem);
                break;
            case StartAction::reboot: restart(terminal, false, true); break;
            case StartAction::power_off: restart(terminal, true, true); break;
        }
        if (const auto code = after_flow(terminal, exit)) return *code;
    }
}

}  // namespace

int run_wizard() {
    // Nothing may escape to the CLI; the Terminal's destructor has already
    // restored the terminal by the time a handler here runs.
    try {
        auto terminal = Terminal::open();
        if (!terminal) {
            print_error(terminal.error());
            return kExitFailure;
        }
        return run(**terminal);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lifeboat: the wizard failed: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "lifeboat: the wizard failed\n");
    }
    return kExitFailure;
}

}  // namespace recovery
