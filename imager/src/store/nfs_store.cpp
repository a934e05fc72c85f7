#include "store/nfs_store.hpp"

#include "store/network_limits.hpp"
#include "store/read_ahead.hpp"
#include "store/resolve.hpp"
#include "store/streaming_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>  // libnfs.h uses struct timeval without including it
#include <unistd.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw-nfs.h>  // NF3REG

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace imager::store {

namespace {

// Why libnfs failed: its -errno and its words.
struct Failure {
    int rc = -EIO;
    std::string detail;
};

// A connection that broke or could not be made: worth a new one after a wait.
bool transient(int rc) {
    switch (-rc) {
    case ECONNREFUSED:
    case ECONNRESET:
    case ECONNABORTED:
    case ENOTCONN:
    case EPIPE:
    case EIO:  // libnfs's word for a connection that failed under a call
        return true;
    default: return false;
    }
}

// The options an nfs:// address may carry, as libnfs's URL arguments.
Result<std::string> libnfs_options(const StoreUrl& url) {
    std::string options;
    if (!url.port.empty()) options = "nfsport=" + url.port;
    for (const auto& [key, value] : url.options()) {
        const bool number = !value.empty() && value.size() <= 10 && std::ranges::all_of(value, ::isdigit);
        if (key == "version" && value == "3") continue;
        if (key == "version")  // "4" never comes here: location.cpp gives it to nfs4_store
            return std::unexpected(make_error(Errc::unsupported, "NFS version " + value + " is not supported",
                                              "Lifeboat speaks NFSv3 and NFSv4: ?version=3 or ?version=4, or leave it out"));
        if ((key == "mountport" || key == "uid" || key == "gid") && number) {
            options += (options.empty() ? "" : "&") + key + "=" + value;
            continue;
        }
        return std::unexpected(make_error(Errc::invalid_argument, "the nfs:// address has an option Lifeboat does not know: " + key +
                                              (value.empty() ? "" : "=" + value),
                                          "the options are mountport=N, uid=N and gid=N (docs/STORES.md)"));
    }
    return options;
}

}  // namespace

// One connection: a libnfs context with the export mounted, and the files it
// has opened for reading, by their path in the export and file id (a name
// replaced since is another file). libnfs's calls on one context are
// not thread-safe: a connection serves one thread at a time.
struct NfsLink {
    nfs_context* nfs = nullptr;
    std::map<std::pair<std::string, std::uint64_t>, nfsfh*> files;
    bool broken = false;  // a call on it failed as a broken connection does

    NfsLink() : nfs(nfs_init_context()) {}
    ~NfsLink() {
        if (nfs == nullptr) return;
        if (broken) {
            // Destroying such a context can crash in libnfs (Debian 12's
            // 4.0.0: rpc_free_pdu while it purges the calls that timed out,
            // seen when the server was killed mid-capture): its socket is
            // closed and the rest kept, reachable, until the process ends:
            // one per broken connection, each a few retries apart.
            static std::mutex graveyard_mutex;
            static std::vector<nfs_context*> graveyard;
            if (const int fd = nfs_get_fd(nfs); fd >= 0) ::close(fd);
            std::lock_guard lock(graveyard_mutex);
            graveyard.push_back(nfs);
            return;
        }
        for (auto& [file, fh] : files) nfs_close(nfs, fh);
        nfs_destroy_context(nfs);
    }
    NfsLink(const NfsLink&) = delete;
    NfsLink& operator=(const NfsLink&) = delete;

    [[nodiscard]] std::string error() const {
        const char* e = nfs_get_error(nfs);
        return e != nullptr && *e != '\0' ? e : "no reason given";
    }
};

class NfsMount {
public:
    NfsMount(StoreUrl url, std::string address, std::string options)
        : url_(std::move(url)), address_(std::move(address)), options_(std::move(options)), owner_(::getpid()) {}

    [[nodiscard]] std::string describe(const std::string& name) const {
        return url_.origin() + (name.starts_with('/') ? "" : "/") + name;
    }

    // The object's path inside the export: "/srv/images/pc.lbi" -> "/pc.lbi".
    [[nodiscard]] std::string inside(const std::string& name) const {
        if (exported_ == "/") return name;
        return name.size() > exported_.size() ? name.substr(exported_.size()) : "/";
    }

    // A new connection with `exported` mounted.
    [[nodiscard]] std::expected<std::unique_ptr<NfsLink>, Failure> connect(const std::string& exported) const {
        auto link = std::make_unique<NfsLink>();
        if (link->nfs == nullptr) return std::unexpected(Failure{-ENOMEM, "libnfs could not start"});
        nfs_set_timeout(link->nfs, static_cast<int>(net::kStallSeconds * 1000));
        nfs_set_tcp_syncnt(link->nfs, 4);     // about 15 s to connect (net::kConnectSeconds)
        nfs_set_autoreconnect(link->nfs, 0);  // a broken connection fails the call: call() retries it, bounded
        nfs_set_dircache(link->nfs, 0);       // list() shows what another machine wrote a moment ago
        if (!options_.empty()) {
            nfs_url* parsed = nfs_parse_url_dir(link->nfs, ("nfs://" + address_ + "/?" + options_).c_str());
            if (parsed == nullptr) return std::unexpected(Failure{-EINVAL, link->error()});
            nfs_destroy_url(parsed);
        }
        if (const int rc = nfs_mount(link->nfs, address_.c_str(), exported.c_str()); rc != 0)
            return std::unexpected(Failure{rc, link->error()});
        return link;
    }

    void set_export(std::string exported) { exported_ = std::move(exported); }

    // Runs `op` on `link` (a new connection when empty); a connection that
    // broke is replaced and `op` run again after 1, 2 and 4 s. `op` returns
    // libnfs's result: >= 0 done, -errno failed.
    Result<int> call(std::unique_ptr<NfsLink>& link, const std::string& what,
                     const std::function<int(NfsLink&)>& op) const {
        for (int attempt = 1;; ++attempt) {
            Failure failed;
            if (!link) {
                auto fresh = connect(exported_);
                if (fresh) link = std::move(*fresh);
                else failed = fresh.error();
            }
            if (link) {
                const int rc = op(*link);
                if (rc >= 0) return rc;
                failed = {rc, link->error()};
            }
            if (transient(failed.rc) && link) {  // broken: never back into the pool
                link->broken = true;
                link.reset();
            }
            if (attempt >= net::kAttempts || !transient(failed.rc)) return std::unexpected(error(failed, what));
            std::this_thread::sleep_for(std::chrono::seconds(1 << (attempt - 1)));
        }
    }

    // call() on a connection from the pool, which takes it back unless it broke.
    Result<int> pooled(const std::string& what, const std::function<int(NfsLink&)>& op) const {
        std::unique_ptr<NfsLink> link;
        {
            std::lock_guard lock(mutex_);
            if (!idle_.empty() && ::getpid() == owner_) {
                link = std::move(idle_.back());
                idle_.pop_back();
            }
        }
        auto done = call(link, what, op);
        if (link) keep(std::move(link));
        return done;
    }

    // A connection back into the pool. A forked child (a test's killed
    // writer) shares its parent's sockets: it neither takes nor gives them.
    void keep(std::unique_ptr<NfsLink> link) const {
        if (::getpid() != owner_) return;
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(link));
    }

    [[nodiscard]] Error error(const Failure& f, const std::string& what) const {
        const std::string server = url_.host + (url_.port.empty() ? "" : ":" + url_.port);
        Error e;
        switch (-f.rc) {
        case ENOENT: e = make_error(Errc::not_found, what + ": not found on the server"); break;
        case EACCES:
        case EPERM:
            e = make_error(Errc::permission, what + ": the server refuses it (" + f.detail + ")",
                           "the export must let this machine in and its user write there (root is often "
                           "squashed to nobody): ask for no_root_squash, or add ?uid=N&gid=N of a user who "
                           "may (docs/STORES.md)");
            break;
        case ENOSPC:
        case EDQUOT: e = make_error(Errc::no_space, what + ": the server is out of space"); break;
        case ETIMEDOUT:
        case EINTR:  // libnfs cancels a call that timed out
            e = make_error(Errc::io, what + ": " + server + " stopped answering for " +
                                         std::to_string(net::kStallSeconds) + " s",
                           "check the server and the network, then run the command again");
            break;
        case ESTALE:
            e = make_error(Errc::damaged_image, what + ": the file changed on the server while it was read",
                           "something replaced or removed the image on the server; run the command again, or use "
                           "another copy");
            break;
        default:
            if (transient(f.rc))
                e = make_error(Errc::io, what + ": " + server + " cannot be reached, refused or broke the connection (" +
                                             f.detail + ")",
                               "check the server's address, that its NFS service and portmapper (rpcbind) run, and "
                               "the network; then run the command again");
            else e = make_error(Errc::io, what + ": " + f.detail);
        }
        e.sys_errno = -f.rc;
        return e;
    }

private:
    StoreUrl url_;
    std::string address_;
    std::string options_;
    std::string exported_ = "/";
    pid_t owner_;
    mutable std::mutex mutex_;
    mutable std::vector<std::unique_ptr<NfsLink>> idle_;
};

