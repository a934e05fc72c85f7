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
    // Certificate authorities trusted besides the system's bundle (PEM).
    std::string ca_file;
    // The SSH server's host key, as `ssh-keygen -lf` prints it: "SHA256:...".
    std::string host_key;
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

}  // namespace imager::store
