// read_layout / write_layout on image files made by the real tools: a GPT by
// sgdisk (BIOS boot, ESP, Linux, swap, Microsoft data with a non-ASCII name,
// a gap, a gap in the numbering, custom GUIDs, attribute bits, a disk GUID)
// and an MBR by sfdisk (bootable primary, 0x07 primary, extended with two
// logicals, a known disk signature). Each is read and checked against what
// sgdisk/sfdisk say, then written onto junk-filled files of the same and a
// larger size: sgdisk -v must be happy, sfdisk --json and read_layout must
// match the source, and every byte outside the table's own sectors (the MBR
// boot code included) must be what it was. 4096-byte sectors need loop
// devices (libparted sees a file as 512-byte sectors): that test runs as root
// and is skipped otherwise.
#include "imager/disk_layout.hpp"

#include "disk/gpt_raw.hpp"
#include "disk/mbr_raw.hpp"
#include "io/block_source.hpp"
#include "test_requirements.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

using imager::Errc;
using imager::disk::DiskLayout;
using imager::disk::PartitionEntry;

namespace {

constexpr std::uint64_t MiB = 1 << 20;

struct Ran {
    int code = -1;
    std::string out;  // stdout and stderr together
};

Ran run(const std::string& cmd) {
    Ran r;
    FILE* p = ::popen(("(" + cmd + ") 2>&1").c_str(), "r");
    if (p == nullptr) return r;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::string q(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// A fresh directory under /tmp, removed with the loop devices noted in it.
class Scratch {
public:
    Scratch() {
        std::string templ = (std::filesystem::temp_directory_path() / "lifeboat-disk-XXXXXX").string();
        if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
    }
    ~Scratch() {
        for (const auto& l : loops_) (void)run("losetup -d " + l);
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    [[nodiscard]] std::string operator/(const std::string& name) const { return path_ + "/" + name; }
    void keep_loop(const std::string& dev) { loops_.push_back(dev); }

private:
    std::string path_;
    std::vector<std::string> loops_;
};

std::vector<std::byte> slurp(const std::string& path) {
    std::vector<std::byte> out(std::filesystem::file_size(path));
    std::ifstream(path, std::ios::binary)
        .read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
    return out;
}

void junk_file(const std::string& path, std::uint64_t size, std::uint64_t seed, bool zero_first_byte = false) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint64_t> words(size / 8);
    for (auto& w : words) w = rng();
    if (zero_first_byte) words[0] &= ~std::uint64_t{0xFF};
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(words.data()), static_cast<std::streamsize>(size));
}

// Byte ranges [begin, end) a table write may change.
using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

void require_unchanged_outside(const std::vector<std::byte>& before, const std::vector<std::byte>& after,
                               Ranges changed) {
    REQUIRE(before.size() == after.size());
    std::ranges::sort(changed);
    std::uint64_t at = 0;
    changed.emplace_back(before.size(), before.size());
    for (const auto& [begin, end] : changed) {
        if (begin > at) {
            const auto mismatch = std::mismatch(before.begin() + static_cast<std::ptrdiff_t>(at),
                                                before.begin() + static_cast<std::ptrdiff_t>(begin),
                                                after.begin() + static_cast<std::ptrdiff_t>(at));
            INFO("first changed byte outside the table at offset " << (mismatch.first - before.begin()));
            REQUIRE(mismatch.first == before.begin() + static_cast<std::ptrdiff_t>(begin));
        }
        at = std::max(at, end);
    }
}

// The target's own table sectors: the protective MBR's records, both
// headers and both entry arrays.
Ranges gpt_table_bytes(const std::string& path, unsigned ss) {
    auto src = imager::io::open_source(path);
    REQUIRE(src);
    auto t = imager::disk::gpt::read_table(**src, ss);
    REQUIRE(t);
    const std::uint64_t array = (std::uint64_t{t->primary.entry_count} * t->primary.entry_size + ss - 1) / ss * ss;
    return {{446, 512},
            {ss, 2ull * ss},
            {t->primary.entries_lba * ss, t->primary.entries_lba * ss + array},
            {t->backup.entries_lba * ss, t->backup.entries_lba * ss + array},
            {t->backup.my_lba * ss, (t->backup.my_lba + 1) * ss}};
}

// The MBR's signature and records, each EBR's records.
Ranges mbr_table_bytes(const std::string& path) {
    auto src = imager::io::open_source(path);
    REQUIRE(src);
    auto t = imager::disk::mbr::read_table(**src, 512);
    REQUIRE(t);
    Ranges r{{440, 512}};
    for (const auto ebr : t->ebrs) r.emplace_back(ebr * 512 + 446, ebr * 512 + 512);
    return r;
}

// sfdisk's view without what names the file or depends on its size.
nlohmann::json sfdisk_view(const std::string& path) {
    const Ran r = run("sfdisk --json " + q(path));
    REQUIRE(r.code == 0);
    auto j = nlohmann::json::parse(r.out).at("partitiontable");
    j.erase("device");
    j.erase("lastlba");
    for (auto& p : j.at("partitions")) p.erase("node");
    return j;
}

std::string lower(std::string s) {
    std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// `sgdisk -i N`: "Partition GUID code: X (...)", "Partition unique GUID: X",
// "First sector: N (...)", "Last sector: N (...)", "Attribute flags: HEX",
// "Partition name: 'NAME'".
std::map<std::string, std::string> sgdisk_info(const std::string& path, int number) {
    const Ran r = run("sgdisk -i " + std::to_string(number) + " " + q(path));
    REQUIRE(r.code == 0);
    std::map<std::string, std::string> info;
    std::size_t at = 0;
    while (at < r.out.size()) {
        const auto eol = std::min(r.out.find('\n', at), r.out.size());
        const std::string line = r.out.substr(at, eol - at);
        at = eol + 1;
        const auto colon = line.find(": ");
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 2);
        const std::string key = line.substr(0, colon);
        if (key == "Partition name" && value.size() >= 2)
            value = value.substr(1, value.size() - 2);
        else if (const auto sp = value.find(' '); sp != std::string::npos)
            value = value.substr(0, sp);
        info[key] = value;
    }
    return info;
}

void check_against_sgdisk(const std::string& path, const DiskLayout& l) {
    for (const auto& p : l.partitions) {
        INFO("partition " << p.number);
        const auto info = sgdisk_info(path, p.number);
        CHECK(lower(info.at("Partition GUID code")) == p.type);
        CHECK(lower(info.at("Partition unique GUID")) == p.uuid);
        CHECK(std::stoull(info.at("First sector")) == p.start_sector);
        CHECK(std::stoull(info.at("Last sector")) == p.end_sector);
        CHECK(std::stoull(info.at("Attribute flags"), nullptr, 16) == p.attributes);
        CHECK(info.at("Partition name") == p.name);
    }
}

bool has_flag(const PartitionEntry& p, const std::string& flag) {
    return std::ranges::find(p.flags, flag) != p.flags.end();
}

// Everything but the size and (unless `same_size`) the last usable LBA.
void require_same_layout(const DiskLayout& got, const DiskLayout& want, bool same_size) {
    CHECK(got.label == want.label);
    CHECK(got.logical_sector_size == want.logical_sector_size);
    CHECK(got.physical_sector_size == want.physical_sector_size);
    CHECK(got.disk_id == want.disk_id);
    CHECK(got.first_usable == want.first_usable);
    if (same_size) {
        CHECK(got.size_bytes == want.size_bytes);
        CHECK(got.last_usable == want.last_usable);
    }
    REQUIRE(got.partitions.size() == want.partitions.size());
    for (std::size_t i = 0; i < want.partitions.size(); ++i) {
        const auto& g = got.partitions[i];
        const auto& w = want.partitions[i];
        INFO("partition " << w.number);
        CHECK(g.number == w.number);
        CHECK(g.start_sector == w.start_sector);
        CHECK(g.end_sector == w.end_sector);
        CHECK(g.type == w.type);
        CHECK(g.uuid == w.uuid);
        CHECK(g.name == w.name);
        CHECK(g.attributes == w.attributes);
        CHECK(g.flags == w.flags);
        CHECK(g.kind == w.kind);
    }
}

constexpr const char* disk_guid = "11111111-2222-3333-4444-555555555555";
const std::string nonascii_name = "Données été ✓";

struct GptPart {
    int number;
    std::uint64_t first;
    std::uint64_t last;
    const char* code;
    const char* type;
    const char* uuid;
    std::string name;
    std::uint64_t attributes;
};

// Sectors 8192..10239 stay free (a gap); number 6 is unused.
const std::vector<GptPart> gpt_parts = {
    {1, 2048, 4095, "ef02", "21686148-6449-6e6f-744e-656564454649", "01234567-89ab-cdef-0123-456789abcd01", "BIOS boot",
     0x4},
    {2, 4096, 8191, "ef00", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "01234567-89ab-cdef-0123-456789abcd02",
     "EFI system", 0},
    {3, 10240, 14335, "8300", "0fc63daf-8483-4772-8e79-3d69d8477de4", "01234567-89ab-cdef-0123-456789abcd03", "root",
     0},
    {4, 14336, 16383, "8200", "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", "01234567-89ab-cdef-0123-456789abcd04", "", 0},
    {5, 16384, 20479, "0700", "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", "fedcba98-7654-3210-fedc-ba9876543210",
     nonascii_name, 0xC000000000000000},
    {7, 20480, 26623, "8302", "933ac7e1-2eb4-4f13-b844-0e14e2aef915", "01234567-89ab-cdef-0123-456789abcd07", "home",
     0},
};
constexpr std::uint64_t gpt_disk_bytes = 16 * MiB;
constexpr std::uint64_t mbr_disk_bytes = 16 * MiB;

void make_gpt(const std::string& path) {
    junk_file(path, gpt_disk_bytes, 7);
    std::string cmd = "sgdisk -U " + std::string(disk_guid);
    for (const auto& p : gpt_parts) {
        const std::string n = std::to_string(p.number);
        cmd += " -n " + n + ":" + std::to_string(p.first) + ":" + std::to_string(p.last) + " -t " + n + ":" + p.code +
               " -u " + n + ":" + p.uuid;
        if (!p.name.empty()) cmd += " -c " + q(n + ":" + p.name);
    }
    cmd += " -A 1:set:2 -A 5:set:62 -A 5:set:63 " + q(path);
    const Ran r = run(cmd);
    INFO(r.out);
    REQUIRE(r.code == 0);
}

void make_mbr(const std::string& path) {
    junk_file(path, mbr_disk_bytes, 8);
    const std::string script =
        "label: dos\n"
        "start=2048, size=4096, type=83, bootable\n"
        "start=6144, size=4096, type=7\n"
        "start=10240, size=16384, type=5\n"
        "start=12288, size=4096, type=83\n"
        "start=18432, size=4096, type=7\n";
    Ran r = run("printf '%s' " + q(script) + " | sfdisk --no-reread --no-tell-kernel " + q(path));
    INFO(r.out);
    REQUIRE(r.code == 0);
    r = run("sfdisk --disk-id " + q(path) + " 0x1234abcd");
    INFO(r.out);
    REQUIRE(r.code == 0);
}

}  // namespace

TEST_CASE("read_layout reads a GPT as sgdisk wrote it", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sgdisk");
    Scratch t;
    const std::string src = t / "gpt.img";
    make_gpt(src);

    auto l = imager::disk::read_layout(src);
    INFO((l ? "" : l.error().message()));
    REQUIRE(l);
    CHECK(l->label == "gpt");
    CHECK(l->size_bytes == gpt_disk_bytes);
    CHECK(l->logical_sector_size == 512);
    CHECK(l->physical_sector_size == 512);
    CHECK(l->disk_id == disk_guid);
    CHECK(l->first_usable == 34);
    CHECK(l->last_usable == gpt_disk_bytes / 512 - 34);
    REQUIRE(l->partitions.size() == gpt_parts.size());
    for (std::size_t i = 0; i < gpt_parts.size(); ++i) {
        const auto& p = l->partitions[i];
        const auto& want = gpt_parts[i];
        INFO("partition " << want.number);
        CHECK(p.number == want.number);
        CHECK(p.start_sector == want.first);
        CHECK(p.end_sector == want.last);
        CHECK(p.type == want.type);
        CHECK(p.uuid == want.uuid);
        CHECK(p.name == want.name);
        CHECK(p.attributes == want.attributes);
        CHECK(p.kind.empty());
    }
    check_against_sgdisk(src, *l);
    CHECK(has_flag(l->partitions[0], "bios_grub"));
    CHECK(has_flag(l->partitions[0], "legacy_boot"));
    CHECK(has_flag(l->partitions[1], "esp"));
    CHECK(has_flag(l->partitions[3], "swap"));
    CHECK(has_flag(l->partitions[4], "msftdata"));
}

TEST_CASE("write_layout recreates a GPT on junk of the same and a larger size", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sgdisk", "sfdisk");
    Scratch t;
    const std::string src = t / "gpt.img";
    make_gpt(src);
    auto want = imager::disk::read_layout(src);
    REQUIRE(want);
    const auto src_sfdisk = sfdisk_view(src);

    for (const std::uint64_t size : {gpt_disk_bytes, gpt_disk_bytes + 8 * MiB + 512}) {
        DYNAMIC_SECTION("target of " << size << " bytes") {
            const std::string dst = t / "target.img";
            junk_file(dst, size, size);
            const auto before = slurp(dst);

            const auto written = imager::disk::write_layout(dst, *want);
            INFO((written ? "" : written.error().message()));
            REQUIRE(written);

            const Ran verify = run("sgdisk -v " + q(dst));
            INFO(verify.out);
            CHECK(verify.out.find("No problems found") != std::string::npos);
            CHECK(sfdisk_view(dst) == src_sfdisk);

            auto got = imager::disk::read_layout(dst);
            REQUIRE(got);
            require_same_layout(*got, *want, size == gpt_disk_bytes);
            CHECK(got->size_bytes == size);
            CHECK(got->last_usable == size / 512 - 34);  // the backup went to the new end
            check_against_sgdisk(dst, *got);

            const auto after = slurp(dst);
            CHECK(std::equal(before.begin(), before.begin() + 440, after.begin()));  // boot code
            require_unchanged_outside(before, after, gpt_table_bytes(dst, 512));
        }
    }
}

TEST_CASE("write_layout refuses a GPT target too small by one sector and leaves it untouched", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sgdisk");
    Scratch t;
    const std::string src = t / "gpt.img";
    make_gpt(src);
    auto want = imager::disk::read_layout(src);
    REQUIRE(want);

    // Partition 7 ends at 26623; a GPT needs 33 sectors after the last usable one.
    const std::uint64_t fits = (26623 + 34) * 512;
    const std::string dst = t / "small.img";
    junk_file(dst, fits - 512, 3);
    const auto before = slurp(dst);
    const auto refused = imager::disk::write_layout(dst, *want);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::no_space);
    INFO(refused.error().message());
    CHECK(refused.error().message().find(" 512 bytes") != std::string::npos);
    CHECK(slurp(dst) == before);

