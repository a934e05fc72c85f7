// The wizard's real CaptureCore without root: a capture of a file into a
// folder it creates, run on the worker thread with its events delivered on
// this one (per-part progress included), a cancel that leaves no files, the
// boot medium read from its file, names that exist, and the log.
#include "../../recovery/capture_core_adapter.hpp"
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "wizard_test_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace {

constexpr std::uint64_t MiB = 1u << 20;

struct Recorder final : recovery::CaptureEvents {
    void on_progress(const imager::ProgressUpdate& u) override {
        steps.insert(std::string(u.step));
        if (!u.item.empty()) items.insert(std::string(u.item));
        if (stop_at_first && !asked) {
            asked = true;
            core->cancel();
        }
    }
    void on_note(std::string_view message) override { notes.emplace_back(message); }
    void on_finished(const imager::Result<imager::CaptureReport>& r) override {
        finished = true;
        if (r) report = *r;
        else error = r.error();
    }
    std::set<std::string> steps;
    std::set<std::string> items;
    std::vector<std::string> notes;
    bool finished = false;
    std::optional<imager::CaptureReport> report;
    std::optional<imager::Error> error;
    bool stop_at_first = false;
    bool asked = false;
    recovery::CaptureCoreAdapter* core = nullptr;
};

void run_to_end(recovery::CaptureCoreAdapter& core, Recorder& events) {
    for (int i = 0; i < 6000 && !events.finished; ++i) {
        (void)core.wait_for_events(std::chrono::milliseconds(10));
        core.deliver_events();
    }
    REQUIRE(events.finished);
    CHECK_FALSE(core.running());
}

}  // namespace

TEST_CASE("capture core: a capture on the worker writes <dest>/lifeboat/<name>.lbi, verified, logged",
          "[wizard][capture]") {
    fs_test::TempDir t;
    const std::string disk = t / "disk.bin";
    image_test::write_two_partition_disk(disk, 24 * MiB, 18431, 47103, 9);
    recovery::CaptureCoreConfig config;
    config.log_path = t / "log/lifeboat.log";
    config.mount_base = t / "mnt";
    config.boot_device_file = t / "boot-device";
    config.threads = 2;
    recovery::CaptureCoreAdapter core(std::move(config));

    CHECK(core.boot_device().empty());  // no file: unknown
    std::ofstream(t / "boot-device") << "/dev/sdz\n";
    CHECK(core.boot_device() == "/dev/sdz");
    CHECK(core.today().size() == 10);
    CHECK(core.today()[4] == '-');

    auto estimate = core.estimate(disk);
    REQUIRE(estimate.has_value());
    CHECK(estimate->used_bytes > 20 * MiB);

    imager::CaptureOptions o;
    o.source = disk;
    o.image = t / "dest/lifeboat/pc.lbi";
    o.note = "from the adapter test";
    CHECK_FALSE(core.image_exists(o.image));
    Recorder events;
    core.start(o, events);
    CHECK(core.running());
    run_to_end(core, events);
    INFO((events.error ? events.error->message() : std::string()));
    REQUIRE(events.report);
    CHECK(events.report->verified);
    CHECK(std::filesystem::is_regular_file(o.image));
    CHECK(core.image_exists(o.image));
    CHECK(events.steps == std::set<std::string>{"capture", "verify"});
    CHECK(events.items.contains("partition 1 (raw)"));
    CHECK(events.items.contains("partition 2 (raw)"));
    auto described = imager::describe_image(o.image);
    REQUIRE(described.has_value());
    CHECK(described->manifest_json.find("from the adapter test") != std::string::npos);

    const std::string log = wizard_test::read_all(core.log_path());
    CHECK(log.find("capture started: " + disk + " to " + o.image) != std::string::npos);
    CHECK(log.find("estimate of " + disk) != std::string::npos);
    CHECK(log.find("capture finished: " + o.image) != std::string::npos);
    CHECK(log.find("verified") != std::string::npos);
}

TEST_CASE("capture core: cancel stops the capture and leaves no file, a second start while running is refused",
          "[wizard][capture]") {
    fs_test::TempDir t;
    const std::string source = t / "source.bin";
    fs_test::write_junk(source, 48 * MiB, 2);
    recovery::CaptureCoreConfig config;
    config.log_path = t / "lifeboat.log";
    config.mount_base = t / "mnt";
    config.threads = 1;
    recovery::CaptureCoreAdapter core(std::move(config));
    imager::CaptureOptions o;
    o.source = source;
    o.image = t / "dest/lifeboat/pc.lbi";
    o.level = 19;  // slow: the stop surely comes before the end
    Recorder events;
    events.stop_at_first = true;
    events.core = &core;
    core.start(o, events);

    Recorder second;
    core.start(o, second);  // refused: one runs already
    core.deliver_events();
    CHECK(second.finished);
    REQUIRE(second.error);
    CHECK(second.error->message().find("running already") != std::string::npos);

    run_to_end(core, events);
    REQUIRE(events.error);
    CHECK(events.error->code == imager::Errc::cancelled);
    CHECK_FALSE(core.image_exists(o.image));
    CHECK(std::filesystem::is_empty(t / "dest/lifeboat"));  // no .partial left
    CHECK(wizard_test::read_all(t / "lifeboat.log").find("cancel: the person asked to stop the capture") != std::string::npos);
}

TEST_CASE("capture core: a folder that cannot be made ends the capture with what to do", "[wizard][capture]") {
    fs_test::TempDir t;
    const std::string source = t / "source.bin";
    fs_test::write_junk(source, 1 * MiB, 3);
    std::ofstream(t / "file") << "not a folder";
    recovery::CaptureCoreConfig config;
    config.log_path = t / "lifeboat.log";
    recovery::CaptureCoreAdapter core(std::move(config));
    imager::CaptureOptions o;
    o.source = source;
    o.image = t / "file/lifeboat/pc.lbi";
    Recorder events;
    core.start(o, events);
    run_to_end(core, events);
    REQUIRE(events.error);
    CHECK(events.error->message().find("create the folder") != std::string::npos);
    CHECK(events.error->hint.find("choose another") != std::string::npos);
}

TEST_CASE("capture core: make_writable leaves someone else's read-write mount as it is and logs it, a missing one "
          "is refused with what to do",
          "[wizard][capture]") {
    fs_test::TempDir t;
    std::filesystem::create_directories(t / "elsewhere");
    recovery::CaptureCoreConfig config;
    config.log_path = t / "lifeboat.log";
    config.mount_base = t / "mnt";
    recovery::CaptureCoreAdapter core(std::move(config));
    recovery::CaptureDestination d;
    d.disk = "/dev/sdz";
    d.partition = 1;
    d.name = "sdz1";
    d.filesystem = "ext4";
    d.mountpoint = t / "elsewhere";  // not mounted by the wizard: a folder on a writable filesystem
    REQUIRE(core.make_writable(d).has_value());
    const std::string log = wizard_test::read_all(t / "lifeboat.log");
    CHECK(log.find("destination sdz1 (ext4) at " + d.mountpoint + ": written where it is already mounted read-write") !=
          std::string::npos);
    CHECK(log.find("mounted read-write: ") == std::string::npos);  // nothing was mounted

    d.mountpoint = t / "gone";
    auto r = core.make_writable(d);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == imager::Errc::not_found);
    CHECK_FALSE(r.error().hint.empty());
    CHECK(wizard_test::read_all(t / "lifeboat.log").find("destination sdz1 (ext4) at " + d.mountpoint +
                                                         " cannot be written") != std::string::npos);
}
