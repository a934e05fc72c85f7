// The store of an HTTP(S) server (store.hpp): an object is a file the server
// serves at the name's path. Reading needs only range requests (any web
// server: nginx, Apache, a NAS); every range is asked for with the ETag seen
// at open (If-Match), so a file replaced on the server fails the read instead
// of mixing old and new. Writing and listing need WebDAV: a new object is
// streamed by PUT to NAME.partial and moved to NAME (MOVE, Overwrite) on
// commit; list() is a PROPFIND of depth 1. Durability is the server's: a
// WebDAV server answers a PUT once the file is written.
#pragma once

#include "store/curl_session.hpp"
#include "store/store.hpp"

namespace imager::store {

class HttpStore final : public Store {
public:

    explicit HttpStore(std::shared_ptr<net::Session> session) : session_(std::move(session)) {}

    [[nodiscard]] std::string describe(const std::string& name) const override { return session_->describe(name); }
    [[nodiscard]] Result<std::unique_ptr<ObjectWriter>> create(const std::string& name) override;
    [[nodiscard]] Result<std::unique_ptr<ObjectReader>> open(const std::string& name) const override;
    [[nodiscard]] Result<bool> exists(const std::string& name) const override;
    [[nodiscard]] Result<std::vector<ObjectInfo>> list(const std::string& dir) const override;
    [[nodiscard]] Status remove(const std::string& name) override;

private:
    std::shared_ptr<net::Session> session_;
};

}  // namespace imager::store
