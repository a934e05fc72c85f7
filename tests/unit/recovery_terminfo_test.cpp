// Built-in terminal descriptions: present, valid, and usable by ncurses once
// written out; and the choice of terminal when the system has none.
#include "../../recovery/terminal.hpp"
#include "../../recovery/terminfo.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

// Last: <curses.h> and <term.h> define short macros (lines, columns, ...) that nothing above may see.
#include <curses.h>
#include <term.h>

namespace fs = std::filesystem;
using recovery::choose_terminal;
namespace terminfo = recovery::terminfo;

namespace {

constexpr std::array kRequired{"linux", "vt100", "vt220", "xterm", "xterm-256color", "screen"};

// The names section follows the 12-byte header: "linux|linux console".
std::string primary_name(std::span<const unsigned char> data) {
    std::string names(data.begin() + 12, data.end());
    return names.substr(0, names.find_first_of("|", 0));
}

std::vector<unsigned char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Sets an environment variable for one scope, then puts the old value back.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

using test_support::TempDir;

// Whether ncurses can load name now; -1 when not, else the entry's "cols".
int ncurses_cols(const char* name) {
    int status = 0;
    if (setupterm(name, -1, &status) != OK) return -1;
    const int result = tigetnum("cols");
    del_curterm(cur_term);
    return result;
}

bool none(const std::string&) { return false; }

}  // namespace

TEST_CASE("recovery terminfo: the six terminals are built in as compiled entries", "[recovery]") {
    for (const char* name : kRequired) {
        INFO(name);
        const terminfo::Entry* e = terminfo::find(name);
        REQUIRE(e != nullptr);
        CHECK(e->name == name);
        CHECK(terminfo::has_terminfo_magic(e->data));
        CHECK(e->data.size() > 200);
        CHECK(primary_name(e->data) == name);
    }
    CHECK(terminfo::find("no-such-terminal") == nullptr);
}

TEST_CASE("recovery terminfo: the magic number check refuses other data", "[recovery]") {
    const std::array<unsigned char, 12> legacy{0x1a, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const std::array<unsigned char, 12> extended{0x1e, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const std::array<unsigned char, 12> text{'#', ' ', 'x', 't', 'e', 'r', 'm', '|', 'x', ',', '\n', 0};
    CHECK(terminfo::has_terminfo_magic(legacy));
    CHECK(terminfo::has_terminfo_magic(extended));
    CHECK_FALSE(terminfo::has_terminfo_magic(text));
    CHECK_FALSE(terminfo::has_terminfo_magic(std::span(legacy).first(4)));  // no room for a header
}

TEST_CASE("recovery terminfo: a written entry is one ncurses loads", "[recovery]") {
    const TempDir dir;
    const ScopedEnv env("TERMINFO", dir.str());
    // A name no system has, so only the written file can satisfy ncurses.
    const char* name = "lifeboat-test-vt220";
    REQUIRE(ncurses_cols(name) == -1);
    REQUIRE(terminfo::write_entry(dir.str(), name, terminfo::find("vt220")->data));
    CHECK(fs::is_regular_file(dir.str() + "/l/lifeboat-test-vt220"));
    CHECK(ncurses_cols(name) == 80);
    CHECK_FALSE(terminfo::write_entry(dir.str(), "../escape", terminfo::find("vt220")->data));
}

TEST_CASE("recovery terminfo: the private database is 0700, holds the entry, and goes away", "[recovery]") {
    const TempDir parent;
    const ScopedEnv env("TMPDIR", parent.str());
    const terminfo::Entry& linux_entry = *terminfo::find("linux");
    std::string dir;
    {
        auto db = terminfo::PrivateDatabase::create(linux_entry);
        REQUIRE(db);
        dir = db->dir();
        CHECK(dir.starts_with(parent.str() + "/lifeboat-terminfo."));
        struct stat st {};
        REQUIRE(::stat(dir.c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0700);
        CHECK(db->file() == dir + "/l/linux");
        const auto bytes = read_bytes(db->file());
        CHECK(bytes == std::vector<unsigned char>(linux_entry.data.begin(), linux_entry.data.end()));
        const ScopedEnv terminfo_env("TERMINFO", dir);
        CHECK(ncurses_cols("linux") == 80);
    }
    CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("recovery terminfo: the terminal choice falls back to a built-in entry", "[recovery]") {
    auto pick = [](const char* term, bool vt, bool (*system)(const std::string&)) {
        auto c = choose_terminal(term, vt, system);
        REQUIRE(c);
        return std::pair{c->name, c->embedded};
    };
    // No database at all, as on the initramfs.
    CHECK(pick("xterm-256color", false, none) == std::pair{std::string("xterm-256color"), true});
    CHECK(pick("screen", false, none) == std::pair{std::string("screen"), true});
    CHECK(pick(nullptr, true, none) == std::pair{std::string("linux"), true});
    CHECK(pick(nullptr, false, none) == std::pair{std::string("vt100"), true});
    CHECK(pick("", false, none) == std::pair{std::string("vt100"), true});
    CHECK(pick("no-such-terminal", true, none) == std::pair{std::string("linux"), true});
    CHECK(pick("no-such-terminal", false, none) == std::pair{std::string("vt100"), true});
    // The system's own entry wins when it has one.
    auto all = [](const std::string&) { return true; };
    CHECK(pick("rxvt-unicode", false, all) == std::pair{std::string("rxvt-unicode"), false});
    CHECK(pick("xterm", false, all) == std::pair{std::string("xterm"), false});
}
