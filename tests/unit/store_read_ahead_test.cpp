// The read-ahead over network objects: bytes as the object holds them in
// every order, blocks fetched ahead only while reads go on in order, and a
// failure reported by the read that needs its block.
#include "store/read_ahead.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <random>

namespace {

using imager::store::ReadAheadReader;

// An object in memory that counts the reads it serves and the bytes they ask
// for, and fails reads that touch `bad_at`.
class CountingObject final : public imager::store::ObjectReader {
public:
    explicit CountingObject(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {}
    std::uint64_t size() const override { return bytes_.size(); }
    imager::Status read_at(std::uint64_t offset, std::span<std::byte> buffer) const override {
        ++reads;
        asked += buffer.size();
        if (offset > bytes_.size() || buffer.size() > bytes_.size() - offset)
            return std::unexpected(imager::make_error(imager::Errc::damaged_image, "past the end"));
        if (bad_at >= offset && bad_at < offset + buffer.size())
            return std::unexpected(imager::make_error(imager::Errc::io, "the server broke"));
        std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(offset), buffer.size(), buffer.begin());
        return {};
    }
    mutable std::atomic<int> reads{0};
    mutable std::atomic<std::uint64_t> asked{0};
    std::uint64_t bad_at = UINT64_MAX;

private:
    std::vector<std::byte> bytes_;
};

std::vector<std::byte> noise(std::size_t n) {
    std::mt19937 random(7);
    std::vector<std::byte> b(n);
    for (auto& x : b) x = static_cast<std::byte>(random());
    return b;
}

}  // namespace

TEST_CASE("read-ahead: in order, the object is read in blocks ahead, and every byte is the object's", "[store]") {
    const auto data = noise(ReadAheadReader::kBlock * 5 + 12345);
    auto object = std::make_unique<CountingObject>(data);
    auto* counter = object.get();
    ReadAheadReader reader(std::move(object));
    std::vector<std::byte> got(data.size());
    std::mt19937 random(3);
    for (std::size_t at = 0; at < data.size();) {
        const std::size_t n = std::min<std::size_t>(1 + random() % 300'000, data.size() - at);
        REQUIRE(reader.read_at(at, std::span(got).subspan(at, n)).has_value());
        at += n;
    }
    CHECK(got == data);
    // Many small reads became a few block reads (the first two went straight through).
    CHECK(counter->reads < 12);
    CHECK(counter->asked <= data.size() + 2 * 300'000);
}

TEST_CASE("read-ahead: reads out of order go straight to the object, never a whole block", "[store]") {
    const auto data = noise(ReadAheadReader::kBlock * 3);
    auto object = std::make_unique<CountingObject>(data);
    auto* counter = object.get();
    ReadAheadReader reader(std::move(object));
    for (const std::uint64_t at : {std::uint64_t{0}, std::uint64_t{9'000'000}, std::uint64_t{100}, std::uint64_t{4'000'000}}) {
        std::vector<std::byte> part(64);
        REQUIRE(reader.read_at(at, part).has_value());
        CHECK(std::equal(part.begin(), part.end(), data.begin() + static_cast<std::ptrdiff_t>(at)));
    }
    CHECK(counter->reads == 4);
    CHECK(counter->asked == 4 * 64);
}

TEST_CASE("read-ahead: a block that fails is the failure of the read that needs it", "[store]") {
    const auto data = noise(ReadAheadReader::kBlock * 4);
    auto object = std::make_unique<CountingObject>(data);
    object->bad_at = ReadAheadReader::kBlock * 2 + 5;
    ReadAheadReader reader(std::move(object));
    std::vector<std::byte> part(1 << 20);
    std::uint64_t at = 0;
    imager::Status last;
    for (; at + part.size() <= data.size() && last; at += part.size()) last = reader.read_at(at, part);
    REQUIRE_FALSE(last.has_value());
    CHECK(last.error().message() == "the server broke");
    CHECK(at == ReadAheadReader::kBlock * 2 + part.size());  // the read of block 2, not before
}
