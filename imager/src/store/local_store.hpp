// The store of local files (store.hpp): an object is a regular file, its name
// a path. A new object is written as NAME.partial, then fsync'd, dropped from
// the page cache (so that the check after a capture reads what the medium
// holds) and renamed to NAME. Only regular files are objects: opening a
// device, a directory or a FIFO as one is refused.
#pragma once

#include "store/store.hpp"

namespace imager::store {

class LocalStore final : public Store {
public:

    [[nodiscard]] std::string describe(const std::string& name) const override { return name; }
    [[nodiscard]] Result<std::unique_ptr<ObjectWriter>> create(const std::string& name) override;
    [[nodiscard]] Result<std::unique_ptr<ObjectReader>> open(const std::string& name) const override;
    [[nodiscard]] Result<bool> exists(const std::string& name) const override;
    [[nodiscard]] Result<std::vector<ObjectInfo>> list(const std::string& dir) const override;
    [[nodiscard]] Status remove(const std::string& name) override;
};

}  // namespace imager::store
