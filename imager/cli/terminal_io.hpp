// The CLI's Progress and Prompt: a bar on stderr when it is a terminal, or
// one JSON object per line (--progress=json) for the wizard and scripts.
#pragma once

#include "imager/progress.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cli {

enum class ProgressMode { automatic, text, json, none };

class CliProgress final : public imager::Progress {
public:
    explicit CliProgress(ProgressMode mode);
    ~CliProgress() override;
    CliProgress(const CliProgress&) = delete;
    CliProgress& operator=(const CliProgress&) = delete;
    void update(const imager::ProgressUpdate& update) override;
    void note(std::string_view message) override;
    // Ends the bar's line, so that what is printed next (the final line, an
    // error) starts on a line of its own.
    void end_line();

private:
    void draw_text(const imager::ProgressUpdate& u, double rate);  // rate 0: none yet
    ProgressMode mode_;
    std::chrono::steady_clock::time_point step_start_;
    std::chrono::steady_clock::time_point last_draw_;
    std::string step_;
    std::string item_;  // the part of a whole disk the last update was about
    bool line_open_ = false;
    bool step_ended_ = false;    // the step's last bar is drawn and its line ended
    std::size_t line_width_ = 0;  // of the bar on the open line, to blank what a shorter one leaves
};

// The width the bar fits: the terminal's on stderr (TIOCGWINSZ), else
// $COLUMNS, else 80 (a serial console, the media's, reports no size).
[[nodiscard]] int terminal_columns();

// One bar line (no \r, no newline) in fewer than `columns` characters: the
// last column stays free, since some terminals wrap as soon as it is written.
// What does not fit goes in this order: the item's text is shortened with
// "...", then the rate and ETA are dropped, then the bar shrinks, then the
// bar goes, then the item; the rest is cut.
struct BarLine {
    std::string_view step;  // "capture", "restore", "verify"
    std::string_view item;  // the part of a whole disk, or empty
    std::uint64_t done = 0;
    std::uint64_t total = 0;
    double rate = 0;  // bytes per second; 0: not known yet
};
[[nodiscard]] std::string bar_line(const BarLine& line, int columns);

// Asks on the terminal: the person must type the target's name. Without a
// terminal it says no (use --yes in scripts).
class CliPrompt final : public imager::Prompt {
public:
    bool confirm(std::string_view question, std::string_view target) override;
};

// Asks for a password on the controlling terminal without echoing it;
// nothing when there is no terminal or the person ends the input (Ctrl-D).
[[nodiscard]] std::optional<std::string> ask_secret(const std::string& prompt);

// Asks a yes/no question on the controlling terminal; only "yes" is yes.
[[nodiscard]] bool confirm_on_terminal(const std::string& question);

}  // namespace cli
