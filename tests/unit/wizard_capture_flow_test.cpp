// The wizard's Capture flow without a terminal: a fake CaptureCore stands in
// for the disks, and every step, the destination choice and each refusal is
// driven through the model the screens draw.
#include "../../recovery/capture_flow.hpp"
#include "wizard_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

namespace {

using recovery::CaptureDestination;
using recovery::CaptureFlow;
using wizard_test::FakeClock;
using recovery::CaptureStep;
using recovery::DestinationChoice;

constexpr std::uint64_t MiB = 1u << 20;
constexpr std::uint64_t GiB = 1u << 30;

imager::devices::Device disk(const std::string& name, std::uint64_t size) {
    imager::devices::Device d;
    d.name = name;
    d.path = "/dev/" + name;
    d.size = size;
    d.table_type = "gpt";
    return d;
}

CaptureDestination dest(const std::string& disk_name, int number, std::uint64_t free, const std::string& label = "") {
    CaptureDestination d;
    d.disk = "/dev/" + disk_name;
    d.partition = number;
    d.name = disk_name + std::to_string(number);
    d.filesystem = "ext4";
    d.label = label;
    d.mountpoint = "/run/lifeboat/capture/" + d.name;
    d.free_bytes = free;
    d.size_bytes = free * 2;
    return d;
}

class FakeCore final : public recovery::CaptureCore {
public:
    FakeCore() {
        disks = {disk("sda", 500 * GiB), disk("sdb", 16 * GiB), disk("sdc", 64 * GiB), disk("sdd", 32 * GiB)};
        estimate_result.source_size = 500 * GiB;
        estimate_result.used_bytes = 10 * GiB;
        using imager::format::StreamRole;
        estimate_result.parts = {{StreamRole::gap, 0, 0, MiB, "", "", MiB},
                                 {StreamRole::partition, 1, MiB, 512 * MiB, "vfat", "ESP", 30 * MiB},
                                 {StreamRole::partition, 2, 513 * MiB, 499 * GiB, "ext4", "root", 10 * GiB - 31 * MiB}};
        estimate_result.estimated_image_bytes = 6 * GiB;
        estimate_result.max_image_bytes = 10 * GiB + 2 * MiB;
        destinations = {dest("sdc", 1, 40 * GiB, "BACKUP"), dest("sdd", 1, 12 * GiB, "SMALL"), dest("sdb", 1, 2 * GiB)};
    }

    imager::Result<std::vector<imager::devices::Device>> list_disks() override {
        ++listed;
        if (disks_error) return std::unexpected(imager::make_error(imager::Errc::io, "read /sys/block: Input/output error"));
        return disks;
    }
    std::string boot_device() const override { return boot; }
    imager::Result<imager::CaptureEstimate> estimate(const std::string& source) override {
        estimated = source;
        if (estimate_error) return std::unexpected(*estimate_error);
        return estimate_result;
    }
    std::vector<CaptureDestination> find_destinations(const std::string& source_disk,
                                                      std::vector<std::string>& problems) override {
        destinations_for = source_disk;
        problems = find_problems;
        return destinations;
    }
    imager::Status make_writable(const CaptureDestination& d) override {
        made_writable.push_back(d.name);
        if (writable_error) return std::unexpected(*writable_error);
        return {};
    }
    bool image_exists(const std::string& path) override { return existing.contains(path); }
    std::string host_name() const override { return host; }
    std::string today() const override { return "2026-11-25"; }
    void start(const imager::CaptureOptions& options, recovery::CaptureEvents& to) override {
        started = options;
        ++starts;
        events = &to;
    }
    void cancel() override { ++cancels; }
    std::string log_path() const override { return "/run/lifeboat/lifeboat.log"; }

