// A real S3-compatible service for store tests: OpenStack Swift (proxy,
// account, container and object servers, one replica, from Debian's
// packages) with its s3api middleware, which checks AWS Signature V4, and
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

#include <array>
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
        std::filesystem::create_directories(dir_.path() / "node" / "d1");
        std::filesystem::create_directories(etc);
        write_file(etc + "/swift.conf",
                   "[swift-hash]\nswift_hash_path_suffix = lifeboat-test\n[storage-policy:0]\nname = gold\ndefault = yes\n");
        const std::array<std::pair<const char*, int>, 3> rings{{{"account", 6212}, {"container", 6211}, {"object", 6210}}};
        for (const auto& [ring, port] : rings) {
            const std::string r = ring;
            run("cd " + etc + " && swift-ring-builder " + r + ".builder create 8 1 1 && swift-ring-builder " + r +
                ".builder add r1z1-127.0.0.1:" + std::to_string(port) + "/d1 1 && swift-ring-builder " + r +
                ".builder rebalance");
            write_file(etc + "/" + r + "-server.conf",
                       "[DEFAULT]\ndevices = " + d + "/node\nmount_check = false\nbind_ip = 127.0.0.1\nbind_port = " +
                           std::to_string(port) + "\nworkers = 0\nuser = root\nswift_dir = " + etc +
                           "\n[pipeline:main]\npipeline = " + r + "-server\n[app:" + r + "-server]\nuse = egg:swift#" + r + "\n");
        }
        write_file(etc + "/proxy-server.conf",
                   "[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = " + std::to_string(kPort) +
                       "\nworkers = 0\nuser = root\nswift_dir = " + etc +
                       "\n[pipeline:main]\npipeline = catch_errors gatekeeper healthcheck proxy-logging cache "
                       "listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server\n"
                       "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n"
                       "[filter:s3api]\nuse = egg:swift#s3api\nlocation = us-east-1\n"
                       "[filter:tempauth]\nuse = egg:swift#tempauth\nuser_test_tester = testing .admin\n"
                       "[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 127.0.0.1:1\n"
                       "[filter:catch_errors]\nuse = egg:swift#catch_errors\n[filter:gatekeeper]\nuse = egg:swift#gatekeeper\n"
                       "[filter:healthcheck]\nuse = egg:swift#healthcheck\n[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n"
                       "[filter:listing_formats]\nuse = egg:swift#listing_formats\n[filter:copy]\nuse = egg:swift#copy\n"
                       "[filter:slo]\nuse = egg:swift#slo\n[filter:dlo]\nuse = egg:swift#dlo\n");
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
