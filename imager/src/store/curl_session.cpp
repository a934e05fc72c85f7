#include "store/curl_session.hpp"

#include "store/resolve.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <thread>

namespace imager::store::net {

namespace {

void global_init() {
    static const CURLcode once = curl_global_init(CURL_GLOBAL_DEFAULT);
    (void)once;
}

struct Exchange {
    const Request* request;
    Reply* reply;
    CURL* handle;
    bool overflow = false;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto& x = *static_cast<Exchange*>(user);
    std::string line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.starts_with("HTTP/")) {
        x.reply->headers.clear();  // a new response (after a 100 Continue or an auth round)
        return size * count;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) return size * count;
    std::string name = line.substr(0, colon);
    std::ranges::transform(name, name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto value = line.find_first_not_of(' ', colon + 1);
    x.reply->headers[name] = value == std::string::npos ? std::string() : line.substr(value);
    return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto& x = *static_cast<Exchange*>(user);
    const std::size_t n = size * count;
    long status = 0;
    curl_easy_getinfo(x.handle, CURLINFO_RESPONSE_CODE, &status);
    if (!x.request->into.empty() && status >= 200 && status < 300) {
        if (n > x.request->into.size() - x.reply->received) {
            x.overflow = true;
            return 0;
        }
        std::memcpy(x.request->into.data() + x.reply->received, data, n);
        x.reply->received += n;
        return n;
    }
    // An error page, a listing: kept up to a bound, the rest dropped.
    const std::size_t keep = std::min(n, x.request->max_body - std::min(x.request->max_body, x.reply->body.size()));
    x.reply->body.append(data, keep);
    if (keep < n && x.request->into.empty() && status >= 200 && status < 300) {
        x.overflow = true;
        return 0;
    }
    return n;
}

}  // namespace

bool Session::transient_transfer(int curl_code) {
    switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT: return true;
    default: return false;
    }
}

Result<std::shared_ptr<Session>> Session::open(const StoreUrl& url) {
    global_init();
    std::shared_ptr<Session> s(new Session(url));
    auto credentials = credentials_for(url);
    if (!credentials) return std::unexpected(credentials.error());
    s->credentials_ = std::move(*credentials);
    if (url.scheme == "ssh")
        s->host_key_trusted_ = access().host_key.empty() ? remembered_host_key(url.host + ":" + url.port) : access().host_key;
    if (url.scheme == "https") {
        auto pem = trusted_authorities();
        if (!pem) return std::unexpected(pem.error());
        s->authorities_ = std::move(*pem);
    }
    return s;
}

Result<std::shared_ptr<Session>> Session::open_signed(const StoreUrl& url, Credentials credentials, std::string sigv4) {
    global_init();
    std::shared_ptr<Session> s(new Session(url));
    s->credentials_ = std::move(credentials);
    s->sigv4_ = std::move(sigv4);
    if (url.scheme == "https") {
        auto pem = trusted_authorities();
        if (!pem) return std::unexpected(pem.error());
        s->authorities_ = std::move(*pem);
    }
    return s;
}

Session::~Session() {
    if (::getpid() != owner_) return;  // a forked child: the connections are its parent's
    for (CURL* h : idle_) curl_easy_cleanup(h);
}

std::string Session::describe(const std::string& path) const { return url_.origin() + path; }

std::string Session::request_url(const std::string& path) const {
    if (url_.scheme == "ssh") return "sftp://" + url_.host + (url_.port.empty() ? "" : ":" + url_.port) + encode_path(path);
    return url_.origin() + encode_path(path);
}

CURL* Session::take() const {
    CURL* h = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty() && ::getpid() == owner_) {
            h = idle_.back();
            idle_.pop_back();
        }
    }
    if (h == nullptr) h = curl_easy_init();
    else curl_easy_reset(h);  // keeps its open connection
    if (h != nullptr) prepare(h);
    return h;
}

void Session::give(CURL* handle) const {
    if (handle == nullptr || ::getpid() != owner_) return;
    std::lock_guard lock(mutex_);
    idle_.push_back(handle);
}

