// The store of an SSH server's files over SFTP (store.hpp), through libcurl
// and libssh2: ssh://user@host[:port]/path/pc.lbi. The server's host key is
// checked against --host-key (or a person's yes in a terminal): an unknown or
// changed key is refused, never skipped. A new object is uploaded as
// NAME.partial and renamed onto NAME on commit; SFTP version 3 (OpenSSH)
// cannot rename over a file, so an older NAME is removed just before: a
// reader in that instant finds no object rather than a mixed one. Reads ask
// for one range each, then the file's size and modification time (SFTP 3 has
// no file identity and whole seconds only): a file replaced since open fails
// the read, unless the new one has the same size and second, which the
// image's chunk checks then catch as damage.
#pragma once

#include "store/curl_session.hpp"
#include "store/store.hpp"

namespace imager::store {

class SftpStore final : public Store {
public:

    explicit SftpStore(std::shared_ptr<net::Session> session) : session_(std::move(session)) {}

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
