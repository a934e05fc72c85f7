// The start screen's model: the text it draws, the cursor, scrolling, keys.
#include "../../recovery/start_screen_model.hpp"

#include "imager/version.hpp"

#include <catch2/catch.hpp>

// Only the KEY_* codes the screen receives; no ncurses calls here.
#define NCURSES_NOMACROS
#include <curses.h>

#include <string>
#include <vector>

using imager::devices::Device;
using imager::devices::Filesystem;
using imager::devices::Partition;
using imager::devices::Transport;
using recovery::KeyResult;
using recovery::StartScreenModel;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kGiB = 1024 * kMiB;

Partition part(int number, std::uint64_t size, std::string fs, std::string label, std::string type = {}) {
    Partition p;
    p.number = number;
    p.size = size;
    p.type = std::move(type);
    if (!fs.empty()) p.filesystem = Filesystem{std::move(fs), std::move(label), "uuid", ""};
    return p;
}

Device disk(std::string path, std::string model, std::uint64_t size, Transport t, std::vector<Partition> parts) {
    Device d;
    d.path = std::move(path);
    d.model = std::move(model);
    d.size = size;
    d.transport = t;
    d.table_type = parts.empty() ? "" : "gpt";
    d.partitions = std::move(parts);
    return d;
}

std::vector<Device> two_disks() {
    return {disk("/dev/nvme0n1", "Samsung SSD 970 EVO Plus 1TB", 1000 * kGiB, Transport::nvme,
                 {part(1, 512 * kMiB, "vfat", "EFI", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"),
                  part(2, 100 * kGiB, "ext4", "root", "0fc63daf-8483-4772-8e79-3d69d8477de4")}),
            disk("/dev/sdb", "Ultra USB 3.0", 16 * kGiB, Transport::usb,
                 {part(1, 16 * kGiB - kMiB, "exfat", "STICK")})};
}

// Ten disks of four partitions, five lines each: 50 lines, more than a 24-row screen shows.
std::vector<Device> many_disks() {
    std::vector<Device> devices;
    for (int i = 0; i < 10; ++i) {
        std::vector<Partition> parts;
        for (int p = 1; p <= 4; ++p) parts.push_back(part(p, kGiB, "ext4", "d" + std::to_string(i) + "p" + std::to_string(p)));
        devices.push_back(disk("/dev/sd" + std::string(1, static_cast<char>('a' + i)), "Disk", 4 * kGiB,
                               Transport::sata, std::move(parts)));
    }
    return devices;
}

std::vector<std::string> texts(const StartScreenModel& m) {
    std::vector<std::string> out;
    for (const auto& row : m.rows()) out.push_back(row.text);
    return out;
}

// The disk list, as Browse disks shows it.
StartScreenModel at_80x24(std::vector<Device> devices, std::string error = {}) {
    StartScreenModel m(std::move(devices), std::move(error));
    m.resize(24, 80);
    m.show_disks();
    return m;
}

}  // namespace

TEST_CASE("recovery start screen: the lines show disks and their partitions", "[recovery]") {
    const auto m = at_80x24(two_disks());
    const auto rows = texts(m);
    REQUIRE(rows.size() == 24);
    CHECK(rows[0] == "Restore wizard: disks on this machine (2 disks)");
    CHECK(rows[1] == "  Disk             Model                              Size  Bus    Table");
    CHECK(rows[2] == "> /dev/nvme0n1     Samsung SSD 970 EVO Plus 1TB 1000.0 GiB  nvme   gpt");
    CHECK(rows[3] == "        1  vfat      EFI                         512.0 MiB  EFI System");
    CHECK(rows[4] == "        2  ext4      root                        100.0 GiB  Linux filesystem");
    CHECK(rows[5] == "  /dev/sdb         Ultra USB 3.0                  16.0 GiB  usb    gpt");
    CHECK(rows[6] == "        1  exfat     STICK                        16.0 GiB");
    for (std::size_t r = 7; r < 23; ++r) CHECK(rows[r].empty());
    CHECK(rows[23] == std::string("Lifeboat ") + imager::version + "  Up/Down: move  PgUp/PgDn: scroll  Esc: back");
    CHECK(m.rows()[0].style == recovery::Style::title);
    CHECK(m.rows()[2].selected);
    CHECK(m.rows()[2].style == recovery::Style::disk);
    CHECK(m.rows()[23].style == recovery::Style::status);
}

