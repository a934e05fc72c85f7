// Shared by the tests that need real images: a capture without its
// verification pass, a GPT disk file of two partitions to capture whole, a
// prompt that says yes, and a range of a file's bytes to compare.
#pragma once

#include "fs_test_support.hpp"
#include "imager/disk_layout.hpp"
#include "imager/image_ops.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

namespace image_test {

// A person who confirms every restore (the tests pass assume_yes as well).
struct Yes final : imager::Prompt {
    bool confirm(std::string_view, std::string_view) override { return true; }
};

// `length` bytes of `path` from `offset`, to compare a restored range with its source.
inline std::string bytes_of(const std::string& path, std::uint64_t offset, std::uint64_t length) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string out(static_cast<std::size_t>(length), '\0');
    in.read(out.data(), static_cast<std::streamsize>(length));
    return out;
}

// Captures `o.source` into `o.image` (no verification pass: the tests check).
inline void capture(imager::CaptureOptions o) {
    o.verify = false;
    imager::SilentProgress quiet;
    auto r = imager::capture(o, quiet);
    INFO((r ? std::string() : r.error().message()));
    REQUIRE(r.has_value());
}

inline void capture(const std::string& source, const std::string& image, unsigned threads = 1) {
    imager::CaptureOptions o;
    o.source = source;
    o.image = image;
    o.threads = threads;
    capture(o);
}

// `disk`: `size` bytes of junk (seeded by `seed`) with a GPT of two Linux
// partitions, sectors 2048..first_end and first_end+1..second_end.
inline void write_two_partition_disk(const std::string& disk, std::uint64_t size, std::uint64_t first_end,
                                     std::uint64_t second_end, unsigned seed) {
    fs_test::write_random_file(disk, static_cast<std::size_t>(size), seed);
    imager::disk::DiskLayout l;
    l.label = "gpt";
    l.size_bytes = size;
    l.disk_id = "11111111-2222-3333-4444-555555555555";
    l.first_usable = 34;
    l.last_usable = size / 512 - 34;
    l.partitions.push_back({1, 2048, first_end, "0fc63daf-8483-4772-8e79-3d69d8477de4",
                            "aaaaaaaa-0000-0000-0000-000000000001", "one", 0, {}, ""});
    l.partitions.push_back({2, first_end + 1, second_end, "0fc63daf-8483-4772-8e79-3d69d8477de4",
                            "aaaaaaaa-0000-0000-0000-000000000002", "two", 0, {}, ""});
    auto written = imager::disk::write_layout(disk, l);
    INFO((written ? std::string() : written.error().message()));
    REQUIRE(written.has_value());
}

}  // namespace image_test
