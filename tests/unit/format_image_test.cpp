// format/: buffer pool reuse, chunk checks and how damage is named (chunk
// numbers count data chunks only; the volume file is named for split images;
// a volume that does not start where the ones before it end); a finished image
// is out of the page cache.
#include "format/buffer_pool.hpp"
#include "format/image_file.hpp"
#include "format/layout.hpp"
#include "fs_test_support.hpp"
#include "ops/chunking.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

namespace {

using imager::format::Buffer;
using imager::format::BufferPool;
using imager::format::ImageWriter;
using imager::format::IndexRecord;
using imager::format::RecordKind;

std::vector<std::byte> text_bytes(std::size_t n) {
    const std::string line = "a line of compressible text for the format test, 0123456789\n";
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(line[i % line.size()]);
    return v;
}

std::vector<std::byte> random_bytes(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::byte> v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
}

// Packs `data` as one capture worker would: pieces and their stored bytes.
struct Packed {
    std::vector<imager::ops::Piece> pieces;
    Buffer stored;
};
Packed pack(BufferPool& pool, std::span<const std::byte> data, std::uint64_t offset = 0) {
    imager::ops::ChunkPacker packer(3, imager::format::kChunkSize);
    Packed p;
    p.stored = pool.take(0);
    REQUIRE(packer.pack(0, offset, data, p.stored, p.pieces).has_value());
    return p;
}

// A raw image of one stream of `stream_size` bytes in 1 MiB volumes, its chunks added by `add`.
void write_split(const std::string& image, std::uint64_t stream_size, std::uint64_t used_bytes,
                 const std::function<void(ImageWriter&)>& add) {
    imager::format::Manifest m;
    m.source.size = stream_size;
    m.streams.push_back({});
    m.streams[0].size = stream_size;
    m.streams[0].used_bytes = used_bytes;  // what `add` records
    auto w = ImageWriter::create(image, 1 << 20, false, imager::format::manifest_json(m));
    REQUIRE(w.has_value());
    add(**w);
    REQUIRE((*w)->finish().has_value());
}

// write_split() of 3 MiB of noise in a 4 MiB stream: four volumes.
void write_noise_split(const std::string& image, unsigned seed) {
    BufferPool pool(imager::format::kChunkSize, 8);
    write_split(image, 4 << 20, 3 << 20, [&](ImageWriter& w) {
        auto noise = pack(pool, random_bytes(3 << 20, seed), 0);
        REQUIRE(w.add_chunk(noise.pieces[0].record, noise.stored.span()).has_value());
    });
}

// Rewrites the sealed structure of N bytes at `at` of `path` (a volume header,
// a trailer): decoded, changed by `change`, sealed again.
template <std::size_t N, class Decode, class Change>
void reseal_at(const std::string& path, std::streamoff at, Decode decode, Change change) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    std::array<std::byte, N> bytes{};
    f.seekg(at);
    f.read(reinterpret_cast<char*>(bytes.data()), bytes.size());
    auto value = decode(bytes, path);
    REQUIRE(value.has_value());
    change(*value);
    const auto sealed = imager::format::encode(*value);
    f.seekp(at);
    f.write(reinterpret_cast<const char*>(sealed.data()), sealed.size());
}

// Why `image` is refused as damaged: "message / hint".
std::string damage_refusal(const std::string& image) {
    auto r = imager::format::ImageReader::open(image);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == imager::Errc::damaged_image);
    return r.error().message() + " / " + r.error().hint;
}

}  // namespace

TEST_CASE("buffer pool: buffers come back and are handed out again", "[format][pool]") {
    BufferPool pool(1 << 20, 4);
    const std::byte* first = nullptr;
    {
        Buffer a = pool.take(1000);
        CHECK(a.size() == 1000);
        CHECK(a.capacity() == 1 << 20);
        first = a.data();
        a.resize(2 << 20);  // clamped to the capacity
        CHECK(a.size() == 1 << 20);
    }
    Buffer b = pool.take(10);
    CHECK(b.data() == first);  // reused, not allocated again
    Buffer moved = std::move(b);
    CHECK(b.data() == nullptr);
    CHECK(moved.data() == first);
    Buffer big = pool.take(3 << 20);  // beyond the capacity: a one-off of its own size
    CHECK(big.size() == 3u << 20);
    CHECK(big.capacity() == 3u << 20);
}

