// What network image stores need beyond an image's URL, set once per run by
// the CLI or the wizard before any image is opened: where credentials come
// from, which certificate authorities and which SSH host keys are trusted. Secrets never travel in
// a URL, an argument list, an Error or a log (docs/STORES.md).
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace imager::store {

struct Access {
    // A file of "key = value" lines: user, password (docs/STORES.md).
    std::string credentials_file;
    // A password typed into the wizard's network store form: used before
    // the credentials file and the environment.
    std::string password;
    // Certificate authorities trusted besides the system's bundle (PEM).
    std::string ca_file;
    // The SSH server's host key, as `ssh-keygen -lf` prints it: "SHA256:...".
    std::string host_key;
    // An S3-compatible service's URL for s3:// ("https://minio.lan:9000"):
    // before the credentials file's and AWS_ENDPOINT_URL.
    std::string endpoint;
    // The region s3:// requests are signed for ("eu-west-1"), as typed into
    // the wizard's form: before the credentials file's and AWS_REGION.
    std::string region;
    // Asks a person for a password (no echo); empty when nobody can answer
    // (unattended runs, no terminal). Returns nothing when they decline.
    std::function<std::optional<std::string>(const std::string& prompt)> ask_password;
    // Asks a person whether to trust an SSH host key no --host-key pinned
    // (the question names the server and the key's fingerprint); empty when
    // nobody can answer, and then such a key is refused.
    std::function<bool(const std::string& question)> confirm_host_key;
};

void configure(Access access);
[[nodiscard]] const Access& access();

// An SSH host key a person confirmed (confirm_host_key) is trusted for that
// server ("host:port") for the rest of the run: the wizard lists a store,
// reads an image's contents and restores it over separate connections, and
// asks only once (and never from the restore's own thread).
void remember_host_key(const std::string& server, const std::string& fingerprint);
[[nodiscard]] std::string remembered_host_key(const std::string& server);

// "scheme://..." before any '/': a URL, not a relative path with "://" further on.
[[nodiscard]] bool looks_like_url(const std::string& where);

// A folder on a network store in the parts the wizard's form asks for.
struct StorePlace {
    std::string scheme;  // "nfs", "smb", "ssh", "http", "https", "s3"
    std::string server;  // "files", "10.0.0.5", "files:8445", "[fd00::5]"; S3: the bucket
    std::string folder;  // "/srv/images"; for SMB the share first: "images/lab"
    std::string user;    // may be empty; for SMB "OFFICE\ann" is user ann of domain OFFICE
};

// Its address as a URL ("smb://OFFICE;ann@files/images/lab"): the user and
// each folder segment percent-encoded, the server as typed (trimmed). Never a
// password. Whether the address is valid is parse_url's answer when used.
[[nodiscard]] std::string address_of(const StorePlace& place);

}  // namespace imager::store
