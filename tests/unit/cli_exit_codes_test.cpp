// cli/exit_codes: the documented exit codes, which scripts depend on, and
// how errors and command lines map to them.
#include "app.hpp"
#include "exit_codes.hpp"
#include "terminal_io.hpp"
#include "imager/filesystems.hpp"
#include "imager/version.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Runs the CLI with argv, capturing what it prints.
struct Run {
    int code = -1;
    std::string out, err;
};

Run run(std::vector<std::string> args) {
    args.insert(args.begin(), "lifeboat");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    Run r;
    r.code = cli::run(static_cast<int>(args.size()), argv.data());
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

}  // namespace

TEST_CASE("exit codes: the documented numbers never change", "[cli][exit_codes]") {
    CHECK(cli::exit_ok == 0);
    CHECK(cli::exit_failure == 1);
    CHECK(cli::exit_usage == 2);
    CHECK(cli::exit_damaged == 3);
    CHECK(cli::exit_refused == 4);
    CHECK(cli::exit_no_space == 5);
    CHECK(cli::exit_cancelled == 6);
    CHECK(cli::exit_not_found == 7);
    CHECK(cli::exit_permission == 8);
    CHECK(cli::exit_unsupported == 9);
    CHECK(cli::exit_target_in_use == 10);
    CHECK(cli::exit_target_holds_image == 11);
    CHECK(cli::exit_sector_mismatch == 12);
    CHECK(cli::exit_boot_medium == 13);
    CHECK(cli::exit_target_changed == 14);
}

TEST_CASE("exit codes: each error class maps to its code", "[cli][exit_codes]") {
    using imager::Errc;
    CHECK(cli::exit_code_for(Errc::io) == 1);
    CHECK(cli::exit_code_for(Errc::internal) == 1);
    CHECK(cli::exit_code_for(Errc::invalid_argument) == 2);
    CHECK(cli::exit_code_for(Errc::damaged_image) == 3);
    CHECK(cli::exit_code_for(Errc::target_refused) == 4);
    CHECK(cli::exit_code_for(Errc::no_space) == 5);
    CHECK(cli::exit_code_for(Errc::cancelled) == 6);
    CHECK(cli::exit_code_for(Errc::not_found) == 7);
    CHECK(cli::exit_code_for(Errc::permission) == 8);
    CHECK(cli::exit_code_for(Errc::unsupported) == 9);
    CHECK(cli::exit_code_for(Errc::target_in_use) == 10);
    CHECK(cli::exit_code_for(Errc::target_holds_image) == 11);
    CHECK(cli::exit_code_for(Errc::sector_size_mismatch) == 12);
    CHECK(cli::exit_code_for(Errc::target_is_boot_medium) == 13);
    CHECK(cli::exit_code_for(Errc::target_changed) == 14);
}

TEST_CASE("exit codes: errno values reach the right code through sys_error", "[cli][exit_codes]") {
    CHECK(cli::exit_code_for(imager::sys_error("open /dev/sdz", ENOENT).code) == cli::exit_not_found);
    CHECK(cli::exit_code_for(imager::sys_error("open /dev/sda", EACCES).code) == cli::exit_permission);
    CHECK(cli::exit_code_for(imager::sys_error("open /dev/sda", EPERM).code) == cli::exit_permission);
    CHECK(cli::exit_code_for(imager::sys_error("write x", ENOSPC).code) == cli::exit_no_space);
    CHECK(cli::exit_code_for(imager::sys_error("read /dev/sda", EIO).code) == cli::exit_failure);
}

TEST_CASE("exit codes: report() prints the message and hint, returns the code", "[cli][exit_codes]") {
    std::ostringstream err;
    auto* old = std::cerr.rdbuf(err.rdbuf());
    imager::Error e = imager::sys_error("open /dev/sdz", ENOENT);
    e.hint = "check the device name with `lifeboat disks`";
    const int code = cli::report(e);
    std::cerr.rdbuf(old);
    CHECK(code == cli::exit_not_found);
    CHECK(err.str() == "lifeboat: open /dev/sdz: No such file or directory\n"
                       "  check the device name with `lifeboat disks`\n");
}

TEST_CASE("exit codes: report() puts what a failure left behind between the message and the hint",
          "[cli][exit_codes]") {
    std::ostringstream err;
    auto* old = std::cerr.rdbuf(err.rdbuf());
    imager::Error e = imager::sys_error("write /dev/sdb at 0x100000", EIO);
    e.aftermath = "/dev/sdb holds part of the image";
    e.hint = "check the disk";
    const int code = cli::report(e);
    std::cerr.rdbuf(old);
    CHECK(code == cli::exit_failure);
    CHECK(err.str() == "lifeboat: write /dev/sdb at 0x100000: Input/output error\n"
                       "  /dev/sdb holds part of the image\n"
                       "  check the disk\n");
}

