// ops/restore: progress names the part of a whole disk being written
// (ProgressUpdate::item) with that part's own bytes, for the wizard's
// per-partition bar and the CLI's JSON; a single-stream image has no parts.
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "imager/image_ops.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

namespace {

using image_test::Yes;

constexpr std::uint64_t MiB = 1u << 20;

struct Recorded {
    std::string item;
    std::uint64_t done, total, item_done, item_total;
};

class Recorder final : public imager::Progress {
public:
    void update(const imager::ProgressUpdate& u) override {
        if (u.step == "restore") updates.push_back({std::string(u.item), u.done, u.total, u.item_done, u.item_total});
    }
    void note(std::string_view) override {}
    std::vector<Recorded> updates;
};

imager::RestoreOptions options_for(const std::string& image, const std::string& target) {
    imager::RestoreOptions o;
    o.image = image;
    o.target = target;
    o.assume_yes = true;
    o.threads = 2;
    return o;
}

}  // namespace

TEST_CASE("restore: each part of a whole disk reports its own bytes", "[ops][restore][progress]") {
    fs_test::TempDir t;
    const std::string disk = t / "disk.bin";
    // GPT: partition 1 (8 MiB at 1 MiB), partition 2 (14 MiB at 9 MiB), junk everywhere.
    image_test::write_two_partition_disk(disk, 24 * MiB, 18431, 47103, 21);
    const std::string image = t / "pc.lbi";
    image_test::capture(disk, image, 2);
    const std::string target = t / "target.bin";
    fs_test::write_random_file(target, 24 * MiB, 5);

    Recorder progress;
    Yes yes;
    REQUIRE(imager::restore(options_for(image, target), progress, yes).has_value());
    REQUIRE_FALSE(progress.updates.empty());

    // Split into parts: a part ends where the item changes or its bytes start again
    // (the boot area and the gap at the end are two parts of the same name).
    std::vector<Recorded> parts;  // each part's last update
    for (const auto& u : progress.updates) {
        INFO(u.item);
        REQUIRE_FALSE(u.item.empty());
        CHECK(u.item_done <= u.item_total);
        CHECK(u.item_done > 0);
        if (parts.empty() || parts.back().item != u.item || u.item_done <= parts.back().item_done) parts.push_back(u);
        else parts.back() = u;
    }
    std::uint64_t parts_total = 0;
    std::map<std::string, std::uint64_t> size_of;
    for (const auto& part : parts) {
        INFO(part.item);
        CHECK(part.item_done == part.item_total);  // every part ends complete
        parts_total += part.item_total;
        size_of[part.item] += part.item_total;
    }
    CHECK(size_of["partition 1"] == 8 * MiB);
    CHECK(size_of["partition 2"] == 14 * MiB);
    // Only the boot area before partition 1: the space after partition 2 is not in the
    // image, and the backup GPT is written anew with the table, not copied.
    CHECK(size_of["boot area / gap"] == 1 * MiB);
    CHECK(parts_total == progress.updates.back().total);  // the parts make up the whole
    CHECK(progress.updates.back().done == progress.updates.back().total);
}

TEST_CASE("restore: a single-stream image reports no parts", "[ops][restore][progress]") {
    fs_test::TempDir t;
    const std::string source = t / "blob.bin";
    fs_test::write_random_file(source, 6 * MiB, 8);
    const std::string image = t / "blob.lbi";
    image_test::capture(source, image, 2);
    const std::string target = t / "target.bin";
    fs_test::write_random_file(target, 6 * MiB, 9);

    Recorder progress;
    Yes yes;
    REQUIRE(imager::restore(options_for(image, target), progress, yes).has_value());
    REQUIRE_FALSE(progress.updates.empty());
    for (const auto& u : progress.updates) {
        CHECK(u.item.empty());
        CHECK(u.item_total == 0);
    }
}
