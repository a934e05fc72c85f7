// A real OpenSSH sshd for store tests: SFTP (internal-sftp) on a free port of
// 127.0.0.1, a host key and a client key made here by ssh-keygen, logins as
// the user running the test (root) with that key only. Stopped, with its
// files, when the object goes. root() is a folder for the test's objects.
#pragma once

#include "temp_dir.hpp"
#include "test_requirements.hpp"
#include "web_server.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>

namespace test_support {

// The first line `command` prints, without its newline.
inline std::string first_line_of(const std::string& command) {
    std::string line;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        std::array<char, 512> buf{};
        if (std::fgets(buf.data(), buf.size(), p) != nullptr) line = buf.data();
        ::pclose(p);
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return line;
}

class SshServer {
public:
    SshServer() : dir_("sshd") {
        LIFEBOAT_REQUIRE_TOOLS("/usr/sbin/sshd", "ssh-keygen");
        const std::string d = dir_.str();
        std::filesystem::create_directories(dir_.path() / "files");
        std::filesystem::create_directories("/run/sshd");  // sshd's privilege separation folder
        run("ssh-keygen -q -t ed25519 -N '' -C host -f " + d + "/host_key");
        run("ssh-keygen -q -t ed25519 -N '' -C client -f " + d + "/client_key");
        run("ssh-keygen -q -t ed25519 -N '' -C other -f " + d + "/other_key");
        std::filesystem::copy_file(dir_.path() / "client_key.pub", dir_.path() / "authorized_keys");
        // "256 SHA256:... host (ED25519)"
        std::istringstream words(first_line_of("ssh-keygen -lf " + d + "/host_key.pub"));
        std::string bits;
        words >> bits >> fingerprint_;
        REQUIRE(fingerprint_.starts_with("SHA256:"));
        port_ = free_loopback_port();
        write_file(dir_.path() / "sshd_config",
                   "Port " + std::to_string(port_) + "\nListenAddress 127.0.0.1\nHostKey " + d +
                       "/host_key\nPidFile none\nAuthorizedKeysFile " + d +
                       "/authorized_keys\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                       "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nSubsystem sftp internal-sftp\n");
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            const int log = ::open((d + "/sshd.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (log >= 0) ::dup2(log, STDERR_FILENO);
            ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", (d + "/sshd_config").c_str(), nullptr);
            ::_exit(127);
        }
        for (int i = 0; i < 100 && !port_answers(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        REQUIRE(port_answers(port_));
    }
    ~SshServer() { stop(); }
    SshServer(const SshServer&) = delete;
    SshServer& operator=(const SshServer&) = delete;

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    [[nodiscard]] int port() const { return port_; }
    // ssh://root@127.0.0.1:PORT/<root()>/path
    [[nodiscard]] std::string url(const std::string& path = "") const {
        return "ssh://root@127.0.0.1:" + std::to_string(port_) + root().string() + path;
    }
    [[nodiscard]] std::filesystem::path root() const { return dir_.path() / "files"; }
    [[nodiscard]] std::string host_key() const { return fingerprint_; }
    [[nodiscard]] std::string client_key() const { return dir_.str() + "/client_key"; }
    [[nodiscard]] std::string other_key() const { return dir_.str() + "/other_key"; }

private:
    TempDir dir_;
    std::string fingerprint_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace test_support
