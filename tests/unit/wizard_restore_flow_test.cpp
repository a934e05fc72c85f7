// recovery/restore_flow: the Restore flow driven through a fake core, without
// a terminal: choose -> contents -> target (suggested) -> plan -> typed
// confirmation -> progress -> result; refusals as dialogs; a cancel.
#include "../../recovery/restore_flow.hpp"
#include "../../recovery/restore_screens.hpp"
#include "wizard_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace {

using recovery::RestoreFlow;
using wizard_test::FakeClock;
using wizard_test::update_of;
using recovery::RestoreStep;
namespace dsc = imager::discovery;
namespace dev = imager::devices;
using imager::Errc;

constexpr std::uint64_t GiB = 1ull << 30;

dev::Device disk(std::string name, std::uint64_t size, std::string serial) {
    dev::Device d;
    d.name = std::move(name);
    d.path = "/dev/" + d.name;
    d.size = size;
    d.serial = std::move(serial);
    d.model = "Disk " + d.name;
    return d;
}

// Records what the flow asked and answers what the test set up.
class FakeCore final : public recovery::RestoreCore {
public:
    dsc::ImageCatalog catalog;
    std::vector<dev::Device> disks;
    imager::Result<std::string> plan_answer = std::string("plan: partition 1 -> /dev/sdb\nerased: everything on sdb\n");
    std::vector<imager::RestoreOptions> planned;
    std::vector<imager::RestoreOptions> started;
    recovery::RestoreEvents* events = nullptr;
    int cancels = 0;
    imager::format::Manifest manifest =
        wizard_test::gpt_manifest(100 * GiB, {{1, 1 << 20, 100 * GiB - (2 << 20), "ext4", "root", 5 * GiB}});
    imager::Result<std::map<int, std::uint64_t>> minimums_answer = std::map<int, std::uint64_t>{{1, 6 * GiB}};
    int measured = 0;

    dsc::ImageCatalog find_images() override { return catalog; }
    imager::Result<dsc::ImageContents> read_contents(const std::string& image) override {
        for (const auto& m : catalog.machines)
            for (const auto& e : m.images)
                if (e.path == image) {
                    dsc::ImageContents c;
                    c.entry = e;
                    c.manifest = manifest;
                    return c;
                }
        return std::unexpected(imager::make_error(Errc::not_found, "open " + image));
    }
    imager::Result<std::vector<dev::Device>> list_disks() override { return disks; }
    imager::Result<std::map<int, std::uint64_t>> measure_minimums(const std::string&) override {
        ++measured;
        return minimums_answer;
    }
    imager::Result<std::string> plan(const imager::RestoreOptions& o) override {
        planned.push_back(o);
        return plan_answer;
    }
    void start(const imager::RestoreOptions& o, recovery::RestoreEvents& e) override {
        started.push_back(o);
        events = &e;
    }
    void cancel() override { ++cancels; }
    std::string log_path() const override { return "/run/lifeboat/lifeboat.log"; }
};

dsc::ImageEntry image(std::string path, std::string serial) {
    dsc::ImageEntry e;
    e.path = std::move(path);
    e.readable = true;
    e.host = "office";
    e.source_serial = std::move(serial);
    e.created = "2026-11-01T10:00:00Z";
    e.whole_disk = true;
    return e;
}

FakeCore standard_core() {
    FakeCore core;
    dsc::MachineImages office;
    office.host = "office";
    office.source_serial = "SERIAL-B";
    office.images.push_back(image("/run/lifeboat/sdc1/lifeboat/office.lbi", "SERIAL-B"));
    core.catalog.machines.push_back(office);
    dsc::ImageEntry broken;
    broken.path = "/run/lifeboat/sdc1/broken.lbi";
    broken.problem = "incomplete: no trailer";
    core.catalog.unreadable.push_back(broken);
    core.disks = {disk("sda", 500 * GiB, "SERIAL-A"), disk("sdb", 120 * GiB, "SERIAL-B"),
                  disk("sdc", 64 * GiB, "STICK")};
    core.disks[2].partitions.resize(1);
    core.disks[2].partitions[0].number = 1;
    core.disks[2].partitions[0].mountpoints = {"/run/lifeboat/sdc1"};
    return core;
}

// Drives the flow up to the plan shown for `target`.
void to_plan(RestoreFlow& flow, const std::string& target) {
    flow.open();
    REQUIRE(flow.step() == RestoreStep::choose_image);
    flow.choose_image("/run/lifeboat/sdc1/lifeboat/office.lbi");
    REQUIRE(flow.step() == RestoreStep::image_contents);
    flow.show_targets();
    REQUIRE(flow.step() == RestoreStep::choose_target);
    flow.choose_target(target);
}