TEST_CASE("chunking: zero runs become holes, text is compressed, noise is stored", "[format][chunking]") {
    BufferPool pool(imager::format::kChunkSize, 4);
    auto data = text_bytes(1 << 20);
    const auto noise = random_bytes(256 << 10, 7);
    data.resize(data.size() + (128 << 10));  // a zero run of 128 KiB
    data.insert(data.end(), noise.begin(), noise.end());
    const auto p = pack(pool, data, 0x100000);
    REQUIRE(p.pieces.size() == 3);
    CHECK(p.pieces[0].record.kind == RecordKind::zstd);
    CHECK(p.pieces[0].record.offset == 0x100000);
    CHECK(p.pieces[1].record.kind == RecordKind::zeros);
    CHECK(p.pieces[1].record.length == 128 << 10);
    CHECK(p.pieces[1].stored_size == 0);
    CHECK(p.pieces[2].record.kind == RecordKind::stored);
    CHECK(p.pieces[2].stored_size == noise.size());
    CHECK(p.stored.size() == p.pieces[0].stored_size + p.pieces[2].stored_size);
    // Every data piece decodes to its bytes, by the check restore makes.
    std::vector<std::byte> out(imager::format::kChunkSize);
    for (const auto& piece : p.pieces) {
        if (piece.record.kind == RecordKind::zeros) continue;
        const auto stored = p.stored.span().subspan(piece.stored_at, piece.stored_size);
        CHECK(imager::format::chunk_damage(piece.record, stored, out).empty());
    }
}

TEST_CASE("chunking: the window covers the whole chunk at the default level", "[format][chunking]") {
    const auto t3 = imager::ops::tuning_for(3, 4u << 20);
    CHECK(t3.window_log == 22);
    CHECK(t3.hash_log_add == 1);
    // A repeat 3 MiB back, beyond level 3's own 2 MiB window, is found.
    BufferPool pool(imager::format::kChunkSize, 4);
    auto data = random_bytes(1 << 20, 1);
    const auto filler = text_bytes(2 << 20);
    const auto head = data;
    data.insert(data.end(), filler.begin(), filler.end());
    data.insert(data.end(), head.begin(), head.end());
    const auto p = pack(pool, data);
    REQUIRE(p.pieces.size() == 1);
    CHECK(p.pieces[0].stored_size < (1u << 20) + (200u << 10));
}

TEST_CASE("chunk checks: damage is found and said in words", "[format][chunking]") {
    BufferPool pool(imager::format::kChunkSize, 4);
    const auto data = text_bytes(1 << 20);
    auto p = pack(pool, data);
    REQUIRE(p.pieces.size() == 1);
    const auto& r = p.pieces[0].record;
    std::vector<std::byte> stored(p.stored.data(), p.stored.data() + p.pieces[0].stored_size);
    std::vector<std::byte> out(data.size());
    CHECK(imager::format::chunk_damage(r, stored, out).empty());
    auto flipped = stored;
    flipped.back() ^= std::byte{1};  // zstd's own checksum
    CHECK_FALSE(imager::format::chunk_damage(r, flipped, out).empty());
    IndexRecord other = r;
    other.hash[0] ^= std::byte{1};
    CHECK(imager::format::chunk_damage(other, stored, out) == "its checksum does not match");
    IndexRecord raw = r;
    raw.kind = RecordKind::stored;
    CHECK(imager::format::chunk_damage(raw, stored, out) == "it is not as long as the index says");
}

TEST_CASE("records are named for people: data chunks from 0, zero runs apart", "[format]") {
    IndexRecord r;
    r.offset = 0x840000;
    CHECK(imager::format::describe_record(r, 2) == "chunk 2 (stream 0, source offset 0x840000)");
    r.kind = RecordKind::zeros;
    CHECK(imager::format::describe_record(r, 2) == "zero run (stream 0, source offset 0x840000)");
}

