// recovery/verify_core_adapter: the wizard's real VerifyCore, without root:
// images found in a folder a fake mounter hands over (the verified mark shown),
// a real verification on a worker thread with its events drained on this
// thread, whole and damaged results, the mark recorded, the log; a cancel.
#include "../../recovery/verify_core_adapter.hpp"
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "wizard_test_support.hpp"
#include "imager/image_ops.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace {

namespace dsc = imager::discovery;
using wizard_test::drain;
using wizard_test::FolderMounter;
using wizard_test::read_all;

class Recorder final : public recovery::VerifyEvents {
public:
    std::vector<std::uint64_t> done;
    std::vector<std::string> notes;
    std::optional<imager::Result<imager::VerifyReport>> result;
    std::thread::id thread;

    void on_progress(const imager::ProgressUpdate& u) override {
        thread = std::this_thread::get_id();
        done.push_back(u.done);
    }
    void on_note(std::string_view m) override { notes.emplace_back(m); }
    void on_finished(const imager::Result<imager::VerifyReport>& r) override {
        thread = std::this_thread::get_id();
        result = r;
    }
};

struct Setup {
    fs_test::TempDir t;
    std::string store = t / "store";
    std::string good = store + "/lifeboat/good.lbi";
    std::string bad = store + "/lifeboat/bad.lbi";
    std::string log = t / "run/lifeboat/lifeboat.log";
    FolderMounter* mounter = nullptr;

    Setup() {
        std::filesystem::create_directories(store + "/lifeboat");
        const std::string source = t / "source.bin";
        fs_test::write_random_file(source, 9u << 20, 77);  // three chunks of random bytes
        image_test::capture(source, good);
        image_test::capture(source, bad);
        // One byte flipped in the middle of the second chunk (random data is stored as is).
        std::fstream f(bad, std::ios::in | std::ios::out | std::ios::binary);
        const std::streamoff at = (4 << 20) + (2 << 20);
        f.seekg(at);
        char c = 0;
        f.read(&c, 1);
        c = static_cast<char>(c ^ 1);
        f.seekp(at);
        f.write(&c, 1);
    }

    recovery::VerifyCoreConfig config() {
        recovery::VerifyCoreConfig c;
        c.log_path = log;
        c.threads = 2;
        auto m = std::make_unique<FolderMounter>();
        m->folders.push_back({"/dev/fake1", 1, "ext4", store, true});
        mounter = m.get();
        c.mounter = std::move(m);
        c.paths.sys = t / "no-sys";
        c.paths.dev = t / "no-dev";
        return c;
    }
};

}  // namespace

TEST_CASE("verify core adapter: find, verify whole and damaged on a worker, events on this thread, the log",
          "[wizard][verify][adapter]") {
    Setup s;
    auto core = recovery::make_verify_core(s.config());
    auto catalog = core->find_images();
    REQUIRE(catalog.machines.size() == 1);
    REQUIRE(catalog.machines[0].images.size() == 2);
    for (const auto& e : catalog.machines[0].images) CHECK(e.verified.empty());  // captured without a check

    Recorder whole;
    core->start(s.good, whole);
    CHECK(core->running());
    drain(*core);
    CHECK_FALSE(core->running());
    REQUIRE(whole.result.has_value());
    REQUIRE(whole.result->has_value());
    CHECK((*whole.result)->chunks == 3);
    CHECK((*whole.result)->data_bytes == 9u << 20);
    CHECK((*whole.result)->marked);
    CHECK(whole.thread == std::this_thread::get_id());
    REQUIRE_FALSE(whole.done.empty());
    CHECK(whole.done.back() == 9u << 20);

    // Found again: the good image now carries its mark.
    catalog = core->find_images();
    REQUIRE(catalog.machines[0].images.size() == 2);
    for (const auto& e : catalog.machines[0].images)
        CHECK(e.verified.empty() == (e.path == s.bad));

    Recorder damaged;
    core->start(s.bad, damaged);
    drain(*core);
    REQUIRE(damaged.result.has_value());
    REQUIRE_FALSE(damaged.result->has_value());
    const imager::Error& e = damaged.result->error();
    CHECK(e.code == imager::Errc::damaged_image);
    CHECK_THAT(e.message(), Catch::StartsWith("chunk 1 (stream 0, source offset 0x400000; stored at byte") &&
                                Catch::Contains("bad.lbi") && Catch::Contains("is damaged"));

    CHECK(core->log_path() == s.log);
    const auto log = read_all(s.log);
    INFO(log);
    const std::vector<std::string> expected{
        "wizard: verify core ready",
        "find images: 2 image(s) of 1 machine(s)",
        "verify started: " + s.good,
        "step: verify",
        "verify finished: " + s.good + " is whole: 3 chunks, 9.0 MiB checked",
        "verified mark recorded",
        "verify started: " + s.bad,
        "verify ended (damaged_image): chunk 1 (stream 0, source offset 0x400000",
    };
    for (const std::string& line : expected)
        CHECK(log.find(line) != std::string::npos);
    core.reset();
    // Going away, the core undoes what its search mounted.
    CHECK(read_all(s.log).find("unmounted the filesystems the wizard mounted") != std::string::npos);
}

TEST_CASE("verify core adapter: a cancel stops it, and a second start while one runs is refused",
          "[wizard][verify][adapter]") {
    Setup s;
    auto core = recovery::make_verify_core(s.config());
    Recorder first;
    Recorder second;
    core->start(s.good, first);
    core->start(s.good, second);  // refused: one runs
    core->cancel();
    drain(*core);
    REQUIRE(second.result.has_value());
    REQUIRE_FALSE(second.result->has_value());
    CHECK(second.result->error().message() == "a verification is running already");
    REQUIRE(first.result.has_value());
    // Stopped between chunks, or it had finished all three before the request landed.
    if (!first.result->has_value()) CHECK(first.result->error().code == imager::Errc::cancelled);
    const auto log = read_all(s.log);
    CHECK(log.find("cancel: the person asked to stop the verification") != std::string::npos);
    CHECK(log.find("start refused: a verification is running already") != std::string::npos);
}