// Drives the flow on to a running restore onto sdb.
void to_running(RestoreFlow& flow) {
    to_plan(flow, "/dev/sdb");
    flow.accept_plan();
    REQUIRE(flow.type_confirmation("sdb"));
}

}  // namespace

TEST_CASE("restore flow: chosen -> plan shown -> wrong name refused, right name accepted -> progress -> result",
          "[wizard][restore]") {
    FakeCore core = standard_core();
    FakeClock clock;
    RestoreFlow flow(core, clock.fn());
    flow.open();
    REQUIRE(flow.catalog().machines.size() == 1);
    flow.choose_image("/run/lifeboat/sdc1/lifeboat/office.lbi");
    REQUIRE(flow.step() == RestoreStep::image_contents);
    CHECK(flow.contents().manifest.streams.size() == 1);
    flow.show_targets();
    REQUIRE(flow.step() == RestoreStep::choose_target);
    REQUIRE(flow.targets().size() == 3);
    CHECK(flow.targets()[2].holds_image);
    REQUIRE(flow.suggested_target() == 1u);  // sdb: the serial the image was taken from
    CHECK(flow.suggestion_reason().find("SERIAL-B") != std::string::npos);

    flow.choose_target("/dev/sdb");
    REQUIRE(flow.step() == RestoreStep::show_plan);
    CHECK(flow.plan_text().find("erased") != std::string::npos);
    REQUIRE(core.planned.size() == 1);
    CHECK(core.planned[0].dry_run);
    CHECK(core.planned[0].image == "/run/lifeboat/sdc1/lifeboat/office.lbi");
    CHECK(core.planned[0].target == "/dev/sdb");
    CHECK(core.planned[0].expect_size == 120 * GiB);
    CHECK(core.planned[0].expect_serial == "SERIAL-B");

    flow.accept_plan();
    REQUIRE(flow.step() == RestoreStep::confirm);
    CHECK(flow.confirmation_word() == "sdb");
    CHECK_FALSE(flow.type_confirmation("sda"));
    CHECK(flow.step() == RestoreStep::confirm);
    CHECK(flow.confirm_problem().find("\"sda\" is not sdb") != std::string::npos);
    CHECK_FALSE(flow.type_confirmation(""));
    CHECK_FALSE(flow.type_confirmation("sd"));
    CHECK_FALSE(flow.type_confirmation("SDB"));
    CHECK(core.started.empty());  // nothing starts on a wrong name

    CHECK(flow.type_confirmation(" sdb\n"));
    REQUIRE(flow.step() == RestoreStep::running);
    CHECK(flow.confirm_problem().empty());
    REQUIRE(core.started.size() == 1);
    CHECK_FALSE(core.started[0].dry_run);
    CHECK(core.started[0].assume_yes);
    CHECK(core.started[0].expect_serial == "SERIAL-B");
    REQUIRE(core.events == &flow);

    core.events->on_progress(update_of("restore", 0, 10 * GiB));
    CHECK(flow.progress().bytes_per_second == 0);
    clock.now += 10;
    core.events->on_progress(update_of("restore", 2 * GiB, 10 * GiB));
    CHECK(flow.progress().fraction() == Approx(0.2));
    CHECK(flow.progress().elapsed_seconds == Approx(10));
    CHECK(flow.progress().bytes_per_second == Approx(2.0 * GiB / 10));
    REQUIRE(flow.progress().remaining_seconds.has_value());
    CHECK(*flow.progress().remaining_seconds == Approx(40));
    core.events->on_note("the kernel did not re-read the partition table");
    CHECK(flow.progress().notes.size() == 1);
    flow.back();  // Esc does not leave a running restore
    CHECK(flow.step() == RestoreStep::running);

    imager::RestoreReport report;
    report.data_bytes = 10 * GiB;
    core.events->on_finished(report);
    REQUIRE(flow.step() == RestoreStep::result);
    REQUIRE(flow.outcome() != nullptr);
    CHECK(flow.outcome()->success);
    CHECK(flow.outcome()->report.data_bytes == 10 * GiB);
    CHECK(flow.outcome()->log_path == "/run/lifeboat/lifeboat.log");
    CHECK(flow.outcome()->disk_condition.find("sdb now holds") != std::string::npos);
    flow.back();
    CHECK(flow.step() == RestoreStep::closed);
}

TEST_CASE("restore flow: a failed restore shows the error, its hint, the disk's condition and the log", "[wizard][restore]") {
    FakeCore core = standard_core();
    RestoreFlow flow(core);
    to_plan(flow, "/dev/sdb");
    flow.accept_plan();
    REQUIRE(flow.type_confirmation("/dev/sdb"));  // the path works too
    core.events->on_progress(update_of("restore", 3 * GiB, 10 * GiB));
    auto e = imager::make_error(Errc::damaged_image, "chunk 7 (stream 1, source offset 0x1c00000): hash mismatch");
    core.events->on_finished(std::unexpected(e));
    REQUIRE(flow.step() == RestoreStep::result);
    const auto* o = flow.outcome();
    REQUIRE(o != nullptr);
    CHECK_FALSE(o->success);
    CHECK(o->error.code == Errc::damaged_image);
    CHECK(o->what_to_do.find("another version") != std::string::npos);
    CHECK(o->disk_condition.find("partly overwritten") != std::string::npos);
    CHECK(o->log_path == "/run/lifeboat/lifeboat.log");
}

