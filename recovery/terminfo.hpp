// Built-in terminal descriptions. The static binary runs on initramfs images
// that have no terminfo database, so the build embeds compiled entries
// (cmake/Terminfo.cmake generates the table from the build machine's
// ncurses-base) and the terminal setup writes one out to a private directory
// when the system cannot provide TERM. See docs/TERMINAL.md.
// Invariant: every embedded entry passes has_terminfo_magic().
// Called by terminal.cpp and the unit tests; no ncurses here.
#pragma once

#include "imager/result.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace recovery::terminfo {

struct Entry {
    std::string_view name;                // "linux", "xterm-256color", ...
    std::span<const unsigned char> data;  // the compiled entry, as tic wrote it
};

// Every entry built into the binary (defined in the generated terminfo_data.cpp).
[[nodiscard]] std::span<const Entry> embedded();

// The embedded entry called name, or nullptr.
[[nodiscard]] const Entry* find(std::string_view name);

// True when data starts with a compiled-terminfo magic number: 0432 (legacy)
// or 01036 (32-bit numbers), little-endian, and is long enough for a header.
[[nodiscard]] bool has_terminfo_magic(std::span<const unsigned char> data);

// Writes data as DIR/<first letter>/<name>, the layout ncurses searches.
[[nodiscard]] imager::Status write_entry(const std::string& dir, std::string_view name,
                                         std::span<const unsigned char> data);

// A directory only this process can read (mkdtemp, mode 0700) holding one
// entry; removed again on destruction. Point TERMINFO at dir().
class PrivateDatabase {
public:
    // Tries $TMPDIR, /tmp, /run, /dev/shm in turn: an initramfs may lack /tmp.
    [[nodiscard]] static imager::Result<PrivateDatabase> create(const Entry& entry);

    PrivateDatabase(PrivateDatabase&& other) noexcept;
    PrivateDatabase& operator=(PrivateDatabase&& other) noexcept;
    PrivateDatabase(const PrivateDatabase&) = delete;
    PrivateDatabase& operator=(const PrivateDatabase&) = delete;
    ~PrivateDatabase();

    [[nodiscard]] const std::string& dir() const { return dir_; }
    // The file ncurses will read, DIR/<first letter>/<name>.
    [[nodiscard]] const std::string& file() const { return file_; }

private:
    PrivateDatabase(std::string dir, std::string file) : dir_(std::move(dir)), file_(std::move(file)) {}
    void remove() noexcept;

    std::string dir_;
    std::string file_;
};

}  // namespace recovery::terminfo
