// The Restore screens' text: an image's contents, a target's line with its
// marks, the clock and the progress numbers. No terminal.
#include "../../recovery/restore_screens.hpp"
#include "wizard_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using imager::discovery::ImageContents;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

std::vector<std::string> texts(const std::vector<recovery::ListItem>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.text);
    return out;
}

}  // namespace

TEST_CASE("restore screens: an image's contents, line by line", "[wizard][restore_screens]") {
    ImageContents c;
    c.entry.path = "/run/lifeboat/sdb1/lifeboat/pc.lbi";
    c.entry.created = "2026-11-24T19:05:00Z";
    c.entry.host = "office-pc";
    c.entry.source_model = "Samsung SSD";
    c.entry.source_serial = "S123";
    c.entry.source_size = 512 * kMiB;
    c.entry.note = "before the update";
    c.entry.verified = "2026-11-25T08:00:00Z";
    c.entry.size_on_disk = 40 * kMiB;
    c.entry.volumes = 1;
    // The last partition ends 1 MiB before the disk's end: a target needs that MiB less, but the backup GPT.
    c.manifest = wizard_test::gpt_manifest(200 * kMiB, {{1, kMiB, 8 * kMiB, "vfat", "ESP", kMiB / 2},
                                                        {2, 9 * kMiB, 190 * kMiB, "", "", 0}});
    CHECK(texts(recovery::contents_lines(c)) ==
          std::vector<std::string>{"Image: /run/lifeboat/sdb1/lifeboat/pc.lbi",
                                   "Taken 2026-11-24 19:05 UTC on office-pc",
                                   "From the disk Samsung SSD (serial S123), 512.0 MiB",
                                   "Note: before the update",
                                   "Verified: every chunk whole on 2026-11-25 08:00 UTC",
                                   "Size of the image file: 40.0 MiB",
                                   "",
                                   "Layout: GPT partition table, 512-byte sectors",
                                   "  partition 1  vfat \"ESP\"  8.0 MiB (512.0 KiB used)",
                                   "  partition 2  raw  190.0 MiB",
                                   "",
                                   "A target disk needs at least 199.0 MiB with every partition at its size;",
                                   "a smaller one may take it with filesystems shrunk (the list of disks says)."});
    // Nothing that can shrink (a special or unresizable partition): the size, and no more.
    c.manifest.disk->partitions[0].type = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
    CHECK(texts(recovery::contents_lines(c)).back() == "A target disk needs at least 199.0 MiB.");
    c.entry.verified.clear();
    c.entry.created.clear();
    const auto lines = texts(recovery::contents_lines(c));
    CHECK(lines[1] == "Taken at an unknown date on office-pc");
    CHECK(lines[4] == "Verified: not yet (Verify an image checks it)");
}

TEST_CASE("restore screens: a target's line says why it is or is not suggested", "[wizard][restore_screens]") {
    recovery::TargetChoice t;
    t.disk.name = "sdb";
    t.disk.size = 512 * kMiB;
    t.disk.model = "Ultra USB";
    t.big_enough = true;
    CHECK(recovery::target_line(t, true) == "sdb        512.0 MiB  Ultra USB  [suggested]");
    t.big_enough = false;
    t.holds_image = true;
    t.disk.read_only = true;
    t.disk.model.clear();
    CHECK(recovery::target_line(t, false) == "sdb        512.0 MiB  -  [holds the image, too small, read-only]");
}

TEST_CASE("restore screens: clock and progress numbers", "[wizard][restore_screens]") {
    CHECK(recovery::clock_text(0) == "0:00");
    CHECK(recovery::clock_text(65.4) == "1:05");
    CHECK(recovery::clock_text(3723) == "1:02:03");
    CHECK(recovery::clock_text(-5) == "0:00");
    recovery::ProgressView p;
    p.elapsed_seconds = 12;
    CHECK(recovery::progress_numbers(p) == "Speed -   Elapsed 0:12   Remaining -");
    p.bytes_per_second = 45.5 * kMiB;
    p.remaining_seconds = 20;
    CHECK(recovery::progress_numbers(p) == "Speed 45.5 MiB/s   Elapsed 0:12   Remaining about 0:20");
}

TEST_CASE("restore screens: text from the image reaches the screen as printable ASCII", "[wizard][restore_screens]") {
    ImageContents c;
    c.entry.path = "/run/lifeboat/sdb1/pc\x1b[2J.lbi";
    c.entry.host = "host\x1b]0;pwned\x07";
    c.entry.note = "note \xc2\x9b" "31m and \xc3\xa4";  // a C1 CSI, then an a-umlaut
    c.manifest = wizard_test::gpt_manifest(64 * kMiB, {{1, kMiB, 32 * kMiB, "ext4", "root\x1b[5m\nfake line", kMiB}});
    for (const auto& line : texts(recovery::contents_lines(c))) {
        INFO(line);
        CHECK(std::ranges::all_of(line, [](char ch) { return ch >= 0x20 && ch < 0x7f; }));
    }
    const auto lines = texts(recovery::contents_lines(c));
    CHECK(lines[0] == "Image: /run/lifeboat/sdb1/pc?[2J.lbi");
    CHECK(std::ranges::count(lines, "Note: note ??31m and ??") == 1);
    CHECK(std::ranges::count(lines, "  partition 1  ext4 \"root?[5m?fake line\"  32.0 MiB (1.0 MiB used)") == 1);
}