TEST_CASE("restore flow: the core's account of what the disk holds is the condition shown", "[wizard][restore]") {
    FakeCore core = standard_core();
    RestoreFlow flow(core);
    to_running(flow);
    core.events->on_progress(update_of("restore", 3 * GiB, 10 * GiB));
    auto e = imager::make_error(Errc::damaged_image, "chunk 7 (stream 1, source offset 0x1c00000): hash mismatch");
    e.aftermath = "/dev/sdb holds part of the image: the restore stopped after writing 3.0 GiB of 10.0 GiB";
    core.events->on_finished(std::unexpected(e));
    REQUIRE(flow.step() == RestoreStep::result);
    CHECK(flow.outcome()->disk_condition == e.aftermath + ".");
}

TEST_CASE("restore flow: refusals of the core become dialogs that say why and what to do", "[wizard][restore]") {
    struct Case {
        Errc code;
        const char* reason_has;
        const char* todo_has;
    };
    for (const auto& c : {Case{Errc::target_in_use, "in use", "unmount"},
                          Case{Errc::target_holds_image, "image is stored on sdb", "another disk"},
                          Case{Errc::sector_size_mismatch, "4096-byte sectors", "512-byte sectors"},
                          Case{Errc::target_is_boot_medium, "Lifeboat started from", "computer's own disk"},
                          Case{Errc::target_changed, "size or serial", "choose again"},
                          Case{Errc::no_space, "too small", "at least 100.0 GiB"},
                          Case{Errc::target_refused, "will not write to sdb", "another disk"}}) {
        INFO(imager::errc_name(c.code));
        FakeCore core = standard_core();
        core.disks[1].logical_sector_size = 4096;
        core.plan_answer = std::unexpected(imager::make_error(c.code, "check /dev/sdb", "a CLI hint: --grow"));
        RestoreFlow flow(core);
        to_plan(flow, "/dev/sdb");
        REQUIRE(flow.step() == RestoreStep::dialog);
        const auto* d = flow.dialog();
        REQUIRE(d != nullptr);
        CHECK(d->code == c.code);
        CHECK(d->title == "sdb cannot be used");
        CHECK(d->reason.find(c.reason_has) != std::string::npos);
        CHECK(d->reason.find("check /dev/sdb") != std::string::npos);  // the core's own words, as details
        CHECK(d->what_to_do.find(c.todo_has) != std::string::npos);
        CHECK(d->what_to_do.find("--grow") == std::string::npos);  // no command-line advice in the wizard
        CHECK(core.started.empty());
        flow.dismiss_dialog();
        CHECK(flow.step() == RestoreStep::choose_target);  // pick another disk
        CHECK(flow.dialog() == nullptr);
    }
}

TEST_CASE("restore flow: a refusal at the core's last check before writing is a dialog too, nothing written",
          "[wizard][restore]") {
    FakeCore core = standard_core();
    RestoreFlow flow(core);
    to_running(flow);
    core.disks[1].serial = "SOMETHING-ELSE";  // swapped meanwhile
    core.events->on_finished(std::unexpected(imager::make_error(Errc::target_changed, "/dev/sdb changed")));
    REQUIRE(flow.step() == RestoreStep::dialog);
    CHECK(flow.dialog()->code == Errc::target_changed);
    flow.dismiss_dialog();
    REQUIRE(flow.step() == RestoreStep::choose_target);
    CHECK(flow.targets()[1].disk.serial == "SOMETHING-ELSE");  // the list was read again
    CHECK_FALSE(flow.targets()[1].same_serial);
}

TEST_CASE("restore flow: other planning errors and unreadable images are dialogs", "[wizard][restore]") {
    FakeCore core = standard_core();
    RestoreFlow flow(core);
    flow.open();
    flow.choose_image("/run/lifeboat/sdc1/broken.lbi");
    REQUIRE(flow.step() == RestoreStep::dialog);
    CHECK(flow.dialog()->reason.find("no trailer") != std::string::npos);
    flow.back();
    CHECK(flow.step() == RestoreStep::choose_image);
    flow.choose_image("/gone.lbi");
    REQUIRE(flow.step() == RestoreStep::dialog);
    CHECK(flow.dialog()->code == Errc::not_found);
    flow.dismiss_dialog();

    core.plan_answer = std::unexpected(imager::make_error(Errc::damaged_image, "read the index of office.lbi"));
    flow.choose_image("/run/lifeboat/sdc1/lifeboat/office.lbi");
    flow.show_targets();
    flow.choose_target("/dev/sda");
    REQUIRE(flow.step() == RestoreStep::dialog);
    CHECK(flow.dialog()->title == "The restore cannot start");
    flow.dismiss_dialog();
    CHECK(flow.step() == RestoreStep::image_contents);
}

