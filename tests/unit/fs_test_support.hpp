// Shared by the fs_*_test.cpp files: temp dirs, running the real filesystem
// tools, a deterministic file tree, and the key check of every used-block
// map: copy ONLY the used extents into a same-size file of junk, then the
// filesystem's own checker and the files' checksums must agree with the
// original.
#pragma once

#include "fs/used_blocks.hpp"
#include "io/block_source.hpp"
#include "test_requirements.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace fs_test {

struct Ran {
    int code = -1;
    std::string out;  // stdout and stderr together
};

// Runs `cmd` under /bin/sh and captures what it printed.
inline Ran sh(const std::string& cmd) {
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

inline std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// A fresh directory under /tmp, removed when the test ends, after unmounting
// anything below it and detaching loop devices backed by files in it (only
// those: a device number alone may have been reused by another test).
class TempDir {
public:
    explicit TempDir(const std::filesystem::path& base = std::filesystem::temp_directory_path()) {
        std::string templ = (base / "lifeboat-fs-XXXXXX").string();
        if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
    }
    ~TempDir() {
        if (path_.empty()) return;
        (void)sh("for m in $(awk '{print $2}' /proc/mounts | grep '^" + path_ + "/'); do umount -l \"$m\"; done");
        (void)sh("losetup -l -n -O NAME,BACK-FILE | awk 'index($2, \"" + path_ + "/\") == 1 {print $1}' "
                 "| xargs -r -n1 losetup -d");
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] std::string operator/(const std::string& name) const { return path_ + "/" + name; }
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

inline void write_random_file(const std::string& path, std::size_t size, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<char> data(size);
    for (auto& c : data) c = static_cast<char>(rng() & 0xFF);
    std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
}

// A deterministic tree of real files: documentation from /usr/share/doc
// (names safe on every filesystem) and seeded random files, nested a bit.
inline void make_tree(const std::string& dir, std::size_t scale = 1) {
    std::filesystem::create_directories(dir + "/docs");
    std::filesystem::create_directories(dir + "/data/deep/er");
    (void)sh("cd /usr/share/doc && find . -maxdepth 2 -type f -size -48k | grep -E '^[./A-Za-z0-9_-]+$' "
             "| LC_ALL=C sort | head -n 60 | xargs -r cp --parents -t " + quote(dir + "/docs"));
    write_random_file(dir + "/data/one.bin", 1 << 20, 1);
    write_random_file(dir + "/data/deep/odd-size.bin", scale * 1536 * 1024 + 123, 2);
    write_random_file(dir + "/data/deep/er/small.bin", 4097, 3);
    std::ofstream(dir + "/data/empty.txt");
}

// Bytes in files under `dir`.
inline std::uint64_t tree_bytes(const std::string& dir) {
    std::uint64_t total = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file()) total += e.file_size();
    return total;
}

// "sha256  ./path" per regular file, sorted; lost+found is ext's own.
inline std::string checksums(const std::string& dir) {
    return sh("cd " + quote(dir) + " && find . -type f ! -path './lost+found/*' -print0 | LC_ALL=C sort -z "
              "| xargs -0 -r sha256sum").out;
}

// A file of `size` seeded junk bytes: what the target disk held before.
inline void write_junk(const std::string& path, std::uint64_t size, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    std::vector<std::uint64_t> block(1 << 17);
    for (std::uint64_t done = 0; done < size; done += block.size() * 8) {
        for (auto& w : block) w = rng();
        const auto n = std::min<std::uint64_t>(size - done, block.size() * 8);
        f.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    }
}

// Copies only `extents` of `from` into `to` (which already holds junk).
inline bool copy_extents(const std::string& from, const std::string& to,
                         const std::vector<imager::fs::Extent>& extents) {
    auto src = imager::io::open_source(from);
    auto sink = imager::io::open_sink(to);
    if (!src || !sink) return false;
    std::vector<std::byte> buf(1 << 20);
    for (const auto& e : extents) {
        for (std::uint64_t done = 0; done < e.length;) {
            const auto n = std::min<std::uint64_t>(e.length - done, buf.size());
            const auto piece = std::span(buf.data(), n);
            if (!(*src)->read_at(e.offset + done, piece) || !(*sink)->write_at(e.offset + done, piece)) return false;
            done += n;
        }
    }
    return true;
}

inline imager::Result<imager::fs::UsedMap> used_extents(const std::string& image, std::string_view blkid_type) {
    auto src = imager::io::open_source(image);
    if (!src) return std::unexpected(src.error());
    return imager::fs::used_extents(imager::filesystems::of_type(blkid_type), **src);
}

// Extents are sorted, disjoint, not adjacent and inside the source.
inline void check_well_formed(const imager::fs::UsedMap& map, std::uint64_t size) {
    CHECK(map.block_size > 0);
    for (std::size_t i = 0; i < map.extents.size(); ++i) {
        const auto& e = map.extents[i];
        CHECK(e.length > 0);
        CHECK(e.offset + e.length <= size);
        if (i > 0) CHECK(map.extents[i - 1].offset + map.extents[i - 1].length < e.offset);
    }
}

// The same map without its largest extent: the negative control that shows
// a missing extent is noticed (the copy must then differ).
inline std::vector<imager::fs::Extent> without_largest(std::vector<imager::fs::Extent> extents) {
    const auto it = std::ranges::max_element(extents, {}, &imager::fs::Extent::length);
    if (it != extents.end()) extents.erase(it);
    return extents;
}

inline std::uint64_t file_size(const std::string& path) { return std::filesystem::file_size(path); }

// Reads the whole file into memory, for damage tests on MemorySource.
inline std::vector<std::byte> slurp(const std::string& path) {
    std::vector<std::byte> bytes(std::filesystem::file_size(path));
    std::ifstream(path, std::ios::binary)
        .read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return bytes;
}

// Bytes shared with the caller plus a few changed ones: damaged copies
// without copying the whole image each round.
class PatchedSource final : public imager::io::BlockSource {
public:
    PatchedSource(const std::vector<std::byte>& base, std::vector<std::pair<std::size_t, std::byte>> patches)
        : base_(base), patches_(std::move(patches)) {}
    [[nodiscard]] std::uint64_t size() const override { return base_.size(); }
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] imager::Status read_at(std::uint64_t offset, std::span<std::byte> buffer) override {
        if (offset > base_.size() || buffer.size() > base_.size() - offset)
            return std::unexpected(imager::make_error(imager::Errc::io, "read damaged: past the end"));
        std::memcpy(buffer.data(), base_.data() + offset, buffer.size());
        for (const auto& [at, value] : patches_)
            if (at >= offset && at - offset < buffer.size()) buffer[at - offset] = value;
        return {};
    }

private:
    const std::vector<std::byte>& base_;
    std::vector<std::pair<std::size_t, std::byte>> patches_;
    std::string name_ = "damaged";
};

// Runs the record's reader on a source: it may succeed or fail, never crash, and
// what it returns must lie inside the source.
inline bool survives(const imager::filesystems::Record& d, imager::io::BlockSource& src) {
    auto map = d.used_blocks(src);
    if (!map) return !map.error().context.empty();
    for (const auto& e : map->extents)
        if (e.offset + e.length > src.size()) return false;
    return true;
}

// Changes a seeded few bytes in [from, to) of `bytes`, many times over,
// checking that the reader survives each damaged version.
inline int fuzz_region(const imager::filesystems::Record& d, const std::vector<std::byte>& bytes, std::size_t from,
                       std::size_t to, int rounds, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    int failures = 0;
    to = std::min(to, bytes.size());
    if (from >= to) return 0;
    for (int r = 0; r < rounds; ++r) {
        std::vector<std::pair<std::size_t, std::byte>> patches;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < flips; ++i)
            patches.emplace_back(from + rng() % (to - from), static_cast<std::byte>(rng() & 0xFF));
        PatchedSource src(bytes, std::move(patches));
        if (!survives(d, src)) ++failures;
    }
    return failures;
}

}  // namespace fs_test