TEST_CASE("recovery start screen: disks without partitions get a note", "[recovery]") {
    Device whole = disk("/dev/sdc", "", 8 * kGiB, Transport::usb, {});
    whole.filesystem = Filesystem{"ext4", "BACKUP", "u", ""};
    Device broken = disk("/dev/sdd", "Bad", kGiB, Transport::sata, {});
    broken.probe_error = "read /dev/sdd at 0x0: Input/output error";
    Device empty = disk("/dev/sde", "New", kGiB, Transport::sata, {});
    const auto rows = texts(at_80x24({whole, broken, empty}));
    CHECK(rows[2] == "> /dev/sdc         -                               8.0 GiB  usb    -");
    CHECK(rows[3] == "        -  ext4      BACKUP                        8.0 GiB  whole disk");
    CHECK(rows[5] == "      cannot read: read /dev/sdd at 0x0: Input/output error");
    CHECK(rows[7] == "      empty: no partition table, no filesystem");
}

TEST_CASE("recovery start screen: no disks, or discovery failed", "[recovery]") {
    CHECK(texts(at_80x24({}))[2] == "> No disks found.");
    const auto failed = at_80x24({}, "scan /sys/block: Permission denied");
    CHECK(texts(failed)[2] == "> Cannot list the disks: scan /sys/block: Permission denied");
    CHECK(failed.selected_device() == nullptr);
}

TEST_CASE("recovery start screen: rows fit the width and stay printable", "[recovery]") {
    auto devices = two_disks();
    devices[0].model = "Bad\x1b[31m\xc3\xa9model";
    StartScreenModel m(devices);
    m.resize(24, 40);
    m.show_disks();
    const auto rows = texts(m);
    CHECK(rows[2] == "> /dev/nvme0n1     Bad?[31m??model");
    for (const auto& row : rows) {
        CHECK(row.size() <= 40);
        for (const char c : row) CHECK((c >= 0x20 && c < 0x7f));
    }
}

TEST_CASE("recovery start screen: arrows move the cursor over lines", "[recovery]") {
    auto m = at_80x24(two_disks());
    CHECK(m.handle_key(KEY_UP) == KeyResult::ignored);  // already at the top
    CHECK(m.handle_key(KEY_DOWN) == KeyResult::changed);
    CHECK(m.selection() == 1);
    CHECK(texts(m)[3].starts_with("> "));
    CHECK(texts(m)[2].starts_with("  /dev/nvme0n1"));
    REQUIRE(m.selected_device() != nullptr);
    CHECK(m.selected_device()->path == "/dev/nvme0n1");  // a partition's line selects its disk
    CHECK(m.handle_key(KEY_END) == KeyResult::changed);
    CHECK(m.selection() == 4);
    CHECK(m.selected_device()->path == "/dev/sdb");
    CHECK(m.handle_key(KEY_DOWN) == KeyResult::ignored);  // already at the bottom
    CHECK(m.handle_key(KEY_HOME) == KeyResult::changed);
    CHECK(m.selection() == 0);
    CHECK(m.handle_key('x') == KeyResult::ignored);
}

TEST_CASE("recovery start screen: a long list scrolls past 24 lines", "[recovery]") {
    auto m = at_80x24(many_disks());
    REQUIRE(m.lines().size() == 50);
    REQUIRE(m.list_rows() == 21);
    auto rows = texts(m);
    CHECK(rows[22] == "  /dev/sde         Disk                            4.0 GiB  sata   gpt");  // line 20
    CHECK(rows[23].ends_with(" 1-21/50"));

    CHECK(m.handle_key(KEY_NPAGE) == KeyResult::changed);
    CHECK(m.scroll() == 21);
    CHECK(m.selection() == 21);
    rows = texts(m);
    CHECK(rows[2] == ">       1  ext4      d4p1                          1.0 GiB");  // line 21
    CHECK(rows[23].ends_with(" 22-42/50"));

    CHECK(m.handle_key(KEY_NPAGE) == KeyResult::changed);
    CHECK(m.scroll() == 29);  // the last page ends at the last line
    CHECK(m.selection() == 42);
    CHECK(m.handle_key(KEY_END) == KeyResult::changed);
    rows = texts(m);
    CHECK(rows[22] == ">       4  ext4      d9p4                          1.0 GiB");  // line 49
    CHECK(rows[23].ends_with(" 30-50/50"));

    CHECK(m.handle_key(KEY_PPAGE) == KeyResult::changed);
    CHECK(m.scroll() == 8);
    CHECK(m.selection() == 28);
    // Up from the top of the window scrolls one line.
    for (int i = 0; i < 21; ++i) (void)m.handle_key(KEY_UP);
    CHECK(m.selection() == 7);
    CHECK(m.scroll() == 7);
    CHECK(texts(m)[2].starts_with(">       2  ext4      d1p2"));
}

