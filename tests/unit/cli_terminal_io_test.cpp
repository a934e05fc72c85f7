// cli/terminal_io: the text progress bar fits the terminal (80 columns on the
// media's serial console, 60 and 40 too) and its line ends before anything
// else is printed, so bars never scroll or run into the final line.
#include "terminal_io.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::uint64_t MiB = 1 << 20;
constexpr std::uint64_t GiB = 1ULL << 30;

// Columns of UTF-8 text: one per code point.
std::size_t columns_of(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

// Sets $COLUMNS (nullopt: unset) for one test, and restores it.
class ColumnsEnv {
public:
    explicit ColumnsEnv(std::optional<std::string> value) {
        if (const char* old = std::getenv("COLUMNS")) old_ = old;
        set(value);
    }
    ~ColumnsEnv() { set(old_); }
    ColumnsEnv(const ColumnsEnv&) = delete;
    ColumnsEnv& operator=(const ColumnsEnv&) = delete;
    static void set(const std::optional<std::string>& v) {
        if (v) ::setenv("COLUMNS", v->c_str(), 1);
        else ::unsetenv("COLUMNS");
    }

private:
    std::optional<std::string> old_;
};

// Puts `fd` on file descriptor 2 (which terminal_columns() asks) for one test.
class Fd2 {
public:
    explicit Fd2(int fd) : saved_(::dup(STDERR_FILENO)) {
        REQUIRE(fd >= 0);
        REQUIRE(saved_ >= 0);
        REQUIRE(::dup2(fd, STDERR_FILENO) == STDERR_FILENO);
        ::close(fd);
    }
    ~Fd2() {
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
    }
    Fd2(const Fd2&) = delete;
    Fd2& operator=(const Fd2&) = delete;

private:
    int saved_;
};

// What CliProgress writes to std::cerr, with fd 2 on /dev/null (no terminal
// size there) and $COLUMNS as given.
class CapturedBar {
public:
    explicit CapturedBar(const std::string& columns)
        : env_(columns), fd2_(::open("/dev/null", O_WRONLY | O_CLOEXEC)), old_(std::cerr.rdbuf(out_.rdbuf())) {}
    ~CapturedBar() { std::cerr.rdbuf(old_); }
    CapturedBar(const CapturedBar&) = delete;
    CapturedBar& operator=(const CapturedBar&) = delete;
    [[nodiscard]] std::string text() const { return out_.str(); }

private:
    ColumnsEnv env_;
    Fd2 fd2_;
    std::ostringstream out_;
    std::streambuf* old_;
};

const cli::BarLine disk_restore{"restore", "partition 2 (ext4)", 12 * GiB + 300 * MiB, 931 * GiB + 512 * MiB,
                                123.4 * MiB};
const cli::BarLine one_fs_capture{"capture", "", 12 * GiB + 300 * MiB, 931 * GiB + 512 * MiB, 123.4 * MiB};
const cli::BarLine early_verify{"verify", "", 3 * MiB, 64 * MiB, 0};  // no rate yet

}  // namespace

TEST_CASE("progress bar: 80, 60 and 40 columns, the item shortened first, then the rate, then the bar",
          "[cli][progress]") {
    // 80: the media's serial console. A whole disk's item and the sizes leave
    // no room for the rate at 80; one filesystem keeps it.
    CHECK(cli::bar_line(one_fs_capture, 80) ==
          "capture  [...............]   1%  12.3 GiB / 931.5 GiB  123.4 MiB/s  ETA 2:07:07");
    CHECK(cli::bar_line(disk_restore, 80) == "restore  partition 2 (ext4)  [.....................]   1%  12.3 GiB / 931.5 GiB");
    CHECK(cli::bar_line(early_verify, 80) == "verify   [#..........................]   4%  3.0 MiB / 64.0 MiB  -  ETA -:--:--");
    // 60: the rate goes; the item stays whole once the bar has gone.
    CHECK(cli::bar_line(one_fs_capture, 60) == "capture  [.....................]   1%  12.3 GiB / 931.5 GiB");
    CHECK(cli::bar_line(disk_restore, 60) == "restore  partition 2 (ext4)    1%  12.3 GiB / 931.5 GiB");
    CHECK(cli::bar_line(early_verify, 60) == "verify   [#......................]   4%  3.0 MiB / 64.0 MiB");
    // 40: the step, the percentage and the sizes.
    CHECK(cli::bar_line(one_fs_capture, 40) == "capture    1%  12.3 GiB / 931.5 GiB");
    CHECK(cli::bar_line(disk_restore, 40) == "restore    1%  12.3 GiB / 931.5 GiB");
    CHECK(cli::bar_line(early_verify, 40) == "verify     4%  3.0 MiB / 64.0 MiB");

    // A long item is shortened with "..." before the rate goes.
    cli::BarLine long_item = disk_restore;
    long_item.item = "partition 12 (ntfs) named a long name indeed";
    CHECK(cli::bar_line(long_item, 100) ==
          "restore  partition 12 (ntfs) ...  [..........]   1%  12.3 GiB / 931.5 GiB  123.4 MiB/s  ETA 2:07:07");
    CHECK(cli::bar_line(long_item, 80) == "restore  partition 12 (ntfs) named ...  [..........]   1%  12.3 GiB / 931.5 GiB");
    // A wide terminal shows everything, the bar at most 30 wide; done is done.
    cli::BarLine finished = disk_restore;
    finished.done = finished.total;
    CHECK(cli::bar_line(finished, 200) == "restore  partition 2 (ext4)  [##############################] 100%  931.5 GiB / "
                                          "931.5 GiB  123.4 MiB/s  ETA 0:00:00");
}

