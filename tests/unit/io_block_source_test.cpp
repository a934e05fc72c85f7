// io/block_source: reads of a file give its bytes whether they go through the
// page cache or around it (O_DIRECT, for large aligned reads into the buffer
// pool's aligned buffers), and unaligned reads next to aligned ones agree;
// writes of every size and alignment land byte for byte.
#include "format/buffer_pool.hpp"
#include "io/block_source.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

// A file on disk (not tmpfs, which refuses O_DIRECT), removed afterwards.
struct TempFile {
    std::string path;
    explicit TempFile(const std::vector<std::byte>& bytes) {
        char name[] = "/var/tmp/lifeboat-io-test.XXXXXX";
        const int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
        ::close(fd);
        path = name;
    }
    ~TempFile() { ::unlink(path.c_str()); }
};

std::vector<std::byte> random_bytes(std::size_t n) {
    std::mt19937 rng(7);
    std::vector<std::byte> v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
}

}  // namespace

TEST_CASE("pool buffers start on a 4 KiB boundary", "[io]") {
    imager::format::BufferPool pool(4u << 20, 2);
    for (int i = 0; i < 3; ++i) {
        auto b = pool.take(1u << 20);
        CHECK(reinterpret_cast<std::uintptr_t>(b.data()) % imager::format::kBufferAlignment == 0);
    }
    auto big = pool.take(5u << 20);  // beyond the capacity: allocated alone, aligned too
    CHECK(reinterpret_cast<std::uintptr_t>(big.data()) % imager::format::kBufferAlignment == 0);
}

TEST_CASE("aligned and unaligned reads of a file give its bytes", "[io]") {
    const auto bytes = random_bytes((8u << 20) + 12345);  // not a whole number of blocks
    TempFile file(bytes);
    auto source = imager::io::open_source(file.path);
    REQUIRE(source);
    REQUIRE((*source)->size() == bytes.size());
    imager::format::BufferPool pool(4u << 20, 1);

    struct Case {
        std::uint64_t offset;
        std::size_t length;
    };
    // Aligned chunks (the direct path), an unaligned offset, an unaligned length,
    // a small read, and the file's unaligned tail.
    const std::vector<Case> cases = {{0, 4u << 20},           {4u << 20, 4u << 20}, {4096, 1u << 20},
                                     {513, 1u << 20},         {8192, (1u << 20) + 512},
                                     {12288, 4096},           {8u << 20, 12345}};
    for (const auto& c : cases) {
        auto buffer = pool.take(c.length);
        REQUIRE((*source)->read_at(c.offset, buffer.span()));
        CHECK(std::equal(buffer.span().begin(), buffer.span().end(),
                         bytes.begin() + static_cast<std::ptrdiff_t>(c.offset)));
    }
    auto past = pool.take(4096);
    CHECK_FALSE((*source)->read_at(bytes.size() - 100, past.span()));
}

TEST_CASE("aligned and unaligned writes to a file land byte for byte", "[io]") {
    auto expected = random_bytes((8u << 20) + 12345);
    std::vector<std::byte> junk(expected.size(), std::byte{0x5a});
    TempFile file(junk);
    auto sink = imager::io::open_sink(file.path);
    REQUIRE(sink);
    imager::format::BufferPool pool(4u << 20, 1);
    std::mt19937 rng(11);
    struct Case {
        std::uint64_t offset;
        std::size_t length;
        bool aligned_memory;
    };
    // Whole aligned chunks with unaligned and small writes right next to them
    // in the same pages, from aligned and unaligned memory, and the file's
    // unaligned tail.
    const std::vector<Case> cases = {{0, 4u << 20, true},         {4u << 20, 100, true},
                                     {(4u << 20) + 100, 3996, true}, {(4u << 20) + 4096, 1u << 20, true},
                                     {(5u << 20) + 4096, 513, false}, {(5u << 20) + 4609, (1u << 20) - 4609, true},
                                     {6u << 20, 2u << 20, false},    {8u << 20, 12345, true}};
    for (const auto& c : cases) {
        auto buffer = pool.take(c.length + 1);
        auto data = buffer.span().subspan(c.aligned_memory ? 0 : 1, c.length);
        for (auto& b : data) b = static_cast<std::byte>(rng());
        std::copy(data.begin(), data.end(), expected.begin() + static_cast<std::ptrdiff_t>(c.offset));
        REQUIRE((*sink)->write_at(c.offset, data));
    }
    REQUIRE((*sink)->sync());
    sink->reset();
    std::ifstream in(file.path, std::ios::binary);
    std::vector<char> got(expected.size());
    REQUIRE(in.read(got.data(), static_cast<std::streamsize>(got.size())));
    CHECK(std::memcmp(got.data(), expected.data(), expected.size()) == 0);
}

TEST_CASE("a FIFO as a source or sink is refused at once, not waited on for a writer", "[io]") {
    test_support::TempDir t("io");
    const std::string fifo = (t.path() / "pipe").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Without O_NONBLOCK at open, the read-only open blocks for ever (ctest's timeout ends it).
    auto source = imager::io::open_source(fifo);
    REQUIRE_FALSE(source.has_value());
    CHECK(source.error().message() == fifo + " is neither a block device nor a regular file");
    auto sink = imager::io::open_sink(fifo);
    REQUIRE_FALSE(sink.has_value());
    CHECK(sink.error().message() == fifo + " is neither a block device nor a regular file");
}
