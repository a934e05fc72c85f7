#include "store/kernel_mount.hpp"

#include "store/local_store.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace imager::store {

namespace {

constexpr const char* kMountBase = "/run/lifeboat/mounts";

// The filesystem mounted at root + at, and the local store of root.
struct Mounted {
    std::string root;
    std::string point;
    LocalStore files;

    Mounted(std::string r, std::string p, const std::string& shown) : root(std::move(r)), point(std::move(p)), files(root, shown) {}
    ~Mounted() {
        ::umount2(point.c_str(), MNT_DETACH);
        if (point != root) ::rmdir(point.c_str());
        ::rmdir(root.c_str());
    }
    Mounted(const Mounted&) = delete;
    Mounted& operator=(const Mounted&) = delete;
};

}  // namespace

std::expected<std::shared_ptr<Store>, int> mount_store(const KernelMount& m) {
    std::error_code ec;
    std::filesystem::create_directories(kMountBase, ec);
    std::string root = std::string(kMountBase) + "/XXXXXX";
    if (::mkdtemp(root.data()) == nullptr) return std::unexpected(errno);
    const std::string point = root + m.at;
    int err = point != root && ::mkdir(point.c_str(), 0700) != 0 ? errno : 0;
    if (err == 0 && ::mount(m.source.c_str(), point.c_str(), m.type.c_str(), MS_NOSUID | MS_NODEV | MS_NOEXEC, m.options.c_str()) != 0)
        err = errno;
    if (err != 0) {
        if (point != root) ::rmdir(point.c_str());
        ::rmdir(root.c_str());
        return std::unexpected(err);
    }
    auto mounted = std::make_shared<Mounted>(root, point, m.shown);
    return std::shared_ptr<Store>(mounted, &mounted->files);  // the mount lives as long as the store
}

bool unreachable(int err) {
    return err == EHOSTDOWN || err == EHOSTUNREACH || err == ENETUNREACH || err == ECONNREFUSED || err == ETIMEDOUT;
}

}  // namespace imager::store
