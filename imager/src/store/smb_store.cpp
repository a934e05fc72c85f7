#include "store/smb_store.hpp"

#include "store/access.hpp"
#include "store/kernel_mount.hpp"
#include "store/resolve.hpp"

#include <cerrno>
#include <cstring>

namespace imager::store {

namespace {

// A value in the kernel's option string: a ',' is written twice there.
std::string option_value(const std::string& value) {
    std::string out;
    for (char c : value) {
        out += c;
        if (c == ',') out += ',';
    }
    return out;
}

}  // namespace

Result<std::shared_ptr<Store>> mount_smb_share(const StoreUrl& url) {
    const auto second = url.path.find('/', 1);
    const std::string share = url.path.substr(0, second);
    if (share.size() < 2)
        return std::unexpected(make_error(Errc::invalid_argument, "an smb:// address names a share: smb://USER@" + url.host + "/SHARE/path/pc.lbi",
                                          "write the share's name first, as Windows shows \\\\" + url.host + "\\SHARE"));
    auto credentials = credentials_for(url);
    if (!credentials) return std::unexpected(credentials.error());
    for (const std::string& v : {credentials->user, url.domain})
        if (v.find_first_of(",=") != std::string::npos)
            return std::unexpected(make_error(Errc::invalid_argument, "a user or domain name with ',' or '=' cannot be given to the kernel's SMB client"));
    auto address = numeric_address(url.host);
    if (!address) return std::unexpected(address.error());

    const std::string what = "mount " + url.origin() + share;
    const std::string source = "//" + *address + share;
    // cache=none: every write reaches the server before it returns, so a
    // server that vanishes fails the capture within soft's wait (about 10 s),
    // not when a cache written back long after reports it; Lifeboat reads
    // and writes in big blocks and needs no cache of the kernel's.
    std::string base = "ip=" + *address + ",uid=0,gid=0,file_mode=0644,dir_mode=0755,nobrl,soft,echo_interval=10,cache=none";
    if (!url.port.empty()) base += ",port=" + url.port;
    if (!url.domain.empty()) base += ",domain=" + url.domain;
    base += credentials->user.empty() ? ",guest" : ",username=" + credentials->user;
    bool asked = false;
    for (;;) {
        KernelMount share_mount{source, "cifs", base, share, url.origin()};
        if (!credentials->password.empty()) share_mount.options += ",password=" + option_value(credentials->password);
        auto mounted = mount_store(share_mount);
        std::fill(share_mount.options.begin(), share_mount.options.end(), '\0');  // the password: in memory no longer than needed
        if (mounted) return std::move(*mounted);
        const int err = mounted.error();
        if ((err == EACCES || err == EPERM) && !asked && credentials->password.empty() && access().ask_password) {
            asked = true;
            const std::string who = (credentials->user.empty() ? std::string() : credentials->user + " at ") + url.origin() + share;
            if (auto answer = access().ask_password("Password for " + who + ": ")) {
                credentials->password = std::move(*answer);
                continue;
            }
        }
        const std::string server = url.host + (url.port.empty() ? "" : ":" + url.port);
        if (unreachable(err))
            return std::unexpected(make_error(Errc::io, what + ": " + server + " cannot be reached or refused the connection",
                                              "check the server's address, that it shares files (SMB 2 or 3, port 445), and the network"));
        switch (err) {
        case EACCES:
        case EPERM:
        case EKEYREJECTED:
            return std::unexpected(make_error(Errc::permission, what + ": " + server + " refused the user name or password",
                                              "check them: --credentials FILE, or LIFEBOAT_USER and LIFEBOAT_PASSWORD (docs/STORES.md)"));
        case ENOENT:
        case ENXIO:
            return std::unexpected(make_error(Errc::not_found, what + ": " + server + " has no share " + share.substr(1),
                                              "the share's name is the first part of the path, as Windows shows \\\\" + url.host + "\\SHARE"));
        case ENODEV:
            return std::unexpected(make_error(Errc::unsupported, what + ": this system's kernel has no SMB client (cifs)",
                                              "boot the Lifeboat media (its kernel has it), or mount the share and give the image's path on it"));
        default: return std::unexpected(sys_error(what, err));
        }
    }
}

}  // namespace imager::store
