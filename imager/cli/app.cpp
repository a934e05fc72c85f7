#include "app.hpp"

#include "disks_command.hpp"
#include "exit_codes.hpp"
#include "imager/version.hpp"
#include "recovery/wizard.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>

namespace cli {

namespace {

constexpr const char* kExitCodes =
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 image damaged, 4 target refused,\n"
    "5 not enough space, 6 cancelled, 7 not found, 8 permission denied, 9 unsupported.\n"
    "With no command on a terminal, lifeboat starts the restore wizard.";

struct Commands {
    DisksOptions disks;
    std::string help_topic;
};

void add_commands(CLI::App& app, Commands& c) {
    auto* disks = app.add_subcommand("disks", "List disks with their partitions and filesystems");
    disks->footer(
        "Lists every disk the kernel exposes (not ram/zram, not unattached loop devices), or only\n"
        "the devices and disk-image files named. Partitions come from the table on the device\n"
        "itself, and filesystems are probed at each partition's offset, so this works even\n"
        "where the kernel has not parsed the table.");
    disks->add_flag("--json", c.disks.json, "Print JSON instead of a table");
    disks->add_option("PATH", c.disks.paths, "Block devices or disk-image files to describe");

    auto* help = app.add_subcommand("help", "Show the help of a command");
    help->add_option("COMMAND", c.help_topic, "The command to explain");
}

int print_help_topic(CLI::App& app, const std::string& topic) {
    if (topic.empty()) {
        std::cout << app.help();
        return exit_ok;
    }
    for (auto* sub : app.get_subcommands({}))
        if (sub->get_name() == topic) {
            std::cout << sub->help();
            return exit_ok;
        }
    std::cerr << "lifeboat: no command called '" << topic << "'\n\n" << app.help();
    return exit_usage;
}

}  // namespace

int report(const imager::Error& error) {
    std::cerr << "lifeboat: " << error.message() << '\n';
    if (!error.hint.empty()) std::cerr << "  " << error.hint << '\n';
    return exit_code_for(error.code);
}

int run(int argc, char** argv) {
    CLI::App app{"Lifeboat captures and restores whole-disk system images.", "lifeboat"};
    app.set_version_flag("--version", std::string("lifeboat ") + imager::version);
    app.require_subcommand(0, 1);
    app.footer(kExitCodes);
    Commands commands;
    add_commands(app, commands);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return exit_ok;
    } catch (const CLI::CallForVersion&) {
        std::cout << app.version() << '\n';
        return exit_ok;
    } catch (const CLI::ParseError& e) {
        std::cerr << "lifeboat: " << e.what() << "\n\n" << app.help();
        return exit_usage;
    }

    const auto chosen = app.get_subcommands();
    if (chosen.empty()) {
        if (::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO)) return recovery::run_wizard();
        std::cerr << "lifeboat: no command given (the wizard needs a terminal)\n\n" << app.help();
        return exit_usage;
    }
    const std::string name = chosen.front()->get_name();
    if (name == "disks") return run_disks(commands.disks);
    if (name == "help") return print_help_topic(app, commands.help_topic);
    return exit_failure;  // every subcommand is dispatched above
}

}  // namespace cli