TEST_CASE("recovery start screen: a resize keeps the cursor in view", "[recovery]") {
    auto m = at_80x24(many_disks());
    (void)m.handle_key(KEY_END);
    m.resize(10, 80);
    CHECK(m.list_rows() == 7);
    CHECK(m.scroll() == 43);
    const auto rows = texts(m);
    REQUIRE(rows.size() == 10);
    CHECK(rows[8].starts_with(">       4  ext4      d9p4"));
    CHECK(rows[9].starts_with("Lifeboat "));
    m.resize(3, 80);
    CHECK(texts(m)[0] == "Lifeboat: terminal too small");
}

TEST_CASE("recovery start screen: q, Q and Esc leave the disk list, then quit", "[recovery]") {
    auto m = at_80x24(two_disks());
    for (const int key : {int('q'), int('Q'), 27}) {
        m.show_disks();
        CHECK(m.handle_key(key) == KeyResult::changed);
        CHECK(m.mode() == StartScreenModel::Mode::actions);
        CHECK(m.handle_key(key) == KeyResult::quit);
    }
    m.show_disks();
    CHECK(m.handle_key(KEY_ENTER) == KeyResult::ignored);
    CHECK(m.handle_key('w') == KeyResult::ignored);
}

TEST_CASE("recovery start screen: the actions above the disks", "[recovery]") {
    StartScreenModel m(two_disks());
    m.resize(24, 80);
    REQUIRE(m.mode() == StartScreenModel::Mode::actions);
    const auto rows = texts(m);
    REQUIRE(rows.size() == 24);
    CHECK(rows[0] == std::string("Lifeboat ") + imager::version + ": rescue and restore disks");
    CHECK(rows[2] == "> 1. Restore a system image   put an image back onto a disk");
    CHECK(rows[3] == "  2. Capture a system image   save a whole disk into an image file");
    CHECK(rows[4] == "  3. Verify an image          check that every part of an image is whole");
    CHECK(rows[5] == "  4. Browse disks             the disks and partitions (changes nothing)");
    CHECK(rows[6] == "  5. Shell                    a command line; type exit to come back");
    CHECK(rows[7] == "  6. Reboot                   restart the machine");
    CHECK(rows[8] == "  7. Power off                switch the machine off");
    CHECK(rows[10] == "Disks on this machine (2 disks)");
    CHECK(rows[11] == "  /dev/nvme0n1     Samsung SSD 970 EVO Plus 1TB 1000.0 GiB  nvme   gpt");
    CHECK(rows[12] == "        1  vfat      EFI                         512.0 MiB  EFI System");
    CHECK(rows[15] == "        1  exfat     STICK                        16.0 GiB");
    CHECK(rows[23] == std::string("Lifeboat ") + imager::version + "  Up/Down: move  Enter: choose  1-7: choose  q: quit");
    CHECK(m.rows()[2].selected);
    CHECK(m.rows()[23].style == recovery::Style::status);

    CHECK(m.handle_key(KEY_UP) == KeyResult::ignored);
    CHECK(m.handle_key(KEY_DOWN) == KeyResult::changed);
    CHECK(texts(m)[3].starts_with("> 2. Capture"));
    CHECK(m.handle_key('\n') == KeyResult::action);
    CHECK(m.chosen_action() == recovery::StartAction::capture);
    CHECK(m.handle_key(KEY_END) == KeyResult::changed);
    CHECK(m.chosen_action() == recovery::StartAction::power_off);
    CHECK(m.handle_key(KEY_DOWN) == KeyResult::ignored);
    CHECK(m.handle_key('1') == KeyResult::action);
    CHECK(m.chosen_action() == recovery::StartAction::restore);
    CHECK(m.handle_key('8') == KeyResult::ignored);
    // Browse disks is this screen's own mode, not an action for the wizard.
    CHECK(m.handle_key('4') == KeyResult::changed);
    CHECK(m.mode() == StartScreenModel::Mode::disks);
    CHECK(texts(m)[0] == "Restore wizard: disks on this machine (2 disks)");
    m.show_actions();
    m.select_action(recovery::StartAction::verify);
    CHECK(texts(m)[4].starts_with("> 3. Verify"));
}

TEST_CASE("recovery start screen: many disks below the actions end with a note", "[recovery]") {
    StartScreenModel m(many_disks());
    m.resize(24, 80);
    const auto rows = texts(m);
    CHECK(rows[21] == "  /dev/sdc         Disk                            4.0 GiB  sata   gpt");
    CHECK(rows[22] == "  ... 39 more lines: choose Browse disks to see them all");
    for (const auto& row : rows) CHECK(row.size() <= 80);
}
