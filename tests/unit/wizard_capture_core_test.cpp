// The core under the wizard's Capture: estimate_capture() sizes a capture
// without writing (and its bound holds for data that does not compress),
// CaptureOptions::stop cancels between chunks and removes the partial files
// without touching the caller's signal handlers, and whole-disk captures name
// the partition being worked on in each progress update.
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "imager/image_ops.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <map>
#include <stop_token>

namespace {

constexpr std::uint64_t MiB = 1u << 20;

// A 24 MiB junk disk file with a GPT: partition 1 sectors 2048..18431 (8 MiB),
// partition 2 sectors 18432..47103 (14 MiB); stored raw (no filesystems).
std::string junk_disk(const fs_test::TempDir& t) {
    const std::string disk = t / "disk.bin";
    image_test::write_two_partition_disk(disk, 24 * MiB, 18431, 47103, 7);
    return disk;
}

class Recorder final : public imager::Progress {
public:
    void update(const imager::ProgressUpdate& u) override {
        if (u.step != "capture") return;
        ++updates;
        if (!u.item.empty()) {
            auto& last = items[std::string(u.item)];
            CHECK(u.item_done <= u.item_total);
            if (u.item.starts_with("partition")) CHECK(u.item_done >= last.first);  // never goes back
            last = {u.item_done, u.item_total};
        }
        if (stop && !stop->stop_requested()) {
            sigint_handler_during = current_handler(SIGINT);
            stop->request_stop();
        }
    }
    void note(std::string_view) override {}

    static void (*current_handler(int sig))(int) {
        struct sigaction now {};
        ::sigaction(sig, nullptr, &now);
        return now.sa_handler;
    }

    int updates = 0;
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> items;  // item -> last (done, total)
    std::stop_source* stop = nullptr;
    void (*sigint_handler_during)(int) = nullptr;
};

}  // namespace

TEST_CASE("capture estimate: parts, used bytes, and a bound the image never exceeds", "[wizard][capture][ops]") {
    fs_test::TempDir t;
    const std::string disk = junk_disk(t);
    auto estimate = imager::estimate_capture(disk);
    INFO((estimate ? std::string() : estimate.error().message()));
    REQUIRE(estimate.has_value());
    CHECK(estimate->source_size == 24 * MiB);
    std::uint64_t sum = 0;
    int partitions = 0;
    for (const auto& p : estimate->parts) {
        sum += p.used_bytes;
        if (p.role == imager::format::StreamRole::partition) {
            ++partitions;
            CHECK(p.filesystem.empty());  // junk: stored raw, every byte
            CHECK(p.used_bytes == p.size);
        }
    }
    CHECK(partitions == 2);
    CHECK(sum == estimate->used_bytes);
    CHECK(estimate->parts[1].offset == 2048 * 512);
    CHECK(estimate->parts[1].size == 8 * MiB);
    CHECK(estimate->used_bytes > 22 * MiB);  // both partitions, plus the GPT gaps' non-zero bytes
    CHECK(estimate->max_image_bytes > estimate->used_bytes);
    CHECK(estimate->max_image_bytes < estimate->used_bytes + estimate->used_bytes / 50);  // overhead under 2%
    CHECK(estimate->estimated_image_bytes < estimate->max_image_bytes);
    CHECK(estimate->estimated_image_bytes >=
          static_cast<std::uint64_t>(static_cast<double>(estimate->used_bytes) * imager::CaptureEstimate::kEstimatedRatio));
    CHECK(std::filesystem::directory_iterator(t.path()) != std::filesystem::directory_iterator());

    // Random bytes do not compress: the image is as big as it gets, and within the bound.
    imager::CaptureOptions o;
    o.source = disk;
    o.image = t / "pc.lbi";
    o.note = std::string(200, 'n');
    image_test::capture(o);
    const auto image_bytes = std::filesystem::file_size(o.image);
    CHECK(image_bytes > estimate->used_bytes * 9 / 10);
    CHECK(image_bytes <= estimate->max_image_bytes);
}

TEST_CASE("capture estimate: a real ext4 counts only its used blocks", "[wizard][capture][ops]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4");
    fs_test::TempDir t;
    const std::string fs = t / "fs.img";
    fs_test::make_tree(t / "tree");
    REQUIRE(fs_test::sh("truncate -s 64M " + fs_test::quote(fs) + " && mkfs.ext4 -q -F -L DATA -d " +
                        fs_test::quote(t / "tree") + " " + fs_test::quote(fs))
                .code == 0);
    auto estimate = imager::estimate_capture(fs);
    REQUIRE(estimate.has_value());
    REQUIRE(estimate->parts.size() == 1);
    CHECK(estimate->parts[0].filesystem == "ext4");
    CHECK(estimate->parts[0].label == "DATA");
    CHECK(estimate->used_bytes < 32 * MiB);  // far less than the 64 MiB
    CHECK(estimate->used_bytes >= fs_test::tree_bytes(t / "tree"));
}

