#include "store/smb_store.hpp"

#include "store/access.hpp"
#include "store/local_store.hpp"
#include "store/resolve.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace imager::store {

namespace {

constexpr const char* kMountBase = "/run/lifeboat/smb";

// A value in the kernel's option string: a ',' is written twice there.
std::string option_value(const std::string& value) {
    std::string out;
    for (char c : value) {
        out += c;
        if (c == ',') out += ',';
    }
    return out;
}

// The share mounted at root/SHARE, and the local store of root, whose names
// are then the URL's paths ("/office/images/pc.lbi").
struct MountedShare {
    std::string root;
    std::string point;
    LocalStore files;

    MountedShare(std::string r, std::string p, const std::string& origin)
        : root(std::move(r)), point(std::move(p)), files(root, origin) {}
    ~MountedShare() {
        ::umount2(point.c_str(), MNT_DETACH);
        ::rmdir(point.c_str());
        ::rmdir(root.c_str());
    }
    MountedShare(const MountedShare&) = delete;
    MountedShare& operator=(const MountedShare&) = delete;
};

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

    std::error_code ec;
    std::filesystem::create_directories(kMountBase, ec);
    std::string root = std::string(kMountBase) + "/XXXXXX";
    if (::mkdtemp(root.data()) == nullptr || ::mkdir((root + share).c_str(), 0700) != 0) {
        const int err = errno;
        ::rmdir(root.c_str());
        return std::unexpected(sys_error("make a folder to mount " + url.origin() + share + " on", err));
    }
    const std::string point = root + share;

    const std::string what = "mount " + url.origin() + share;
    const std::string source = "//" + *address + share;
    std::string base = "ip=" + *address + ",uid=0,gid=0,file_mode=0644,dir_mode=0755,nobrl,soft,echo_interval=10";
    if (!url.port.empty()) base += ",port=" + url.port;
    if (!url.domain.empty()) base += ",domain=" + url.domain;
    base += credentials->user.empty() ? ",guest" : ",username=" + credentials->user;
    bool asked = false;
    for (;;) {
        std::string options = base;
        if (!credentials->password.empty()) options += ",password=" + option_value(credentials->password);
        const int err = ::mount(source.c_str(), point.c_str(), "cifs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options.c_str()) == 0 ? 0 : errno;
        std::fill(options.begin(), options.end(), '\0');  // the password: in memory no longer than needed
        if (err == 0) break;
        if ((err == EACCES || err == EPERM) && !asked && credentials->password.empty() && access().ask_password) {
            asked = true;
            const std::string who = (credentials->user.empty() ? std::string() : credentials->user + " at ") + url.origin() + share;
            if (auto answer = access().ask_password("Password for " + who + ": ")) {
                credentials->password = std::move(*answer);
                continue;
            }
        }
        ::rmdir(point.c_str());
        ::rmdir(root.c_str());
        const std::string server = url.host + (url.port.empty() ? "" : ":" + url.port);
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
        case EHOSTDOWN:
        case EHOSTUNREACH:
        case ENETUNREACH:
        case ECONNREFUSED:
        case ETIMEDOUT:
            return std::unexpected(make_error(Errc::io, what + ": " + server + " cannot be reached or refused the connection",
                                              "check the server's address, that it shares files (SMB 2 or 3, port 445), and the network"));
        default: return std::unexpected(sys_error(what, err));
        }
    }
    auto mounted = std::make_shared<MountedShare>(root, point, url.origin());
    return std::shared_ptr<Store>(mounted, &mounted->files);  // the mount lives as long as the store
}

}  // namespace imager::store