TEST_CASE("progress bar: never as wide as the terminal, at any width", "[cli][progress]") {
    cli::BarLine utf8 = disk_restore;
    utf8.item = "partition 3 (Données été ✓ ünïcödé)";  // cut between code points, never inside one
    for (const auto& line : {disk_restore, one_fs_capture, early_verify, utf8}) {
        for (int columns = 1; columns <= 200; ++columns) {
            const std::string text = cli::bar_line(line, columns);
            INFO(columns << " columns: \"" << text << "\"");
            CHECK(columns_of(text) <= static_cast<std::size_t>(std::max(columns - 1, 1)));
            CHECK(text.find_first_of("\r\n") == std::string::npos);
            if (!text.empty()) CHECK((static_cast<unsigned char>(text.back()) & 0xC0) != 0xC0);  // no cut sequence
        }
    }
    CHECK(cli::bar_line(utf8, 60) == "restore  partition 3 (Donnée...    1%  12.3 GiB / 931.5 GiB");
}

TEST_CASE("progress bar: the width comes from stderr's terminal, then COLUMNS, then 80", "[cli][progress]") {
    {
        const ColumnsEnv env("60");
        const Fd2 fd2(::open("/dev/null", O_WRONLY | O_CLOEXEC));  // no terminal: no size
        CHECK(cli::terminal_columns() == 60);
        ColumnsEnv::set("junk");
        CHECK(cli::terminal_columns() == 80);
        ColumnsEnv::set("0");
        CHECK(cli::terminal_columns() == 80);
        ColumnsEnv::set(std::nullopt);
        CHECK(cli::terminal_columns() == 80);  // a serial console reports no size either
    }
    // A terminal's own size wins over COLUMNS.
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    const int pty = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(pty >= 0);
    winsize size{};
    size.ws_row = 24;
    size.ws_col = 100;
    REQUIRE(::ioctl(pty, TIOCSWINSZ, &size) == 0);
    {
        const ColumnsEnv env("60");
        const Fd2 fd2(pty);
        CHECK(cli::terminal_columns() == 100);
    }
    ::close(master);
}

TEST_CASE("progress bar: its line ends when the step ends and before a note or the final line", "[cli][progress]") {
    // 100 columns: room for a whole-disk item, so a bar without one is shorter.
    const auto bar = [](cli::BarLine l) { return "\r" + cli::bar_line(l, 100); };
    std::string got;
    {
        CapturedBar captured("100");
        {
            cli::CliProgress progress(cli::ProgressMode::text);
            progress.update({"capture", 1 * MiB, 64 * MiB});
            progress.note("a note");
            progress.update({"capture", 64 * MiB, 64 * MiB});  // the last: always drawn, then its line ends
            progress.update({"capture", 64 * MiB, 64 * MiB});  // drawn once only
            progress.update({"verify", 8 * MiB, 64 * MiB});
            progress.end_line();  // what run_capture does before its final line or an error
            std::cerr << "captured ...\n";
            progress.end_line();  // nothing open: nothing printed
            progress.update({"restore", 1 * MiB, 8 * MiB, "partition 2 (ext4)", 1 * MiB, 4 * MiB});
            std::this_thread::sleep_for(std::chrono::milliseconds(250));  // past the 200 ms between bars
            progress.update({"restore", 2 * MiB, 8 * MiB});  // a shorter bar blanks the longer one's end
        }  // the destructor ends the open line
        got = captured.text();
    }
    // The clock starts at each step's first update: no rate within its first second.
    const std::string long_bar = cli::bar_line({"restore", "partition 2 (ext4)", 1 * MiB, 8 * MiB, 0}, 100);
    const std::string short_bar = cli::bar_line({"restore", "", 2 * MiB, 8 * MiB, 0}, 100);
    REQUIRE(long_bar.size() > short_bar.size());
    CHECK(got == bar({"capture", "", 1 * MiB, 64 * MiB, 0}) + "\n" + "lifeboat: a note\n" +
                     bar({"capture", "", 64 * MiB, 64 * MiB, 0}) + "\n" + bar({"verify", "", 8 * MiB, 64 * MiB, 0}) +
                     "\n" + "captured ...\n" + "\r" + long_bar + "\r" + short_bar +
                     std::string(long_bar.size() - short_bar.size(), ' ') + "\n");
    // Every line the terminal shows fits its 100 columns.
    std::string line;
    for (char c : got) {
        if (c == '\r' || c == '\n') {
            CHECK(columns_of(line) < 100);
            line.clear();
        } else {
            line += c;
        }
    }
}
