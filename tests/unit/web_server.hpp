// A real nginx for store tests: static files with range requests, WebDAV
// (PUT, DELETE, MOVE; PROPFIND from the dav-ext module), optionally TLS with
// a certificate from a CA made here by openssl, and optionally basic
// authentication. It listens on a free port of 127.0.0.1 and is stopped
// (with everything it served) when the object goes. The served folder is
// root(): what a store wrote is judged there, on the medium.
#pragma once

#include "temp_dir.hpp"
#include "test_requirements.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace test_support {

struct WebServerOptions {
    bool tls = false;
    std::string user;      // with a password: basic authentication
    std::string password;
    bool webdav = true;
};

inline int free_loopback_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    ::close(s);
    return ntohs(a.sin_port);
}

inline bool port_answers(int port) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
}

inline void run(const std::string& command) {
    INFO(command);
    REQUIRE(std::system(("(" + command + ") >/dev/null 2>&1").c_str()) == 0);
}

class WebServer {
public:
    explicit WebServer(WebServerOptions options = {}) : options_(std::move(options)), dir_("nginx") {
        LIFEBOAT_REQUIRE_TOOLS("nginx", "openssl");
        const std::string d = dir_.str();
        std::filesystem::create_directories(dir_.path() / "www");
        std::filesystem::create_directories(dir_.path() / "tmp");
        port_ = free_loopback_port();
        std::ostringstream conf;
        conf << "load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;\n"
             << "user root; worker_processes 2; daemon off; master_process on;\n"
             << "pid " << d << "/nginx.pid; error_log " << d << "/error.log;\n"
             << "events { worker_connections 64; }\n"
             << "http {\n access_log " << d << "/access.log;\n"
             << " client_body_temp_path " << d << "/tmp/body; proxy_temp_path " << d << "/tmp/proxy;\n"
             << " fastcgi_temp_path " << d << "/tmp/fcgi; uwsgi_temp_path " << d << "/tmp/uwsgi; scgi_temp_path "
             << d << "/tmp/scgi;\n"
             << " server {\n  listen 127.0.0.1:" << port_ << (options_.tls ? " ssl" : "") << ";\n"
             << "  root " << d << "/www; client_max_body_size 0;\n";
        if (options_.webdav) conf << "  dav_methods PUT DELETE MOVE; dav_ext_methods PROPFIND OPTIONS;\n";
        if (options_.tls) {
            make_certificates();
            conf << "  ssl_certificate " << d << "/server.crt; ssl_certificate_key " << d << "/server.key;\n";
        }
        if (!options_.user.empty()) {
            run("printf '%s:%s\\n' '" + options_.user + "' \"$(openssl passwd -apr1 '" + options_.password + "')\" > " +
                d + "/htpasswd");
            conf << "  auth_basic lifeboat; auth_basic_user_file " << d << "/htpasswd;\n";
        }
        conf << " }\n}\n";
        write_file(dir_.path() / "nginx.conf", conf.str());
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::execlp("nginx", "nginx", "-e", (d + "/error.log").c_str(), "-c", (d + "/nginx.conf").c_str(), nullptr);
            ::_exit(127);
        }
        for (int i = 0; i < 100 && !port_answers(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        INFO(std::ifstream(dir_.path() / "error.log").rdbuf());
        REQUIRE(port_answers(port_));
    }
    ~WebServer() { stop(); }
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);  // the master stops its workers
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] std::string url(const std::string& path = "") const {
        return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
    }
    [[nodiscard]] std::filesystem::path root() const { return dir_.path() / "www"; }
    // The CA that signed the server's certificate (tls only).
    [[nodiscard]] std::string ca_file() const { return dir_.str() + "/ca.crt"; }
    [[nodiscard]] std::string folder() const { return dir_.str(); }

private:
    void make_certificates() {
        const std::string d = dir_.str();
        run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=lifeboat-test-ca -keyout " + d +
            "/ca.key -out " + d + "/ca.crt");
        run("openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout " + d + "/server.key -out " + d +
            "/server.csr");
        write_file(dir_.path() / "san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        run("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.crt -CAkey " + d +
            "/ca.key -CAcreateserial -days 2 -extfile " + d + "/san.ext -out " + d + "/server.crt");
    }

    WebServerOptions options_;
    TempDir dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace test_support
