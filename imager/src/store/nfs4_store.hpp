// The store of an NFSv4 server (store.hpp), through the kernel's NFS client,
// which the rescue kernel has: Debian 12's libnfs cannot write NFSv4
// (docs/DEPENDENCIES.md). nfs://server[:port]/path/pc.lbi?version=4, or a
// plain nfs:// address whose server does not serve NFSv3 (location.cpp tries
// NFSv3 first). The server's NFSv4 tree is mounted from its root for as long
// as the store lives (kernel_mount.hpp), so the path is the one the server
// shows in NFSv4, which on Linux's and most NAS's servers is the exported
// folder's own. As root, AUTH_SYS, versions 4.2, 4.1 then 4.0; a soft mount,
// so a server that stops answering fails the call instead of hanging it, and
// the writer waits for the server as it goes (local_store.cpp).
#pragma once

#include "store/store.hpp"
#include "store/url.hpp"

#include <memory>

namespace imager::store {

// True when the address asks for NFSv4 (?version=4, 4.0, 4.1 or 4.2).
[[nodiscard]] bool asks_for_nfs4(const StoreUrl& url);

// Resolves the server and mounts its NFSv4 tree.
[[nodiscard]] Result<std::shared_ptr<Store>> mount_nfs4(const StoreUrl& url);

}  // namespace imager::store
