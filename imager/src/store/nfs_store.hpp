// The store of an NFS server's export (store.hpp), through libnfs: NFSv3 over
// TCP with AUTH_SYS, as this machine's root unless ?uid=N&gid=N say otherwise;
// nfs://server[:port]/export/path/pc.lbi. The export is found by mounting the
// image's folder, then each folder above it, until the server accepts one, so
// a person writes the path as the server shows it and never says where the
// export ends. The server's portmapper (rpcbind) gives the ports, unless the
// URL's port (NFS) and ?mountport=N (MOUNT) do.
//
// A new object is written as NAME.partial, committed to the server's disk
// (NFS COMMIT) and renamed onto NAME, which NFSv3 does in one step. Reads go
// through a pool of connections; each opens the file by its name and checks
// it is the file seen at open (its file id), so an image replaced since open
// fails the read instead of mixing. Debian 12's libnfs (4.0) writes NFSv3
// only: NFSv4 is the kernel's (nfs4_store.hpp).
#pragma once

#include "store/store.hpp"
#include "store/url.hpp"

#include <memory>

namespace imager::store {

class NfsMount;  // the server, its export and a pool of connections to it

class NfsStore final : public Store {
public:
    // Resolves the server, finds the export that holds url.path and mounts it.
    [[nodiscard]] static Result<std::shared_ptr<NfsStore>> mount(const StoreUrl& url);

    [[nodiscard]] std::string describe(const std::string& name) const override;
    [[nodiscard]] Result<std::unique_ptr<ObjectWriter>> create(const std::string& name) override;
    [[nodiscard]] Result<std::unique_ptr<ObjectReader>> open(const std::string& name) const override;
    [[nodiscard]] Result<bool> exists(const std::string& name) const override;
    [[nodiscard]] Result<std::vector<ObjectInfo>> list(const std::string& dir) const override;
    [[nodiscard]] Status remove(const std::string& name) override;

    explicit NfsStore(std::shared_ptr<NfsMount> mount) : mount_(std::move(mount)) {}

private:
    std::shared_ptr<NfsMount> mount_;
};

}  // namespace imager::store
