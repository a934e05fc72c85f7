// recovery/verify_flow: the Verify flow driven through a fake core, without a
// terminal: choose an image -> progress events -> whole / damaged (the chunk
// named) / stopped / failed, each with what to do and the log's path; a
// cancel asks first; the list is searched again after a result.
#include "../../recovery/verify_flow.hpp"
#include "wizard_test_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using recovery::VerifyFlow;
using recovery::VerifyOutcome;
using recovery::VerifyStep;
namespace dsc = imager::discovery;
using imager::Errc;

// Records what the flow asked and answers what the test set up.
class FakeCore final : public recovery::VerifyCore {
public:
    dsc::ImageCatalog catalog;
    std::vector<std::string> started;
    recovery::VerifyEvents* events = nullptr;
    int searches = 0;
    int cancels = 0;

    dsc::ImageCatalog find_images() override {
        ++searches;
        return catalog;
    }
    void start(const std::string& image, recovery::VerifyEvents& e) override {
        started.push_back(image);
        events = &e;
    }
    void cancel() override { ++cancels; }
    std::string log_path() const override { return "/run/lifeboat/lifeboat.log"; }
};

FakeCore core_with_two_images() {
    FakeCore core;
    dsc::MachineImages m;
    m.host = "office";
    for (const char* path : {"/run/lifeboat/sdb1/lifeboat/good.lbi", "/run/lifeboat/sdb1/lifeboat/bad.lbi"}) {
        dsc::ImageEntry e;
        e.path = path;
        e.readable = true;
        e.host = "office";
        m.images.push_back(e);
    }
    m.images[0].verified = "2026-11-20T08:00:00Z";
    core.catalog.machines.push_back(m);
    return core;
}

}  // namespace

TEST_CASE("verify flow: choose -> progress -> whole, with the count, the mark and the log", "[wizard][verify]") {
    auto core = core_with_two_images();
    wizard_test::FakeClock clock;
    VerifyFlow flow(core, clock.fn());
    flow.open();
    CHECK(core.searches == 1);
    REQUIRE(flow.step() == VerifyStep::choose_image);
    REQUIRE(flow.catalog().machines.size() == 1);
    CHECK(flow.catalog().machines[0].images[0].verified == "2026-11-20T08:00:00Z");
    CHECK(flow.outcome() == nullptr);

    flow.choose_image("/run/lifeboat/sdb1/lifeboat/good.lbi");
    REQUIRE(flow.step() == VerifyStep::running);
    REQUIRE(core.started == std::vector<std::string>{"/run/lifeboat/sdb1/lifeboat/good.lbi"});
    flow.choose_image("/run/lifeboat/sdb1/lifeboat/bad.lbi");  // ignored while one runs
    CHECK(core.started.size() == 1);

    clock.now += 0.5;
    core.events->on_progress({"verify", 10 << 20, 40 << 20});
    CHECK(flow.progress().done == 10u << 20);
    CHECK(flow.progress().bytes_per_second == 0);  // under a second: no rate yet
    CHECK_FALSE(flow.progress().remaining_seconds.has_value());
    clock.now += 1.5;  // 2 s in, 20 of 40 MiB
    core.events->on_progress({"verify", 20 << 20, 40 << 20});
    CHECK(flow.progress().fraction() == Approx(0.5));
    CHECK(flow.progress().bytes_per_second == Approx(10.0 * (1 << 20)));
    REQUIRE(flow.progress().remaining_seconds.has_value());
    CHECK(*flow.progress().remaining_seconds == Approx(2.0));
    core.events->on_note("the verified mark was not recorded: read-only");
    CHECK(flow.progress().notes == std::vector<std::string>{"the verified mark was not recorded: read-only"});

    imager::VerifyReport report;
    report.chunks = 10;
    report.data_bytes = 40 << 20;
    report.marked = true;
    core.events->on_finished(report);
    REQUIRE(flow.step() == VerifyStep::result);
    const VerifyOutcome* o = flow.outcome();
    REQUIRE(o != nullptr);
    CHECK(o->kind == VerifyOutcome::Kind::whole);
    CHECK(o->image == "/run/lifeboat/sdb1/lifeboat/good.lbi");
    CHECK(o->headline == "The image is whole.");
    CHECK(o->detail == "Every chunk checked: 10 chunks, 40.0 MiB of data, all as they were captured.");
    CHECK(o->what_to_do == "It can be used to restore.");
    CHECK(o->mark == "Recorded as verified: the image lists show the date.");
    CHECK(o->log_path == "/run/lifeboat/lifeboat.log");

    // Back from the result: the list, searched again (the mark may be new).
    flow.back();
    CHECK(flow.step() == VerifyStep::choose_image);
    CHECK(core.searches == 2);
    flow.back();
    CHECK(flow.step() == VerifyStep::closed);
}

TEST_CASE("verify flow: a whole image whose mark could not be recorded says so, still whole", "[wizard][verify]") {
    imager::VerifyReport report;
    report.chunks = 1;
    report.data_bytes = 4096;
    report.mark_problem = "record that /x.lbi verified: Read-only file system";
    const auto o = recovery::verify_outcome("/x.lbi", report);
    CHECK(o.kind == VerifyOutcome::Kind::whole);
    CHECK(o.detail == "Every chunk checked: 1 chunk, 4.0 KiB of data, all as they were captured.");
    CHECK(o.mark == "Whole, but this could not be noted for the image lists (they will not show it as verified): "
                    "record that /x.lbi verified: Read-only file system.");
}