TEST_CASE("restore flow: cancel asks first, says what the disk is left as, and waits for the core", "[wizard][restore]") {
    FakeCore core = standard_core();
    RestoreFlow flow(core);
    to_running(flow);

    flow.request_cancel();
    REQUIRE(flow.step() == RestoreStep::cancel_confirm);
    CHECK(flow.cancel_question().find("may be partly overwritten") != std::string::npos);
    flow.keep_going();  // "no": the restore goes on
    CHECK(flow.step() == RestoreStep::running);
    CHECK(core.cancels == 0);

    core.events->on_progress(update_of("restore", 4 * GiB, 10 * GiB));
    flow.request_cancel();
    REQUIRE(flow.step() == RestoreStep::cancel_confirm);
    CHECK(flow.cancel_question().find("sdb is partly overwritten (4.0 GiB of 10.0 GiB)") != std::string::npos);
    core.events->on_progress(update_of("restore", 5 * GiB, 10 * GiB));  // it goes on while the question is up
    CHECK(flow.progress().done == 5 * GiB);
    flow.confirm_cancel();
    CHECK(core.cancels == 1);
    REQUIRE(flow.step() == RestoreStep::running);
    CHECK(flow.progress().cancelling);
    flow.request_cancel();  // asked already: no second question
    CHECK(flow.step() == RestoreStep::running);

    // Without the core's account, the wizard's own estimate from the progress.
    core.events->on_finished(std::unexpected(imager::make_error(
        Errc::cancelled, "restore onto /dev/sdb cancelled", "restore again, to the end, before using /dev/sdb")));
    REQUIRE(flow.step() == RestoreStep::result);
    CHECK(flow.outcome()->error.code == Errc::cancelled);
    CHECK(flow.outcome()->disk_condition.find("5.0 GiB of 10.0 GiB written") != std::string::npos);
    CHECK(flow.outcome()->what_to_do == "restore again, to the end, before using /dev/sdb");
}

TEST_CASE("restore flow: the suggested target", "[wizard][restore]") {
    dsc::ImageContents c;
    c.entry.source_serial = "GONE";
    c.manifest = wizard_test::gpt_manifest(100 * GiB, {{1, 1 << 20, 100 * GiB - (2 << 20), "ext4", "root", 5 * GiB}});
    const auto choice = [](dev::Device d, bool big, bool same, bool holds) {
        return recovery::TargetChoice{std::move(d), big, same, holds};
    };
    std::string why;
    // No disk with the image's serial: the smallest big enough one, not the one holding the image.
    std::vector<recovery::TargetChoice> t{choice(disk("sda", 500 * GiB, "A"), true, false, false),
                                          choice(disk("sdb", 50 * GiB, "B"), false, false, false),
                                          choice(disk("sdc", 120 * GiB, "C"), true, false, true),
                                          choice(disk("sdd", 200 * GiB, "D"), true, false, false)};
    CHECK(recovery::suggest_target(t, c, why) == 3u);
    CHECK(why.find("smallest") != std::string::npos);
    // A read-only disk is never suggested.
    t[3].disk.read_only = true;
    CHECK(recovery::suggest_target(t, c, why) == 0u);
    // The source disk wins even when another would be smaller.
    c.entry.source_serial = "A";
    t[0].same_serial = true;
    CHECK(recovery::suggest_target(t, c, why) == 0u);
    // Nothing fits: no suggestion, and the reason says so.
    c.entry.source_serial.clear();
    t[0].same_serial = false;
    t[0].big_enough = false;
    CHECK_FALSE(recovery::suggest_target(t, c, why).has_value());
    CHECK(why.find("No disk has room") != std::string::npos);
}

TEST_CASE("restore flow: the disk holding the image is found by its deepest mount point", "[wizard][restore]") {
    FakeCore core = standard_core();
    core.disks[0].partitions.resize(1);
    core.disks[0].partitions[0].mountpoints = {"/"};  // a live system's root: every path is under it
    RestoreFlow flow(core);
    to_plan(flow, "/dev/sda");
    REQUIRE(flow.targets().size() == 3);
    CHECK_FALSE(flow.targets()[0].holds_image);
    CHECK(flow.targets()[2].holds_image);
}