    junk_file(dst, fits, 4);  // exactly enough, though smaller than the source
    const auto written = imager::disk::write_layout(dst, *want);
    INFO((written ? "" : written.error().message()));
    REQUIRE(written);
    auto got = imager::disk::read_layout(dst);
    REQUIRE(got);
    require_same_layout(*got, *want, false);
    CHECK(got->last_usable == 26623);
}

TEST_CASE("write_layout keeps a GPT's first usable sector when it is not 34", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sgdisk");
    Scratch t;
    const std::string src = t / "moved.img";
    junk_file(src, 8 * MiB, 11);
    // The main entry array at LBA 2048: the first usable sector becomes 2080.
    REQUIRE(run("sgdisk -j 2048 -n 1:4096:8191 -t 1:8300 " + q(src)).code == 0);
    auto want = imager::disk::read_layout(src);
    REQUIRE(want);
    CHECK(want->first_usable == 2080);

    const std::string dst = t / "target.img";
    junk_file(dst, 8 * MiB, 12);
    const auto written = imager::disk::write_layout(dst, *want);
    INFO((written ? "" : written.error().message()));
    REQUIRE(written);
    auto got = imager::disk::read_layout(dst);
    REQUIRE(got);
    require_same_layout(*got, *want, true);
    const Ran verify = run("sgdisk -v " + q(dst));
    INFO(verify.out);
    CHECK(verify.out.find("No problems found") != std::string::npos);
}

