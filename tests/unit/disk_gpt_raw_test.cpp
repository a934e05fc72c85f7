// gpt_raw: the CRC32, GUID text and name conversions, and reading damaged and
// hostile GPTs (made by sgdisk, then bent byte by byte, with CRCs resealed
// where the point is to get past them): each must be an error of the right
// class from both gpt::read_table and read_layout, never a crash (the dev
// build runs this under ASan and UBSan).
#include "disk/gpt_raw.hpp"

#include "imager/disk_layout.hpp"
#include "io/block_source.hpp"
#include "test_requirements.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace gpt = imager::disk::gpt;
using imager::Errc;

namespace {

int run_quiet(const std::string& cmd) {
    const int status = std::system((cmd + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::uint64_t get_le(const std::vector<std::byte>& b, std::size_t off, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
        v = (v << 8) | std::to_integer<std::uint64_t>(b[off + static_cast<std::size_t>(i)]);
    return v;
}
void put_le(std::vector<std::byte>& b, std::size_t off, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i, v >>= 8) b[off + static_cast<std::size_t>(i)] = static_cast<std::byte>(v & 0xFF);
}

// A 4 MiB disk image with a GPT by sgdisk, in memory and in a file.
class Image {
public:
    static constexpr std::uint64_t sectors = 8192;

    Image() {
        std::string templ = (std::filesystem::temp_directory_path() / "lifeboat-gpt-XXXXXX").string();
        if (::mkdtemp(templ.data()) != nullptr) dir_ = templ;
        path_ = dir_ + "/gpt.img";
        std::ofstream(path_).close();
        std::filesystem::resize_file(path_, sectors * 512);
        ok_ = run_quiet("sgdisk -n 1:2048:4095 -t 1:ef00 -c 1:EFI -n 2:4096:6143 -t 2:8300 " + path_) == 0;
        std::ifstream in(path_, std::ios::binary);
        bytes.resize(sectors * 512);
        in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    ~Image() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    Image(const Image&) = delete;
    Image& operator=(const Image&) = delete;

    [[nodiscard]] bool ok() const { return ok_; }

    // Recomputes the CRC of the entries the header at `lba` names (when
    // `entries`) and then the header's own CRC.
    void reseal(std::uint64_t lba, bool entries = true) {
        const std::size_t h = lba * 512;
        if (entries) {
            const auto count = get_le(bytes, h + 80, 4);
            const auto size = get_le(bytes, h + 84, 4);
            const auto at = get_le(bytes, h + 72, 8) * 512;
            put_le(bytes, h + 88, gpt::crc32(std::span(bytes).subspan(at, count * size)), 4);
        }
        put_le(bytes, h + 16, 0, 4);
        put_le(bytes, h + 16, gpt::crc32(std::span(bytes).subspan(h, get_le(bytes, h + 12, 4))), 4);
    }
    void reseal_both() {
        reseal(1);
        reseal(sectors - 1);
    }

    // Both readers on the current bytes; returns read_table's error class
    // after checking read_layout gives the same.
    Errc error_class() {
        imager::io::MemorySource mem(bytes, path_);
        auto t = gpt::read_table(mem, 512);
        REQUIRE_FALSE(t);
        INFO(t.error().message());
        std::ofstream(path_, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        auto l = imager::disk::read_layout(path_);
        REQUIRE_FALSE(l);
        INFO(l.error().message());
        CHECK(l.error().code == t.error().code);
        return t.error().code;
    }

    std::vector<std::byte> bytes;

private:
    std::string dir_;
    std::string path_;
    bool ok_ = false;
};

}  // namespace

TEST_CASE("gpt::crc32 is the IEEE CRC-32", "[disk]") {
    CHECK(gpt::crc32({}) == 0);
    CHECK(gpt::crc32(bytes_of("123456789")) == 0xCBF43926u);
    CHECK(gpt::crc32(bytes_of("The quick brown fox jumps over the lazy dog")) == 0x414FA339u);
}

TEST_CASE("GPT GUIDs as text use the mixed-endian form sgdisk shows", "[disk]") {
    // The ESP type as stored on disk.
    const gpt::Guid esp{0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b};
    CHECK(gpt::guid_to_text(esp) == "c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    CHECK(gpt::guid_from_text("c12a7328-f81f-11d2-ba4b-00a0c93ec93b") == esp);
    CHECK(gpt::guid_from_text("C12A7328-F81F-11D2-BA4B-00A0C93EC93B") == esp);
    CHECK_FALSE(gpt::guid_from_text("c12a7328-f81f-11d2-ba4b-00a0c93ec93"));
    CHECK_FALSE(gpt::guid_from_text("c12a7328-f81f-11d2-ba4b-00a0c93ec93bb"));
    CHECK_FALSE(gpt::guid_from_text("c12a7328f-81f-11d2-ba4b-00a0c93ec93b"));
    CHECK_FALSE(gpt::guid_from_text("g12a7328-f81f-11d2-ba4b-00a0c93ec93b"));
    CHECK_FALSE(gpt::guid_from_text(""));
    CHECK(gpt::is_zero(*gpt::guid_from_text("00000000-0000-0000-0000-000000000000")));
}

TEST_CASE("GPT names convert between UTF-16LE and UTF-8", "[disk]") {
    for (const std::string& name : {std::string(), std::string("EFI system"), std::string("Données été ✓"),
                                    std::string("disk \xF0\x9F\x92\xBE"), std::string(36, 'x')}) {
        INFO(name);
        const auto raw = gpt::name_from_utf8(name);
        REQUIRE(raw);
        CHECK(gpt::name_to_utf8(*raw) == name);
    }
    const auto raw = gpt::name_from_utf8("\xC3\xA9");  // é: one unit, little-endian
    REQUIRE(raw);
    CHECK(std::to_integer<int>((*raw)[0]) == 0xE9);
    CHECK(std::to_integer<int>((*raw)[1]) == 0x00);
    CHECK_FALSE(gpt::name_from_utf8(std::string(37, 'x')));
    CHECK_FALSE(gpt::name_from_utf8(std::string(35, 'x') + "\xF0\x9F\x92\xBE"));  // the pair makes 37 units
    CHECK_FALSE(gpt::name_from_utf8("\xC3"));                                     // cut short
    CHECK_FALSE(gpt::name_from_utf8("\xC0\xAF"));                                 // overlong
    CHECK_FALSE(gpt::name_from_utf8("\xED\xA0\x80"));                             // a surrogate
    gpt::RawName lone{};
    lone[0] = std::byte{0x00};
    lone[1] = std::byte{0xD8};  // an unpaired high surrogate
    lone[2] = std::byte{'a'};
    CHECK(gpt::name_to_utf8(lone) ==
          "\xEF\xBF\xBD"
          "a");
}

TEST_CASE("gpt::read_table reads a GPT sgdisk wrote", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sgdisk");
    Image img;
    REQUIRE(img.ok());
    imager::io::MemorySource mem(img.bytes);
    auto t = gpt::read_table(mem, 512);
    INFO((t ? "" : t.error().message()));
    REQUIRE(t);
    CHECK(t->primary.my_lba == 1);
    CHECK(t->primary.alternate_lba == Image::sectors - 1);
    CHECK(t->backup.my_lba == Image::sectors - 1);
    CHECK(t->backup.entries_lba == Image::sectors - 33);
    CHECK(t->primary.entry_count == 128);
    CHECK(t->primary.first_usable == 34);
    CHECK(t->primary.last_usable == Image::sectors - 34);
    REQUIRE(t->entries.size() == 2);
    CHECK(t->entries[0].number == 1);
    CHECK(gpt::guid_to_text(t->entries[0].type) == "c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    CHECK(t->entries[0].first_lba == 2048);
    CHECK(t->entries[0].last_lba == 4095);
    CHECK(t->entries[0].name == "EFI");
    CHECK(t->entries[1].number == 2);
}

TEST_CASE("damaged and hostile GPTs are errors, not crashes", "[disk]") {
    LIFEBOAT_REQUIRE_TOOLS("sgdisk");
    Image img;
    REQUIRE(img.ok());
    constexpr std::size_t primary = 512;
    constexpr std::size_t backup = (Image::sectors - 1) * 512;
    constexpr std::size_t entries = 2 * 512;

    SECTION("a primary header with a bad CRC") {
        img.bytes[primary + 60] ^= std::byte{1};  // in the disk GUID
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a backup header with a bad CRC") {
        img.bytes[backup + 60] ^= std::byte{1};
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("an entry array with a bad CRC") {
        img.bytes[entries + 56] ^= std::byte{1};  // in the first name
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a truncated image: the backup is gone") {
        img.bytes.resize(img.bytes.size() / 2);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("no header at all behind a protective MBR") {
        std::memset(img.bytes.data() + primary, 0, 512);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a header size beyond the sector") {
        put_le(img.bytes, primary + 12, 0xFFFFFFFF, 4);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("four billion entries, CRC resealed") {
        put_le(img.bytes, primary + 80, 0xFFFFFFFF, 4);
        img.reseal(1, false);
        CHECK(img.error_class() == Errc::unsupported);
    }
    SECTION("zero entries, CRCs resealed") {
        put_le(img.bytes, primary + 80, 0, 4);
        img.reseal(1);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("an entry size that is not a multiple of 8, CRC resealed") {
        put_le(img.bytes, primary + 84, 129, 4);
        img.reseal(1, false);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("entries past the end of the disk, CRC resealed") {
        put_le(img.bytes, primary + 72, Image::sectors - 2, 8);
        img.reseal(1, false);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a backup LBA past the end of the disk, CRC resealed") {
        put_le(img.bytes, primary + 32, Image::sectors * 4, 8);
        img.reseal(1, false);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a header that names the wrong LBA, CRC resealed") {
        put_le(img.bytes, primary + 24, 7, 8);
        img.reseal(1, false);
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a usable area over the entries, CRCs resealed") {
        put_le(img.bytes, primary + 40, 2, 8);
        put_le(img.bytes, backup + 40, 2, 8);
        img.reseal_both();
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a partition past the last usable sector, CRCs resealed") {
        for (const std::size_t array : {entries, std::size_t{(Image::sectors - 33) * 512}})
            put_le(img.bytes, array + 128 + 40, Image::sectors + 100, 8);
        img.reseal_both();
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("a partition ending before it starts, CRCs resealed") {
        for (const std::size_t array : {entries, std::size_t{(Image::sectors - 33) * 512}})
            put_le(img.bytes, array + 40, 100, 8);
        img.reseal_both();
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("overlapping partitions, CRCs resealed") {
        for (const std::size_t array : {entries, std::size_t{(Image::sectors - 33) * 512}})
            put_le(img.bytes, array + 128 + 32, 3000, 8);
        img.reseal_both();
        CHECK(img.error_class() == Errc::damaged_image);
    }
    SECTION("copies that disagree, CRCs resealed") {
        img.bytes[backup + 60] ^= std::byte{1};
        img.reseal(Image::sectors - 1, false);
        CHECK(img.error_class() == Errc::damaged_image);
    }
}
