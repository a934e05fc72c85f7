// One server as the stores talk to it through libcurl (HTTP(S), and SFTP for
// ssh:// URLs): a pool of connections shared by every thread, the trust and
// credentials of access.hpp (TLS authorities; SSH host keys checked against
// --host-key or a person's yes), bounded timeouts (a server that stops
// answering fails a transfer in kStallSeconds), and, for HTTP, retries with
// backoff for what is transient (a broken connection, a 5xx). Failures become
// Errors that name the server and what was being done, never a credential.
#pragma once

#include "store/access.hpp"
#include "store/network_limits.hpp"
#include "store/url.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <unistd.h>

typedef void CURL;

namespace imager::store::net {

struct Reply {
    long status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;                            // unless the request gave `into`
    std::size_t received = 0;                    // bytes put into `into`
};

struct Request {
    std::string method = "GET";  // HEAD, GET, PROPFIND, MOVE, DELETE
    std::string path;            // decoded; encoded into the URL here
    std::string query;           // encoded already, after the '?' ("list-type=2&prefix=a%2F")
    std::vector<std::string> headers;
    std::string body;                // sent as is (PROPFIND's XML)
    std::span<std::byte> into;       // a 2xx body goes here, and must fit
    std::size_t max_body = 16u << 20;
    bool retry = true;  // idempotent: repeated after a transient failure
};

class Session {
public:
    // Reads the credentials and trusted authorities; connects only when used.
    static Result<std::shared_ptr<Session>> open(const StoreUrl& url);
    // An HTTP(S) server whose requests are signed with AWS Signature V4
    // (libcurl's; `sigv4` as CURLOPT_AWS_SIGV4 takes it: "aws:amz:REGION:s3")
    // by the access key (user) and secret (password) of `credentials`.
    static Result<std::shared_ptr<Session>> open_signed(const StoreUrl& url, Credentials credentials, std::string sigv4);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    [[nodiscard]] const StoreUrl& url() const { return url_; }
    // "https://files:8443/images/pc.lbi", "ssh://backup:2222/srv/pc.lbi"
    [[nodiscard]] std::string describe(const std::string& path) const;
    [[nodiscard]] std::string request_url(const std::string& path) const;

    // `what` names the action for errors: "read https://files/images/pc.lbi".
    // Any HTTP status is a Reply; only a transfer that failed is an Error.
    [[nodiscard]] Result<Reply> perform(const Request& request, const std::string& what) const;

    // The Error a status outside 2xx means, for `what`.
    [[nodiscard]] Error status_error(const Reply& reply, const std::string& what) const;
    // The Error a failed transfer means; `detail` is libcurl's message.
    [[nodiscard]] Error transfer_error(int curl_code, const std::string& detail, const std::string& what) const;
    [[nodiscard]] static bool transient(long status);
    [[nodiscard]] static bool transient_transfer(int curl_code);

    // A handle set up with trust, credentials and timeouts, for a transfer the
    // caller drives itself (an upload); give it back when done.
    [[nodiscard]] CURL* take() const;
    void give(CURL* handle) const;

private:
    explicit Session(StoreUrl url) : url_(std::move(url)) {}
    void prepare(CURL* handle) const;
    bool ask_password() const;  // after a 401 with no password: true when one was given
    // libcurl's SSH host key check: the key's SHA256 against the pinned one.
    static int check_host_key(void* session, int type, const char* key, std::size_t length);

    StoreUrl url_;
    std::string sigv4_;  // empty: Basic or Digest authentication when there are credentials
    mutable std::mutex mutex_;
    mutable Credentials credentials_;
    mutable bool asked_ = false;
    std::string authorities_;
    mutable std::string host_key_seen_;     // "SHA256:..." of the last SSH host key offered
    mutable std::string host_key_trusted_;  // pinned, or confirmed by a person
    mutable bool asked_host_key_ = false;
    mutable std::vector<CURL*> idle_;
    pid_t owner_ = ::getpid();  // a forked child must not talk over its parent's connections
};

}  // namespace imager::store::net
