#include "terminal_io.hpp"

#include "imager/devices.hpp"

#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace cli {

namespace {

// One line of JSON in ASCII (\u escapes: nothing a terminal takes for a control
// sequence); text that is not UTF-8 replaced, not thrown on.
std::string ascii_json(const nlohmann::json& j) { return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace); }

std::string clock_text(double seconds) {
    const auto s = static_cast<long>(seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return buf;
}

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Columns `text` takes: one per UTF-8 code point.
std::size_t columns_of(std::string_view text) {
    return static_cast<std::size_t>(std::ranges::count_if(text, [](char c) { return !continuation(c); }));
}

// `text` in at most `width` columns, ending in "..." when cut (ASCII: a
// serial console may not show UTF-8).
std::string shorten(std::string_view text, std::size_t width) {
    if (columns_of(text) <= width) return std::string(text);
    const std::size_t keep = width > 3 ? width - 3 : 0;
    std::size_t at = 0;
    for (std::size_t kept = 0; at < text.size() && kept < keep; ++kept)
        for (++at; at < text.size() && continuation(text[at]);) ++at;
    return std::string(text.substr(0, at)) + std::string(width - keep, '.');
}

}  // namespace

int terminal_columns() {
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
    if (const char* env = std::getenv("COLUMNS")) {
        char* end = nullptr;
        const long n = std::strtol(env, &end, 10);
        if (end != env && *end == '\0' && n > 0 && n <= 10000) return static_cast<int>(n);
    }
    return 80;
}

std::string bar_line(const BarLine& l, int columns) {
    using imager::devices::human_size;
    const std::size_t room = columns > 1 ? static_cast<std::size_t>(columns) - 1 : 1;
    const double fraction =
        l.total ? std::min(1.0, static_cast<double>(l.done) / static_cast<double>(l.total)) : 1.0;
    char head[32];
    std::snprintf(head, sizeof head, "%-7.*s  ", static_cast<int>(std::min<std::size_t>(l.step.size(), 16)),
                  l.step.data());
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(fraction * 100));
    const std::string lead = head;
    const std::string sizes = "  " + human_size(l.done) + " / " + human_size(l.total);
    const double eta = l.rate > 0 ? static_cast<double>(l.total - std::min(l.done, l.total)) / l.rate : 0;
    const std::string speed = "  " + (l.rate > 0 ? human_size(static_cast<std::uint64_t>(l.rate)) + "/s" : "-") +
                              "  ETA " + (l.rate > 0 ? clock_text(eta) : "-:--:--");
    const std::size_t item_cols = columns_of(l.item);

    // item_width 0: no item; bar_width 0: no bar.
    const auto build = [&](std::size_t item_width, std::size_t bar_width, bool with_speed) {
        std::string out = lead;
        if (item_width > 0) out += shorten(l.item, item_width) + "  ";
        if (bar_width > 0) {
            std::string bar(static_cast<std::size_t>(fraction * static_cast<double>(bar_width)), '#');
            bar.resize(bar_width, '.');
            out += "[" + bar + "] ";
        }
        return out + pct + sizes + (with_speed ? speed : "");
    };
    // Columns left for the bar itself; negative when even an empty one does not fit.
    const auto bar_room = [&](std::size_t item_width, bool with_speed) {
        const std::size_t used = columns_of(lead) + (item_width > 0 ? item_width + 2 : 0) + 3 + columns_of(pct) +
                                 columns_of(sizes) + (with_speed ? columns_of(speed) : 0);
        return static_cast<long>(room) - static_cast<long>(used);
    };
    constexpr long kBarMax = 30, kBarMin = 10, kBarSmallest = 5;
    constexpr std::size_t kItemMin = 15;  // "partition 12..." still says which
    const std::size_t item_min = std::min(item_cols, kItemMin);

    // The item shortened first, then the rate and ETA dropped.
    for (const bool with_speed : {true, false}) {
        const long for_item = bar_room(0, with_speed) - kBarMin - (item_cols > 0 ? 2 : 0);
        if (item_cols == 0 && for_item >= 0)
            return build(0, static_cast<std::size_t>(std::min(kBarMax, bar_room(0, with_speed))), with_speed);
        if (item_cols > 0 && for_item >= static_cast<long>(item_min)) {
            const std::size_t item_width = std::min(item_cols, static_cast<std::size_t>(for_item));
            return build(item_width, static_cast<std::size_t>(std::min(kBarMax, bar_room(item_width, with_speed))),
                         with_speed);
        }
    }
    // Then the bar shrinks, then it goes (the percentage stays), then the item.
    if (bar_room(item_min, false) >= kBarSmallest)
        return build(item_min, static_cast<std::size_t>(bar_room(item_min, false)), false);
    const long for_item = bar_room(0, false) + 3 - 2;  // the bar's "[] " freed, the item's "  " taken
    if (item_cols > 0 && for_item >= static_cast<long>(item_min))
        return build(std::min(item_cols, static_cast<std::size_t>(for_item)), 0, false);
    return shorten(build(0, 0, false), room);
}

