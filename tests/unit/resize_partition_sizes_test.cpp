// The layout rules of a restore onto a disk of another size (docs/SHRINK.md):
// what keeps its size, what shrinks and by how much, what moves, and the
// refusals with their numbers.
#include "resize/partition_sizes.hpp"

#include <catch2/catch.hpp>

namespace {

using imager::disk::DiskLayout;
using imager::disk::PartitionEntry;
using imager::format::Manifest;
using imager::format::Stream;

constexpr std::uint64_t MiB = 1ULL << 20;
constexpr std::uint64_t S = MiB / 512;  // sectors per MiB
constexpr const char* kEsp = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
constexpr const char* kLinux = "0fc63daf-8483-4772-8e79-3d69d8477de4";
constexpr const char* kSwap = "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f";

// A disk of `disk_mib` MiB; each partition from `start` MiB, `size` MiB, with a filesystem using `used` MiB.
struct Part {
    std::uint64_t start, size;
    const char* type;
    const char* fs;
    std::uint64_t used;
    const char* kind = "";
};

std::pair<DiskLayout, Manifest> disk(const std::string& label, std::uint64_t disk_mib, const std::vector<Part>& parts) {
    DiskLayout l;
    l.label = label;
    l.size_bytes = disk_mib * MiB;
    Manifest m;
    int number = 0;
    int logical = 4;
    for (const auto& p : parts) {
        const int n = std::string(p.kind) == "logical" ? ++logical : ++number;
        l.partitions.push_back({n, p.start * S, (p.start + p.size) * S - 1, p.type, "", "", 0, {}, p.kind});
        if (std::string(p.kind) == "extended") continue;
        Stream s;
        s.id = static_cast<std::uint16_t>(m.streams.size());
        s.role = imager::format::StreamRole::partition;
        s.partition = n;
        s.offset = p.start * MiB;
        s.size = p.size * MiB;
        s.used_bytes = p.used * MiB;
        if (*p.fs) {
            s.kind = imager::format::StreamKind::filesystem;
            s.filesystem = imager::format::FilesystemFacts{p.fs, "", "", "", 4096, p.used * MiB};
        }
        m.streams.push_back(s);
    }
    m.disk = l;
    return {l, m};
}

const imager::PartitionChange& change(const imager::resize::NewLayout& n, int number) {
    for (const auto& c : n.changes)
        if (c.number == number) return c;
    FAIL("no change for partition " << number);
    return n.changes.front();
}

}  // namespace

TEST_CASE("a smaller disk: the ESP keeps its size, ext4 and swap give the same share of their room", "[resize]") {
    auto [l, m] = disk("gpt", 1000, {{1, 100, kEsp, "vfat", 10}, {101, 700, kLinux, "ext4", 200}, {801, 190, kSwap, "swap", 0}});
    imager::resize::SizeRequest r;
    r.minimums = {{1, 40 * MiB}, {2, 250 * MiB}, {3, MiB}};
    auto n = imager::resize::lay_out(l, m, 600 * MiB, "t", r);
    REQUIRE(n);
    CHECK(change(*n, 1).new_size == 100 * MiB);
    CHECK(change(*n, 1).fixed_because == "EFI system partition");
    const auto& root = change(*n, 2);
    const auto& swap = change(*n, 3);
    CHECK(root.shrinks());
    CHECK(root.new_size >= 250 * MiB);
    CHECK(swap.moves());
    // The room above each margin (the minimum and a twentieth) shrinks by the same share, to a MiB.
    const double root_share = double(root.old_size - root.new_size) / double(root.old_size - 263 * MiB);
    const double swap_share = double(swap.old_size - swap.new_size) / double(swap.old_size - 2 * MiB);
    CHECK(root_share == Approx(swap_share).margin(0.02));
    // Gaps kept: the swap starts where the root ends, plus the 0 MiB between them.
    CHECK(swap.new_start == root.new_start + root.new_size);
    const auto& last = n->layout.partitions[2];
    CHECK((last.end_sector + 1) * 512 + 33 * 512 <= 600 * MiB);
}