    std::vector<imager::devices::Device> disks;
    bool disks_error = false;
    std::string boot;
    imager::CaptureEstimate estimate_result;
    std::optional<imager::Error> estimate_error;
    std::vector<CaptureDestination> destinations;
    std::vector<std::string> find_problems;
    std::optional<imager::Error> writable_error;
    std::vector<std::string> made_writable;  // names, in the order asked
    std::set<std::string> existing;
    std::string host = "pc";
    std::string estimated;
    std::string destinations_for;
    std::optional<imager::CaptureOptions> started;
    recovery::CaptureEvents* events = nullptr;
    int listed = 0;
    int starts = 0;
    int cancels = 0;
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Drives a flow to the summary: source sda, the suggested destination, default name.
void to_summary(CaptureFlow& flow, const std::string& note = "before the upgrade") {
    flow.open();
    flow.choose_source("/dev/sda");
    REQUIRE(flow.step() == CaptureStep::choose_destination);
    REQUIRE(flow.suggested_destination());
    flow.choose_destination(*flow.suggested_destination());
    REQUIRE(flow.step() == CaptureStep::name_and_note);
    REQUIRE(flow.set_name_and_note(flow.default_name(), note));
    REQUIRE(flow.set_level(CaptureFlow::kDefaultLevel));
    REQUIRE(flow.step() == CaptureStep::summary);
}

}  // namespace

TEST_CASE("capture flow: the source list marks the boot medium and unreadable disks, with the reason",
          "[wizard][capture]") {
    FakeCore core;
    core.boot = "/dev/sdb";
    core.disks[3].probe_error = "read /dev/sdd at 0x0: Input/output error";
    core.disks.push_back(disk("sr0", 0));
    CaptureFlow flow(core);
    flow.open();
    REQUIRE(flow.step() == CaptureStep::choose_source);
    REQUIRE(flow.sources().size() == 5);
    CHECK(flow.sources()[0].why_not.empty());
    CHECK(has(flow.sources()[1].why_not, "Lifeboat started from this disk"));
    CHECK(flow.sources()[2].why_not.empty());
    CHECK(has(flow.sources()[3].why_not, "cannot be read"));
    CHECK(has(flow.sources()[4].why_not, "empty"));

    flow.choose_source("/dev/sdb");
    REQUIRE(flow.dialog());
    CHECK(flow.dialog()->title == "sdb cannot be captured");
    CHECK(has(flow.dialog()->what_to_do, "another disk"));
    CHECK(core.estimated.empty());  // nothing was asked of the core
    flow.dismiss_dialog();
    CHECK(flow.step() == CaptureStep::choose_source);
}

TEST_CASE("capture flow: a disk list that cannot be read says what to do", "[wizard][capture]") {
    FakeCore core;
    core.disks_error = true;
    CaptureFlow flow(core);
    flow.open();
    CHECK(flow.sources().empty());
    CHECK(has(flow.disks_problem(), "could not be listed"));
    CHECK(has(flow.disks_problem(), "try again"));
}

TEST_CASE("capture flow: the destination picked is the most free space with room, and says why", "[wizard][capture]") {
    FakeCore core;
    CaptureFlow flow(core);
    flow.open();
    flow.choose_source("/dev/sda");
    CHECK(core.estimated == "/dev/sda");
    CHECK(core.destinations_for == "/dev/sda");
    REQUIRE(flow.step() == CaptureStep::choose_destination);
    REQUIRE(flow.destinations().size() == 3);
    REQUIRE(flow.suggested_destination() == 0u);
    CHECK(flow.suggestion_reason() == "sdc1 (ext4, BACKUP): 40.0 GiB free, the most of any other disk");
    CHECK(flow.destinations()[1].has_room);
    CHECK_FALSE(flow.destinations()[2].has_room);
    CHECK(has(flow.destinations()[2].why_not, "Only 2.0 GiB free"));

    // The person may pick another one with room.
    flow.choose_destination(1);
    REQUIRE(flow.step() == CaptureStep::name_and_note);
    CHECK(flow.destination().name == "sdd1");
}

TEST_CASE("capture flow: pick_destination leaves out those without room and names the only one", "[wizard][capture]") {
    std::vector<DestinationChoice> choices{{dest("sdb", 1, 90 * GiB), false, "Only ..."},
                                           {dest("sdc", 2, 20 * GiB, "USB"), true, ""},
                                           {dest("sdd", 1, 99 * GiB), true, "It is on the disk being captured."}};
    std::string reason;
    CHECK(recovery::pick_destination(choices, reason) == 1u);
    CHECK(reason == "sdc2 (ext4, USB): 20.0 GiB free, the only other disk with room");
    choices[1].has_room = false;
    CHECK_FALSE(recovery::pick_destination(choices, reason));
    CHECK(reason.empty());
}

TEST_CASE("capture flow: refusals: no room anywhere, nowhere at all, the source disk, too small", "[wizard][capture]") {
    SECTION("no destination has room") {
        FakeCore core;
        core.estimate_result.max_image_bytes = 100 * GiB;
        CaptureFlow flow(core);
        flow.open();
        flow.choose_source("/dev/sda");
        REQUIRE(flow.dialog());
        CHECK(flow.dialog()->title == "No room for the image");
        CHECK(has(flow.dialog()->reason, "up to 100.0 GiB"));
        CHECK(has(flow.dialog()->what_to_do, "at least 100.0 GiB free"));
        CHECK(has(flow.dialog()->what_to_do, "Network image store"));
        flow.dismiss_dialog();
        CHECK(flow.step() == CaptureStep::choose_destination);  // where a network store is offered
        CHECK_FALSE(flow.suggested_destination());
        const int listed = core.listed;
        flow.back();
        CHECK(flow.step() == CaptureStep::choose_source);
        CHECK(core.listed == listed + 1);  // the disks are listed again: one may have been plugged in
    }
    SECTION("no writable filesystem on another disk") {
        FakeCore core;
        core.destinations.clear();
        core.find_problems = {"sdb1 (ntfs): the kernel cannot mount it read-write"};
        CaptureFlow flow(core);
        flow.open();
        flow.choose_source("/dev/sda");
        REQUIRE(flow.dialog());
        CHECK(flow.dialog()->title == "Nowhere to write the image");
        CHECK(has(flow.dialog()->what_to_do, "plug in a USB disk"));
        CHECK(flow.destination_problems().size() == 1);
        flow.dismiss_dialog();
        CHECK(flow.step() == CaptureStep::choose_destination);
        CHECK(flow.destinations().empty());
    }
    SECTION("a destination on the source disk is never picked, and refused when chosen") {
        FakeCore core;
        core.destinations.push_back(dest("sda", 3, 400 * GiB));
        CaptureFlow flow(core);
        flow.open();
        flow.choose_source("/dev/sda");
        REQUIRE(flow.suggested_destination() == 0u);  // not sda3, though it has the most free
        flow.choose_destination(3);
        REQUIRE(flow.dialog());
        CHECK(flow.dialog()->title == "Not on the disk being captured");
        CHECK(has(flow.dialog()->what_to_do, "another disk"));
        flow.dismiss_dialog();
        CHECK(flow.step() == CaptureStep::choose_destination);
    }
    SECTION("a destination without room is refused when chosen") {
        FakeCore core;
        CaptureFlow flow(core);
        flow.open();
        flow.choose_source("/dev/sda");
        flow.choose_destination(2);
        REQUIRE(flow.dialog());
        CHECK(flow.dialog()->title == "Not enough room on sdb1");
        CHECK(has(flow.dialog()->what_to_do, "more free space"));
        flow.dismiss_dialog();
        CHECK(flow.step() == CaptureStep::choose_destination);
    }
    SECTION("an estimate that fails is a dialog with the core's hint") {
        FakeCore core;
        core.estimate_error = imager::make_error(imager::Errc::io, "read /dev/sda at 0x1000: Input/output error",
                                                 "the disk may be failing");
        CaptureFlow flow(core);
        flow.open();
        flow.choose_source("/dev/sda");
        REQUIRE(flow.dialog());
        CHECK(flow.dialog()->title == "Cannot read sda");
        CHECK(flow.dialog()->what_to_do == "the disk may be failing");
    }
}

TEST_CASE("capture flow: the name: default, checked, and one that exists is refused", "[wizard][capture]") {
    FakeCore core;
    core.host = "office pc";
    CaptureFlow flow(core);
    flow.open();
    flow.choose_source("/dev/sda");
    flow.choose_destination(0);
    CHECK(flow.default_name() == "office-pc-2026-11-25");
    CHECK(flow.name() == "office-pc-2026-11-25");

    CHECK_FALSE(flow.set_name_and_note("my image", ""));
    CHECK(has(flow.name_problem(), "no spaces"));
    CHECK(flow.step() == CaptureStep::name_and_note);
    CHECK_FALSE(flow.set_name_and_note("", ""));
    CHECK(flow.name_problem() == "Type a name for the image.");
    CHECK_FALSE(flow.set_name_and_note(".hidden", ""));
    CHECK_FALSE(flow.set_name_and_note("../etc/x", ""));

    core.existing.insert("/run/lifeboat/capture/sdc1/lifeboat/old.lbi");
    CHECK_FALSE(flow.set_name_and_note("old", "x"));
    REQUIRE(flow.dialog());
    CHECK(flow.dialog()->title == "An image named old exists");
    CHECK(has(flow.dialog()->what_to_do, "another name"));
    flow.dismiss_dialog();
    CHECK(flow.step() == CaptureStep::name_and_note);

    CHECK(flow.set_name_and_note("  new-one ", "  my note "));
    CHECK(flow.name() == "new-one");
    CHECK(flow.note() == "my note");
    CHECK(flow.image_path() == "/run/lifeboat/capture/sdc1/lifeboat/new-one.lbi");
    CHECK(flow.step() == CaptureStep::level);
    CHECK(recovery::default_image_name("", "2026-11-25") == "lifeboat-2026-11-25");
}

TEST_CASE("capture flow: the level is 1 to 19, default 3, the summary shows the estimate and free space",
          "[wizard][capture]") {
    FakeCore core;
    CaptureFlow flow(core);
    flow.open();
    flow.choose_source("/dev/sda");
    flow.choose_destination(0);
    REQUIRE(flow.set_name_and_note("pc", "note"));
    CHECK(flow.level() == 3);
    CHECK_FALSE(flow.set_level(0));
    CHECK_FALSE(flow.set_level(20));
    CHECK(has(flow.level_problem(), "1 (fastest) to 19"));
    CHECK(flow.step() == CaptureStep::level);
    REQUIRE(flow.set_level(9));
    REQUIRE(flow.step() == CaptureStep::summary);
    std::string text;
    for (const auto& l : flow.summary_lines()) text += l + "\n";
    CHECK(has(text, "Source:      sda, 500.0 GiB"));
    CHECK(has(text, "partition 2: ext4 'root'"));
    CHECK(has(text, "Image:       about 6.0 GiB (at most 10.0 GiB)"));
    CHECK(has(text, "Destination: sdc1 (ext4, BACKUP), 40.0 GiB free"));
    CHECK(has(text, "Level:       9"));
    CHECK(core.starts == 0);  // nothing written before start()
    CHECK(core.made_writable.empty());  // nor made writable
}

TEST_CASE("capture flow: nothing is made writable while listing, a destination that cannot be is a dialog",
          "[wizard][capture]") {
    FakeCore core;
    core.writable_error = imager::make_error(imager::Errc::io, "mount sdc1 (ext4) read-write at /run/lifeboat/capture/sdc1: "
                                                               "Structure needs cleaning",
                                             "The kernel would not write to it: check it, or choose another destination.");
    CaptureFlow flow(core);
    to_summary(flow);
    CHECK(core.made_writable.empty());  // the list, the name check and the summary write nothing
    flow.start();
    CHECK(core.made_writable == std::vector<std::string>{"sdc1"});
    CHECK(core.starts == 0);  // the capture does not start
    CHECK_FALSE(core.started);
    REQUIRE(flow.dialog());
    CHECK(flow.dialog()->title == "Cannot write to sdc1");
    CHECK(has(flow.dialog()->reason, "sdc1 (ext4, BACKUP) could not be mounted for writing"));
    CHECK(has(flow.dialog()->reason, "Structure needs cleaning"));
    CHECK(has(flow.dialog()->reason, "Nothing was written."));
    CHECK(has(flow.dialog()->what_to_do, "choose another destination"));
    flow.dismiss_dialog();
    REQUIRE(flow.step() == CaptureStep::choose_destination);

    // Without a hint from the core, the wizard's own; another destination then starts.
    core.writable_error = imager::make_error(imager::Errc::io, "mount sdd1: Input/output error");
    flow.choose_destination(1);
    REQUIRE(flow.set_name_and_note("pc", ""));
    REQUIRE(flow.set_level(3));
    flow.start();
    REQUIRE(flow.dialog());
    CHECK(flow.dialog()->what_to_do == "Choose another destination; the log has the details.");
    flow.dismiss_dialog();
    core.writable_error.reset();
    flow.choose_destination(1);
    REQUIRE(flow.set_name_and_note("pc", ""));
    REQUIRE(flow.set_level(3));
    flow.start();
    CHECK(flow.step() == CaptureStep::running);
    CHECK(core.starts == 1);
    CHECK(core.made_writable == std::vector<std::string>{"sdc1", "sdd1", "sdd1"});
    REQUIRE(core.started);
    CHECK(core.started->image == "/run/lifeboat/capture/sdd1/lifeboat/pc.lbi");
}

TEST_CASE("capture flow: Esc walks back one step at a time", "[wizard][capture]") {
    FakeCore core;
    CaptureFlow flow(core);
    to_summary(flow);
    flow.back();
    CHECK(flow.step() == CaptureStep::level);
    flow.back();
    CHECK(flow.step() == CaptureStep::name_and_note);
    flow.back();
    CHECK(flow.step() == CaptureStep::choose_destination);
    flow.back();
    CHECK(flow.step() == CaptureStep::choose_source);
    flow.back();
    CHECK(flow.step() == CaptureStep::closed);
}

TEST_CASE("capture flow: start, progress per partition with rate and ETA, verify, success", "[wizard][capture]") {
    FakeCore core;
    FakeClock clock;
    CaptureFlow flow(core, clock.fn());
    to_summary(flow);
    flow.start();
    REQUIRE(core.starts == 1);
    CHECK(core.made_writable == std::vector<std::string>{"sdc1"});  // the chosen one, and only it
    REQUIRE(core.started);
    CHECK(core.started->source == "/dev/sda");
    CHECK(core.started->image == "/run/lifeboat/capture/sdc1/lifeboat/pc-2026-11-25.lbi");
    CHECK(core.started->note == "before the upgrade");
    CHECK(core.started->level == 3);
    CHECK(core.started->verify);
    CHECK(flow.step() == CaptureStep::running);

    clock.now += 0.5;
    flow.on_progress({"capture", 100 * MiB, 1000 * MiB, "partition 1 (vfat)", 30 * MiB, 30 * MiB});
    CHECK(flow.progress().bytes_per_second == 0);  // no rate before a second has passed
    CHECK_FALSE(flow.progress().remaining_seconds);
    clock.now += 1.5;
    flow.on_progress({"capture", 400 * MiB, 1000 * MiB, "partition 2 (ext4)", 370 * MiB, 970 * MiB});
    CHECK(flow.progress().item == "partition 2 (ext4)");
    CHECK(flow.progress().item_fraction() == Approx(370.0 / 970.0));
    CHECK(flow.progress().fraction() == Approx(0.4));
    CHECK(flow.progress().bytes_per_second == Approx(200.0 * MiB));
    REQUIRE(flow.progress().remaining_seconds);
    CHECK(*flow.progress().remaining_seconds == Approx(3.0));
    CHECK(flow.progress().elapsed_seconds == Approx(2.0));
    flow.on_note("partition 3: storing every byte");
    CHECK(flow.progress().notes.size() == 1);

    clock.now += 3;
    flow.on_progress({"verify", 0, 600 * MiB, "", 0, 0});
    CHECK(flow.progress().step == "verify");
    CHECK(flow.progress().bytes_per_second == 0);  // a new step, a new rate
    CHECK(has(flow.cancel_question(), "keeps it unchecked"));

    imager::CaptureReport report;
    report.used_bytes = 1000 * MiB;
    report.image_bytes = 400 * MiB;
    report.verified = true;
    flow.on_finished(report);
    REQUIRE(flow.outcome());
    CHECK(flow.outcome()->success);
    CHECK(flow.outcome()->ratio == Approx(2.5));
    CHECK(flow.outcome()->image_path == "/run/lifeboat/capture/sdc1/lifeboat/pc-2026-11-25.lbi");
    CHECK(flow.outcome()->log_path == "/run/lifeboat/lifeboat.log");
    CHECK(flow.outcome()->what_to_do.empty());
    flow.close();
    CHECK(flow.step() == CaptureStep::closed);
}

TEST_CASE("capture flow: cancel asks first, says the partial image goes, and waits for the core", "[wizard][capture]") {
    FakeCore core;
    CaptureFlow flow(core);
    to_summary(flow);
    flow.start();
    flow.on_progress({"capture", 10 * MiB, 1000 * MiB, "partition 1 (vfat)", 10 * MiB, 30 * MiB});
    flow.back();  // Esc does not leave a running capture
    CHECK(flow.step() == CaptureStep::running);

    flow.request_cancel();
    REQUIRE(flow.step() == CaptureStep::cancel_confirm);
    CHECK(has(flow.cancel_question(), "partial image on sdc1 will be removed"));
    flow.keep_going();
    CHECK(flow.step() == CaptureStep::running);
    CHECK(core.cancels == 0);

    flow.request_cancel();
    flow.confirm_cancel();
    CHECK(core.cancels == 1);
    CHECK(flow.step() == CaptureStep::running);  // until the core has stopped
    CHECK(flow.progress().cancelling);
    flow.request_cancel();  // asking again changes nothing
    CHECK(flow.step() == CaptureStep::running);

    flow.on_finished(std::unexpected(imager::make_error(imager::Errc::cancelled, "capture cancelled",
                                                        "the partial image was removed")));
    REQUIRE(flow.outcome());
    CHECK_FALSE(flow.outcome()->success);
    CHECK(flow.outcome()->error.code == imager::Errc::cancelled);
    CHECK(has(flow.outcome()->what_to_do, "partial image was removed"));
}

TEST_CASE("capture flow: a failure shows the core's hint, or the wizard's for its class", "[wizard][capture]") {
    FakeCore core;
    CaptureFlow flow(core);
    to_summary(flow);
    flow.start();
    flow.on_finished(std::unexpected(imager::make_error(imager::Errc::no_space, "the destination filled up", "")));
    REQUIRE(flow.outcome());
    CHECK(has(flow.outcome()->what_to_do, "another one with more room"));
    CHECK(flow.outcome()->log_path == "/run/lifeboat/lifeboat.log");

    CaptureFlow unchecked(core);
    to_summary(unchecked);
    unchecked.start();
    imager::CaptureReport report;
    report.image_bytes = 1;
    report.verified = false;
    unchecked.on_finished(report);
    REQUIRE(unchecked.outcome());
    CHECK(unchecked.outcome()->success);
    CHECK(has(unchecked.outcome()->what_to_do, "Verify it"));
}

TEST_CASE("capture flow: a loop over a disk (the wizard's own mounts) is no source, a loop over a file is",
          "[wizard][capture]") {
    FakeCore core;
    auto over_disk = disk("loop3", 16 * GiB);
    over_disk.transport = imager::devices::Transport::loop;
    over_disk.backing_file = "/dev/sdb";
    over_disk.backed_by_device = true;
    over_disk.read_only = true;
    auto over_file = disk("loop4", 8 * GiB);
    over_file.transport = imager::devices::Transport::loop;
    over_file.backing_file = "/srv/disk.img";
    core.disks.push_back(over_disk);
    core.disks.push_back(over_file);
    CaptureFlow flow(core);
    flow.open();
    std::vector<std::string> names;
    for (const auto& c : flow.sources()) names.push_back(c.disk.name);
    CHECK(names == std::vector<std::string>{"sda", "sdb", "sdc", "sdd", "loop4"});
}

TEST_CASE("capture flow: a folder on a network store as the destination", "[wizard][capture]") {
    FakeCore core;
    core.destinations.clear();  // no other disk: the network store is the way (a PXE-booted machine)
    CaptureFlow flow(core);
    flow.open();
    flow.choose_source("/dev/sda");
    REQUIRE(flow.dialog());
    flow.dismiss_dialog();
    REQUIRE(flow.step() == CaptureStep::choose_destination);
    flow.choose_store("nfs://nas/srv/images");
    REQUIRE(flow.step() == CaptureStep::name_and_note);
    CHECK(flow.image_path_for("x") == "nfs://nas/srv/images/x.lbi");  // in the folder chosen, no lifeboat/
    core.existing.insert("nfs://nas/srv/images/pc-2026-11-25.lbi");
    CHECK_FALSE(flow.set_name_and_note("pc-2026-11-25", ""));
    REQUIRE(flow.dialog());
    CHECK(flow.dialog()->title == "An image named pc-2026-11-25 exists");
    flow.dismiss_dialog();
    REQUIRE(flow.set_name_and_note("pc-new", "before the update"));
    REQUIRE(flow.set_level(3));
    const auto lines = flow.summary_lines();
    CHECK(std::ranges::any_of(lines, [](const std::string& l) {
        return l == "Destination: nfs://nas/srv/images, a network store (its free space is not known here)";
    }));
    CHECK(std::ranges::any_of(lines, [](const std::string& l) { return l == "File:        nfs://nas/srv/images/pc-new.lbi"; }));
    flow.start();
    CHECK(core.made_writable.empty());  // nothing to mount
    REQUIRE(core.started);
    CHECK(core.started->image == "nfs://nas/srv/images/pc-new.lbi");
    CHECK(core.started->verify);
    CHECK(has(flow.cancel_question(), "nfs://nas/srv/images will be removed"));

    CaptureFlow root(core);  // a store's top folder: one slash
    root.open();
    root.choose_source("/dev/sda");
    root.dismiss_dialog();
    root.choose_store("https://files/");
    CHECK(root.image_path_for("pc") == "https://files/pc.lbi");
}