TEST_CASE("restore flow: progress shows the part of the disk being written", "[wizard][restore]") {
    FakeCore core = standard_core();
    RestoreFlow flow(core);
    to_running(flow);
    core.events->on_progress(update_of("restore", 1 * GiB, 10 * GiB, "partition 2 (ext4)", GiB / 4, GiB));
    CHECK(flow.progress().item == "partition 2 (ext4)");
    CHECK(flow.progress().item_done == GiB / 4);
    CHECK(flow.progress().item_total == GiB);
    CHECK(flow.progress().item_fraction() == Approx(0.25));
    CHECK(flow.progress().fraction() == Approx(0.1));
    // A single-stream image has no parts: the item fields are cleared again.
    core.events->on_progress(update_of("restore", 2 * GiB, 10 * GiB));
    CHECK(flow.progress().item.empty());
    CHECK(flow.progress().item_fraction() == 0.0);
}

TEST_CASE("restore flow: the plan screen's lines, image beside target and what is erased", "[wizard][restore]") {
    FakeCore core = standard_core();
    core.disks[1].partitions.resize(1);
    core.disks[1].partitions[0].number = 3;
    core.disks[1].partitions[0].size = 20 * GiB;
    core.disks[1].partitions[0].filesystem = imager::devices::Filesystem{"ntfs", "DATA", "u", ""};
    RestoreFlow flow(core);
    to_plan(flow, "/dev/sdb");
    std::vector<std::string> lines;
    for (const auto& item : recovery::plan_lines(flow, 80)) lines.push_back(item.text);
    REQUIRE(lines.size() >= 10);
    CHECK(lines[0] == "The image holds                         sdb will hold");
    CHECK(lines[2] == "  partition 1  ext4 \"root\"  100.0 GiB     partition 1  ext4 \"root\"  100.0 GiB");
    CHECK(lines[3] == "                                          unused: 20.0 GiB at the end");
    CHECK(lines[4] == "Press G to let partition 1 grow to the end of sdb.");
    CHECK(lines[5] == "Press S to choose the size of each partition.");
    CHECK(lines[7] == "Everything on sdb (120.0 GiB, Disk sdb) will be erased:");
    CHECK(lines[8] == "  partition 3  20.0 GiB  ntfs \"DATA\"");
    CHECK(std::find(lines.begin(), lines.end(), "  plan: partition 1 -> /dev/sdb") != lines.end());
}

TEST_CASE("restore flow: the core's plan is wrapped inside the list, nothing cut off", "[wizard][restore]") {
    FakeCore core = standard_core();
    const std::string words = "Table   gpt 5403629e, 2 partitions, written for this target's 40.0 MiB (the source disk had "
                              "96.0 MiB) and more words that go on past the end of any line of the screen";
    core.plan_answer = words + "\n";
    RestoreFlow flow(core);
    to_plan(flow, "/dev/sdb");
    for (const int width : {80, 100}) {  // 80x24 is the least the wizard draws on
        std::string plan;
        bool in_plan = false;
        for (const auto& item : recovery::plan_lines(flow, width)) {
            INFO(item.text);
            CHECK(item.text.size() + 2 <= static_cast<std::size_t>(width));  // the list's margin takes 2
            if (item.text == "What Lifeboat will do:") in_plan = true;
            else if (in_plan && item.text.find_first_not_of(' ') != std::string::npos)
                plan += (plan.empty() ? "" : " ") + item.text.substr(item.text.find_first_not_of(' '));
        }
        CHECK(plan == "Table gpt 5403629e, 2 partitions, written for this target's 40.0 MiB (the source disk had "
                      "96.0 MiB) and more words that go on past the end of any line of the screen");  // none cut
    }
}

