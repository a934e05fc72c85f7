// ops/restore: a stop request (RestoreOptions::stop) stops a restore between
// chunks with Errc::cancelled, and the error's aftermath says what the target
// holds: which streams were written, that the partition table was not;
// nothing is written after the request; a file the restore created is removed.
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "imager/disk_layout.hpp"
#include "imager/image_ops.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stop_token>

namespace {

using image_test::bytes_of;
using image_test::Yes;

constexpr std::uint64_t MiB = 1u << 20;

// Asks the restore to stop once `at` bytes have been restored (0: at the first update).
class StopAt final : public imager::Progress {
public:
    StopAt(std::stop_source& source, std::uint64_t at) : source_(source), at_(at) {}
    void update(const imager::ProgressUpdate& u) override {
        if (u.step != "restore") return;
        ++updates;
        if (u.done >= at_ && !source_.stop_requested()) {
            source_.request_stop();
            stopped_at = u.done;
        }
    }
    void note(std::string_view) override {}
    int updates = 0;
    std::uint64_t stopped_at = 0;

private:
    std::stop_source& source_;
    std::uint64_t at_;
};

// A 24 MiB file of junk with a GPT: partition 1 (8 MiB at 1 MiB), partition 2
// (14 MiB at 9 MiB); captured as a whole disk, stored raw (no filesystems).
std::string make_disk_image(const fs_test::TempDir& t) {
    const std::string disk = t / "disk.bin";
    image_test::write_two_partition_disk(disk, 24 * MiB, 18431, 47103, 21);
    const std::string image = t / "pc.lbi";
    image_test::capture(disk, image, 2);
    return image;
}

imager::RestoreOptions options_for(const std::string& image, const std::string& target, std::stop_source& stop) {
    imager::RestoreOptions o;
    o.image = image;
    o.target = target;
    o.assume_yes = true;
    o.threads = 2;
    o.stop = stop.get_token();
    return o;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("restore: a stop after the first chunk returns cancelled and says what the target holds",
          "[ops][restore][cancel]") {
    fs_test::TempDir t;
    const auto image = make_disk_image(t);
    const std::string target = t / "target.bin";
    fs_test::write_random_file(target, 24 * MiB, 99);
    const auto before = bytes_of(target, 0, 24 * MiB);

    std::stop_source stop;
    StopAt progress(stop, 0);
    Yes yes;
    auto r = imager::restore(options_for(image, target, stop), progress, yes);
    REQUIRE_FALSE(r.has_value());
    const auto message = r.error().aftermath;
    INFO(r.error().message() << "\n" << message);
    CHECK(r.error().code == imager::Errc::cancelled);
    CHECK(progress.updates == 1);  // nothing was written after the request
    CHECK(has(r.error().message(), "restore of " + image + " onto " + target + " cancelled"));
    CHECK(has(message, target + " holds part of the image: the restore stopped after writing"));
    CHECK(has(message, "not written: partition 1, partition 2"));
    CHECK(has(message, "the partition table was not written"));
    CHECK(has(r.error().hint, "restore again, to the end"));
    // Everything past the boot area is as it was: no chunk after the request reached it.
    CHECK(bytes_of(target, MiB, 23 * MiB) == before.substr(MiB, 23 * MiB));
    CHECK(std::filesystem::file_size(target) == 24 * MiB);
}

TEST_CASE("restore: a stop after partition 1 names it written and partition 2 not", "[ops][restore][cancel]") {
    fs_test::TempDir t;
    const auto image = make_disk_image(t);
    const std::string target = t / "target.bin";
    fs_test::write_random_file(target, 24 * MiB, 98);
    const auto before = bytes_of(target, 0, 24 * MiB);

    std::stop_source stop;
    StopAt progress(stop, 9 * MiB);  // the boot area (1 MiB) and partition 1 (8 MiB)
    Yes yes;
    auto r = imager::restore(options_for(image, target, stop), progress, yes);
    REQUIRE_FALSE(r.has_value());
    const auto message = r.error().aftermath;
    INFO(message);
    CHECK(r.error().code == imager::Errc::cancelled);
    CHECK(progress.stopped_at == 9 * MiB);
    CHECK(has(message, "written: boot area / gap at byte 0, partition 1;"));
    CHECK(has(message, "not written: partition 2"));
    CHECK(has(message, "the partition table was not written"));
    CHECK(has(message, "the boot area written holds the image's copy"));
    // Partition 1 is the image's; partition 2 is untouched.
    CHECK(bytes_of(target, MiB, 8 * MiB) == bytes_of(t / "disk.bin", MiB, 8 * MiB));
    CHECK(bytes_of(target, 9 * MiB, 14 * MiB) == before.substr(9 * MiB, 14 * MiB));
}

TEST_CASE("restore: a stop asked before the start writes nothing, a created file is removed",
          "[ops][restore][cancel]") {
    fs_test::TempDir t;
    const auto image = make_disk_image(t);
    Yes yes;
    {
        const std::string target = t / "target.bin";
        fs_test::write_random_file(target, 24 * MiB, 97);
        const auto before = bytes_of(target, 0, 24 * MiB);
        std::stop_source stop;
        stop.request_stop();
        StopAt progress(stop, 0);
        auto r = imager::restore(options_for(image, target, stop), progress, yes);
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().message());
        CHECK(r.error().code == imager::Errc::cancelled);
        CHECK(r.error().aftermath == "nothing was written: " + target + " is as it was");
        CHECK(r.error().hint == target + " can be used as it is; restore again whenever you choose");
        CHECK(progress.updates == 0);
        CHECK(bytes_of(target, 0, 24 * MiB) == before);
    }
    {
        const std::string target = t / "new.bin";  // missing: the restore creates it
        std::stop_source stop;
        StopAt progress(stop, 0);
        auto r = imager::restore(options_for(image, target, stop), progress, yes);
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().message());
        CHECK(r.error().code == imager::Errc::cancelled);
        CHECK(r.error().aftermath == target + ", which this restore created, was removed");
        CHECK_FALSE(std::filesystem::exists(target));
    }
    {
        // Without a stop request the same restore runs to the end.
        const std::string target = t / "whole.bin";
        std::stop_source unused;
        auto o = options_for(image, target, unused);
        o.stop = {};
        imager::SilentProgress quiet;
        auto r = imager::restore(o, quiet, yes);
        INFO((r ? std::string() : r.error().message()));
        REQUIRE(r.has_value());
        CHECK(bytes_of(target, MiB, 22 * MiB) == bytes_of(t / "disk.bin", MiB, 22 * MiB));
    }
}

TEST_CASE("restore: a stop during a single-stream restore names no partition table", "[ops][restore][cancel]") {
    fs_test::TempDir t;
    const std::string source = t / "source.bin";
    fs_test::write_random_file(source, 16 * MiB, 31);  // 4 chunks, stored raw
    const std::string image = t / "raw.lbi";
    image_test::capture(source, image, 2);
    const std::string target = t / "target.bin";
    fs_test::write_random_file(target, 16 * MiB, 32);
    std::stop_source stop;
    StopAt progress(stop, 0);
    Yes yes;
    auto r = imager::restore(options_for(image, target, stop), progress, yes);
    REQUIRE_FALSE(r.has_value());
    const auto message = r.error().aftermath;
    INFO(message);
    CHECK(r.error().code == imager::Errc::cancelled);
    CHECK(has(message, "partly written: whole device (4.0 MiB of 16.0 MiB)"));
    CHECK_FALSE(has(message, "partition table"));
}
