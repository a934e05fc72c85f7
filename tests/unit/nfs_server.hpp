// A real NFS server for store tests: nfs-ganesha (userspace NFS, its VFS
// backend) exporting a folder of the test, registered with an rpcbind of its
// own. NFS servers need the portmapper's port 111 and rpcbind's socket
// /run/rpcbind.sock, which are the machine's: so the test process first moves
// into network and mount namespaces of its own (each ctest entry is a process
// of its own), where loopback and /run are the test's alone. Root only.
// Stopped, with its files, when the object goes.
#pragma once

#include "temp_dir.hpp"
#include "test_daemons.hpp"
#include "test_requirements.hpp"
#include "web_server.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <filesystem>
#include <string>
#include <thread>

namespace test_support {

class NfsServer {
public:
    // mount_port 0: the MOUNT service on a port the portmapper hands out.
    explicit NfsServer(int mount_port = 0) : dir_("nfs") {
        LIFEBOAT_REQUIRE_TOOLS("/usr/bin/ganesha.nfsd", "/usr/sbin/rpcbind", "rpcinfo", "ip");
        // One at a time on the machine: two ganesha servers started at once,
        // each in namespaces of its own, were seen not to register or not to
        // take writes (ctest runs unit tests two at a time); the cause is not known.
        lock_ = ::open("/tmp/lifeboat-nfs-server.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        REQUIRE(lock_ >= 0);
        REQUIRE(::flock(lock_, LOCK_EX) == 0);
        isolate_network();
        const std::string d = dir_.str();
        std::filesystem::create_directories(root());
        std::filesystem::create_directories(dir_.path() / "recovery");
        rpcbind_ = start_daemon(d + "/rpcbind.log", {"/usr/sbin/rpcbind", "-f"});
        for (int i = 0; i < 100 && !port_answers(111); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        REQUIRE(port_answers(111));
        write_file(dir_.path() / "ganesha.conf",
                   "NFS_CORE_PARAM {\n  NFS_Port = 2049;\n  MNT_Port = " + std::to_string(mount_port) +
                       ";\n  Protocols = 3, 4;\n  Enable_NLM = false;\n  Enable_RQUOTA = false;\n}\n"
                       "NFSV4 {\n  Graceless = true;\n  RecoveryRoot = " + d + "/recovery;\n}\n"
                       "EXPORT {\n  Export_Id = 1;\n  Path = " + root().string() + ";\n  Pseudo = /export;\n"
                       "  Access_Type = RW;\n  Squash = No_Root_Squash;\n  Protocols = 3, 4;\n  Transports = TCP;\n"
                       "  SecType = sys;\n  FSAL { Name = VFS; }\n}\n");
        ganesha_ = start_daemon(d + "/ganesha.out", {"/usr/bin/ganesha.nfsd", "-F", "-L", d + "/ganesha.log", "-f",
                                                     d + "/ganesha.conf", "-p", d + "/ganesha.pid"});
        // Ready when the portmapper knows its MOUNT service (registered last);
        // on a loaded machine that has taken more than 10 s.
        const std::string ready = "rpcinfo -T tcp 127.0.0.1 mountd 3 >/dev/null 2>&1";
        bool up = false;
        for (int i = 0; i < 600 && !up && ::waitpid(ganesha_, nullptr, WNOHANG) == 0; ++i) {
            up = std::system(ready.c_str()) == 0;
            if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        INFO(last_lines(d + "/ganesha.log"));
        REQUIRE(up);
    }
    ~NfsServer() {
        stop();
        stop_daemon(rpcbind_);
        ::close(lock_);
    }
    NfsServer(const NfsServer&) = delete;
    NfsServer& operator=(const NfsServer&) = delete;

    void stop() { stop_daemon(ganesha_); }

    // nfs://127.0.0.1<root()>/path: the export as the server's own path.
    [[nodiscard]] std::string url(const std::string& path = "") const { return "nfs://127.0.0.1" + root().string() + path; }
    [[nodiscard]] std::filesystem::path root() const { return dir_.path() / "export"; }

private:
    static std::string last_lines(const std::string& file) {
        std::ifstream in(file);
        std::deque<std::string> lines;
        for (std::string line; std::getline(in, line);) {
            lines.push_back(line);
            if (lines.size() > 20) lines.pop_front();
        }
        std::string text;
        for (const auto& l : lines) text += l + "\n";
        return text;
    }

    TempDir dir_;
    int lock_ = -1;
    pid_t rpcbind_ = -1;
    pid_t ganesha_ = -1;
};

}  // namespace test_support
