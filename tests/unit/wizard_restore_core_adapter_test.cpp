// recovery/restore_core_adapter: the wizard's real RestoreCore, without root:
// images found in a folder a fake mounter hands over, the core's plan, a real
// restore onto a file on a worker thread with its events drained on this
// thread, the bytes compared; the log file holds every step; a cancel.
#include "../../recovery/restore_core_adapter.hpp"
#include "../../recovery/restore_flow.hpp"
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "wizard_test_support.hpp"
#include "imager/image_ops.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

constexpr std::uint64_t MiB = 1u << 20;
namespace dsc = imager::discovery;
using wizard_test::drain;
using wizard_test::FolderMounter;
using wizard_test::read_all;

// What the flow would receive, kept for the checks.
class Recorder final : public recovery::RestoreEvents {
public:
    std::vector<imager::ProgressUpdate> updates;
    std::vector<std::string> steps;  // the updates' steps (their views die with the event)
    std::vector<std::string> notes;
    std::optional<imager::Result<imager::RestoreReport>> result;
    std::thread::id thread;

    void on_progress(const imager::ProgressUpdate& u) override {
        thread = std::this_thread::get_id();
        steps.emplace_back(u.step);
        updates.push_back({{}, u.done, u.total});
    }
    void on_note(std::string_view m) override { notes.emplace_back(m); }
    void on_finished(const imager::Result<imager::RestoreReport>& r) override {
        thread = std::this_thread::get_id();
        result = r;
    }
};

std::string capture_raw(const fs_test::TempDir& t, const std::string& image, std::uint64_t size, bool zeros) {
    const std::string source = t / "source.bin";
    fs_test::write_random_file(source, static_cast<std::size_t>(size), 41);
    // A zero run too, which restore writes back as zeros.
    if (zeros)
        REQUIRE(fs_test::sh("dd if=/dev/zero of=" + source + " bs=1M seek=2 count=3 conv=notrunc status=none").code ==
                0);
    imager::CaptureOptions o;
    o.source = source;
    o.image = image;
    o.threads = 2;
    o.note = "before the upgrade";
    image_test::capture(o);
    return source;
}

struct Setup {
    fs_test::TempDir t;
    std::string store = t / "store";
    std::string image = store + "/lifeboat/pc.lbi";
    std::string log = t / "run/lifeboat/lifeboat.log";  // its folder does not exist yet
    std::string target = t / "target.bin";
    FolderMounter* mounter = nullptr;

    recovery::RestoreCoreConfig config() {
        std::filesystem::create_directories(store + "/lifeboat");
        std::filesystem::create_directories(t / "other");
        recovery::RestoreCoreConfig c;
        c.log_path = log;
        auto m = std::make_unique<FolderMounter>();
        m->failures.push_back("/dev/fake9 partition 1 (ntfs): the kernel does not know ntfs");
        m->folders.push_back({"/dev/fake1", 1, "ext4", store, true});
        // A filesystem the wizard mounted on the target: unmounted before the plan.
        m->folders.push_back({target, 0, "ext4", t / "other", true});
        mounter = m.get();
        c.mounter = std::move(m);
        c.paths.sys = t / "no-sys";  // no disks of the machine running the tests
        c.paths.dev = t / "no-dev";
        return c;
    }
};

imager::RestoreOptions options_for(const Setup& s) {
    imager::RestoreOptions o;
    o.image = s.image;
    o.target = s.target;
    o.assume_yes = true;  // as the flow sets it once the name was typed
    o.threads = 2;
    return o;
}

}  // namespace