namespace {

// Writes all of `data` at `offset`; libnfs may write less per call.
int write_all(NfsLink& link, nfsfh* fh, std::uint64_t offset, std::span<const std::byte> data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const int n = nfs_pwrite(link.nfs, fh, offset + done, data.size() - done, data.data() + done);
        if (n < 0) return n;
        if (n == 0) return -EIO;
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

// Uploads on a thread of its own (streaming_writer.hpp): the capture goes on
// compressing while the server takes the bytes before.
class NfsWriter final : public StreamingWriter {
public:
    NfsWriter(std::shared_ptr<NfsMount> mount, std::string name)
        : StreamingWriter("write " + mount->describe(name + kPartialSuffix)),
          mount_(std::move(mount)), name_(std::move(name)), partial_(name_ + kPartialSuffix) {}
    ~NfsWriter() override { stop(); }

    // Creates NAME.partial, empty, in place of what a writer that died left;
    // then the upload starts.
    Status begin() {
        auto made = mount_->call(link_, "create " + mount_->describe(partial_), [&](NfsLink& l) {
            return nfs_create(l.nfs, mount_->inside(partial_).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644, &fh_);
        });
        if (!made) return std::unexpected(made.error());
        start();
        return {};
    }

private:
    Status transfer() override {
        const std::string what = "write " + mount_->describe(partial_);
        std::vector<std::byte> piece(kPiece);
        for (;;) {
            const auto n = next(piece);
            if (!n) return std::unexpected(make_error(Errc::cancelled, what + ": cancelled"));
            if (*n == 0) break;
            auto written = mount_->call(link_, what, [&](NfsLink& l) {
                int rc = reopen(l);
                if (rc == 0) rc = write_all(l, fh_, size_, std::span(piece).first(*n));
                if (rc != 0 && transient(rc)) fh_ = nullptr;  // belongs to the connection call() drops
                return rc;
            });
            if (!written) return std::unexpected(written.error());
            size_ += *n;
        }
        std::uint64_t on_server = size_;
        const std::string to_disk = what + " to the server's disk";
        auto synced = mount_->call(link_, to_disk, [&](NfsLink& l) {
            int rc = reopen(l);
            if (rc == 0) rc = nfs_fsync(l.nfs, fh_);
            struct nfs_stat_64 st {};
            if (rc == 0) rc = nfs_fstat64(l.nfs, fh_, &st);
            if (rc != 0 && transient(rc)) fh_ = nullptr;
            on_server = st.nfs_size;
            return rc;
        });
        if (!synced) return std::unexpected(synced.error());
        // What a server holds after a lost connection may be less than was sent.
        if (on_server != size_)
            return std::unexpected(make_error(Errc::io, to_disk + ": it holds " + std::to_string(on_server) + " of the " +
                                                            std::to_string(size_) + " bytes written",
                                              "the server lost writes; check it and capture again"));
        return {};
    }

    Status publish() override {
        close_file();
        auto renamed = mount_->call(link_, "rename " + mount_->describe(partial_) + " to its name", [&](NfsLink& l) {
            return nfs_rename(l.nfs, mount_->inside(partial_).c_str(), mount_->inside(name_).c_str());
        });
        if (!renamed) return std::unexpected(renamed.error());
        if (link_) mount_->keep(std::move(link_));
        return {};
    }

    void discard() noexcept override {
        close_file();
        // Best effort: the next create() of the name removes it too.
        (void)mount_->call(link_, "remove " + mount_->describe(partial_),
                           [&](NfsLink& l) { return nfs_unlink(l.nfs, mount_->inside(partial_).c_str()); });
    }

    // On a new connection, the file again by its name.
    int reopen(NfsLink& l) {
        if (fh_ != nullptr) return 0;
        return nfs_open(l.nfs, mount_->inside(partial_).c_str(), O_WRONLY, &fh_);
    }

    void close_file() noexcept {
        if (fh_ != nullptr && link_) nfs_close(link_->nfs, fh_);
        fh_ = nullptr;
    }

    static constexpr std::size_t kPiece = 4u << 20;  // libnfs sends it as WRITEs of the server's size, at once
    std::shared_ptr<NfsMount> mount_;
    std::string name_;
    std::string partial_;
    std::unique_ptr<NfsLink> link_;  // this writer's own connection: the file is open on it
    nfsfh* fh_ = nullptr;
    std::uint64_t size_ = 0;
};

class NfsReader final : public ObjectReader {
public:
    NfsReader(std::shared_ptr<const NfsMount> mount, std::string name, std::uint64_t size, std::uint64_t file_id)
        : mount_(std::move(mount)), name_(std::move(name)), size_(size), file_id_(file_id) {}

    std::uint64_t size() const override { return size_; }

    Status read_at(std::uint64_t offset, std::span<std::byte> buffer) const override {
        const std::string where = mount_->describe(name_);
        if (offset > size_ || buffer.size() > size_ - offset)
            return std::unexpected(make_error(Errc::damaged_image, where + " is shorter than its image says",
                                              "the file on the server was cut short; use another copy"));
        if (buffer.empty()) return {};
        const std::string path = mount_->inside(name_);
        bool short_read = false;
        auto done = mount_->pooled("read " + where + " at byte " + std::to_string(offset), [&](NfsLink& l) {
            nfsfh*& fh = l.files[{path, file_id_}];
            if (fh == nullptr) {
                nfsfh* opened = nullptr;
                if (const int rc = nfs_open(l.nfs, path.c_str(), O_RDONLY, &opened); rc != 0) {
                    l.files.erase({path, file_id_});
                    return rc == -ENOENT ? -ESTALE : rc;  // it was there at open
                }
                struct nfs_stat_64 st {};
                int rc = nfs_fstat64(l.nfs, opened, &st);
                if (rc == 0 && st.nfs_ino != file_id_) rc = -ESTALE;  // another file under the name now
                if (rc != 0) {
                    nfs_close(l.nfs, opened);
                    l.files.erase({path, file_id_});
                    return rc;
                }
                fh = opened;
            }
            std::size_t got = 0;
            while (got < buffer.size()) {
                const int n = nfs_pread(l.nfs, fh, offset + got, buffer.size() - got, buffer.data() + got);
                if (n < 0) return n;
                if (n == 0) {
                    short_read = true;
                    break;
                }
                got += static_cast<std::size_t>(n);
            }
            return 0;
        });
        if (!done) return std::unexpected(done.error());
        if (short_read)
            return std::unexpected(make_error(Errc::damaged_image, where + " is shorter than its image says",
                                              "the file on the server was cut short; use another copy"));
        return {};
    }

private:
    std::shared_ptr<const NfsMount> mount_;
    std::string name_;
    std::uint64_t size_;
    std::uint64_t file_id_;
};

// NFS's stat of an object's path; the link's error on failure.
int stat_path(NfsLink& l, const std::string& path, struct nfs_stat_64& st) {
    return nfs_stat64(l.nfs, path.c_str(), &st);
}

}  // namespace

Result<std::shared_ptr<NfsStore>> NfsStore::mount(const StoreUrl& url) {
    auto options = libnfs_options(url);
    if (!options) return std::unexpected(options.error());
    auto address = numeric_address(url.host);
    if (!address) return std::unexpected(address.error());
    auto m = std::make_shared<NfsMount>(url, *address, *options);
    // The export is the image's folder or one above it: the deepest the server mounts.
    std::string folder = url.path.ends_with('/') ? url.path : folder_of(url.path);
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    const std::string what = "mount the export that holds " + m->describe(folder);
    for (std::string candidate = folder;; candidate = folder_of(candidate)) {
        auto link = m->connect(candidate);
        if (link) {
            m->set_export(candidate);
            m->keep(std::move(*link));
            return std::make_shared<NfsStore>(m);
        }
        // The MOUNT service refuses what is not exported (ENOENT, EACCES): try the folder above.
        const int err = -link.error().rc;
        if (err != ENOENT && err != EACCES && err != EPERM && err != EINVAL) return std::unexpected(m->error(link.error(), what));
        if (candidate == "/")
            return std::unexpected(make_error(
                Errc::not_found,
                what + ": " + url.host + " exports no folder that holds it to this machine (" + link.error().detail + ")",
                "`showmount -e " + url.host + "` lists its exports and whom they let in; write the image's address "
                "as nfs://" + url.host + "/EXPORT/path/image.lbi"));
    }
}

std::string NfsStore::describe(const std::string& name) const { return mount_->describe(name); }

Result<std::unique_ptr<ObjectWriter>> NfsStore::create(const std::string& name) {
    const std::string folder = folder_of(name);
    struct nfs_stat_64 st {};
    auto there = mount_->pooled("look at " + describe(folder), [&](NfsLink& l) { return stat_path(l, mount_->inside(folder), st); });
    if (!there) {
        Error e = there.error();
        if (e.code == Errc::not_found)
            e = make_error(Errc::not_found, "write " + describe(name) + ": the folder " + describe(folder) +
                                                " does not exist on the server",
                           "create it first, or choose another folder");
        return std::unexpected(e);
    }
    auto writer = std::make_unique<NfsWriter>(mount_, name);
    if (auto started = writer->begin(); !started) return std::unexpected(started.error());
    return writer;
}

Result<std::unique_ptr<ObjectReader>> NfsStore::open(const std::string& name) const {
    struct nfs_stat_64 st {};
    auto done = mount_->pooled("open " + describe(name), [&](NfsLink& l) { return stat_path(l, mount_->inside(name), st); });
    if (!done) return std::unexpected(done.error());
    if (!S_ISREG(st.nfs_mode))
        return std::unexpected(make_error(Errc::invalid_argument, describe(name) + " is not a regular file"));
    return std::make_unique<ReadAheadReader>(std::make_unique<NfsReader>(mount_, name, st.nfs_size, st.nfs_ino));
}

Result<bool> NfsStore::exists(const std::string& name) const {
    struct nfs_stat_64 st {};
    auto done = mount_->pooled("look for " + describe(name), [&](NfsLink& l) { return stat_path(l, mount_->inside(name), st); });
    if (done) return true;
    if (done.error().code == Errc::not_found) return false;
    return std::unexpected(done.error());
}

Result<std::vector<ObjectInfo>> NfsStore::list(const std::string& dir) const {
    std::string folder = dir;
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    std::vector<ObjectInfo> objects;
    auto done = mount_->pooled("list " + describe(folder), [&](NfsLink& l) {
        objects.clear();
        nfsdir* d = nullptr;
        if (const int rc = nfs_opendir(l.nfs, mount_->inside(folder).c_str(), &d); rc != 0) return rc;
        while (nfsdirent* e = nfs_readdir(l.nfs, d)) {
            const std::string entry = e->name;
            if (e->type != NF3REG || entry.ends_with(kPartialSuffix)) continue;
            objects.push_back({(folder == "/" ? "" : folder) + "/" + entry, e->size});
        }
        nfs_closedir(l.nfs, d);
        return 0;
    });
    if (!done) return std::unexpected(done.error());
    std::ranges::sort(objects, {}, &ObjectInfo::name);
    return objects;
}

Status NfsStore::remove(const std::string& name) {
    auto done = mount_->pooled("remove " + describe(name), [&](NfsLink& l) {
        const int rc = nfs_unlink(l.nfs, mount_->inside(name).c_str());
        return rc == -ENOENT ? 0 : rc;
    });
    if (!done) return std::unexpected(done.error());
    return {};
}

}  // namespace imager::store