TEST_CASE("read_layout reads an MBR with logical partitions as sfdisk wrote it", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sfdisk");
    Scratch t;
    const std::string src = t / "mbr.img";
    make_mbr(src);

    auto l = imager::disk::read_layout(src);
    INFO((l ? "" : l.error().message()));
    REQUIRE(l);
    CHECK(l->label == "msdos");
    CHECK(l->disk_id == "0x1234abcd");
    CHECK(l->first_usable == 0);
    CHECK(l->last_usable == 0);
    struct Want {
        int number;
        std::uint64_t start;
        std::uint64_t sectors;
        const char* type;
        std::uint64_t attributes;
        const char* kind;
    };
    const std::vector<Want> wants = {{1, 2048, 4096, "0x83", 0x80, "primary"},
                                     {2, 6144, 4096, "0x07", 0, "primary"},
                                     {3, 10240, 16384, "0x05", 0, "extended"},
                                     {5, 12288, 4096, "0x83", 0, "logical"},
                                     {6, 18432, 4096, "0x07", 0, "logical"}};
    REQUIRE(l->partitions.size() == wants.size());
    for (std::size_t i = 0; i < wants.size(); ++i) {
        const auto& p = l->partitions[i];
        INFO("partition " << wants[i].number);
        CHECK(p.number == wants[i].number);
        CHECK(p.start_sector == wants[i].start);
        CHECK(p.sectors() == wants[i].sectors);
        CHECK(p.type == wants[i].type);
        CHECK(p.attributes == wants[i].attributes);
        CHECK(p.kind == wants[i].kind);
        CHECK(p.uuid.empty());
        CHECK(p.name.empty());
    }
    CHECK(has_flag(l->partitions[0], "boot"));
    CHECK_FALSE(has_flag(l->partitions[1], "boot"));

    // And as sfdisk sees it.
    const auto j = sfdisk_view(src);
    CHECK(j.at("id") == "0x1234abcd");
    const auto& parts = j.at("partitions");
    REQUIRE(parts.size() == wants.size());
    for (std::size_t i = 0; i < wants.size(); ++i) {
        CHECK(parts[i].at("start").get<std::uint64_t>() == l->partitions[i].start_sector);
        CHECK(parts[i].at("size").get<std::uint64_t>() == l->partitions[i].sectors());
        CHECK("0x" + std::string(parts[i].at("type").get<std::string>().size() == 1 ? "0" : "") +
                  parts[i].at("type").get<std::string>() ==
              l->partitions[i].type);
        CHECK(parts[i].value("bootable", false) == (l->partitions[i].attributes == 0x80));
    }
}

