// format/image_stream: an image read front to back from an input that cannot
// seek gives the records its index gives and checks the same things; a split
// image streams as its volume files one after the other; what is not an
// image that streams (an image from before records in line, a cut, a damaged
// frame, an index that differs from the frames, bytes after the trailer,
// volumes out of order, records past their stream's used bytes) is refused
// with its reason.
#include "format/image_file.hpp"
#include "format/image_stream.hpp"
#include "image_test_support.hpp"
#include "ops/chunking.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace {

using imager::format::BufferPool;
using imager::format::ImageStream;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Reads `input` as a stream to its end: the error, or "" with every record checked.
struct StreamResult {
    std::string error;
    std::vector<imager::format::IndexRecord> records;
    std::string data;  // the unpacked data records, one after the other
};
StreamResult stream_through(const std::string& input) {
    StreamResult out;
    const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    BufferPool pool(imager::format::kChunkSize, 4);
    auto s = ImageStream::open(fd, "the input");
    if (!s) {
        ::close(fd);
        out.error = s.error().message();
        return out;
    }
    for (std::uint64_t number = 0;;) {
        auto r = (*s)->next(pool);
        if (!r) {
            out.error = r.error().message();
            break;
        }
        if (!*r) break;
        if ((*r)->record.kind == imager::format::RecordKind::zeros) continue;
        auto data = (*s)->unpack((*r)->record, std::move((*r)->stored), number++, pool);
        if (!data) {
            out.error = data.error().message();
            break;
        }
        out.data.append(reinterpret_cast<const char*>(data->data()), data->size());
    }
    out.records = (*s)->records();
    ::close(fd);
    return out;
}

// A 12 MiB raw source: noise, zeros, text, so that there are stored, zero and zstd records.
std::string make_source(const fs_test::TempDir& t) {
    const std::string source = t / "source.img";
    fs_test::write_random_file(source, 12u << 20, 7);
    std::fstream f(source, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4 << 20);
    f << std::string(3u << 20, '\0');
    for (int i = 0; i < 40000; ++i) f << "a line of text that compresses " << i << '\n';
    return source;
}

}  // namespace

TEST_CASE("a streamed image gives the records of its index and their data", "[format][stream]") {
    fs_test::TempDir t;
    const auto source = make_source(t);
    const std::string image = t / "a.lbi";
    image_test::capture(source, image);
    auto reader = imager::format::ImageReader::open(image);
    REQUIRE(reader.has_value());
    CHECK(((*reader)->header().optional_features & imager::format::kFeatureRecordsInline) != 0);

    const auto streamed = stream_through(image);
    INFO(streamed.error);
    REQUIRE(streamed.error.empty());
    REQUIRE(streamed.records.size() == (*reader)->records().size());
    for (std::size_t i = 0; i < streamed.records.size(); ++i)
        CHECK(imager::format::encode(streamed.records[i]) == imager::format::encode((*reader)->records()[i]));
    bool zeros = false;
    for (const auto& r : streamed.records) zeros = zeros || r.kind == imager::format::RecordKind::zeros;
    CHECK(zeros);
    // The data records' bytes are the source's, but for its zero runs.
    std::string expected = read_file(source);
    std::string without_zeros;
    for (const auto& r : streamed.records)
        if (r.kind != imager::format::RecordKind::zeros) without_zeros += expected.substr(r.offset, r.length);
    CHECK(streamed.data == without_zeros);
}

TEST_CASE("a split image streams as its volume files one after the other, in order only", "[format][stream]") {
    fs_test::TempDir t;
    const auto source = make_source(t);
    const std::string image = t / "s.lbi";
    imager::CaptureOptions o;
    o.source = source;
    o.image = image;
    o.split = 2u << 20;
    image_test::capture(o);
    auto reader = imager::format::ImageReader::open(image);
    REQUIRE(reader.has_value());
    const auto volumes = (*reader)->volume_count();
    REQUIRE(volumes >= 3);
    CHECK((*reader)->header().volume_size == 2u << 20);
    std::string joined;
    for (std::uint32_t v = 1; v <= volumes; ++v) joined += read_file(imager::format::volume_name(image, v));
    write_file(t / "joined", joined);
    const auto streamed = stream_through(t / "joined");
    INFO(streamed.error);
    CHECK(streamed.error.empty());
    CHECK(streamed.records.size() == (*reader)->records().size());

    std::string swapped = read_file(image) + read_file(image + ".003") + read_file(image + ".002");
    for (std::uint32_t v = 4; v <= volumes; ++v) swapped += read_file(imager::format::volume_name(image, v));
    write_file(t / "swapped", swapped);
    CHECK(stream_through(t / "swapped").error.find("is not the next one of this image") != std::string::npos);

    // Only the first volume: the input ends before the image does.
    CHECK(stream_through(image).error.find("ended after 2097152 bytes, before the image did") != std::string::npos);
}

