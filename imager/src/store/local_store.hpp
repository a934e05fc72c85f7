// The store of local files (store.hpp): an object is a regular file, its name
// a path. A new object is written as NAME.partial, then fsync'd, dropped from
// the page cache (so that the check after a capture reads what the medium
// holds) and renamed to NAME. Only regular files are objects: opening a
// device, a directory or a FIFO as one is refused. A store of the files under
// a folder (a mounted share) takes names inside it and says them as the
// share's ("smb://files" + "/office/pc.lbi"), never as the mount point, and
// writes little ahead of what the server holds, so its failure shows at once.
#pragma once

#include "store/store.hpp"

namespace imager::store {

class LocalStore final : public Store {
public:
    LocalStore() = default;
    // The files under `root`, named in messages as under `shown`.
    LocalStore(std::string root, std::string shown) : root_(std::move(root)), shown_(std::move(shown)) {}

    [[nodiscard]] std::string describe(const std::string& name) const override { return shown_ + name; }
    [[nodiscard]] Result<std::unique_ptr<ObjectWriter>> create(const std::string& name) override;
    [[nodiscard]] Result<std::unique_ptr<ObjectReader>> open(const std::string& name) const override;
    [[nodiscard]] Result<bool> exists(const std::string& name) const override;
    [[nodiscard]] Result<std::vector<ObjectInfo>> list(const std::string& dir) const override;
    [[nodiscard]] Status remove(const std::string& name) override;

private:
    [[nodiscard]] std::string path(const std::string& name) const { return root_ + name; }
    // An error about path(name), said about describe(name).
    [[nodiscard]] Error shown(Error e, const std::string& name) const;

    std::string root_;   // empty: names are paths
    std::string shown_;
};

}  // namespace imager::store
