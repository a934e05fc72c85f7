// The verified mark (docs/FORMAT.md, "Verified mark"): verify() writes it
// beside a whole image and removes it from a damaged one; discovery shows its
// date only while the image is exactly the one it names; a stale, foreign,
// garbled or misdated mark is ignored; a folder that cannot be written leaves
// the verification whole and says why there is no mark.
#include "fs_test_support.hpp"
#include "image_test_support.hpp"
#include "imager/image_discovery.hpp"
#include "imager/image_ops.hpp"
#include "ops/verified_mark.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace ops = imager::ops;
namespace dsc = imager::discovery;

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A 3 MiB raw image of junk in `dir`, captured without its verification pass.
std::string make_image(const fs_test::TempDir& t, const std::string& dir, const std::string& name = "pc.lbi") {
    std::filesystem::create_directories(dir);
    const std::string source = t / "source.bin";
    fs_test::write_random_file(source, 3u << 20, 5);
    const std::string image = dir + "/" + name;
    image_test::capture(source, image);
    return image;
}

imager::Result<imager::VerifyReport> verify(const std::string& image) {
    imager::SilentProgress quiet;
    return imager::verify(image, 1, quiet);
}

class NoteRecorder final : public imager::Progress {
public:
    std::vector<std::string> notes;
    void update(const imager::ProgressUpdate&) override {}
    void note(std::string_view message) override { notes.emplace_back(message); }
};

ops::ImageIdentity identity_of(const std::string& image) {
    auto summary = imager::describe_image(image);
    REQUIRE(summary.has_value());
    auto id = ops::image_identity(image, summary->uuid, summary->volumes);
    REQUIRE(id.has_value());
    return *id;
}

}  // namespace

TEST_CASE("verified mark: verify writes it, discovery shows its date, the finder does not take it for an image",
          "[verified-mark]") {
    fs_test::TempDir t;
    const std::string image = make_image(t, t / "store");
    CHECK(dsc::describe_entry(image).verified.empty());  // captured without its check: no mark yet

    auto report = verify(image);
    REQUIRE(report.has_value());
    CHECK(report->marked);
    CHECK(report->mark_problem.empty());
    const std::string mark_path = t / "store/.pc.lbi.verified";
    REQUIRE(std::filesystem::is_regular_file(mark_path));

    const auto mark = nlohmann::json::parse(read_text(mark_path));
    const auto id = identity_of(image);
    CHECK(mark["lifeboat_verified_mark"] == 1);
    CHECK(mark["uuid"] == id.uuid);
    CHECK(mark["image_bytes"] == std::filesystem::file_size(image));
    CHECK(mark["modified"] == id.modified);
    const std::string when = mark["verified"];
    CHECK(ops::is_utc_time(when));

    const auto entry = dsc::describe_entry(image);
    CHECK(entry.verified == when);
    const auto found = dsc::find_images({t / "store"});
    REQUIRE(found.size() == 1);  // the mark is neither an image nor an unreadable entry
    CHECK(found[0].path == image);
    CHECK(found[0].verified == when);
    // Nothing else was left in the folder (no temporary file of the mark).
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(t / "store")) ++files;
    CHECK(files == 2);
}

TEST_CASE("verified mark: read_contents() fills it as describe_entry() does", "[verified-mark]") {
    fs_test::TempDir t;
    const std::string image = make_image(t, t / "store");
    auto before = dsc::read_contents(image);
    REQUIRE(before.has_value());
    CHECK(before->entry.verified.empty());  // no mark yet

    REQUIRE(verify(image).has_value());
    auto after = dsc::read_contents(image);
    REQUIRE(after.has_value());
    CHECK_FALSE(after->entry.verified.empty());
    CHECK(after->entry.verified == dsc::describe_entry(image).verified);

    // A mark that no longer names the image as it is now does not count here either.
    std::ofstream(image, std::ios::binary | std::ios::app) << 'x';
    auto grown = dsc::read_contents(image);
    if (grown) CHECK(grown->entry.verified.empty());
}

