// A network filesystem the kernel mounts (SMB through cifs, NFSv4) as a store
// (store.hpp): it is mounted on a folder of its own under /run/lifeboat/mounts
// for as long as the store lives, and the store is the local store of that
// folder (local_store.hpp: NAME.partial, fsync, rename onto NAME), whose
// messages name the server's paths ("smb://files/office/pc.lbi"), never the
// mount point. Each kind says what the kernel's errors mean for it.
#pragma once

#include "store/store.hpp"

#include <expected>
#include <memory>
#include <string>

namespace imager::store {

struct KernelMount {
    std::string source;   // "//10.0.0.5/office", "10.0.0.5:/"
    std::string type;     // "cifs", "nfs4"
    std::string options;  // the mount call's data; may hold a password
    std::string at;       // where under the store's root: "/office", or "" for the root
    std::string shown;    // the store's names are said under this: "smb://files"
};

// Mounts `m` (nosuid, nodev, noexec) and returns its store; the mount goes
// when the store does. Fails with the errno of mount(2) (or of making its
// folder), for the caller to say what it means.
[[nodiscard]] std::expected<std::shared_ptr<Store>, int> mount_store(const KernelMount& m);

// Whether mount(2)'s errno says the server could not be reached or refused the connection.
[[nodiscard]] bool unreachable(int err);

}  // namespace imager::store