TEST_CASE("write_layout recreates an MBR on junk of the same and a larger size", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sfdisk");
    Scratch t;
    const std::string src = t / "mbr.img";
    make_mbr(src);
    auto want = imager::disk::read_layout(src);
    REQUIRE(want);
    const auto src_sfdisk = sfdisk_view(src);

    // The first byte 0 makes libparted write its own boot code: it must not stay.
    for (const bool zero_first : {false, true}) {
        for (const std::uint64_t size : {mbr_disk_bytes, mbr_disk_bytes + 8 * MiB + 4096}) {
            DYNAMIC_SECTION("target of " << size << " bytes, first byte zero: " << zero_first) {
                const std::string dst = t / "target.img";
                junk_file(dst, size, size + zero_first, zero_first);
                const auto before = slurp(dst);

                const auto written = imager::disk::write_layout(dst, *want);
                INFO((written ? "" : written.error().message()));
                REQUIRE(written);

                CHECK(sfdisk_view(dst) == src_sfdisk);
                const Ran verify = run("sfdisk --verify " + q(dst));
                INFO(verify.out);
                CHECK(verify.code == 0);
                auto got = imager::disk::read_layout(dst);
                REQUIRE(got);
                require_same_layout(*got, *want, size == mbr_disk_bytes);

                const auto after = slurp(dst);
                CHECK(std::equal(before.begin(), before.begin() + 440, after.begin()));  // boot code
                require_unchanged_outside(before, after, mbr_table_bytes(dst));
            }
        }
    }
}