TEST_CASE("verify flow: a damaged chunk is named as the core names it, with what to do", "[wizard][verify]") {
    auto core = core_with_two_images();
    VerifyFlow flow(core);
    flow.open();
    flow.choose_image("/run/lifeboat/sdb1/lifeboat/bad.lbi");
    const std::string message =
        "chunk 2 (stream 0, source offset 0x800000; stored at byte 8389000 of bad.lbi) is damaged: "
        "its XXH3-128 does not match";
    core.events->on_finished(std::unexpected(imager::make_error(
        Errc::damaged_image, message, "the image is damaged; use another copy, or capture a new image")));
    const VerifyOutcome* o = flow.outcome();
    REQUIRE(o != nullptr);
    CHECK(o->kind == VerifyOutcome::Kind::damaged);
    CHECK(o->headline == "The image is damaged.");
    CHECK(o->detail == message);  // chunk number, source offset and file, word for word
    CHECK_THAT(o->what_to_do, Catch::Contains("Do not restore from this image") &&
                                  Catch::Contains("another copy") && Catch::Contains("capture the system again"));
    CHECK(o->mark.empty());
    CHECK(o->log_path == "/run/lifeboat/lifeboat.log");
}

TEST_CASE("verify flow: cancel asks first, No goes on, Yes asks the core and waits for it", "[wizard][verify]") {
    auto core = core_with_two_images();
    VerifyFlow flow(core);
    flow.open();
    flow.choose_image("/run/lifeboat/sdb1/lifeboat/good.lbi");

    flow.back();  // Esc while running is a cancel request
    REQUIRE(flow.step() == VerifyStep::cancel_confirm);
    CHECK_THAT(VerifyFlow::cancel_question(), Catch::Contains("nothing has been changed") &&
                                                  Catch::Contains("will not be known"));
    flow.keep_going();
    CHECK(flow.step() == VerifyStep::running);
    CHECK(core.cancels == 0);

    // Progress while the question is open still counts.
    flow.request_cancel();
    core.events->on_progress({"verify", 5, 10});
    CHECK(flow.progress().done == 5);
    flow.confirm_cancel();
    CHECK(core.cancels == 1);
    CHECK(flow.step() == VerifyStep::running);
    CHECK(flow.progress().cancelling);
    flow.request_cancel();  // asked once is enough
    CHECK(flow.step() == VerifyStep::running);

    core.events->on_finished(std::unexpected(
        imager::make_error(Errc::cancelled, "verification cancelled; nothing was changed")));
    const VerifyOutcome* o = flow.outcome();
    REQUIRE(o != nullptr);
    CHECK(o->kind == VerifyOutcome::Kind::cancelled);
    CHECK(o->headline == "Verification stopped.");
    CHECK_THAT(o->detail, Catch::Contains("Nothing was changed") && Catch::Contains("not known"));
    CHECK_THAT(o->what_to_do, Catch::Contains("Verify it again"));
}

TEST_CASE("verify flow: the verification ending while the cancel question is open shows its result",
          "[wizard][verify]") {
    auto core = core_with_two_images();
    VerifyFlow flow(core);
    flow.open();
    flow.choose_image("/run/lifeboat/sdb1/lifeboat/good.lbi");
    flow.request_cancel();
    core.events->on_finished(imager::VerifyReport{3, 12 << 20, 0.5, true, {}});
    REQUIRE(flow.step() == VerifyStep::result);
    CHECK(flow.outcome()->kind == VerifyOutcome::Kind::whole);
    CHECK(core.cancels == 0);
    // Stray events after the result change nothing.
    core.events->on_progress({"verify", 1, 2});
    CHECK(flow.progress().done == 0);
}

TEST_CASE("verify flow: other failures say what to do, never a bare error", "[wizard][verify]") {
    const auto missing = recovery::verify_outcome(
        "/x.lbi", std::unexpected(imager::sys_error("open /run/lifeboat/sdb1/x.lbi", ENOENT)));
    CHECK(missing.kind == VerifyOutcome::Kind::failed);
    CHECK(missing.headline == "The image could not be read.");
    CHECK(missing.detail == "open /run/lifeboat/sdb1/x.lbi: No such file or directory");
    CHECK_THAT(missing.what_to_do, Catch::Contains("plugged in"));

    auto io = imager::sys_error("read /run/lifeboat/sdb1/x.lbi at 0x400000", EIO);
    io.hint = {};
    const auto failed = recovery::verify_outcome("/x.lbi", std::unexpected(io));
    CHECK(failed.kind == VerifyOutcome::Kind::failed);
    CHECK(failed.headline == "The image could not be checked.");
    CHECK_THAT(failed.what_to_do, Catch::Contains("copy the image elsewhere"));

    const auto newer = recovery::verify_outcome(
        "/x.lbi", std::unexpected(imager::make_error(Errc::unsupported, "format version 2", "use Lifeboat 0.3 or newer")));
    CHECK(newer.headline == "This Lifeboat cannot read the image.");
    CHECK(newer.what_to_do == "use Lifeboat 0.3 or newer");
}
