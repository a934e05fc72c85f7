// The wizard's entry: terminal up, disks found, start screen, terminal down.
#include "recovery/wizard.hpp"

#include "imager/devices.hpp"
#include "start_screen.hpp"
#include "start_screen_model.hpp"
#include "terminal.hpp"

#include <cstdio>
#include <exception>
#include <utility>

namespace recovery {

namespace {

constexpr int kExitFailure = 1;

void print_error(const imager::Error& error) {
    std::fprintf(stderr, "lifeboat: %s\n", error.message().c_str());
    if (!error.hint.empty()) std::fprintf(stderr, "  %s\n", error.hint.c_str());
}

int run(Terminal& terminal) {
    show_start_message(terminal, "Looking for disks...");
    auto devices = imager::devices::list_devices();
    StartScreenModel model(devices ? std::move(*devices) : std::vector<imager::devices::Device>{},
                           devices ? std::string() : devices.error().message());
    return run_start_screen(terminal, model);
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