TEST_CASE("write_layout refuses an MBR target too small and leaves it untouched", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sfdisk");
    Scratch t;
    const std::string src = t / "mbr.img";
    make_mbr(src);
    auto want = imager::disk::read_layout(src);
    REQUIRE(want);

    const std::string dst = t / "small.img";
    junk_file(dst, 26623 * 512, 5);  // the extended partition ends at sector 26623
    const auto before = slurp(dst);
    const auto refused = imager::disk::write_layout(dst, *want);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::no_space);
    INFO(refused.error().message());
    CHECK(refused.error().message().find(" 512 bytes") != std::string::npos);
    CHECK(slurp(dst) == before);
}

TEST_CASE("write_layout refuses another logical sector size and invalid layouts without writing", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sgdisk");
    Scratch t;
    const std::string src = t / "gpt.img";
    make_gpt(src);
    auto good = imager::disk::read_layout(src);
    REQUIRE(good);
    const std::string dst = t / "target.img";
    junk_file(dst, gpt_disk_bytes, 9);
    const auto before = slurp(dst);

    const auto refused = [&](DiskLayout l) {
        auto r = imager::disk::write_layout(dst, l);
        REQUIRE_FALSE(r);
        CHECK(slurp(dst) == before);
        return r.error().code;
    };
    SECTION("4096-byte sectors onto a 512-byte target") {
        DiskLayout l = *good;
        l.logical_sector_size = 4096;
        CHECK(refused(l) == Errc::target_refused);
    }
    SECTION("a type that is not a GUID") {
        DiskLayout l = *good;
        l.partitions[2].type = "0fc63daf-8483-4772-8e79-3d69d8477de";
        CHECK(refused(l) == Errc::invalid_argument);
    }
    SECTION("overlapping partitions") {
        DiskLayout l = *good;
        l.partitions[2].start_sector = l.partitions[1].end_sector;
        CHECK(refused(l) == Errc::invalid_argument);
    }
    SECTION("a name longer than 36 UTF-16 units") {
        DiskLayout l = *good;
        l.partitions[0].name = std::string(37, 'x');
        CHECK(refused(l) == Errc::invalid_argument);
    }
    SECTION("a partition number a 128-entry GPT cannot hold") {
        DiskLayout l = *good;
        l.partitions.back().number = 129;
        CHECK(refused(l) == Errc::unsupported);
    }
    SECTION("an unknown label") {
        DiskLayout l = *good;
        l.label = "sun";
        CHECK(refused(l) == Errc::unsupported);
    }
    SECTION("a logical MBR partition without an extended one") {
        DiskLayout l;
        l.label = "msdos";
        l.partitions.push_back({5, 2048, 4095, "0x83", "", "", 0, {}, "logical"});
        CHECK(refused(l) == Errc::invalid_argument);
    }
    SECTION("an MBR boot indicator other than 0x80") {
        DiskLayout l;
        l.label = "msdos";
        l.partitions.push_back({1, 2048, 4095, "0x83", "", "", 0x81, {}, "primary"});
        CHECK(refused(l) == Errc::invalid_argument);
    }
}