TEST_CASE("restore flow: onto a larger disk the last partition may grow, planned again each time",
          "[wizard][restore]") {
    FakeCore core = standard_core();
    RestoreFlow flow(core);
    flow.open();
    flow.choose_image("/run/lifeboat/sdc1/lifeboat/office.lbi");
    // The image needs its partition's end and the backup GPT: 512 KiB more than that is no room.
    const std::uint64_t needed = recovery::needed_size(flow.contents());
    CHECK(needed == 100 * GiB - (1 << 20) + 33 * 512);
    core.disks.push_back(disk("sdd", needed + (512 << 10), "SERIAL-D"));
    auto lines = [&](int width = 80) {
        std::vector<std::string> out;
        for (const auto& item : recovery::plan_lines(flow, width)) out.push_back(item.text);
        return out;
    };
    auto has = [](const std::vector<std::string>& l, const std::string& line) {
        return std::find(l.begin(), l.end(), line) != l.end();
    };

    to_plan(flow, "/dev/sdd");
    REQUIRE(flow.step() == RestoreStep::show_plan);
    CHECK(flow.room_to_grow() == 0);
    CHECK(flow.part_to_grow() == nullptr);
    flow.toggle_grow();  // nothing to grow into: nothing happens
    CHECK_FALSE(flow.grow());
    CHECK(core.planned.size() == 1);
    CHECK_FALSE(has(lines(), "Press G to let partition 1 grow to the end of sdd."));

    flow.back();
    flow.choose_target("/dev/sdb");  // 120 GiB for an image that needs 100
    REQUIRE(flow.step() == RestoreStep::show_plan);
    CHECK(flow.room_to_grow() == 120 * GiB - needed);
    REQUIRE(flow.part_to_grow() != nullptr);
    CHECK(flow.part_to_grow()->partition == 1);
    CHECK_FALSE(flow.grow());  // off until asked: the restore is exact by default
    CHECK_FALSE(core.planned.back().grow);
    CHECK(core.planned.back().grow_control == "the G key");  // the core's notes name this screen's key
    CHECK(has(lines(), "Press G to let partition 1 grow to the end of sdb."));

    core.plan_answer = std::string("Note    partition 1 grows by 20.0 GiB to the end of the disk\n");
    flow.toggle_grow();
    CHECK(flow.grow());
    REQUIRE(core.planned.size() == 3);
    CHECK(core.planned[2].grow);
    CHECK(core.planned[2].dry_run);
    CHECK(flow.plan_text() == "Note    partition 1 grows by 20.0 GiB to the end of the disk\n");
    auto grown = lines();
    CHECK(grown[2] == "  partition 1  ext4 \"root\"  100.0 GiB     partition 1  ext4 \"root\"  120.0 GiB");
    CHECK(grown[3] == "Press G to keep partition 1 at its size in the image.");
    CHECK(std::none_of(grown.begin(), grown.end(), [](auto& l) { return l.find("unused") != std::string::npos; }));
    // Too narrow for both in full: the target's side keeps the name and the size.
    CHECK(lines(60)[2].ends_with("   partition 1  120.0 GiB"));

    flow.toggle_grow();  // and back
    CHECK_FALSE(flow.grow());
    CHECK_FALSE(core.planned.back().grow);
    flow.toggle_grow();
    REQUIRE(flow.grow());

    flow.accept_plan();
    REQUIRE(flow.type_confirmation("sdb"));
    REQUIRE(core.started.size() == 1);
    CHECK(core.started[0].grow);
    core.events->on_note("partition 1 grows by 20.0 GiB to the end of the disk");  // the plan's, shown already
    core.events->on_note("partition 1 (ext4) and its filesystem now fill the disk");
    core.events->on_finished(imager::RestoreReport{});
    REQUIRE(flow.outcome() != nullptr);
    REQUIRE(flow.outcome()->notes.size() == 1);
    CHECK(flow.outcome()->notes[0] == "partition 1 (ext4) and its filesystem now fill the disk");
}

TEST_CASE("restore flow: choosing a disk again starts without growing, a refused plan turns growing off",
          "[wizard][restore]") {
    FakeCore core = standard_core();
    RestoreFlow flow(core);
    to_plan(flow, "/dev/sdb");
    flow.toggle_grow();
    REQUIRE(flow.grow());
    flow.back();
    flow.choose_target("/dev/sdb");
    CHECK_FALSE(flow.grow());
    CHECK_FALSE(core.planned.back().grow);

    core.plan_answer = std::unexpected(imager::make_error(Errc::target_changed, "/dev/sdb changed"));
    flow.toggle_grow();
    REQUIRE(flow.step() == RestoreStep::dialog);
    CHECK_FALSE(flow.grow());
    CHECK(core.started.empty());
}

TEST_CASE("restore flow: a loop over a disk (the wizard's own mounts) is no target, a loop over a file is",
          "[wizard][restore]") {
    FakeCore core = standard_core();
    dev::Device over_disk = disk("loop3", 64 * GiB, "");
    over_disk.transport = dev::Transport::loop;
    over_disk.backing_file = "/dev/sdc";
    over_disk.backed_by_device = true;
    over_disk.read_only = true;
    dev::Device over_file = disk("loop4", 200 * GiB, "");
    over_file.transport = dev::Transport::loop;
    over_file.backing_file = "/srv/disk.img";
    core.disks.push_back(over_disk);
    core.disks.push_back(over_file);
    RestoreFlow flow(core);
    flow.open();
    flow.choose_image("/run/lifeboat/sdc1/lifeboat/office.lbi");
    flow.show_targets();
    REQUIRE(flow.step() == RestoreStep::choose_target);
    std::vector<std::string> names;
    for (const auto& t : flow.targets()) names.push_back(t.disk.name);
    CHECK(names == std::vector<std::string>{"sda", "sdb", "sdc", "loop4"});
}

