// mbr_raw: an MBR with an EBR chain as sfdisk wrote it, then damaged and
// hostile variants (a looping chain libparted itself would recurse through
// forever, records past the disk or outside the extended partition,
// overlaps): each must be an error of the right class from mbr::read_table
// and read_layout, never a crash.
#include "disk/mbr_raw.hpp"

#include "imager/disk_layout.hpp"
#include "io/block_source.hpp"
#include "test_requirements.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mbr = imager::disk::mbr;
using imager::Errc;

namespace {

void put_le32(std::vector<std::byte>& b, std::size_t off, std::uint32_t v) {
    for (int i = 0; i < 4; ++i, v >>= 8) b[off + static_cast<std::size_t>(i)] = static_cast<std::byte>(v & 0xFF);
}

// An 8 MiB image: primary 1 (2048..4095), extended 2 (4096..12287) holding
// logical 5 (6144..8191, EBR at 4096) and logical 6 (10240..12287).
class MbrImage {
public:
    static constexpr std::uint64_t sectors = 16384;

    MbrImage() {
        std::string templ = (std::filesystem::temp_directory_path() / "lifeboat-mbr-XXXXXX").string();
        if (::mkdtemp(templ.data()) != nullptr) dir_ = templ;
        path_ = dir_ + "/mbr.img";
        std::ofstream(path_).close();
        std::filesystem::resize_file(path_, sectors * 512);
        const std::string script =
            "label: dos\\nstart=2048, size=2048, type=83\\nstart=4096, size=8192, type=5\\n"
            "start=6144, size=2048, type=83\\nstart=10240, size=2048, type=7\\n";
        const int status = std::system(
            ("printf '" + script + "' | sfdisk --no-reread --no-tell-kernel " + path_ + " >/dev/null 2>&1").c_str());
        ok_ = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        std::ifstream in(path_, std::ios::binary);
        bytes.resize(sectors * 512);
        in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    ~MbrImage() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    MbrImage(const MbrImage&) = delete;
    MbrImage& operator=(const MbrImage&) = delete;

    [[nodiscard]] bool ok() const { return ok_; }

    // The offset of record `slot` in the sector at `lba`.
    static std::size_t record(std::uint64_t lba, unsigned slot) { return lba * 512 + 446 + 16 * slot; }

    void save() {
        std::ofstream(path_, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }

    Errc error_class() {
        imager::io::MemorySource mem(bytes, path_);
        auto t = mbr::read_table(mem, 512);
        REQUIRE_FALSE(t);
        INFO(t.error().message());
        save();
        auto l = imager::disk::read_layout(path_);
        REQUIRE_FALSE(l);
        INFO(l.error().message());
        CHECK(l.error().code == t.error().code);
        return t.error().code;
    }

    [[nodiscard]] const std::string& path() const { return path_; }
    std::vector<std::byte> bytes;

private:
    std::string dir_;
    std::string path_;
    bool ok_ = false;
};

}  // namespace

TEST_CASE("mbr::read_table follows the EBR chain sfdisk wrote", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sfdisk");
    MbrImage img;
    REQUIRE(img.ok());
    imager::io::MemorySource mem(img.bytes);
    auto t = mbr::read_table(mem, 512);
    INFO((t ? "" : t.error().message()));
    REQUIRE(t);
    REQUIRE(t->records.size() == 4);
    CHECK(t->records[0].number == 1);
    CHECK(t->records[1].kind == "extended");
    CHECK(t->records[1].type == 0x05);
    CHECK(t->records[2].number == 5);
    CHECK(t->records[2].start == 6144);
    CHECK(t->records[2].table_lba == 4096);
    CHECK(t->records[3].number == 6);
    CHECK(t->records[3].start == 10240);
    CHECK(t->records[3].type == 0x07);
    REQUIRE(t->ebrs.size() == 2);
    CHECK(t->ebrs[0] == 4096);
}

TEST_CASE("damaged and hostile MBRs are errors, not crashes", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sfdisk");
    MbrImage img;
    REQUIRE(img.ok());
    imager::io::MemorySource mem(img.bytes);
    auto good = mbr::read_table(mem, 512);
    REQUIRE(good);
    REQUIRE(good->ebrs.size() == 2);
    const std::uint64_t ebr1 = good->ebrs[0];
    const std::uint64_t ebr2 = good->ebrs[1];
    constexpr std::uint64_t ext_start = 4096;

    SECTION("an EBR chain that loops through EBRs without partitions") {
        std::fill_n(img.bytes.begin() + static_cast<std::ptrdiff_t>(MbrImage::record(ebr1, 0)), 16, std::byte{0});
        std::fill_n(img.bytes.begin() + static_cast<std::ptrdiff_t>(MbrImage::record(ebr2, 0)), 16, std::byte{0});
        const auto link = MbrImage::record(ebr2, 1);  // back to the second EBR itself
        img.bytes[link + 4] = std::byte{0x05};
        put_le32(img.bytes, link + 8, static_cast<std::uint32_t>(ebr2 - ext_start));
        put_le32(img.bytes, link + 12, 2048);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("an EBR linking back to the first") {
        put_le32(img.bytes, MbrImage::record(ebr2, 1) + 8, 0);
        img.bytes[MbrImage::record(ebr2, 1) + 4] = std::byte{0x05};
        put_le32(img.bytes, MbrImage::record(ebr2, 1) + 12, 2048);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("an EBR outside the extended partition") {
        put_le32(img.bytes, MbrImage::record(ebr1, 1) + 8, 0x7FFFFFFF);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a logical partition past the extended partition's end") {
        put_le32(img.bytes, MbrImage::record(ebr2, 0) + 12, 0x10000);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a primary partition past the end of the disk") {
        put_le32(img.bytes, MbrImage::record(0, 0) + 12, 0xFFFFFFF0);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("overlapping primary partitions") {
        put_le32(img.bytes, MbrImage::record(0, 0) + 12, 4096);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("two extended partitions") {
        const auto r = MbrImage::record(0, 2);
        img.bytes[r + 4] = std::byte{0x0f};
        put_le32(img.bytes, r + 8, 13000);
        put_le32(img.bytes, r + 12, 1000);
        CHECK(img.error_class() == Errc::unsupported);
    }
}

TEST_CASE("an EBR without its signature ends the chain for both readers", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sfdisk");
    MbrImage img;
    REQUIRE(img.ok());
    img.bytes[4096 * 512 + 510] = std::byte{0};  // the first EBR
    img.save();
    auto l = imager::disk::read_layout(img.path());
    INFO((l ? "" : l.error().message()));
    REQUIRE(l);
    REQUIRE(l->partitions.size() == 2);
    CHECK(l->partitions[1].kind == "extended");
}