TEST_CASE("verified mark: a stale, foreign, garbled or misdated mark is ignored", "[verified-mark]") {
    fs_test::TempDir t;
    const std::string image = make_image(t, t / "store");
    REQUIRE(verify(image).has_value());
    const std::string mark_path = ops::verified_mark_path(image);
    const std::string good = read_text(mark_path);
    const auto id = identity_of(image);
    REQUIRE_FALSE(ops::parse_verified_mark(good, id).empty());

    SECTION("the image's size changed") {
        auto other = id;
        other.image_bytes += 1;
        CHECK(ops::parse_verified_mark(good, other).empty());
        // On disk: the image grew by a byte after it was verified.
        std::ofstream(image, std::ios::binary | std::ios::app) << 'x';
        CHECK(dsc::describe_entry(image).verified.empty());
    }
    SECTION("the image was rewritten in place (same size, newer time)") {
        auto other = id;
        other.modified += 1;
        CHECK(ops::parse_verified_mark(good, other).empty());
    }
    SECTION("another image's mark (foreign uuid)") {
        auto mark = nlohmann::json::parse(good);
        mark["uuid"] = "00000000-0000-0000-0000-000000000000";
        write_text(mark_path, mark.dump());
        CHECK(dsc::describe_entry(image).verified.empty());
    }
    SECTION("garbage instead of JSON, or JSON of the wrong shape") {
        for (const std::string& text : {std::string("\x01\x02not json{"), std::string("[1,2,3]"), std::string("{}"),
                                       std::string(good.substr(0, good.size() / 2))}) {
            write_text(mark_path, text);
            CHECK(dsc::describe_entry(image).verified.empty());
        }
        auto mark = nlohmann::json::parse(good);
        mark["image_bytes"] = std::to_string(id.image_bytes);  // a string where a number belongs
        CHECK(ops::parse_verified_mark(mark.dump(), id).empty());
        mark = nlohmann::json::parse(good);
        mark["lifeboat_verified_mark"] = 2;  // a newer mark's meaning is unknown
        CHECK(ops::parse_verified_mark(mark.dump(), id).empty());
    }
    SECTION("a date that is not a strict UTC time") {
        for (const char* date : {"2026-13-01T00:00:00Z", "2026-02-30T10:00:00Z", "2026-01-01T24:00:00Z",
                                 "2026-01-01 10:00:00Z", "2026-01-01T10:00:00+01:00", "yesterday",
                                 "2026-01-01T10:00:00Z<script>"}) {
            auto mark = nlohmann::json::parse(good);
            mark["verified"] = date;
            write_text(mark_path, mark.dump());
            INFO(date);
            CHECK(dsc::describe_entry(image).verified.empty());
        }
        CHECK(ops::is_utc_time("2024-02-29T23:59:59Z"));
        CHECK_FALSE(ops::is_utc_time("2023-02-29T12:00:00Z"));
    }
    SECTION("a mark padded beyond any real one is not read") {
        write_text(mark_path, good + std::string(8192, ' '));
        CHECK(dsc::describe_entry(image).verified.empty());
    }
    SECTION("a symlink in the mark's place is not followed") {
        const std::string elsewhere = t / "elsewhere.json";
        write_text(elsewhere, good);
        std::filesystem::remove(mark_path);
        std::filesystem::create_symlink(elsewhere, mark_path);
        CHECK(dsc::describe_entry(image).verified.empty());
        // Verifying again replaces the link itself, never the file it points to.
        REQUIRE(verify(image).has_value());
        CHECK_FALSE(std::filesystem::is_symlink(mark_path));
        CHECK(read_text(elsewhere) == good);
        CHECK_FALSE(dsc::describe_entry(image).verified.empty());
    }
}

