// A fresh directory under the system's temp dir, removed with everything in
// it when the scope ends, and a file writer for fake trees in it. Tests that
// mount filesystems or attach loops use fs_test::TempDir (fs_test_support.hpp)
// or disk_layout_test's Scratch, which also undo those.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace test_support {

class TempDir {
public:
    // The directory is /tmp/lifeboat-PREFIX-XXXXXX.
    explicit TempDir(std::string_view prefix = "unit") {
        std::string templ =
            (std::filesystem::temp_directory_path() / ("lifeboat-" + std::string(prefix) + "-XXXXXX")).string();
        REQUIRE(::mkdtemp(templ.data()) != nullptr);
        path_ = templ;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::string str() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

// Writes `content` to `path`, creating its parent directories.
inline void write_file(const std::filesystem::path& path, const std::string& content) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << content;
    REQUIRE(out.good());
}

}  // namespace test_support
