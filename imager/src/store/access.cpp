#include "store/access.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace imager::store {

namespace {

Access& current() {
    static Access a;
    return a;
}

constexpr const char* kSystemBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr std::size_t kMaxTextFile = 4u << 20;

Result<std::string> read_text(const std::string& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::unexpected(sys_error("read the " + what + " " + path, errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > kMaxTextFile)
        return std::unexpected(make_error(Errc::invalid_argument, "the " + what + " " + path + " is too large"));
    return text.str();
}

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

struct RememberedKeys {
    std::mutex mutex;
    std::map<std::string, std::string> by_server;
};

RememberedKeys& remembered() {
    static RememberedKeys keys;
    return keys;
}

}  // namespace

void configure(Access access) { current() = std::move(access); }

const Access& access() { return current(); }

void remember_host_key(const std::string& server, const std::string& fingerprint) {
    std::lock_guard lock(remembered().mutex);
    remembered().by_server[server] = fingerprint;
}

std::string remembered_host_key(const std::string& server) {
    std::lock_guard lock(remembered().mutex);
    const auto it = remembered().by_server.find(server);
    return it == remembered().by_server.end() ? std::string() : it->second;
}

Result<Credentials> credentials_for(const StoreUrl& url) {
    Credentials c;
    if (const std::string& file = current().credentials_file; !file.empty()) {
        auto text = read_text(file, "credentials file");
        if (!text) return std::unexpected(text.error());
        std::istringstream lines(*text);
        int number = 0;
        for (std::string line; std::getline(lines, line);) {
            ++number;
            line = trim(line);
            if (line.empty() || line.front() == '#') continue;
            const auto eq = line.find('=');
            const std::string key = eq == std::string::npos ? line : trim(line.substr(0, eq));
            const std::string value = eq == std::string::npos ? std::string() : trim(line.substr(eq + 1));
            if (key == "user" || key == "username") c.user = value;
            else if (key == "password") c.password = value;
            else if (key == "key") c.key = value;
            else  // the line itself may hold a secret: only its number is said
                return std::unexpected(make_error(Errc::invalid_argument,
                                                  "line " + std::to_string(number) + " of the credentials file " +
                                                      file + " is not 'user = ...', 'password = ...' or 'key = ...'",
                                                  "docs/STORES.md shows the file's form"));
        }
    }
    if (c.user.empty())
        if (const char* u = std::getenv("LIFEBOAT_USER")) c.user = u;
    if (c.password.empty())
        if (const char* p = std::getenv("LIFEBOAT_PASSWORD")) c.password = p;
    if (!current().password.empty()) c.password = current().password;
    if (!url.user.empty()) c.user = url.user;
    return c;
}

Result<std::string> trusted_authorities() {
    std::string pem;
    if (auto system = read_text(kSystemBundle, "certificate bundle")) pem = *system + "\n";
    if (const std::string& extra = current().ca_file; !extra.empty()) {
        auto text = read_text(extra, "certificate authority file");
        if (!text) return std::unexpected(text.error());
        pem += *text;
    }
    return pem;
}

}  // namespace imager::store
