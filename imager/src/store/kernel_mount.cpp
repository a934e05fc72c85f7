#include "store/kernel_mount.hpp"

#include "io/external_tool.hpp"
#include "store/local_store.hpp"

#include <cerrno>

namespace imager::store {

namespace {

// The share mounted, and the local store of the folder it is mounted in.
struct Mounted {
    io::TemporaryMount mount;
    LocalStore files;
    Mounted(io::TemporaryMount m, const std::string& shown) : mount(std::move(m)), files(mount.root(), shown) {}
};

}  // namespace

std::expected<std::shared_ptr<Store>, int> mount_store(const KernelMount& m) {
    auto mount = io::TemporaryMount::mount(m.source, m.type, m.options, m.at);
    if (!mount) return std::unexpected(mount.error().sys_errno);
    auto mounted = std::make_shared<Mounted>(std::move(*mount), m.shown);
    return std::shared_ptr<Store>(mounted, &mounted->files);  // the mount lives as long as the store
}

bool unreachable(int err) {
    return err == EHOSTDOWN || err == EHOSTUNREACH || err == ENETUNREACH || err == ECONNREFUSED || err == ETIMEDOUT;
}

}  // namespace imager::store
