#include "terminal_io.hpp"

#include "imager/devices.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace cli {

namespace {

std::string clock_text(double seconds) {
    const auto s = static_cast<long>(seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return buf;
}

}  // namespace

CliProgress::CliProgress(ProgressMode mode) : mode_(mode) {
    if (mode_ == ProgressMode::automatic) mode_ = ::isatty(STDERR_FILENO) ? ProgressMode::text : ProgressMode::none;
}

CliProgress::~CliProgress() {
    if (line_open_) std::cerr << '\n';
}

void CliProgress::update(const imager::ProgressUpdate& u) {
    const auto now = std::chrono::steady_clock::now();
    if (u.step != step_) {
        if (line_open_) std::cerr << '\n';
        line_open_ = false;
        step_ = u.step;
        step_start_ = now;
        last_draw_ = {};
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
        std::cout << j.dump() << '\n' << std::flush;
    } else if (mode_ == ProgressMode::text) {
        draw_text(u, rate);
    }
}

void CliProgress::draw_text(const imager::ProgressUpdate& u, double rate) {
    const double fraction = u.total ? static_cast<double>(u.done) / static_cast<double>(u.total) : 1.0;
    const double eta = rate > 0 ? static_cast<double>(u.total - std::min(u.done, u.total)) / rate : 0;
    const int width = 24;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    const std::string speed = rate > 0 ? imager::devices::human_size(static_cast<std::uint64_t>(rate)) + "/s" : "-";
    char line[200];
    std::snprintf(line, sizeof line, "\r%-8s [%s] %3d%%  %s / %s  %s  ETA %s  ", step_.c_str(), bar.c_str(),
                  static_cast<int>(fraction * 100), imager::devices::human_size(u.done).c_str(),
                  imager::devices::human_size(u.total).c_str(), speed.c_str(),
                  rate > 0 ? clock_text(eta).c_str() : "-:--:--");
    std::cerr << line << std::flush;
    line_open_ = true;
}

void CliProgress::note(std::string_view message) {
    if (mode_ == ProgressMode::json) {
        std::cout << nlohmann::json{{"note", message}}.dump() << '\n' << std::flush;
        return;
    }
    if (line_open_) std::cerr << '\n';
    line_open_ = false;
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

std::uint64_t parse_size(const std::string& text) {
    std::size_t used = 0;
    std::uint64_t value = 0;
    try {
        value = std::stoull(text, &used);
    } catch (...) {
        return 0;
    }
    std::string unit = text.substr(used);
    if (unit.ends_with("iB")) unit.resize(unit.size() - 2);
    else if (unit.ends_with("B") && unit.size() > 1) unit.pop_back();
    int shift = 0;
    if (unit.empty()) shift = 0;
    else if (unit == "K" || unit == "k") shift = 10;
    else if (unit == "M" || unit == "m") shift = 20;
    else if (unit == "G" || unit == "g") shift = 30;
    else if (unit == "T" || unit == "t") shift = 40;
    else return 0;
    if (value > (UINT64_MAX >> shift)) return 0;
    return value << shift;
}

}  // namespace cli