CliProgress::CliProgress(ProgressMode mode) : mode_(mode) {
    if (mode_ == ProgressMode::automatic) mode_ = ::isatty(STDERR_FILENO) ? ProgressMode::text : ProgressMode::none;
}

CliProgress::~CliProgress() { end_line(); }

void CliProgress::update(const imager::ProgressUpdate& u) {
    const auto now = std::chrono::steady_clock::now();
    if (u.step != step_) {
        end_line();
        step_ = u.step;
        step_start_ = now;
        last_draw_ = {};
        step_ended_ = false;
    }
    const bool last = u.done >= u.total;
    // A part that starts or ends is always shown, so every part of a whole disk appears.
    const bool item_edge = !u.item.empty() && (u.item != item_ || u.item_done >= u.item_total);
    item_ = u.item;
    if (!last && !(item_edge && mode_ == ProgressMode::json) && now - last_draw_ < std::chrono::milliseconds(200))
        return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - step_start_).count();
    // The step's clock starts at its first update, after some work: a rate from
    // its first instants would be far too high, so none before a second (as the wizard).
    const double rate = elapsed >= 1.0 ? static_cast<double>(u.done) / elapsed : 0;
    if (mode_ == ProgressMode::json) {
        nlohmann::json j = {{"step", step_}, {"done", u.done}, {"total", u.total},
                            {"elapsed", elapsed}, {"bytes_per_second", rate}};
        if (!u.item.empty()) {
            j["item"] = u.item;
            j["item_done"] = u.item_done;
            j["item_total"] = u.item_total;
        }
        std::cout << ascii_json(j) << '\n' << std::flush;
    } else if (mode_ == ProgressMode::text && !(last && step_ended_)) {
        draw_text(u, rate);
        if (last) {  // the step's final bar stays, on a line of its own
            end_line();
            step_ended_ = true;
        }
    }
}

void CliProgress::draw_text(const imager::ProgressUpdate& u, double rate) {
    const int columns = terminal_columns();
    std::string line = bar_line({step_, u.item, u.done, u.total, rate}, columns);
    const std::size_t width = columns_of(line);
    // Blanks what a longer bar before it left, within the terminal's width.
    const std::size_t room = columns > 1 ? static_cast<std::size_t>(columns) - 1 : 1;
    if (line_open_ && width < std::min(line_width_, room)) line.append(std::min(line_width_, room) - width, ' ');
    std::cerr << '\r' << line << std::flush;
    line_open_ = true;
    line_width_ = width;
}

void CliProgress::end_line() {
    if (line_open_) std::cerr << '\n' << std::flush;
    line_open_ = false;
    line_width_ = 0;
}

void CliProgress::note(std::string_view message) {
    if (mode_ == ProgressMode::json) {
        std::cout << ascii_json(nlohmann::json{{"note", message}}) << '\n' << std::flush;
        return;
    }
    end_line();
    std::cerr << "lifeboat: " << message << '\n';
}

bool CliPrompt::confirm(std::string_view question, std::string_view target) {
    if (!::isatty(STDIN_FILENO)) {
        std::cerr << "lifeboat: " << question << "\n  no terminal to confirm on: add --yes to go ahead\n";
        return false;
    }
    std::cerr << question << "\nType " << target << " to go ahead, anything else to stop: " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == target;
}

namespace {

// Asks on the controlling terminal and reads one line, echoed or not;
// nothing without a terminal or when the input ends (Ctrl-D) first.
std::optional<std::string> ask_tty(const std::string& prompt, bool echo) {
    const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (tty < 0) return std::nullopt;
    termios before{};
    const bool quiet = !echo && ::tcgetattr(tty, &before) == 0;
    if (quiet) {
        termios hidden = before;
        hidden.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        hidden.c_lflag |= ECHONL;
        ::tcsetattr(tty, TCSAFLUSH, &hidden);
    }
    (void)!::write(tty, prompt.data(), prompt.size());
    std::string answer;
    bool ended = false;
    for (char c; ::read(tty, &c, 1) == 1;) {
        if (c == '\n') {
            ended = true;
            break;
        }
        answer += c;
    }
    if (quiet) ::tcsetattr(tty, TCSAFLUSH, &before);
    ::close(tty);
    if (!ended) return std::nullopt;
    return answer;
}

}  // namespace

std::optional<std::string> ask_secret(const std::string& prompt) { return ask_tty(prompt, false); }

bool confirm_on_terminal(const std::string& question) {
    return ask_tty(question + "\nType yes to trust it, anything else to stop: ", true) == "yes";
}

}  // namespace cli