TEST_CASE("restore core adapter: find, plan and restore onto a file, events on this thread, the log",
          "[wizard][adapter]") {
    Setup s;
    auto core = recovery::make_restore_core(s.config());
    const auto source = capture_raw(s.t, s.image, 12 * MiB, true);
    fs_test::write_random_file(s.target, 12 * MiB, 42);  // old contents, overwritten

    const auto catalog = core->find_images();
    REQUIRE(catalog.machines.size() == 1);
    REQUIRE(catalog.machines[0].images.size() == 1);
    CHECK(catalog.machines[0].images[0].path == s.image);
    CHECK(catalog.machines[0].images[0].note == "before the upgrade");

    auto contents = core->read_contents(s.image);
    INFO((contents ? std::string() : contents.error().message()));
    REQUIRE(contents.has_value());
    CHECK(recovery::needed_size(*contents) == 12 * MiB);

    auto plan = core->plan(options_for(s));
    INFO((plan ? std::string() : plan.error().message()));
    REQUIRE(plan.has_value());
    CHECK_FALSE(plan->empty());
    CHECK(s.mounter->unmounts == 1);  // the wizard's mount on the target went
    CHECK(fs_test::sh("cmp -s " + source + " " + s.target).code != 0);  // a plan writes nothing

    Recorder events;
    core->start(options_for(s), events);
    CHECK(core->running());
    drain(*core);
    CHECK_FALSE(core->running());
    REQUIRE(events.result.has_value());
    const auto& result = *events.result;
    INFO((result ? std::string() : result.error().message()));
    REQUIRE(result.has_value());
    CHECK(result->data_bytes + result->zero_bytes == 12 * MiB);
    CHECK(result->zero_bytes >= 3 * MiB);
    CHECK(events.thread == std::this_thread::get_id());
    REQUIRE_FALSE(events.updates.empty());
    CHECK(events.steps.back() == "restore");
    CHECK(events.updates.back().done == 12 * MiB);
    CHECK(events.updates.back().total == 12 * MiB);
    CHECK(fs_test::sh("cmp " + source + " " + s.target).code == 0);

    CHECK(core->log_path() == s.log);
    const auto log = read_all(s.log);
    INFO(log);
    for (const auto& line : std::vector<std::string>{"find images: listing disks", "mounted /dev/fake1 partition 1 (ext4) at " + s.store,
                                   "not mounted: /dev/fake9", "image " + s.image + ": host ",
                                   "contents of " + s.image, "plan: " + s.image + " onto " + s.target,
                                   "unmounting what the wizard mounted on " + s.target, "plan:\n",
                                   "restore started: " + s.image + " onto " + s.target, "step: restore",
                                   "restore: 12.0 MiB of 12.0 MiB (100%)", "restore finished: "})
        CHECK(log.find(line) != std::string::npos);
    // Every entry starts with its UTC time.
    CHECK(log.substr(0, 2) == "20");
    CHECK(log.substr(19, 2) == "Z ");
}

TEST_CASE("restore core adapter: a cancel stops the restore between chunks and says what the target holds",
          "[wizard][adapter][cancel]") {
    Setup s;
    auto config = s.config();
    recovery::RestoreCoreAdapter* adapter = nullptr;
    int queued = 0;
    // The person cancels at the first progress: on the worker thread, so it is
    // asked before the next chunk, whatever the speed of this thread.
    config.wake = [&] {
        if (++queued == 1) adapter->cancel();
    };
    auto core = recovery::make_restore_core(std::move(config));
    adapter = core.get();
    const auto source = capture_raw(s.t, s.image, 24 * MiB, false);  // 6 chunks of data
    fs_test::write_random_file(s.target, 24 * MiB, 43);
    const auto before = read_all(s.target);
    (void)core->find_images();
    REQUIRE(core->plan(options_for(s)).has_value());

    Recorder events;
    core->start(options_for(s), events);
    drain(*core);
    REQUIRE(events.result.has_value());
    const auto& result = *events.result;
    REQUIRE_FALSE(result.has_value());
    INFO(result.error().message() << "\n" << result.error().aftermath);
    CHECK(result.error().code == imager::Errc::cancelled);
    CHECK(result.error().aftermath.find("the restore stopped after writing 4.0 MiB of 24.0 MiB") != std::string::npos);
    CHECK(result.error().aftermath.find("partly written: whole device") != std::string::npos);
    CHECK(events.updates.size() == 1);
    // Only the first chunk reached the target.
    const auto after = read_all(s.target);
    CHECK(after.substr(4 * MiB) == before.substr(4 * MiB));
    CHECK(after.substr(0, 4 * MiB) == read_all(source).substr(0, 4 * MiB));

    const auto log = read_all(s.log);
    INFO(log);
    CHECK(log.find("cancel: the person asked to stop the restore") != std::string::npos);
    CHECK(log.find("restore ended (cancelled): restore of " + s.image) != std::string::npos);
    CHECK(log.find("partly written: whole device") != std::string::npos);  // the aftermath, in the log

    // A second restore, not cancelled, runs through the same adapter.
    queued = 2;
    Recorder again;
    core->start(options_for(s), again);
    drain(*core);
    REQUIRE(again.result.has_value());
    CHECK(again.result->has_value());
    CHECK(fs_test::sh("cmp " + source + " " + s.target).code == 0);
}

TEST_CASE("restore core adapter: a log that cannot be written does not stop it", "[wizard][adapter]") {
    fs_test::TempDir t;
    const std::string file = t / "file";
    fs_test::write_random_file(file, 10, 1);
    recovery::RestoreCoreConfig c;
    c.log_path = file + "/lifeboat.log";  // below a regular file: cannot be made
    c.mounter = std::make_unique<FolderMounter>();
    c.paths.sys = t / "no-sys";
    auto core = recovery::make_restore_core(std::move(c));
    CHECK(core->log_path().empty());
    CHECK_FALSE(core->log().problem().empty());
    const auto catalog = core->find_images();
    CHECK(catalog.machines.empty());
}
