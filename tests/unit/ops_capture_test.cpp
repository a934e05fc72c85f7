// ops/: a signal during capture removes the partial image; the interrupt guard
// puts the previous signal dispositions back.
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "imager/image_ops.hpp"
#include "ops/interrupt.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>

namespace {

// Sends `sig` to the process at the first progress update of the capture step.
class SignalAtFirstUpdate final : public imager::Progress {
public:
    explicit SignalAtFirstUpdate(int sig) : sig_(sig) {}
    void update(const imager::ProgressUpdate& u) override {
        if (u.step == "capture" && !sent_) {
            sent_ = true;
            std::raise(sig_);
        }
    }
    void note(std::string_view) override {}

private:
    int sig_;
    bool sent_ = false;
};

void (*handler_of(int sig))(int) {
    struct sigaction now {};
    ::sigaction(sig, nullptr, &now);
    return now.sa_handler;  // (Catch2 has handlers of its own for SIGINT and SIGTERM)
}

}  // namespace

TEST_CASE("interrupt guard: records SIGINT/SIGTERM/SIGHUP, then restores the old dispositions", "[ops][interrupt]") {
    const auto old_term = handler_of(SIGTERM);
    const auto old_int = handler_of(SIGINT);
    auto* old_hup = std::signal(SIGHUP, SIG_IGN);  // as nohup leaves it
    {
        const imager::ops::InterruptGuard guard;
        CHECK(imager::ops::InterruptGuard::pending() == 0);
        std::raise(SIGTERM);  // would kill the test runner without the guard
        CHECK(imager::ops::InterruptGuard::pending() == SIGTERM);
        CHECK(handler_of(SIGHUP) == SIG_IGN);  // an ignored signal stays ignored
        CHECK(handler_of(SIGTERM) != old_term);
    }
    CHECK(handler_of(SIGTERM) == old_term);
    CHECK(handler_of(SIGINT) == old_int);
    std::signal(SIGHUP, old_hup);
}

TEST_CASE("capture: SIGINT or SIGTERM midway removes NAME.partial and reports cancelled", "[ops][interrupt]") {
    for (int sig : {SIGINT, SIGTERM}) {
        const auto before = handler_of(sig);
        fs_test::TempDir t;
        const std::string source = t / "source.bin";
        fs_test::write_junk(source, 48u << 20, 5);  // 12 chunks
        imager::CaptureOptions o;
        o.source = source;
        o.image = t / "image.lbi";
        o.split = 8u << 20;  // several volumes: every one is removed
        SignalAtFirstUpdate progress(sig);
        auto r = imager::capture(o, progress);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == imager::Errc::cancelled);
        INFO(r.error().message());
        CHECK(r.error().message().find("interrupted") != std::string::npos);
        for (const auto& e : std::filesystem::directory_iterator(t.path()))
            CHECK(e.path().filename() == "source.bin");
        CHECK(handler_of(sig) == before);
    }
}

TEST_CASE("capture: an uninterrupted capture verifies and restores byte for byte", "[ops]") {
    fs_test::TempDir t;
    const std::string source = t / "source.bin";
    fs_test::write_junk(source, 9u << 20, 6);
    REQUIRE(fs_test::sh("yes lifeboat | head -c 5000000 | dd of=" + source + " conv=notrunc status=none").code == 0);
    imager::CaptureOptions o;
    o.source = source;
    o.image = t / "image.lbi";
    imager::SilentProgress quiet;
    auto r = imager::capture(o, quiet);
    REQUIRE(r.has_value());
    CHECK(r->verified);
    imager::RestoreOptions ro;
    ro.image = o.image;
    ro.target = t / "restored.bin";
    ro.assume_yes = true;
    image_test::Yes yes;
    auto restored = imager::restore(ro, quiet, yes);
    REQUIRE(restored.has_value());
    CHECK(fs_test::sh("cmp " + source + " " + ro.target).code == 0);
}
