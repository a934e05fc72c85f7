// The store of a Windows or Samba share (store.hpp):
// smb://[domain;]user@server[:port]/share/path/pc.lbi, through the kernel's
// SMB client (cifs: SMB 2 and 3), which the rescue kernel has. No SMB
// library in Debian 12 links into a static binary (docs/DEPENDENCIES.md).
// The share is mounted on a folder of its own under /run/lifeboat/smb for as
// long as the store lives, and its files are then local files
// (local_store.hpp: NAME.partial, fsync, rename onto NAME). The password goes
// to the kernel in the mount call's data, never in a command line, and the
// kernel does not show it in /proc/mounts. Messages name smb:// paths, not
// the mount point.
#pragma once

#include "store/local_store.hpp"
#include "store/store.hpp"
#include "store/url.hpp"

#include <memory>

namespace imager::store {

class SmbStore final : public Store {
public:
    // Resolves the server and mounts the share url.path starts with.
    [[nodiscard]] static Result<std::shared_ptr<SmbStore>> mount(const StoreUrl& url);
    ~SmbStore() override;  // unmounts the share
    SmbStore(const SmbStore&) = delete;
    SmbStore& operator=(const SmbStore&) = delete;

    [[nodiscard]] std::string describe(const std::string& name) const override;
    [[nodiscard]] Result<std::unique_ptr<ObjectWriter>> create(const std::string& name) override;
    [[nodiscard]] Result<std::unique_ptr<ObjectReader>> open(const std::string& name) const override;
    [[nodiscard]] Result<bool> exists(const std::string& name) const override;
    [[nodiscard]] Result<std::vector<ObjectInfo>> list(const std::string& dir) const override;
    [[nodiscard]] Status remove(const std::string& name) override;

    SmbStore(std::string origin, std::string share, std::string mount_point)
        : origin_(std::move(origin)), share_(std::move(share)), mount_point_(std::move(mount_point)) {}

private:
    // "/office/images/pc.lbi" -> "<mount point>/images/pc.lbi"
    [[nodiscard]] std::string local(const std::string& name) const;
    // An error of the local store, its paths written as the share's.
    [[nodiscard]] Error in_words(Error e) const;

    std::string origin_;       // "smb://server"
    std::string share_;        // "/office"
    std::string mount_point_;  // "/run/lifeboat/smb/server-office-1234"
    LocalStore files_;
};

}  // namespace imager::store