TEST_CASE("capture estimate: a missing source is not_found-like with a hint", "[wizard][capture][ops]") {
    auto estimate = imager::estimate_capture("/nonexistent/disk.img");
    REQUIRE_FALSE(estimate.has_value());
    CHECK_FALSE(estimate.error().hint.empty());
}

TEST_CASE("capture: a stop request removes the partial image and leaves signal handlers alone", "[wizard][capture][ops]") {
    fs_test::TempDir t;
    const std::string source = t / "source.bin";
    fs_test::write_junk(source, 48u << 20, 3);  // 12 chunks
    std::stop_source stop;
    imager::CaptureOptions o;
    o.source = source;
    o.image = t / "image.lbi";
    o.split = 8u << 20;  // several volumes: every one is removed
    o.threads = 2;
    o.stop = stop.get_token();
    Recorder progress;
    progress.stop = &stop;
    const auto before = Recorder::current_handler(SIGINT);
    auto r = imager::capture(o, progress);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == imager::Errc::cancelled);
    CHECK(r.error().message().find("cancelled") != std::string::npos);
    CHECK(r.error().hint.find("partial image was removed") != std::string::npos);
    CHECK(progress.sigint_handler_during == before);  // the wizard's handler stayed in place
    for (const auto& e : std::filesystem::directory_iterator(t.path())) CHECK(e.path().filename() == "source.bin");
}

TEST_CASE("capture: whole-disk progress names each partition and fills its own bar", "[wizard][capture][ops]") {
    fs_test::TempDir t;
    const std::string disk = junk_disk(t);
    imager::CaptureOptions o;
    o.source = disk;
    o.image = t / "pc.lbi";
    o.threads = 2;
    o.verify = false;
    Recorder progress;
    auto r = imager::capture(o, progress);
    REQUIRE(r.has_value());
    REQUIRE(progress.items.contains("partition 1 (raw)"));
    REQUIRE(progress.items.contains("partition 2 (raw)"));
    CHECK(progress.items["partition 1 (raw)"] == std::pair<std::uint64_t, std::uint64_t>{8 * MiB, 8 * MiB});
    CHECK(progress.items["partition 2 (raw)"] == std::pair<std::uint64_t, std::uint64_t>{14 * MiB, 14 * MiB});
    for (const auto& [item, last] : progress.items)
        CHECK((item.starts_with("partition ") || item == "boot area / gap"));

    // A single filesystem or device has no parts to name.
    Recorder single;
    o.source = t / "single.bin";
    o.image = t / "single.lbi";
    fs_test::write_junk(o.source, 8 * MiB, 4);
    REQUIRE(imager::capture(o, single).has_value());
    CHECK(single.updates > 0);
    CHECK(single.items.empty());
}

TEST_CASE("capture: a stop during the verification keeps the complete image, reported unverified", "[wizard][capture][ops]") {
    // Asks to stop at the first update of the check, when the image is complete.
    class StopInVerify final : public imager::Progress {
    public:
        explicit StopInVerify(std::stop_source& s) : stop_(s) {}
        void update(const imager::ProgressUpdate& u) override {
            if (u.step == "verify") stop_.request_stop();
        }
        void note(std::string_view message) override { notes.emplace_back(message); }
        std::vector<std::string> notes;

    private:
        std::stop_source& stop_;
    };
    fs_test::TempDir t;
    const std::string disk = junk_disk(t);
    std::stop_source stop;
    imager::CaptureOptions o;
    o.source = disk;
    o.image = t / "pc.lbi";
    o.threads = 1;
    o.stop = stop.get_token();
    StopInVerify progress(stop);
    auto r = imager::capture(o, progress);
    INFO((r ? std::string() : r.error().message()));
    REQUIRE(r.has_value());
    CHECK_FALSE(r->verified);
    CHECK(std::filesystem::is_regular_file(o.image));
    REQUIRE_FALSE(progress.notes.empty());
    CHECK(progress.notes.back().find("its check was stopped on request") != std::string::npos);
    imager::SilentProgress quiet;
    CHECK(imager::verify(o.image, 1, quiet).has_value());  // whole all the same
}
