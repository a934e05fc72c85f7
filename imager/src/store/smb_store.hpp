// The store of a Windows or Samba share (store.hpp):
// smb://[domain;]user@server[:port]/share/path/pc.lbi, through the kernel's
// SMB client (cifs: SMB 2 and 3), which the rescue kernel has. No SMB
// library in Debian 12 links into a static binary (docs/DEPENDENCIES.md).
// The share is mounted for as long as the store lives (kernel_mount.hpp:
// the local store of its folder, messages naming smb:// paths). The password
// goes to the kernel in the mount call's data, never in a command line, and
// the kernel does not show it in /proc/mounts.
#pragma once

#include "store/store.hpp"
#include "store/url.hpp"

#include <memory>

namespace imager::store {

// Resolves the server and mounts the share url.path starts with; the share
// is unmounted when the store goes.
[[nodiscard]] Result<std::shared_ptr<Store>> mount_smb_share(const StoreUrl& url);

}  // namespace imager::store