TEST_CASE("a damaged chunk of a split image is named by number, offset and volume file", "[format]") {
    fs_test::TempDir t;
    const std::string image = t / "s.lbi";
    BufferPool pool(imager::format::kChunkSize, 8);
    write_split(image, 16 << 20, 5 << 20, [&](ImageWriter& w) {
        // data chunk 0, a zero run, data chunk 1 (noise: 1 MiB stored, across volumes)
        auto text = pack(pool, text_bytes(1 << 20), 0);
        auto noise = pack(pool, random_bytes(3 << 20, 3), 2 << 20);
        REQUIRE(w.add_chunk(text.pieces[0].record, text.stored.span()).has_value());
        REQUIRE(w.add_zeros(0, 1 << 20, 1 << 20).has_value());
        REQUIRE(noise.pieces.size() == 1);
        REQUIRE(w.add_chunk(noise.pieces[0].record, noise.stored.span()).has_value());
    });
    // A byte of the noise chunk, inside s.lbi.003.
    {
        std::fstream f(image + ".003", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(64 + 100);
        f.put('\x55' ^ 0x5a);
    }
    auto r = imager::format::ImageReader::open(image);
    REQUIRE(r.has_value());
    const auto& records = (*r)->records();
    REQUIRE(records.size() == 3);
    CHECK(records[1].kind == RecordKind::zeros);
    auto stored = (*r)->read_stored(records[2], pool);
    REQUIRE(stored.has_value());
    auto data = (*r)->unpack(records[2], std::move(*stored), 1, pool);
    REQUIRE_FALSE(data.has_value());
    const auto message = data.error().message();
    INFO(message);
    CHECK(message.find("chunk 1 (stream 0, source offset 0x200000; stored from byte ") != std::string::npos);
    CHECK(message.find(" of " + image + " into " + image + ".004)") != std::string::npos);
    CHECK(message.find("checksum does not match") != std::string::npos);
    // The intact first chunk unpacks to its bytes.
    auto first = (*r)->read_stored(records[0], pool);
    REQUIRE(first.has_value());
    auto text = (*r)->unpack(records[0], std::move(*first), 0, pool);
    REQUIRE(text.has_value());
    CHECK(std::equal(text->span().begin(), text->span().end(), text_bytes(1 << 20).begin()));
}

TEST_CASE("a volume that does not start where the ones before it end is named, with the one to copy again",
          "[format]") {
    fs_test::TempDir t;
    const std::string image = t / "s.lbi";
    write_noise_split(image, 5);
    REQUIRE(imager::format::ImageReader::open(image).has_value());
    // Volume `path` says, in a valid volume header, that it starts at `offset`.
    const auto claim = [](const std::string& path, std::uint64_t offset) {
        reseal_at<imager::format::kVolumeHeaderSize>(path, 0, imager::format::decode_volume_header,
                                                     [&](auto& header) { header.logical_offset = offset; });
    };
    const auto refusal = [&] { return damage_refusal(image); };

    claim(image, 4096);
    CHECK(refusal() == image + " (volume 1) starts at byte 4096 of the image, but the first volume starts at byte 0"
                                " / the image is damaged; use another copy, or capture a new image");
    claim(image, 0);
    // Volume 2 one byte short, as a copy cut short leaves it.
    const std::string second = image + ".002";
    std::filesystem::resize_file(second, std::filesystem::file_size(second) - 1);
    const auto third_starts = std::to_string(2 * ((1 << 20) - imager::format::kVolumeHeaderSize));
    const auto before_it = std::to_string(2 * ((1 << 20) - imager::format::kVolumeHeaderSize) - 1);
    CHECK(refusal() == image + ".003 (volume 3) starts at byte " + third_starts + " of the image, but the volumes " +
                           "before it hold " + before_it + " bytes / " + second +
                           " or a volume before it is not as long as when it was written (a copy cut short or "
                           "added to?); copy the image's volumes again");
}

TEST_CASE("a trailer that counts other volumes than there are is refused, in words", "[format]") {
    fs_test::TempDir t;
    const std::string image = t / "s.lbi";
    write_noise_split(image, 6);
    auto whole = imager::format::ImageReader::open(image);
    REQUIRE(whole.has_value());
    REQUIRE((*whole)->volume_count() == 4);
    // The last volume ends with the trailer: reseal it with another count.
    const std::string last = image + ".004";
    const auto at = static_cast<std::streamoff>(std::filesystem::file_size(last) - imager::format::kTrailerSize);
    const auto count_in_trailer = [&](std::uint32_t count) {
        reseal_at<imager::format::kTrailerSize>(last, at, imager::format::decode_trailer,
                                                [&](auto& trailer) { trailer.volume_count = count; });
    };
    const auto refusal = [&] { return damage_refusal(image); };
    count_in_trailer(1);  // more volumes than counted: each is this image's, so the trailer is wrong
    CHECK(refusal() == image + " has 4 volumes, but its trailer says the image has 1 volume" +
                           " / the image is damaged; use another copy, or capture a new image");
    count_in_trailer(9);  // fewer: some were left behind
    CHECK(refusal() == image + " has 4 volumes, but its trailer says the image has 9 volumes" + " / put every volume (" +
                           image + ".002, ...) beside the first");
}

TEST_CASE("a trailer whose counts or index place wrap around 64 bits is refused, not believed", "[format]") {
    fs_test::TempDir t;
    // Each forgery on a new image: the first leaves a trailer nothing decodes any more.
    const auto forge = [&](const std::string& name, auto change) {
        const std::string image = t / name;
        write_noise_split(image, 7);
        const std::string last = image + ".004";
        const auto at = static_cast<std::streamoff>(std::filesystem::file_size(last) - imager::format::kTrailerSize);
        reseal_at<imager::format::kTrailerSize>(last, at, imager::format::decode_trailer, change);
        return damage_refusal(image);
    };
    constexpr std::uint64_t k2to58 = std::uint64_t{1} << 58;  // 48 * 2^60 == 0 modulo 2^64
    // 2^60 more records than the index holds multiply to the same index size.
    CHECK(forge("count.lbi", [&](auto& trailer) { trailer.record_count += 4 * k2to58; })
              .starts_with((t / "count.lbi.004") + ": trailer counts disagree"));
    // An index of 2^58 records (12 EiB) whose offset wraps the sum back to the image's end.
    CHECK(forge("place.lbi",
                [&](auto& trailer) {
                    trailer.index_size = imager::format::kRecordSize * k2to58;
                    trailer.record_count = k2to58;
                    trailer.index_offset = trailer.logical_size - imager::format::kTrailerSize - trailer.index_size;
                }) == (t / "place.lbi") +
                          ": the index is out of place / the image is damaged; use another copy, or capture a new image");
}

namespace {

// How many of `path`'s pages are in the page cache (mincore over a mapping of it).
std::size_t cached_pages(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    const auto size = static_cast<std::size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    REQUIRE(map != MAP_FAILED);
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> resident((size + page - 1) / page);
    REQUIRE(::mincore(map, size, resident.data()) == 0);
    ::munmap(map, size);
    return static_cast<std::size_t>(std::ranges::count_if(resident, [](unsigned char c) { return (c & 1) != 0; }));
}

}  // namespace

TEST_CASE("a finished image has left the page cache, so the check after capture reads the medium", "[format]") {
    // tmpfs pages are the files themselves: they never leave the cache.
    const auto on_tmpfs = [](const std::filesystem::path& dir) {
        struct statfs where {};
        return ::statfs(dir.c_str(), &where) == 0 && where.f_type == TMPFS_MAGIC;
    };
    std::filesystem::path base = std::filesystem::temp_directory_path();
    if (on_tmpfs(base)) base = "/var/tmp";  // on disk where /tmp is tmpfs
    if (on_tmpfs(base)) LIFEBOAT_SKIP(base.string() << " and the temporary folder are tmpfs: no page cache to leave");
    fs_test::TempDir t(base);
    REQUIRE_FALSE(t.path().empty());
    REQUIRE_FALSE(on_tmpfs(t.path()));
    const auto noise = random_bytes(3 << 20, 9);
    // The control: a file just written and synced is in the cache, and mincore says so.
    const std::string control = t / "control.bin";
    {
        std::ofstream(control, std::ios::binary).write(reinterpret_cast<const char*>(noise.data()),
                                                        static_cast<std::streamsize>(noise.size()));
        const int fd = ::open(control.c_str(), O_RDONLY | O_CLOEXEC);
        REQUIRE(::fsync(fd) == 0);
        ::close(fd);
    }
    CHECK(cached_pages(control) > 0);

    const std::string image = t / "c.lbi";
    BufferPool pool(imager::format::kChunkSize, 4);
    const std::string manifest =
        R"({"format_version":1,"streams":[{"id":0,"kind":"raw","offset":0,"size":4194304}]})";
    auto w = imager::format::ImageWriter::create(image, 0, false, manifest);
    REQUIRE(w.has_value());
    auto packed = pack(pool, noise, 0);
    for (const auto& p : packed.pieces)
        REQUIRE((*w)->add_chunk(p.record, packed.stored.span().subspan(p.stored_at, p.stored_size)).has_value());
    REQUIRE((*w)->finish().has_value());
    REQUIRE(fs_test::file_size(image) > (3u << 20));
    CHECK(cached_pages(image) == 0);
}