TEST_CASE("verified mark: a verification that finds damage removes the mark", "[verified-mark]") {
    fs_test::TempDir t;
    const std::string image = make_image(t, t / "store");
    REQUIRE(verify(image).has_value());
    REQUIRE(std::filesystem::exists(ops::verified_mark_path(image)));
    // Flip a byte inside the first chunk (right after header and manifest), then
    // put the mtime back: damage the mark's identity cannot see (bit rot).
    struct stat before {};
    REQUIRE(::stat(image.c_str(), &before) == 0);
    {
        std::fstream f(image, std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(64 * 1024);
        char c = 0;
        f.read(&c, 1);
        f.seekp(64 * 1024);
        c = static_cast<char>(c ^ 0x5a);
        f.write(&c, 1);
    }
    const timespec times[2] = {before.st_atim, before.st_mtim};
    REQUIRE(::utimensat(AT_FDCWD, image.c_str(), times, 0) == 0);
    CHECK_FALSE(dsc::describe_entry(image).verified.empty());  // the mark cannot know

    auto report = verify(image);
    REQUIRE_FALSE(report.has_value());
    CHECK(report.error().code == imager::Errc::damaged_image);
    CHECK_FALSE(std::filesystem::exists(ops::verified_mark_path(image)));
    CHECK(dsc::describe_entry(image).verified.empty());
}

TEST_CASE("verified mark: an unwritable folder leaves the verification whole and says why there is no mark",
          "[verified-mark]") {
    fs_test::TempDir t;
    const std::string store = t / "store";
    const std::string view = t / "readonly";
    std::filesystem::create_directories(store);
    // Root writes through permissions: only a read-only bind mount (what a
    // rescue system's store is) keeps it out. Others get a 0555 folder.
    const bool mounted = ::geteuid() == 0;
    if (mounted) {
        std::filesystem::create_directories(view);
        const auto m =
            fs_test::sh("mount --bind '" + store + "' '" + view + "' && mount -o remount,bind,ro '" + view + "'");
        if (m.code != 0)
            LIFEBOAT_SKIP("only a read-only bind mount keeps root out of a folder, and mount failed: " << m.out);
    }
    const std::string image = make_image(t, store);
    const std::string checked = mounted ? view + "/pc.lbi" : image;
    if (!mounted) ::chmod(store.c_str(), 0555);

    NoteRecorder progress;
    auto report = imager::verify(checked, 1, progress);
    if (mounted) (void)fs_test::sh("umount '" + view + "'");
    else ::chmod(store.c_str(), 0755);
    REQUIRE(report.has_value());
    CHECK(report->chunks > 0);
    CHECK_FALSE(report->marked);
    CHECK_THAT(report->mark_problem, Catch::StartsWith("record that " + checked + " verified: "));
    CHECK_THAT(report->mark_problem, Catch::EndsWith(mounted ? "Read-only file system" : "Permission denied"));
    // The note (the CLI prints it) adds what it means and what to do.
    REQUIRE(progress.notes.size() == 1);
    // EROFS (the bind mount) and EACCES (no write permission) get the same advice.
    CHECK(progress.notes[0] == "the verified mark was not recorded: " + report->mark_problem +
                                   " (the image is whole; its folder is read-only here, so lists will not show it "
                                   "as verified until it is verified where the folder can be written)");
    CHECK_FALSE(std::filesystem::exists(ops::verified_mark_path(image)));
    std::size_t files = 0;  // and no temporary file left behind
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(store)) ++files;
    CHECK(files == 1);
}

TEST_CASE("verified mark: verify can be stopped and then writes no mark", "[verified-mark]") {
    fs_test::TempDir t;
    const std::string image = make_image(t, t / "store");
    std::stop_source stop;
    stop.request_stop();
    imager::VerifyOptions o;
    o.image = image;
    o.threads = 1;
    o.stop = stop.get_token();
    imager::SilentProgress quiet;
    auto report = imager::verify(o, quiet);
    REQUIRE_FALSE(report.has_value());
    CHECK(report.error().code == imager::Errc::cancelled);
    CHECK_FALSE(std::filesystem::exists(ops::verified_mark_path(image)));
}