TEST_CASE("a disk too small for the data: refused with the least it needs", "[resize]") {
    auto [l, m] = disk("gpt", 1000, {{1, 100, kEsp, "vfat", 10}, {101, 899, kLinux, "ext4", 500}});
    imager::resize::SizeRequest r;
    r.minimums = {{2, 520 * MiB}};
    auto n = imager::resize::lay_out(l, m, 500 * MiB, "/dev/sdb", r);
    REQUIRE(!n);
    CHECK(n.error().code == imager::Errc::no_space);
    CHECK(n.error().context.find("/dev/sdb holds 500.0 MiB") != std::string::npos);
    CHECK(n.error().context.find("need at least 621.0 MiB") != std::string::npos);
    CHECK(n.error().context.find(": 121.0 MiB more than it holds") != std::string::npos);
    CHECK(n.error().hint.find("partition 2 (ext4): uses 500.0 MiB, can shrink to 520.0 MiB") != std::string::npos);
    CHECK(imager::resize::least_target_bytes(l, m, r) == (621 * S + 33) * 512);
}

TEST_CASE("without the margin when only that fits", "[resize]") {
    auto [l, m] = disk("gpt", 1000, {{1, 999, kLinux, "ext4", 400}});
    imager::resize::SizeRequest r;
    r.minimums = {{1, 400 * MiB}};
    auto n = imager::resize::lay_out(l, m, 402 * MiB, "t", r);
    REQUIRE(n);
    CHECK(change(*n, 1).new_size == 400 * MiB);
}

TEST_CASE("sizes asked for (--size) are taken as asked, checked against the minimum and what keeps its size", "[resize]") {
    auto [l, m] = disk("gpt", 1000, {{1, 100, kEsp, "exfat", 10}, {101, 400, kLinux, "ext4", 100}, {501, 400, kLinux, "", 0}});
    imager::resize::SizeRequest r;
    r.minimums = {{2, 120 * MiB}};
    r.sizes = {{2, 700 * MiB + 12345}};
    auto n = imager::resize::lay_out(l, m, 2000 * MiB, "t", r);
    REQUIRE(n);
    CHECK(change(*n, 2).new_size == 700 * MiB);  // rounded down to a MiB
    CHECK(change(*n, 3).new_start == 801 * MiB);
    CHECK(!change(*n, 3).grows());

    r.sizes = {{2, 100 * MiB}};
    auto small = imager::resize::lay_out(l, m, 2000 * MiB, "t", r);
    REQUIRE(!small);
    CHECK(small.error().code == imager::Errc::invalid_argument);
    CHECK(small.error().context.find("needs at least 120.0 MiB") != std::string::npos);

    r.sizes = {{1, 50 * MiB}};
    auto exfat = imager::resize::lay_out(l, m, 2000 * MiB, "t", r);
    REQUIRE(!exfat);
    CHECK(exfat.error().context.find("keeps its size (exFAT has no tool that resizes it)") != std::string::npos);

    r.sizes = {{3, 50 * MiB}};
    auto raw = imager::resize::lay_out(l, m, 2000 * MiB, "t", r);
    REQUIRE(!raw);
    CHECK(raw.error().context.find("keeps its size (the image holds it raw)") != std::string::npos);

    r.sizes = {{9, 50 * MiB}};
    CHECK(!imager::resize::lay_out(l, m, 2000 * MiB, "t", r));
}

TEST_CASE("MBR: logical partitions move with their extended partition", "[resize]") {
    auto [l, m] = disk("msdos", 1000, {{1, 400, "0x0c", "vfat", 50},
                                        {401, 599, "0x05", "", 0, "extended"},
                                        {402, 300, "0x83", "ext4", 50, "logical"},
                                        {703, 297, "0x82", "swap", 0, "logical"}});
    imager::resize::SizeRequest r;
    r.minimums = {{1, 60 * MiB}, {5, 70 * MiB}, {6, MiB}};
    auto n = imager::resize::lay_out(l, m, 500 * MiB, "t", r);
    REQUIRE(n);
    const auto& ext = n->layout.partitions[1];
    const auto& first = n->layout.partitions[2];
    const auto& last = n->layout.partitions[3];
    CHECK(ext.kind == "extended");
    CHECK(first.start_sector - ext.start_sector == S);  // the MiB before the first logical (its EBR) kept
    CHECK(last.start_sector - (first.end_sector + 1) == S);
    CHECK(ext.end_sector == last.end_sector);
    CHECK(last.end_sector < 500 * S);
    CHECK(change(*n, 5).moves());
}
