// The CLI's Progress and Prompt: a bar on stderr when it is a terminal, or
// one JSON object per line (--progress=json) for the wizard and scripts.
#pragma once

#include "imager/progress.hpp"

#include <chrono>
#include <string>

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

private:
    void draw_text(const imager::ProgressUpdate& u, double rate);  // rate 0: none yet
    ProgressMode mode_;
    std::chrono::steady_clock::time_point step_start_;
    std::chrono::steady_clock::time_point last_draw_;
    std::string step_;
    std::string item_;  // the part of a whole disk the last update was about
    bool line_open_ = false;
};

// Asks on the terminal: the person must type the target's name. Without a
// terminal it says no (use --yes in scripts).
class CliPrompt final : public imager::Prompt {
public:
    bool confirm(std::string_view question, std::string_view target) override;
};

// "4000M", "4G", "512K", "1048576" -> bytes; 0 on a malformed size.
[[nodiscard]] std::uint64_t parse_size(const std::string& text);

}  // namespace cli