namespace {

constexpr std::uint64_t MiB = 1 << 20;

// An ESP, an ext4 root and an exFAT one after the other, on a 100 GiB disk;
// sdd (50 GiB) is smaller than it. The core measures the ESP's and root's least sizes.
FakeCore sizes_core() {
    FakeCore core = standard_core();
    core.manifest = wizard_test::gpt_manifest(
        100 * GiB, {{1, MiB, 512 * MiB, "vfat", "EFI", 30 * MiB},
                    {2, 513 * MiB, 80 * GiB, "ext4", "root", 5 * GiB},
                    {3, 513 * MiB + 80 * GiB, 10 * GiB, "exfat", "data", 1 * GiB}});
    core.manifest.disk->partitions[0].type = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
    core.minimums_answer = std::map<int, std::uint64_t>{{1, 40 * MiB}, {2, 6 * GiB}};
    core.disks.push_back(disk("sdd", 50 * GiB, "SERIAL-D"));
    core.disks.push_back(disk("sde", 16 * GiB, "SERIAL-E"));
    return core;
}

}  // namespace

TEST_CASE("restore flow: the sizes screen lists each partition with its least size and lays out the sizes typed",
          "[wizard][restore][sizes]") {
    FakeCore core = sizes_core();
    RestoreFlow flow(core);
    to_plan(flow, "/dev/sdd");
    REQUIRE(flow.step() == RestoreStep::show_plan);
    // Disks smaller than the image's: judged by the measured least sizes (once).
    CHECK(core.measured == 1);
    const auto& targets = flow.targets();
    const auto big_enough = [&](const std::string& name) {
        return std::ranges::find(targets, name, [](const auto& t) { return t.disk.name; })->big_enough;
    };
    CHECK(big_enough("sdd"));        // 50 GiB: the root shrinks
    CHECK_FALSE(big_enough("sde"));  // 16 GiB: under the ESP, 6 GiB of root and the 10 GiB exFAT
    REQUIRE(flow.can_choose_sizes());
    flow.choose_sizes();
    REQUIRE(flow.step() == RestoreStep::sizes);
    CHECK(core.measured == 1);

    auto view = flow.sizes_view();
    REQUIRE(view.rows.size() == 3);
    CHECK(view.refusal.empty());
    const auto& esp = view.rows[0].part;
    CHECK(esp.resizable);
    CHECK(esp.fixed_because == "EFI system partition");
    CHECK(esp.new_size == esp.old_size);  // special: kept unless a size is chosen
    CHECK(esp.minimum == 40 * MiB);
    const auto& root = view.rows[1].part;
    CHECK(root.minimum == 6 * GiB);
    CHECK(root.minimum_measured);
    CHECK(root.new_size < root.old_size);  // shrunk automatically to fit 50 GiB
    const auto& data = view.rows[2].part;
    CHECK_FALSE(data.resizable);
    CHECK(data.new_size == 10 * GiB);
    CHECK(data.moves());
    CHECK(data.new_start == root.new_start + root.new_size);
    CHECK_FALSE(view.rows[1].chosen);

    CHECK_FALSE(flow.set_size(2, "5G"));
    CHECK(flow.size_problem() == "partition 2 (ext4 'root') needs at least 6.0 GiB (its filesystem uses 5.0 GiB).");
    CHECK_FALSE(flow.set_size(3, "5G"));
    CHECK(flow.size_problem() == "partition 3 (exfat 'data') keeps its size (exFAT has no tool that resizes it).");
    CHECK_FALSE(flow.set_size(2, "lots"));
    CHECK(flow.size_problem() == "\"lots\" is not a size: type one such as 25G, 25600M or 30.5G.");
    CHECK_FALSE(flow.set_size(2, "60G"));
    CHECK(flow.size_problem() == "sdd holds only 50.0 GiB.");
    CHECK(flow.set_size(2, " 30.5G "));
    CHECK(flow.size_problem().empty());

    view = flow.sizes_view();
    CHECK(view.rows[1].chosen);
    CHECK(view.rows[1].part.new_size == 30 * GiB + 512 * MiB);
    CHECK(view.rows[2].part.new_start == view.rows[1].part.new_start + 30 * GiB + 512 * MiB);
    CHECK(view.unused == 50 * GiB - 33 * 512 - (513 * MiB + 40 * GiB + 512 * MiB));

    const auto lines = recovery::size_lines(flow, view);
    REQUIRE(lines.size() == 5);  // three partitions, a gap, the line that uses the sizes
    CHECK(lines[1].text == "  2  ext4 \"root\"       80.0 GiB   30.5 GiB    6.0 GiB  chosen, shrinks");
    CHECK(lines[2].text == "  3  exfat \"data\"      10.0 GiB   10.0 GiB          -  fixed, moves");
    CHECK(lines[4].text == "Use these sizes and see the plan");
    CHECK(recovery::size_heading(flow) == "    #  Filesystem        In image     On sdd   At least");
    CHECK(recovery::size_details(view.rows[0]) ==
          "Partition 1: its filesystem uses 30.0 MiB; 40.0 MiB is the least it can have. Special (EFI system "
          "partition): it keeps its size unless you choose one.");

    const auto plans = core.planned.size();
    flow.use_sizes();
    REQUIRE(flow.step() == RestoreStep::show_plan);
    REQUIRE(core.planned.size() == plans + 1);
    CHECK(core.planned.back().sizes == std::map<int, std::uint64_t>{{2, 30 * GiB + 512 * MiB}});
    CHECK(core.planned.back().size_control == "the sizes screen (S)");
    CHECK(core.planned.back().dry_run);

    // Again: no second measuring, the sizes as planned; Esc leaves them so.
    flow.choose_sizes();
    CHECK(core.measured == 1);
    CHECK(flow.sizes_view().rows[1].chosen);
    flow.automatic_size(2);
    CHECK_FALSE(flow.sizes_view().rows[1].chosen);
    flow.back();
    CHECK(flow.step() == RestoreStep::show_plan);
    flow.accept_plan();
    REQUIRE(flow.type_confirmation("sdd"));
    REQUIRE(core.started.size() == 1);
    CHECK(core.started.back().sizes == std::map<int, std::uint64_t>{{2, 30 * GiB + 512 * MiB}});
    CHECK_FALSE(core.started.back().dry_run);
}

