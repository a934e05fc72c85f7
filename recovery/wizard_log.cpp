#include "wizard_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace recovery {

namespace {

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm {};
    char buf[32] = "";
    if (::gmtime_r(&now, &tm) != nullptr) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

WizardLog::WizardLog(std::string path) : path_(std::move(path)) {
    const auto folder = std::filesystem::path(path_).parent_path();
    std::error_code ec;
    if (!folder.empty()) std::filesystem::create_directories(folder, ec);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd_ < 0) problem_ = "cannot open " + path_ + ": " + std::strerror(errno);
}

WizardLog::~WizardLog() {
    if (fd_ >= 0) ::close(fd_);
}

void WizardLog::write(std::string_view text) {
    if (fd_ < 0) return;
    const std::string stamp = utc_now() + " ";
    std::string entry = stamp;
    for (const char c : text) {
        if (c == '\n') {
            entry += "\n";
            entry.append(stamp.size(), ' ');
        } else {
            entry += c;
        }
    }
    while (entry.ends_with(' ')) entry.pop_back();
    if (!entry.ends_with('\n')) entry += '\n';
    const std::lock_guard lock(mutex_);
    std::string_view left = entry;
    while (!left.empty()) {
        const ssize_t n = ::write(fd_, left.data(), left.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a full or failing /run: the wizard goes on without its log
        left.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string error_text(const imager::Error& e) {
    return e.message() + (e.aftermath.empty() ? "" : "\n" + e.aftermath) + (e.hint.empty() ? "" : "\n(" + e.hint + ")");
}

}  // namespace recovery
