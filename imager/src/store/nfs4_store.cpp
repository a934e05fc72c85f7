#include "store/nfs4_store.hpp"

#include "store/kernel_mount.hpp"
#include "store/resolve.hpp"

#include <algorithm>
#include <cerrno>
#include <vector>

namespace imager::store {

namespace {

// The minor versions to try, newest first: ?version=4 lets the server choose.
Result<std::vector<std::string>> versions_asked(const StoreUrl& url) {
    std::vector<std::string> versions{"4.2", "4.1", "4.0"};
    for (const auto& [key, value] : url.options()) {
        if (key == "version" && value == "4") continue;
        if (key == "version" && (value == "4.0" || value == "4.1" || value == "4.2")) {
            versions = {value};
            continue;
        }
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "the nfs:// address has an option NFSv4 does not take here: " + key +
                                              (value.empty() ? "" : "=" + value),
                                          "with NFSv4 (the kernel's client) Lifeboat writes as root; mountport, uid and "
                                          "gid are NFSv3's (docs/STORES.md)"));
    }
    return versions;
}

}  // namespace

bool asks_for_nfs4(const StoreUrl& url) {
    return std::ranges::any_of(url.options(), [](const auto& o) { return o.first == "version" && o.second.starts_with('4'); });
}

Result<std::shared_ptr<Store>> mount_nfs4(const StoreUrl& url) {
    auto versions = versions_asked(url);
    if (!versions) return std::unexpected(versions.error());
    auto address = numeric_address(url.host);
    if (!address) return std::unexpected(address.error());
    const bool v6 = address->find(':') != std::string::npos;
    const std::string server = url.host + (url.port.empty() ? "" : ":" + url.port);
    const std::string what = "mount " + url.origin() + " (NFSv4)";

    // soft, timeo=30, retrans=2: a call the server leaves unanswered fails
    // after 3 + 6 + 9 s (TCP's timeouts grow by timeo). A capture whose server
    // vanished fails after about two such calls (46 s measured,
    // tests/boot/nfs_store.sh), within the 60 s it may take.
    std::string base = "addr=" + *address + ",proto=" + (v6 ? "tcp6" : "tcp") + ",soft,timeo=30,retrans=2";
    if (!url.port.empty()) base += ",port=" + url.port;
    int err = 0;
    for (const std::string& version : *versions) {
        auto mounted = mount_store({(v6 ? "[" + *address + "]" : *address) + ":/", "nfs4", "vers=" + version + "," + base, "", url.origin()});
        if (mounted) return std::move(*mounted);
        err = mounted.error();
        if (err != EPROTONOSUPPORT && err != EINVAL) break;  // another minor version may do
    }
    if (unreachable(err))
        return std::unexpected(make_error(Errc::io, what + ": " + server + " cannot be reached or refused the connection",
                                          "check the server's address, that it serves NFS (port 2049), and the network"));
    switch (err) {
    case ENODEV:
        return std::unexpected(make_error(Errc::unsupported, what + ": this system's kernel has no NFSv4 client",
                                          "boot the Lifeboat media (its kernel has it), or use NFSv3 (leave out ?version=4), "
                                          "which Lifeboat speaks by itself"));
    case EPROTONOSUPPORT:
    case EINVAL:
        return std::unexpected(make_error(Errc::unsupported, what + ": " + server + " does not serve NFS version " + versions->back(),
                                          "leave out ?version= to let Lifeboat find a version the server serves"));
    case EACCES:
    case EPERM:
        return std::unexpected(make_error(Errc::permission, what + ": " + server + " refuses this machine",
                                          "the server's export list must let this machine's address in"));
    default: return std::unexpected(sys_error(what, err));
    }
}

}  // namespace imager::store