TEST_CASE("restore flow: sizes that do not fit, a refused plan and a failed measurement keep the plan as it was",
          "[wizard][restore][sizes]") {
    FakeCore core = sizes_core();
    RestoreFlow flow(core);
    to_plan(flow, "/dev/sdd");
    flow.choose_sizes();
    REQUIRE(flow.set_size(2, "45G"));  // with the ESP and the exFAT kept, more than 50 GiB
    auto view = flow.sizes_view();
    INFO(view.refusal);
    CHECK(view.refusal.find("/dev/sdd holds 50.0 GiB (53687091200 bytes); the image's partitions need at least 55.5 GiB") == 0);
    CHECK(view.refusal.find("\n  partition 2 (ext4 'root'): 45.0 GiB asked (it uses 5.0 GiB)\n") != std::string::npos);
    CHECK(view.refusal.find("or ask less with the sizes screen (S); nothing was written") != std::string::npos);
    const auto plans = core.planned.size();
    flow.use_sizes();
    CHECK(flow.step() == RestoreStep::sizes);
    CHECK(flow.size_problem() == view.refusal);
    CHECK(core.planned.size() == plans);

    REQUIRE(flow.set_size(2, "30G"));
    core.plan_answer = std::unexpected(imager::make_error(Errc::no_space, "the core says no", "try less"));
    flow.use_sizes();
    CHECK(flow.step() == RestoreStep::sizes);
    CHECK(flow.size_problem() == "the core says no\ntry less");
    flow.back();
    core.plan_answer = std::string("plan\n");
    flow.accept_plan();
    REQUIRE(flow.type_confirmation("sdd"));
    CHECK(core.started.back().sizes.empty());  // the refused sizes were not kept

    // Choosing a disk again forgets the sizes chosen for the last one.
    FakeCore again = sizes_core();
    RestoreFlow second(again);
    to_plan(second, "/dev/sdd");
    second.choose_sizes();
    REQUIRE(second.set_size(2, "30G"));
    second.use_sizes();
    REQUIRE(second.step() == RestoreStep::show_plan);
    second.back();
    second.choose_target("/dev/sda");
    CHECK(again.planned.back().sizes.empty());

    FakeCore failing = sizes_core();
    failing.minimums_answer = std::unexpected(imager::make_error(Errc::damaged_image, "chunk 7 of partition 2 is damaged"));
    RestoreFlow third(failing);
    to_plan(third, "/dev/sdd");
    third.choose_sizes();
    REQUIRE(third.step() == RestoreStep::dialog);
    CHECK(third.dialog()->title == "The partition sizes cannot be changed");
    CHECK(third.dialog()->reason == "chunk 7 of partition 2 is damaged");
    third.dismiss_dialog();
    CHECK(third.step() == RestoreStep::show_plan);
}

TEST_CASE("restore flow: the least sizes are measured only when a smaller disk could take the image",
          "[wizard][restore][sizes]") {
    FakeCore core = sizes_core();
    core.disks = {disk("sda", 500 * GiB, "SERIAL-A"), disk("sdf", 8 * GiB, "STICK-F")};  // 8 GiB: under what is used
    RestoreFlow flow(core);
    to_plan(flow, "/dev/sda");
    CHECK(core.measured == 0);
    CHECK_FALSE(std::ranges::find(flow.targets(), "sdf", [](const auto& t) { return t.disk.name; })->big_enough);
    flow.choose_sizes();  // the sizes screen measures
    CHECK(core.measured == 1);
    CHECK(flow.step() == RestoreStep::sizes);
}
