// A real S3-compatible service for store tests: OpenStack Swift (proxy,
// account, container and object servers, one replica, from Debian's
// packages; configured by tests/integration/lib/swift.sh, as the integration
// tests' one) with its s3api middleware, which checks AWS Signature V4, and
// tempauth's user test:tester (secret "testing"). Swift reads
// /etc/swift/swift.conf, so the test process moves into namespaces of its own
// (test_daemons.hpp) and binds its folder there. s3cmd, an independent
// client, makes the bucket and says what the service holds. Root only;
// stopped, with its files, when the object goes.
#pragma once

#include "temp_dir.hpp"
#include "test_daemons.hpp"
#include "test_requirements.hpp"

#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

class S3Server {
public:
    static constexpr int kPort = 8480;  // in the test's own network namespace: free

    explicit S3Server(const std::string& bucket) : dir_("swift") {
        LIFEBOAT_REQUIRE_TOOLS("/usr/bin/swift-proxy-server", "/usr/bin/swift-object-server",
                               "/usr/bin/swift-container-server", "/usr/bin/swift-account-server", "swift-ring-builder",
                               "s3cmd", "curl", "ip");
        REQUIRE(std::filesystem::is_directory("/etc/swift"));
        isolate_network();
        const std::string d = dir_.str();
        const std::string etc = d + "/etc";
        // The configuration the integration tests write too: one place for it.
        run("bash -c 'source " LIFEBOAT_SOURCE_DIR "/tests/integration/lib/swift.sh && swift_config " + d +
            " 127.0.0.1 " + std::to_string(kPort) + "'");
        REQUIRE(::mount(etc.c_str(), "/etc/swift", nullptr, MS_BIND, nullptr) == 0);
        for (const char* server : {"account", "container", "object", "proxy"})
            daemons_.push_back(start_daemon(d + "/" + server + ".log", {std::string("/usr/bin/swift-") + server + "-server",
                                                                        etc + "/" + server + "-server.conf"}));
        const std::string ready = "curl -sf http://127.0.0.1:" + std::to_string(kPort) + "/healthcheck >/dev/null 2>&1";
        bool up = false;
        for (int i = 0; i < 600 && !up; ++i) {  // python servers: seconds to start
            up = std::system(ready.c_str()) == 0;
            if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        REQUIRE(up);
        write_file(dir_.path() / "creds", "user = test:tester\npassword = testing\nendpoint = " + endpoint() + "\n");
        run(s3cmd() + " mb s3://" + bucket);
    }
    ~S3Server() {
        for (auto& pid : daemons_) stop_daemon(pid);
        ::umount2("/etc/swift", MNT_DETACH);
    }
    S3Server(const S3Server&) = delete;
    S3Server& operator=(const S3Server&) = delete;

    [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(kPort); }
    // A credentials file with the key, the secret and the endpoint.
    [[nodiscard]] std::string credentials() const { return (dir_.path() / "creds").string(); }
    [[nodiscard]] std::string s3cmd() const {
        return "s3cmd --config=/dev/null --access_key=test:tester --secret_key=testing --host=127.0.0.1:" +
               std::to_string(kPort) + " --host-bucket=127.0.0.1:" + std::to_string(kPort) + " --no-ssl --region=us-east-1";
    }
    // What s3cmd prints for `args` (its stdout).
    [[nodiscard]] std::string s3cmd_output(const std::string& args) const {
        std::string out;
        if (FILE* p = ::popen((s3cmd() + " " + args + " 2>/dev/null").c_str(), "r")) {
            char buf[4096];
            for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
            ::pclose(p);
        }
        return out;
    }

private:
    TempDir dir_;
    std::vector<pid_t> daemons_;
};

}  // namespace test_support