TEST_CASE("exit codes: command lines", "[cli][exit_codes]") {
    SECTION("--version") {
        const auto r = run({"--version"});
        CHECK(r.code == 0);
        CHECK(r.out == std::string("lifeboat ") + imager::version + "\n");
    }
    SECTION("--help lists the commands and the exit codes") {
        const auto r = run({"--help"});
        CHECK(r.code == 0);
        CHECK(r.out.find("disks") != std::string::npos);
        CHECK(r.out.find("Exit codes: 0 ok, 1 failure, 2 usage") != std::string::npos);
    }
    SECTION("help COMMAND") {
        const auto r = run({"help", "disks"});
        CHECK(r.code == 0);
        CHECK(r.out.find("--json") != std::string::npos);
        const auto bad = run({"help", "nosuchcommand"});
        CHECK(bad.code == cli::exit_usage);
        CHECK(bad.err.find("no command called 'nosuchcommand'") != std::string::npos);
    }
    SECTION("an unknown option or command is a usage error") {
        CHECK(run({"--frobnicate"}).code == cli::exit_usage);
        CHECK(run({"frobnicate"}).code == cli::exit_usage);
        CHECK(run({"disks", "--frobnicate"}).code == cli::exit_usage);
    }
    SECTION("disks on a path that does not exist: not found, with a hint") {
        const auto r = run({"disks", "/nonexistent/lifeboat-test.img"});
        CHECK(r.code == cli::exit_not_found);
        CHECK(r.out.empty());
        CHECK(r.err.find("lifeboat: cannot describe /nonexistent/lifeboat-test.img: No such file or directory") == 0);
        CHECK(r.err.find("give a block device") != std::string::npos);
    }
    SECTION("disks on something neither a block device nor a file: usage") {
        const auto r = run({"disks", "/dev/null"});
        CHECK(r.code == cli::exit_usage);
        CHECK(r.err.find("neither a block device nor a regular file") != std::string::npos);
    }
}

TEST_CASE("filesystems: the table and --json say what the records say", "[cli][filesystems]") {
    const auto table = run({"filesystems"});
    REQUIRE(table.code == cli::exit_ok);
    CHECK(table.out.find("ext2/3/4          used blocks  shrinks and grows (resize2fs)\n") != std::string::npos);
    CHECK(table.out.find("FAT               used blocks  shrinks and grows (made again: mkfs.fat, mtools)\n") !=
          std::string::npos);
    CHECK(table.out.find("XFS               used blocks  grows to fill a larger disk (xfs_growfs, mounted); XFS "
                         "cannot shrink\n") != std::string::npos);
    CHECK(table.out.find("btrfs             used blocks  grows to fill a larger disk (btrfs filesystem resize max, "
                         "mounted); Lifeboat does not shrink btrfs\n") != std::string::npos);
    CHECK(table.out.find("exFAT             used blocks  keeps its size: exFAT has no tool that resizes it\n") !=
          std::string::npos);
    CHECK(table.out.find("other filesystems every byte   keeps its size") != std::string::npos);

    const auto printed = run({"filesystems", "--json"});
    REQUIRE(printed.code == cli::exit_ok);
    const auto j = nlohmann::json::parse(printed.out);
    const auto records = imager::filesystems::all();
    REQUIRE(j.size() == records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        INFO(records[i].name);
        CHECK(j[i]["name"] == std::string(records[i].name));
        CHECK(j[i]["used_blocks"] == (records[i].used_blocks != nullptr));
        CHECK(j[i]["blkid_types"].size() == records[i].blkid_types.size());
        CHECK(j[i]["media"]["programs"].size() == records[i].media_programs.size());
        CHECK(j[i]["checker"]["line"] == std::string(records[i].checker.line));
    }
    CHECK(j[0]["resize"]["shrink"][0] == nlohmann::json({{"line", "e2fsck -fy {device}"}, {"worst_exit", 1}}));
    CHECK(j[0]["mount"]["read_only_retry"] == "noload");
    CHECK(j[3]["mount"]["writer"] == "ntfs3");
}

TEST_CASE("progress: --progress=json gives no rate before a second of the step has passed", "[cli][progress]") {
    std::ostringstream out;
    auto* old = std::cout.rdbuf(out.rdbuf());
    {
        cli::CliProgress progress(cli::ProgressMode::json);
        progress.update({"capture", 1 << 20, 8 << 20});
        progress.update({"capture", 8 << 20, 8 << 20});  // the last update is always printed
    }
    std::cout.rdbuf(old);
    std::istringstream lines(out.str());
    std::string line;
    int printed = 0;
    while (std::getline(lines, line)) {
        INFO(line);
        const auto j = nlohmann::json::parse(line);
        CHECK(j["step"] == "capture");
        CHECK(j["bytes_per_second"].get<double>() == 0.0);  // microseconds apart: no rate to trust
        ++printed;
    }
    CHECK(printed == 2);
}