void Session::prepare(CURL* h) const {
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, kConnectSeconds);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (url_.scheme == "ssh") {
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "sftp");
        curl_easy_setopt(h, CURLOPT_SSH_HOSTKEYFUNCTION, check_host_key);
        curl_easy_setopt(h, CURLOPT_SSH_HOSTKEYDATA, const_cast<Session*>(this));
        std::lock_guard lock(mutex_);
        curl_easy_setopt(h, CURLOPT_USERNAME, credentials_.user.c_str());
        if (!credentials_.key.empty()) {
            curl_easy_setopt(h, CURLOPT_SSH_AUTH_TYPES, CURLSSH_AUTH_PUBLICKEY);
            curl_easy_setopt(h, CURLOPT_SSH_PRIVATE_KEYFILE, credentials_.key.c_str());
            curl_easy_setopt(h, CURLOPT_KEYPASSWD, credentials_.password.c_str());
        } else {
            curl_easy_setopt(h, CURLOPT_SSH_AUTH_TYPES, CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD);
            curl_easy_setopt(h, CURLOPT_PASSWORD, credentials_.password.c_str());
        }
        return;
    }
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (url_.scheme == "https") {
        // The session outlives every handle it sets up: no copy of the bundle per request.
        curl_blob blob{const_cast<char*>(authorities_.data()), authorities_.size(), CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    std::lock_guard lock(mutex_);
    if (!credentials_.user.empty() || !credentials_.password.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, credentials_.user.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, credentials_.password.c_str());
        if (sigv4_.empty()) curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC | CURLAUTH_DIGEST);
        else curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    }
}

bool Session::ask_password() const {
    std::lock_guard lock(mutex_);
    if (asked_ || !credentials_.password.empty() || !access().ask_password) return false;
    asked_ = true;
    const std::string who = (credentials_.user.empty() ? std::string() : credentials_.user + " at ") + url_.origin();
    auto answer = access().ask_password("Password for " + who + ": ");
    if (!answer) return false;
    credentials_.password = std::move(*answer);
    return true;
}

int Session::check_host_key(void* session, int, const char* key, std::size_t length) {
    auto& s = *static_cast<const Session*>(session);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(key), length, digest);
    unsigned char text[64] = {};
    const int n = EVP_EncodeBlock(text, digest, sizeof digest);
    std::string fingerprint = "SHA256:" + std::string(reinterpret_cast<char*>(text), static_cast<std::size_t>(n));
    while (fingerprint.back() == '=') fingerprint.pop_back();  // as ssh-keygen -l prints it
    std::lock_guard lock(s.mutex_);
    s.host_key_seen_ = fingerprint;
    if (!s.host_key_trusted_.empty()) return s.host_key_trusted_ == fingerprint ? CURLKHMATCH_OK : CURLKHMATCH_MISMATCH;
    if (s.asked_host_key_ || !access().confirm_host_key) return CURLKHMATCH_MISMATCH;
    s.asked_host_key_ = true;
    if (!access().confirm_host_key("The SSH server " + s.url_.host + " offers the host key " + fingerprint +
                                   ". Is that your server's key (ssh-keygen -lf on the server shows it)?"))
        return CURLKHMATCH_MISMATCH;
    s.host_key_trusted_ = fingerprint;
    remember_host_key(s.url_.host + ":" + s.url_.port, fingerprint);
    return CURLKHMATCH_OK;
}

bool Session::transient(long status) { return status == 408 || status == 429 || (status >= 500 && status <= 504); }

Result<Reply> Session::perform(const Request& request, const std::string& what) const {
    for (int attempt = 1;; ++attempt) {
        CURL* h = take();
        if (h == nullptr) return std::unexpected(make_error(Errc::internal, "libcurl could not start a transfer"));
        Reply reply;
        Exchange x{&request, &reply, h};
        char detail[CURL_ERROR_SIZE] = "";
        const std::string url = request_url(request.path) + (request.query.empty() ? "" : "?" + request.query);
        curl_slist* headers = nullptr;
        for (const auto& header : request.headers) headers = curl_slist_append(headers, header.c_str());
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
        if (request.method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        else if (request.method != "GET") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        if (!request.body.empty()) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        }
        const CURLcode code = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
        curl_slist_free_all(headers);
        if (code != CURLE_OK && !x.overflow) curl_easy_cleanup(h);  // its connection may be broken
        else give(h);

        if (x.overflow)
            return std::unexpected(make_error(Errc::damaged_image,
                                              what + ": the server sent more bytes than asked for",
                                              "the server or a proxy on the way alters the data; check it"));
        const bool again = attempt < kAttempts && request.retry &&
                           ((code != CURLE_OK && transient_transfer(code)) || (code == CURLE_OK && transient(reply.status)));
        if (code == CURLE_OK && reply.status == 401 && ask_password()) continue;
        if (!again) {
            if (code != CURLE_OK) return std::unexpected(transfer_error(code, detail, what));
            return reply;
        }
        std::this_thread::sleep_for(std::chrono::seconds(1 << (attempt - 1)));
    }
}

