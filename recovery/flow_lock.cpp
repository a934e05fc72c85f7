#include "flow_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <string>

namespace recovery {

std::optional<FlowLock> FlowLock::take(const std::string& flow, const std::string& console, std::string& holder,
                                       const std::string& path) {
    holder.clear();
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return FlowLock(-1);  // nowhere to keep a lock: nothing to share it with either
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char text[256] = {};
        const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
        holder = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : "another console";
        ::close(fd);
        return std::nullopt;
    }
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char since[16];
    std::strftime(since, sizeof since, "%H:%M", &tm);
    const std::string who = flow + " on " + console + ", since " + since;
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, who.data(), who.size(), 0) < 0) {
        // Held all the same; only the other console's message is the poorer.
    }
    return FlowLock(fd);
}

FlowLock::~FlowLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor drops the flock
}

std::string console_name() {
    char name[64] = {};
    if (::ttyname_r(STDIN_FILENO, name, sizeof name) == 0) return name;
    return "another console";
}

}  // namespace recovery