TEST_CASE("an MBR written over a GPT disk leaves no GPT behind", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sgdisk", "sfdisk", "blkid");
    Scratch t;
    const std::string gpt = t / "gpt.img";
    const std::string mbr = t / "mbr.img";
    make_gpt(gpt);
    make_mbr(mbr);
    auto l = imager::disk::read_layout(mbr);
    REQUIRE(l);
    const auto written = imager::disk::write_layout(gpt, *l);
    INFO((written ? "" : written.error().message()));
    REQUIRE(written);
    CHECK(run("blkid -p -o value -s PTTYPE " + q(gpt)).out == "dos\n");
    const auto bytes = slurp(gpt);
    CHECK(std::memcmp(bytes.data() + 512, "EFI PART", 8) != 0);
    CHECK(std::memcmp(bytes.data() + bytes.size() - 512, "EFI PART", 8) != 0);
    CHECK(sfdisk_view(gpt) == sfdisk_view(mbr));
}

TEST_CASE("read_layout of a disk without a partition table is not_found", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("mkfs.ext4");
    Scratch t;
    const std::string zeros = t / "zeros.img";
    std::ofstream(zeros).close();
    std::filesystem::resize_file(zeros, 8 * MiB);
    auto r = imager::disk::read_layout(zeros);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::not_found);

    const std::string ext = t / "ext4.img";
    REQUIRE(run("mkfs.ext4 -q -F " + q(ext) + " 8M").code == 0);
    r = imager::disk::read_layout(ext);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::not_found);
    r = imager::disk::read_layout(t / "missing.img");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::not_found);
}