Error Session::transfer_error(int curl_code, const std::string& detail, const std::string& what) const {
    const auto code = static_cast<CURLcode>(curl_code);
    const std::string server = url_.host + (url_.port.empty() ? "" : ":" + url_.port);
    const std::string why = detail.empty() ? curl_easy_strerror(code) : detail;
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST: {
        Error e = unknown_host(url_.host);
        e.context = what + ": " + e.context;
        return e;
    }
    case CURLE_COULDNT_CONNECT:
        return make_error(Errc::io, what + ": " + server + " cannot be reached or refused the connection",
                          "check the server's address and port, and that its service is running");
    case CURLE_OPERATION_TIMEDOUT:
        return make_error(Errc::io, what + ": " + server + " stopped answering (" + why + ")",
                          "check the server and the network, then run the command again");
    case CURLE_PEER_FAILED_VERIFICATION:
        if (url_.scheme == "ssh") {
            std::lock_guard lock(mutex_);
            const std::string pinned = access().host_key;
            if (!pinned.empty())
                return make_error(Errc::permission,
                                  what + ": the host key of " + server + " is " + host_key_seen_ + ", not " + pinned,
                                  "the server's key changed, or this is not your server: check with its administrator "
                                  "before you trust it (ssh-keygen -lf on the server)");
            return make_error(Errc::permission,
                              what + ": the host key of " + server + " (" + host_key_seen_ + ") is not known",
                              "if that is your server's key (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on it), "
                              "give it with --host-key " + host_key_seen_);
        }
        [[fallthrough]];
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
        return make_error(Errc::permission, what + ": the TLS certificate of " + server + " is not trusted (" + why + ")",
                          "give the authority that signed it with --ca FILE (PEM); the check is never skipped");
    case CURLE_LOGIN_DENIED:
        return make_error(Errc::permission, what + ": " + server + " refused the user name, password or key",
                          "check them: --credentials FILE, or LIFEBOAT_USER and LIFEBOAT_PASSWORD (docs/STORES.md)");
    case CURLE_REMOTE_FILE_NOT_FOUND: return make_error(Errc::not_found, what + ": not found on the server");
    case CURLE_REMOTE_ACCESS_DENIED: return make_error(Errc::permission, what + ": the server refuses it (" + why + ")");
    case CURLE_REMOTE_DISK_FULL: return make_error(Errc::no_space, what + ": the server is out of space");
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return make_error(Errc::io, what + ": the connection to " + server + " broke (" + why + ")",
                          "check the server and the network, then run the command again");
    default: return make_error(Errc::io, what + ": " + why);
    }
}

Error Session::status_error(const Reply& reply, const std::string& what) const {
    const long s = reply.status;
    const std::string http = " (HTTP " + std::to_string(s) + ")";
    if (s == 401)
        return make_error(Errc::permission, what + ": " + url_.origin() + " refused the user name or password" + http,
                          "check them: --credentials FILE, or LIFEBOAT_USER and LIFEBOAT_PASSWORD (docs/STORES.md)");
    if (s == 403)
        return make_error(Errc::permission, what + ": the server forbids it" + http,
                          "the server's configuration does not allow this to this user");
    if (s == 404 || s == 410) return make_error(Errc::not_found, what + ": not found on the server" + http);
    if (s == 405 || s == 501)
        return make_error(Errc::unsupported, what + ": the server does not allow it" + http,
                          "writing and listing need WebDAV on the server (nginx: dav_methods PUT DELETE MOVE "
                          "and dav_ext_methods PROPFIND; docs/STORES.md)");
    if (s == 409) return make_error(Errc::not_found, what + ": its folder does not exist on the server" + http,
                                    "create the folder first, or choose another");
    if (s == 412 || s == 416)
        return make_error(Errc::damaged_image, what + ": the file changed on the server while it was read" + http,
                          "something replaced or cut the image on the server; run the command again, or use another copy");
    if (s == 413)
        return make_error(Errc::no_space, what + ": the server refuses an upload this large" + http,
                          "raise the server's limit (nginx: client_max_body_size 0), or capture with --split 4000M");
    if (s == 507) return make_error(Errc::no_space, what + ": the server is out of space" + http);
    if (s >= 300 && s < 400)
        return make_error(Errc::invalid_argument, what + ": the server redirects elsewhere" + http,
                          "use the address it redirects to (`curl -I` shows it)");
    return make_error(Errc::io, what + ": the server answered" + http);
}

}  // namespace imager::store::net
