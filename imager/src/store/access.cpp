#include "store/access.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
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
            if (key == "user" || key == "username" || key == "access_key") c.user = value;
            else if (key == "password" || key == "secret_key") c.password = value;
            else if (key == "key") c.key = value;
            else if (key == "endpoint") c.endpoint = value;
            else if (key == "region") c.region = value;
            else  // the line itself may hold a secret: only its number is said
                return std::unexpected(make_error(Errc::invalid_argument,
                                                  "line " + std::to_string(number) + " of the credentials file " +
                                                      file + " is not 'user = ...', 'password = ...', 'key = ...', "
                                                      "'endpoint = ...' or 'region = ...'",
                                                  "docs/STORES.md shows the file's form"));
        }
    }
    const auto from_environment = [](std::string& field, std::initializer_list<const char*> names) {
        for (const char* name : names)
            if (const char* value = std::getenv(name); field.empty() && value != nullptr) field = value;
    };
    const bool s3 = url.scheme == "s3";
    from_environment(c.user, {"LIFEBOAT_USER", s3 ? "AWS_ACCESS_KEY_ID" : "LIFEBOAT_USER"});
    from_environment(c.password, {"LIFEBOAT_PASSWORD", s3 ? "AWS_SECRET_ACCESS_KEY" : "LIFEBOAT_PASSWORD"});
    if (s3) {
        if (!current().endpoint.empty()) c.endpoint = current().endpoint;
        if (!current().region.empty()) c.region = current().region;
        from_environment(c.endpoint, {"AWS_ENDPOINT_URL"});
        from_environment(c.region, {"AWS_REGION", "AWS_DEFAULT_REGION"});
    }
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