TEST_CASE("GPT on 4096-byte logical sectors (loop devices, root only)", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sgdisk", "losetup");
    // libparted sees a file as 512-byte sectors: only a loop device has 4096.
    LIFEBOAT_SKIP_UNLESS_ROOT("attaching a loop device with 4096-byte sectors");
    Scratch t;
    const auto attach = [&](const std::string& file, std::uint64_t size, std::uint64_t seed) {
        junk_file(file, size, seed);
        const Ran r = run("losetup --sector-size 4096 -f --show " + q(file));
        INFO("losetup --sector-size 4096: " << r.out);
        REQUIRE(r.code == 0);
        std::string dev = r.out.substr(0, r.out.find('\n'));
        t.keep_loop(dev);
        return dev;
    };
    const std::string src = attach(t / "src4k.img", 16 * MiB, 1);
    const Ran made = run("sgdisk -U " + std::string(disk_guid) + " -n 1:256:+2M -t 1:ef00 -n 2:0:+4M -t 2:8300 -c 2:" +
                         q(nonascii_name) + " -A 2:set:63 " + src);
    INFO(made.out);
    REQUIRE(made.code == 0);
    auto want = imager::disk::read_layout(src);
    INFO((want ? "" : want.error().message()));
    REQUIRE(want);
    CHECK(want->logical_sector_size == 4096);
    CHECK(want->first_usable == 6);  // 128 entries fill 4 sectors
    CHECK(want->partitions.at(1).name == nonascii_name);
    check_against_sgdisk(src, *want);

    const std::string dst = attach(t / "dst4k.img", 24 * MiB, 2);
    const auto before = slurp(t / "dst4k.img");
    const auto written = imager::disk::write_layout(dst, *want);
    INFO((written ? "" : written.error().message()));
    REQUIRE(written);
    CHECK(run("sgdisk -v " + dst).out.find("No problems found") != std::string::npos);
    auto got = imager::disk::read_layout(dst);
    REQUIRE(got);
    require_same_layout(*got, *want, false);
    CHECK(got->last_usable == 24 * MiB / 4096 - 6);
    require_unchanged_outside(before, slurp(t / "dst4k.img"), gpt_table_bytes(dst, 4096));

    // The same layout onto a 512-byte file is refused.
    const std::string file = t / "512.img";
    junk_file(file, 16 * MiB, 3);
    const auto refused = imager::disk::write_layout(file, *want);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::target_refused);
}
