#include "app.hpp"

#include "safe_output.hpp"

#include "disks_command.hpp"
#include "filesystems_command.hpp"
#include "image_commands.hpp"
#include "list_command.hpp"
#include "exit_codes.hpp"
#include "imager/filesystems.hpp"
#include "imager/store_access.hpp"
#include "imager/version.hpp"
#include "recovery/wizard.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>

namespace cli {

namespace {

constexpr const char* kExitCodes =
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 image damaged, 4 target refused,\n"
    "5 not enough space, 6 cancelled, 7 not found, 8 permission denied, 9 unsupported;\n"
    "restore targets refused: 10 in use, 11 holds the image, 12 other sector size,\n"
    "13 Lifeboat's boot medium, 14 changed since chosen; 15 restored, but a filesystem\n"
    "was not grown as --grow asked.\n"
    "With no command on a terminal, lifeboat starts the restore wizard.";

struct Commands {
    imager::store::Access store;
    DisksOptions disks;
    ImageCommandOptions image;
    ListOptions list;
    bool filesystems_json = false;
    std::string help_topic;
};

void add_progress_options(CLI::App* cmd, ImageCommandOptions& o) {
    cmd->add_option("--threads", o.threads, "Worker threads (default: every core)")->check(CLI::Range(0u, 1024u));
    cmd->add_option("--progress", o.progress, "Progress on stderr: auto (a bar on a terminal), text, json (lines on stdout), none")
        ->check(CLI::IsMember({"auto", "text", "json", "none"}));
}

// Every command that takes an image or a folder can reach a network store.
void add_store_options(CLI::App* cmd, imager::store::Access& a) {
    cmd->add_option("--credentials", a.credentials_file,
                    "A network store's login, from a file of 'user = ...', 'password = ...' and, for ssh://, "
                    "'key = FILE' lines (s3://: also 'endpoint = URL', 'region = ...')");
    cmd->add_option("--ca", a.ca_file, "Trust the certificate authorities in this PEM file too (https://)");
    cmd->add_option("--host-key", a.host_key,
                    "The SSH server's host key fingerprint, as ssh-keygen -lf prints it: SHA256:... (ssh://)");
    cmd->add_option("--endpoint", a.endpoint,
                    "The S3-compatible service's URL, e.g. https://minio.lan:9000 (s3://; default: AWS for the region)");
}

void add_image_commands(CLI::App& app, ImageCommandOptions& o, imager::store::Access& a) {
    auto* capture = app.add_subcommand("capture", "Capture a filesystem or block device into an image");
    capture->add_option("--level", o.capture.level, "zstd compression level, 1 to 19 (default 3)")->check(CLI::Range(1, 19));
    capture->add_option("--split", o.split, "Cut the image into files of at most SIZE (4000M for FAT32)");
    capture->add_option("--note", o.capture.note, "A note stored in the image");
    capture->add_flag("--no-verify", o.no_verify, "Do not read the image back after writing it");
    capture->add_flag("--force", o.capture.force, "Replace an existing image");
    capture->add_flag("--all-gaps", o.capture.all_gaps,
                      "A whole disk: store every byte outside the partitions too (a forensic copy)");
    add_progress_options(capture, o);
    capture->add_option("SOURCE", o.capture.source, "Block device or file to capture")->required();
    add_store_options(capture, a);
    capture->add_option("IMAGE", o.capture.image, "Image file or URL to write")->required();
    capture->footer(
        "Stores only used blocks of ext2/3/4, FAT, exFAT and NTFS, and only the header of swap;\n"
        "anything else is read whole with zero runs stored as holes. Of a whole disk, what lies\n"
        "outside the partitions is stored where boot loaders and tables use it (before the first\n"
        "partition, EBRs, the ends of spaces between partitions, the backup GPT); free space after\n"
        "the last partition is left out unless --all-gaps. Writes IMAGE.partial and renames it\n"
        "when complete; a failed capture leaves nothing behind.");

    auto* restore = app.add_subcommand("restore", "Restore an image onto a block device or file");
    restore->add_flag("--yes", o.restore.assume_yes, "Overwrite the target without asking");
    restore->add_flag("--discard", o.restore.discard, "Discard the free space on the target");
    restore->add_flag("--dry-run", o.restore.dry_run, "Print the plan and check the target; write nothing");
    restore->add_option("--partition", o.restore.partition,
                        "Whole-disk image: restore only partition N onto TARGET (a partition or file)")
        ->check(CLI::Range(1, 128));
    restore->add_option("--expect-size", o.restore.expect_size,
                        "Refuse unless TARGET still has this many bytes (as when it was chosen)");
    restore->add_option("--expect-serial", o.restore.expect_serial, "Refuse unless TARGET still has this serial");
    restore->add_flag("--grow", o.restore.grow,
                      "Whole-disk image on a larger disk: grow the last partition and its filesystem (ext2/3/4, NTFS, FAT, swap)");
    restore->add_option("--size", o.sizes,
                        "Whole-disk image: give partition N this size on TARGET, e.g. 2=20G (repeat for others); "
                        "the partitions after it move")
        ->type_name("N=SIZE");
    add_progress_options(restore, o);
    add_store_options(restore, a);
    restore->add_option("IMAGE", o.restore.image, "Image file or URL to restore; - reads it from standard input")
        ->required();
    restore->add_option("TARGET", o.restore.target, "Block device or file (created when missing)")->required();
    restore->footer(
        "Checks the target first (size, sector size, mounted, holds the image, boot medium) and\n"
        "writes nothing if a check fails. A whole-disk image recreates the partition table\n"
        "exactly, with the boot code and every gap, on the same or a larger disk. Onto a smaller\n"
        "disk, " + imager::filesystems::resizable_titles() + " partitions shrink to fit (special ones, such as the\n"
        "EFI system partition, keep their size) and the partitions after them move; refused,\n"
        "writing nothing, when the data does not fit. Each chunk is checked before it is written;\n"
        "restore stops at the first damaged one. From standard input (-, e.g. a multicast\n"
        "receiver's output) each chunk is checked before it is written and the table only\n"
        "after the whole image has been checked; --yes is needed, as nobody can answer.");

    auto* verify = app.add_subcommand("verify", "Check an image's structure and every chunk");
    add_progress_options(verify, o);
    add_store_options(verify, a);
    verify->add_option("IMAGE", o.image, "Image file or URL to check; - reads it from standard input")->required();

    auto* info = app.add_subcommand("info", "Describe an image");
    info->add_flag("--json", o.json, "Print JSON");
    add_store_options(info, a);
    info->add_option("IMAGE", o.image, "Image file or URL to describe")->required();
}

void add_commands(CLI::App& app, Commands& c) {
    auto* disks = app.add_subcommand("disks", "List disks with their partitions and filesystems");
    disks->footer(
        "Lists every disk the kernel exposes (not ram/zram, not unattached loop devices), or only\n"
        "the devices and disk-image files named. Partitions come from the table on the device\n"
        "itself, and filesystems are probed at each partition's offset, so this works even\n"
        "where the kernel has not parsed the table.");
    disks->add_flag("--json", c.disks.json, "Print JSON instead of a table");
    disks->add_option("PATH", c.disks.paths, "Block devices or disk-image files to describe");

    add_image_commands(app, c.image, c.store);

    auto* list = app.add_subcommand("list", "List the images in folders, by machine, newest first");
    list->add_flag("--json", c.list.json, "Print JSON");
    add_store_options(list, c.store);
    list->add_option("FOLDER", c.list.places, "Folders or folder URLs to search (default: the current one)");
    list->footer(
        "Searches each FOLDER, its lifeboat/ folder and the folders one level below, as the\n"
        "wizard searches a disk. Images are grouped by the machine and disk they were captured\n"
        "from (host name and disk serial), newest first, with the date of their last successful\n"
        "verify; files that look like images but cannot be read are listed apart, with why.");

    auto* filesystems = app.add_subcommand("filesystems", "What Lifeboat does with each filesystem");
    filesystems->add_flag("--json", c.filesystems_json, "Print the whole records as JSON (the media build reads them)");
    filesystems->footer(
        "Captured by used blocks: only the blocks the filesystem uses are stored; every byte:\n"
        "the whole partition is stored (all-zero blocks take no room). On a new size: what a\n"
        "restore onto a smaller or larger disk does with it.");

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
    if (!error.aftermath.empty()) std::cerr << "  " << error.aftermath << '\n';
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
    if (::isatty(STDIN_FILENO)) {
        commands.store.ask_password = ask_secret;
        commands.store.confirm_host_key = confirm_on_terminal;
    }
    imager::store::configure(commands.store);
    const SafeOutput safe;  // text from images and disks reaches the terminal escaped
    if (name == "disks") return run_disks(commands.disks);
    if (name == "capture") return run_capture(commands.image);
    if (name == "restore") return run_restore(commands.image);
    if (name == "verify") return run_verify(commands.image);
    if (name == "info") return run_info(commands.image);
    if (name == "list") return run_list(commands.list);
    if (name == "filesystems") return run_filesystems(commands.filesystems_json);
    if (name == "help") return print_help_topic(app, commands.help_topic);
    return exit_failure;  // every subcommand is dispatched above
}

}  // namespace cli
