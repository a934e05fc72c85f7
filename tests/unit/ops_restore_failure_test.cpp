// ops/restore: a restore that fails part-way (here: a damaged chunk) keeps
// its cause and says in Error::aftermath what the target holds now, as a
// cancel does: the parts written, partly written and not written, the table
// not written, and that the disk cannot be used until a restore finishes; or
// that nothing was written, when the first chunk is the damaged one.
#include "format/image_file.hpp"
#include "format/layout.hpp"
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "imager/image_ops.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace {

using image_test::bytes_of;
using image_test::Yes;

constexpr std::uint64_t MiB = 1u << 20;

// Flips a byte in the middle of the stored bytes of the record of `stream`
// that starts at `offset` (a single-volume image: the volume header comes first).
void damage_chunk(const std::string& image, std::uint16_t stream, std::uint64_t offset) {
    std::uint64_t at = 0;
    {
        auto reader = imager::format::ImageReader::open(image);
        REQUIRE(reader.has_value());
        for (const auto& r : (*reader)->records())
            if (r.stream == stream && r.offset == offset && r.kind != imager::format::RecordKind::zeros)
                at = imager::format::kVolumeHeaderSize + r.stored_offset + r.stored_size / 2;
    }
    REQUIRE(at != 0);
    std::fstream f(image, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    const char old = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(old ^ 0x5a));
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Fixture {
    fs_test::TempDir t;
    std::string disk = t / "disk.bin";
    std::string image = t / "pc.lbi";
    std::string target = t / "target.bin";

    // A 24 MiB junk disk with a GPT: partition 1 (8 MiB at 1 MiB), partition 2
    // (14 MiB at 9 MiB), captured whole (streams: 0 the first MiB, 1 and 2 the
    // partitions), stored raw in chunks cut at every 4 MiB of the disk (so
    // partition 2's start at 0, 3, 7 and 11 MiB into it); a target of other junk.
    Fixture() {
        image_test::write_two_partition_disk(disk, 24 * MiB, 18431, 47103, 21);
        image_test::capture(disk, image, 2);
        fs_test::write_random_file(target, 24 * MiB, 77);
    }

    imager::Result<imager::RestoreReport> restore(const std::string& onto) const {
        imager::RestoreOptions o;
        o.image = image;
        o.target = onto;
        o.assume_yes = true;
        o.threads = 2;
        imager::SilentProgress quiet;
        Yes yes;
        return imager::restore(o, quiet, yes);
    }
};

}  // namespace

TEST_CASE("restore: a damaged chunk in partition 2 stops it, and the error says what the target holds",
          "[ops][restore][damage]") {
    Fixture f;
    damage_chunk(f.image, 2, 3 * MiB);  // partition 2's second chunk
    const auto before = bytes_of(f.target, 0, 24 * MiB);

    auto r = f.restore(f.target);
    REQUIRE_FALSE(r.has_value());
    const auto& after = r.error().aftermath;
    INFO(r.error().message() << "\n" << after << "\n" << r.error().hint);
    CHECK(r.error().code == imager::Errc::damaged_image);
    CHECK(has(r.error().message(), "source offset 0x300000"));  // the cause, as before
    CHECK(has(r.error().hint, "use another copy"));
    CHECK(has(after, f.target + " holds part of the image: the restore stopped after writing 12.0 MiB of"));
    CHECK(has(after, "written: boot area / gap at byte 0, partition 1;"));
    CHECK(has(after, "partly written: partition 2 (3.0 MiB of 14.0 MiB)"));
    // The space after partition 2 is not in the image (captured without --all-gaps) and the
    // backup GPT is written anew with the table: nothing else was to be written.
    CHECK_FALSE(has(after, "; not written: "));
    CHECK(has(after, "the partition table was not written"));
    CHECK(has(after, "cannot be used until a restore finishes"));
    // What it says is what happened: partition 1 and the first 3 MiB of
    // partition 2 are the image's, the rest of partition 2 is as it was.
    CHECK(bytes_of(f.target, MiB, 11 * MiB) == bytes_of(f.disk, MiB, 11 * MiB));
    CHECK(bytes_of(f.target, 12 * MiB, 11 * MiB) == before.substr(12 * MiB, 11 * MiB));
}

TEST_CASE("restore: a damaged first chunk writes nothing and says so", "[ops][restore][damage]") {
    Fixture f;
    damage_chunk(f.image, 0, 0);  // the first MiB: table and boot code
    const auto before = bytes_of(f.target, 0, 24 * MiB);

    auto r = f.restore(f.target);
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message() << "\n" << r.error().aftermath);
    CHECK(r.error().code == imager::Errc::damaged_image);
    CHECK(r.error().aftermath == "nothing was written: " + f.target + " is as it was");
    CHECK(bytes_of(f.target, 0, 24 * MiB) == before);
}

TEST_CASE("restore: a damaged chunk removes the file the restore created and says so", "[ops][restore][damage]") {
    Fixture f;
    damage_chunk(f.image, 1, 3 * MiB);
    const std::string created = f.t / "new.bin";

    auto r = f.restore(created);
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message() << "\n" << r.error().aftermath);
    CHECK(r.error().code == imager::Errc::damaged_image);
    CHECK(r.error().aftermath == created + ", which this restore created, was removed");
    CHECK_FALSE(std::filesystem::exists(created));
}