TEST_CASE("what is not a whole streamable image is refused, saying why", "[format][stream]") {
    fs_test::TempDir t;
    const auto source = make_source(t);
    const std::string image = t / "a.lbi";
    image_test::capture(source, image);
    const std::string bytes = read_file(image);
    auto reader = imager::format::ImageReader::open(image);
    REQUIRE(reader.has_value());
    const auto& records = (*reader)->records();
    const std::uint64_t index_at = (*reader)->trailer().index_offset + imager::format::kVolumeHeaderSize;

    SECTION("an image from before records in line") {
        const auto golden = stream_through(LIFEBOAT_SOURCE_DIR "/tests/data/golden-v1.lbi");
        CHECK(golden.error.find("captured before images could be read as a stream") != std::string::npos);
        CHECK(golden.records.empty());
    }
    SECTION("a cut anywhere") {
        for (const std::size_t keep : {std::size_t{10}, std::size_t{300}, bytes.size() / 2, bytes.size() - 1}) {
            write_file(t / "cut", bytes.substr(0, keep));
            const auto cut = stream_through(t / "cut");
            INFO(keep << ": " << cut.error);
            CHECK(cut.error.find("ended after " + std::to_string(keep) + " bytes, before the image did") !=
                  std::string::npos);
        }
    }
    SECTION("a damaged frame") {
        std::string damaged = bytes;
        const auto frame_at = records[1].stored_offset == 0 ? records[2].stored_offset : records[1].stored_offset;
        damaged[imager::format::kVolumeHeaderSize + frame_at - imager::format::kFrameSize + 3] ^= 0x10;
        write_file(t / "frame", damaged);
        CHECK(stream_through(t / "frame").error.find("is damaged (a record frame's checksum does not match)") !=
              std::string::npos);
    }
    SECTION("a damaged chunk") {
        std::string damaged = bytes;
        damaged[imager::format::kVolumeHeaderSize + records[0].stored_offset + 100] ^= 0x10;
        write_file(t / "chunk", damaged);
        const auto r = stream_through(t / "chunk");
        CHECK(r.error.find("chunk 0 (stream 0, source offset 0x0; stored at logical byte ") != std::string::npos);
        CHECK(r.error.find("of the input) is damaged") != std::string::npos);
    }
    SECTION("an index that is not the frames' records") {
        std::string forged = bytes;
        auto record = records.back();
        record.length -= 512;  // the frame says otherwise
        const auto encoded = imager::format::encode(record);
        const auto at = index_at + (records.size() - 1) * imager::format::kRecordSize;
        forged.replace(at, encoded.size(), reinterpret_cast<const char*>(encoded.data()), encoded.size());
        write_file(t / "index", forged);
        CHECK(stream_through(t / "index").error.find("index entry " + std::to_string(records.size() - 1) +
                                                     " is not the record its frame gave") != std::string::npos);
    }
    SECTION("bytes after the trailer") {
        write_file(t / "more", bytes + "x");
        CHECK(stream_through(t / "more").error.find("more bytes follow the image's trailer") != std::string::npos);
    }
}

TEST_CASE("records past their stream's used bytes are refused as they come, not at the end", "[format][stream]") {
    fs_test::TempDir t;
    const std::string image = t / "over.lbi";
    // The manifest says 1 MiB of the stream is used; the writer (which does not check) records 3 chunks of 1 MiB.
    imager::format::Manifest m;
    m.source.size = 8u << 20;
    m.streams.push_back({});
    m.streams[0].size = 8u << 20;
    m.streams[0].used_bytes = 1u << 20;
    auto w = imager::format::ImageWriter::create(image, 0, false, imager::format::manifest_json(m));
    REQUIRE(w.has_value());
    BufferPool pool(imager::format::kChunkSize, 4);
    imager::ops::ChunkPacker packer(3, imager::format::kChunkSize);
    for (std::uint64_t i = 0; i < 3; ++i) {
        std::vector<imager::ops::Piece> pieces;
        auto stored = pool.take(0);
        const std::vector<std::byte> data(1u << 20, static_cast<std::byte>(i + 1));
        REQUIRE(packer.pack(0, i << 20, data, stored, pieces).has_value());
        for (const auto& p : pieces)
            REQUIRE((*w)->add_chunk(p.record, stored.span().subspan(p.stored_at, p.stored_size)).has_value());
    }
    REQUIRE((*w)->finish().has_value());
    const auto r = stream_through(image);
    INFO(r.error);
    CHECK(r.error.find("record 1 (chunk 1 (stream 0, source offset 0x100000)) goes past the 1048576 used bytes") !=
          std::string::npos);
    CHECK(r.records.size() == 1);
}
