// The wizard's log: everything it does, appended line by line to one file
// (on the rescue system /run/lifeboat/lifeboat.log) that the result screen
// names and the Shell can read. Each entry is one write(2) of lines starting
// with a UTC time ("2026-11-24T19:00:00Z "); continuation lines are indented.
// Its folder is created when missing. A log that cannot be opened does not
// stop the wizard: entries go nowhere and problem() says why.
// Thread-safe: the restore's worker thread writes to it too.
#pragma once

#include "imager/result.hpp"

#include <mutex>
#include <string>
#include <string_view>

namespace recovery {

class WizardLog {
public:
    static constexpr const char* kDefaultPath = "/run/lifeboat/lifeboat.log";

    explicit WizardLog(std::string path = kDefaultPath);
    ~WizardLog();
    WizardLog(const WizardLog&) = delete;
    WizardLog& operator=(const WizardLog&) = delete;

    // Appends one entry; `text` may hold several lines.
    void write(std::string_view text);

    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] bool usable() const { return fd_ >= 0; }
    // Why the log cannot be written ("" when it can).
    [[nodiscard]] const std::string& problem() const { return problem_; }

private:
    std::string path_;
    std::string problem_;
    int fd_ = -1;
    std::mutex mutex_;
};

// An error as the log writes it: the message, then "(hint)" on its own line.
[[nodiscard]] std::string error_text(const imager::Error& e);

}  // namespace recovery
