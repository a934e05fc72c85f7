// Servers that tests start as daemons of their own: fork + exec with the
// output in a log, killed at the end; and the network and mount namespaces
// of a test process whose server needs a machine-wide port or path (NFS's
// portmapper, Swift's /etc/swift). Shared by nfs_server.hpp and s3_server.hpp.
#pragma once

#include "web_server.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace test_support {

// This process in a network namespace with only its loopback up, and a mount
// namespace with an empty /run; once per process.
inline void isolate_network() {
    static bool isolated = false;
    if (isolated) return;
    REQUIRE(::unshare(CLONE_NEWNET | CLONE_NEWNS) == 0);
    REQUIRE(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
    REQUIRE(::mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") == 0);
    run("ip link set lo up");
    isolated = true;
}

inline pid_t start_daemon(const std::string& log, const std::vector<std::string>& argv) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

inline void stop_daemon(pid_t& pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);  // a test server: nothing of it needs to survive
    ::waitpid(pid, nullptr, 0);
    pid = -1;
}

}  // namespace test_support
