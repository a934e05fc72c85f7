#include "store/location.hpp"

#include "store/http_store.hpp"
#include "store/local_store.hpp"
#include "store/nfs4_store.hpp"
#include "store/nfs_store.hpp"
#include "store/s3_store.hpp"
#include "store/sftp_store.hpp"
#include "store/smb_store.hpp"
#include "store/url.hpp"

namespace imager::store {

Result<Location> locate(const std::string& where) {
    if (!looks_like_url(where)) {
        static const auto local = std::make_shared<LocalStore>();
        return Location{local, where, true};
    }
    auto url = parse_url(where);
    if (!url) return std::unexpected(url.error());
    if (url->scheme == "http" || url->scheme == "https") {
        auto session = net::Session::open(*url);
        if (!session) return std::unexpected(session.error());
        return Location{std::make_shared<HttpStore>(std::move(*session)), url->path, false};
    }
    if (url->scheme == "ssh" || url->scheme == "sftp") {
        url->scheme = "ssh";
        if (url->user.empty())
            return std::unexpected(make_error(Errc::invalid_argument, "an ssh:// address needs a user: ssh://USER@" + url->host + "/...",
                                              "write the user the server knows, e.g. ssh://backup@" + url->host + url->path));
        auto session = net::Session::open(*url);
        if (!session) return std::unexpected(session.error());
        return Location{std::make_shared<SftpStore>(std::move(*session)), url->path, false};
    }
    if (url->scheme == "nfs") {
        if (asks_for_nfs4(*url)) {
            auto store = mount_nfs4(*url);
            if (!store) return std::unexpected(store.error());
            return Location{std::move(*store), url->path, false};
        }
        auto store = NfsStore::mount(*url);
        if (store) return Location{std::move(*store), url->path, false};
        // A server that serves only NFSv4 answers no NFSv3 call (no portmapper
        // or MOUNT service): a plain address then goes to the kernel's NFSv4
        // client, whose refusal is said when the server answered it.
        Error v3 = store.error();
        if (v3.code == Errc::io && url->query.empty()) {
            auto v4 = mount_nfs4(*url);
            if (v4) return Location{std::move(*v4), url->path, false};
            if (v4.error().code == Errc::unsupported)
                v3.hint += "; a server that serves only NFSv4 needs the kernel's NFSv4 client, which this system lacks";
            else if (v4.error().code != Errc::io) return std::unexpected(v4.error());
        }
        return std::unexpected(v3);
    }
    if (url->scheme == "smb") {
        auto store = mount_smb_share(*url);
        if (!store) return std::unexpected(store.error());
        return Location{std::move(*store), url->path, false};
    }
    if (url->scheme == "s3") {
        auto store = S3Store::open(*url);
        if (!store) return std::unexpected(store.error());
        return Location{std::move(*store), url->path, false};
    }
    // No credential can leak: only the scheme is repeated.
    return std::unexpected(make_error(Errc::unsupported,
                                      "images on network stores (" + url->scheme + "://) are not supported",
                                      "http://, https://, ssh://, nfs://, smb:// and s3:// are; or mount the share and give "
                                      "the image's path on it, or copy the image to a disk of this machine"));
}

}  // namespace imager::store
