#include "io/external_tool.hpp"

#include <fcntl.h>
#include <linux/loop.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace imager::io {

Result<LoopDevice> LoopDevice::attach(const std::string& backing, std::uint64_t offset, std::uint64_t size,
                                      LoopAccess access) {
    const bool read_only = access == LoopAccess::read_only;
    const int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control < 0) return std::unexpected(sys_error("open /dev/loop-control", errno));
    const int number = ::ioctl(control, LOOP_CTL_GET_FREE);
    const int err = errno;
    ::close(control);
    if (number < 0) return std::unexpected(sys_error("find a free loop device", err));
    const std::string path = "/dev/loop" + std::to_string(number);
    const int mode = read_only ? O_RDONLY : O_RDWR;
    const int fd = ::open(path.c_str(), mode | O_CLOEXEC);
    if (fd < 0) return std::unexpected(sys_error("open " + path, errno));
    const int backing_fd = ::open(backing.c_str(), mode | O_CLOEXEC);
    if (backing_fd < 0) {
        const int e = errno;
        ::close(fd);
        return std::unexpected(sys_error("open " + backing, e));
    }
    loop_config config{};
    config.fd = static_cast<__u32>(backing_fd);
    config.info.lo_offset = offset;
    config.info.lo_sizelimit = size;
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0);
    const int rc = ::ioctl(fd, LOOP_CONFIGURE, &config);
    const int e = errno;
    ::close(backing_fd);  // the loop device holds its own reference
    if (rc != 0) {
        ::close(fd);
        return std::unexpected(sys_error("attach " + backing + " to " + path, e));
    }
    return LoopDevice(fd, path);
}

LoopDevice::LoopDevice(LoopDevice&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }

Status LoopDevice::flush() const {
    if (::fsync(fd_) != 0) return std::unexpected(sys_error("flush " + path_, errno));
    return {};
}

LoopDevice::~LoopDevice() {
    if (fd_ < 0) return;
    ::ioctl(fd_, LOOP_CLR_FD, 0);
    ::close(fd_);
}

namespace {
// A TemporaryMount's folders: the one it mounted on, then the fresh one it is in.
void remove_folders(const std::string& root, const std::string& path) {
    if (path != root) ::rmdir(path.c_str());
    ::rmdir(root.c_str());
}
}  // namespace

Result<TemporaryMount> TemporaryMount::mount(const std::string& source, const std::string& type,
                                             const std::string& options, const std::string& at) {
    constexpr const char* kBase = "/run/lifeboat/mounts";
    ::mkdir("/run/lifeboat", 0755);
    ::mkdir(kBase, 0700);
    std::string root = std::string(kBase) + "/XXXXXX";
    if (::mkdtemp(root.data()) == nullptr)
        return std::unexpected(sys_error("make a folder in " + std::string(kBase), errno));
    const std::string path = root + at;
    int err = !at.empty() && ::mkdir(path.c_str(), 0700) != 0 ? errno : 0;
    if (err == 0 && ::mount(source.c_str(), path.c_str(), type.c_str(), MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            options.empty() ? nullptr : options.c_str()) != 0)
        err = errno;
    if (err != 0) {
        remove_folders(root, path);
        return std::unexpected(sys_error("mount " + source + " (" + type + ")", err));
    }
    return TemporaryMount(root, path);
}

Status TemporaryMount::unmount() {
    if (path_.empty()) return {};
    if (::umount(path_.c_str()) != 0) return std::unexpected(sys_error("unmount " + path_, errno));
    remove_folders(root_, path_);
    root_.clear();
    path_.clear();
    return {};
}

TemporaryMount::~TemporaryMount() {
    if (path_.empty()) return;
    ::umount2(path_.c_str(), MNT_DETACH);
    remove_folders(root_, path_);
}

bool have_program(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':'))
        if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    return false;
}

namespace {

// Runs argv with stdin from /dev/null; stdout and stderr to /dev/null, or to
// `kept` (its first `limit` bytes) when they are asked for.
Result<int> run(const std::vector<std::string>& argv, std::string* kept, bool keep_stdout, bool keep_stderr,
                std::size_t limit, const std::vector<std::string>& env = {}) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> environment;
    for (char** e = environ; *e != nullptr; ++e) environment.push_back(*e);
    for (const auto& e : env) environment.push_back(const_cast<char*>(e.c_str()));
    environment.push_back(nullptr);
    int out_pipe[2] = {-1, -1};
    if (kept != nullptr && ::pipe2(out_pipe, O_CLOEXEC) != 0) return std::unexpected(sys_error("run " + argv[0], errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (keep_stdout) posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    else posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    if (keep_stderr) posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDERR_FILENO);
    else posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environment.data());
    posix_spawn_file_actions_destroy(&actions);
    if (kept != nullptr) {
        ::close(out_pipe[1]);
        kept->clear();
        char buffer[512];
        for (;;) {  // to the stream's end, keeping the start: a program blocked on a full pipe would never end
            const ssize_t n = ::read(out_pipe[0], buffer, sizeof buffer);
            if (n > 0)
                kept->append(buffer, std::min(static_cast<std::size_t>(n), limit - std::min(kept->size(), limit)));
            else if (n == 0 || errno != EINTR) break;
        }
        ::close(out_pipe[0]);
    }
    if (rc != 0) return std::unexpected(sys_error("run " + argv[0], rc));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return std::unexpected(sys_error("wait for " + argv[0], errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

Result<int> run_program(const std::vector<std::string>& argv, std::string* errors) {
    return run(argv, errors, false, errors != nullptr, 4096);
}

Result<int> run_program_output(const std::vector<std::string>& argv, std::string& output,
                               const std::vector<std::string>& env) {
    return run(argv, &output, true, true, 65536, env);
}

}  // namespace imager::io
