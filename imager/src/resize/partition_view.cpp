#include "resize/partition_view.hpp"

#include "io/block_source.hpp"

#define FUSE_USE_VERSION 35
#include <fuse3/fuse_lowlevel.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace imager::resize {

namespace {

constexpr const char* kFileName = "partition";
constexpr std::size_t kOverflowBlock = 4096;
constexpr std::size_t kChunksCached = 8;  // decompressed chunks kept: a tool reads a chunk in many small pieces

class FuseView final : public PartitionView {
public:
    FuseView(const format::ImageReader& image, std::uint16_t stream, std::optional<TargetWindow> window)
        : image_(image), window_(std::move(window)), pool_(image.header().chunk_size, kChunksCached + 2) {
        size_ = image.manifest().stream(stream)->size;
        std::uint64_t data_records = 0;
        for (std::size_t i = 0; i < image.records().size(); ++i) {
            const auto& r = image.records()[i];
            if (r.stream == stream) records_.push_back({i, data_records});
            data_records += r.kind != format::RecordKind::zeros;
        }
        std::ranges::sort(records_, {}, [&](const Entry& e) { return image.records()[e.index].offset; });
    }

    ~FuseView() override {
        if (session_ != nullptr) {
            // Detaching the mount ends the session: the loop returns when /dev/fuse says so.
            if (mounted_) ::umount2(mountpoint_.c_str(), MNT_DETACH);
            if (loop_.joinable()) loop_.join();
            if (mounted_) fuse_session_unmount(session_);  // unmounted already; frees what the mount kept
            fuse_session_destroy(session_);
        }
        if (!mountpoint_.empty()) ::rmdir(mountpoint_.c_str());
    }

    Status start() {
        if (window_) {
            auto source = io::open_source(window_->target);
            if (!source) return std::unexpected(source.error());
            auto sink = io::open_sink(window_->target);
            if (!sink) return std::unexpected(sink.error());
            target_source_ = std::move(*source);
            target_sink_ = std::move(*sink);
        }
        ::mkdir("/run/lifeboat", 0755);
        char dir[] = "/run/lifeboat/view.XXXXXX";
        if (::mkdtemp(dir) == nullptr) return std::unexpected(sys_error("make a folder in /run/lifeboat", errno));
        mountpoint_ = dir;
        path_ = mountpoint_ + "/" + kFileName;
        static const fuse_lowlevel_ops ops = operations();
        // Only root (this process's tools) may use it; the kernel checks permissions by mode.
        const char* argv[] = {"lifeboat", "-o", "default_permissions,fsname=lifeboat-view,subtype=lifeboat", nullptr};
        fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
        session_ = fuse_session_new(&args, &ops, sizeof ops, this);
        fuse_opt_free_args(&args);
        if (session_ == nullptr) return std::unexpected(make_error(Errc::io, "cannot start the partition view (FUSE)"));
        if (fuse_session_mount(session_, mountpoint_.c_str()) != 0)
            return std::unexpected(make_error(Errc::io, "cannot mount the partition view at " + mountpoint_,
                                              "the rescue system needs /dev/fuse (modprobe fuse)"));
        mounted_ = true;
        // One thread: the tools read and write one request at a time, and the state needs no lock.
        loop_ = std::thread([se = session_] { fuse_session_loop(se); });
        return {};
    }

    [[nodiscard]] const std::string& path() const override { return path_; }
    [[nodiscard]] std::uint64_t overflow_bytes() const override { return overflow_blocks_ * kOverflowBlock; }
    [[nodiscard]] std::optional<Error> failure() const override {
        const std::lock_guard lock(failure_mutex_);
        return failure_;
    }

private:
    struct Entry {
        std::size_t index;       // in the image's records
        std::uint64_t number;    // its chunk number, for people
    };
    struct Cached {
        std::size_t index;
        format::Buffer data;
    };

    static constexpr fuse_ino_t kFileInode = 2;  // the root folder is FUSE_ROOT_ID (1)
    static FuseView& self(fuse_req_t req) { return *static_cast<FuseView*>(fuse_req_userdata(req)); }

    [[nodiscard]] struct stat attributes(fuse_ino_t ino) const {
        struct stat st {};
        st.st_ino = ino;
        if (ino == FUSE_ROOT_ID) {
            st.st_mode = S_IFDIR | 0700;
            st.st_nlink = 2;
        } else {
            st.st_mode = S_IFREG | 0600;
            st.st_nlink = 1;
            st.st_size = static_cast<off_t>(size_);
        }
        return st;
    }

    static fuse_lowlevel_ops operations() {
        fuse_lowlevel_ops ops{};
        ops.lookup = [](fuse_req_t req, fuse_ino_t parent, const char* name) {
            if (parent != FUSE_ROOT_ID || std::strcmp(name, kFileName) != 0) {
                fuse_reply_err(req, ENOENT);
                return;
            }
            fuse_entry_param e{};
            e.ino = kFileInode;
            e.attr = self(req).attributes(kFileInode);
            fuse_reply_entry(req, &e);
        };
        ops.getattr = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
            const struct stat st = self(req).attributes(ino);
            fuse_reply_attr(req, &st, 0);
        };
        // A tool may set the file's size to what it is; the view never changes size.
        ops.setattr = [](fuse_req_t req, fuse_ino_t ino, struct stat* wanted, int to_set, fuse_file_info*) {
            if ((to_set & FUSE_SET_ATTR_SIZE) && static_cast<std::uint64_t>(wanted->st_size) != self(req).size_) {
                fuse_reply_err(req, EPERM);
                return;
            }
            const struct stat st = self(req).attributes(ino);
            fuse_reply_attr(req, &st, 0);
        };
        ops.open = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
            if (ino != kFileInode) {
                fuse_reply_err(req, EISDIR);
                return;
            }
            fi->direct_io = 1;  // every read and write reaches this process, none is cached twice
            fuse_reply_open(req, fi);
        };
        ops.read = [](fuse_req_t req, fuse_ino_t, std::size_t size, off_t off, fuse_file_info*) {
            auto& view = self(req);
            view.reply_.resize(size);  // one request at a time: one buffer, kept
            const int n = view.read(view.reply_.data(), size, static_cast<std::uint64_t>(off));
            if (n < 0) fuse_reply_err(req, -n);
            else fuse_reply_buf(req, reinterpret_cast<const char*>(view.reply_.data()), static_cast<std::size_t>(n));
        };
        ops.write = [](fuse_req_t req, fuse_ino_t, const char* buf, std::size_t size, off_t off, fuse_file_info*) {
            const int n = self(req).write(reinterpret_cast<const std::byte*>(buf), size, static_cast<std::uint64_t>(off));
            if (n < 0) fuse_reply_err(req, -n);
            else fuse_reply_write(req, static_cast<std::size_t>(n));
        };
        ops.fsync = [](fuse_req_t req, fuse_ino_t, int, fuse_file_info*) {
            auto& view = self(req);
            if (!view.target_sink_) return fuse_reply_err(req, 0), void();
            auto synced = view.target_sink_->sync();
            if (!synced) view.fail(synced.error());
            fuse_reply_err(req, synced ? 0 : EIO);
        };
        return ops;
    }

    [[nodiscard]] std::uint64_t window_length() const { return window_ ? std::min(window_->length, size_) : 0; }

    // Calls piece(at, n, window) for each part of [off, off + size) that lies
    // wholly in the window (true) or in one overflow block (false); stops at
    // the first piece that fails. The bytes done, or -EIO.
    template <typename Piece>
    int pieces(std::uint64_t off, std::size_t size, Piece piece) {
        std::size_t done = 0;
        while (done < size) {
            const std::uint64_t at = off + done;
            const bool in_window = at < window_length();
            const std::size_t n = static_cast<std::size_t>(
                std::min<std::uint64_t>(size - done, in_window ? window_length() - at : kOverflowBlock - at % kOverflowBlock));
            if (!piece(at, done, n, in_window)) return -EIO;
            done += n;
        }
        return static_cast<int>(done);
    }

    int read(std::byte* out, std::size_t size, std::uint64_t off) {
        if (off >= size_) return 0;
        size = static_cast<std::size_t>(std::min<std::uint64_t>(size, size_ - off));
        return pieces(off, size, [&](std::uint64_t at, std::size_t done, std::size_t n, bool in_window) {
            if (in_window) return ok(target_source_->read_at(window_->offset + at, {out + done, n}));
            if (const auto it = overflow_.find(at / kOverflowBlock); it != overflow_.end()) {
                std::memcpy(out + done, it->second->data() + at % kOverflowBlock, n);
                return true;
            }
            return read_image(out + done, n, at);
        });
    }

    int write(const std::byte* in, std::size_t size, std::uint64_t off) {
        if (off >= size_ || size > size_ - off) return -EFBIG;
        return pieces(off, size, [&](std::uint64_t at, std::size_t done, std::size_t n, bool in_window) {
            if (in_window) return ok(target_sink_->write_at(window_->offset + at, {in + done, n}));
            const std::uint64_t block = at / kOverflowBlock;
            auto& kept = overflow_[block];
            if (!kept) {  // a block written in part keeps the image's bytes around the part
                kept = std::make_unique<std::array<std::byte, kOverflowBlock>>();
                const std::size_t whole =
                    static_cast<std::size_t>(std::min<std::uint64_t>(kOverflowBlock, size_ - block * kOverflowBlock));
                if (n < whole && !read_image(kept->data(), whole, block * kOverflowBlock)) {
                    overflow_.erase(block);
                    return false;
                }
                ++overflow_blocks_;
            }
            std::memcpy(kept->data() + at % kOverflowBlock, in + done, n);
            return true;
        });
    }

    // True when `s` succeeded; else its error is the view's failure.
    bool ok(const Status& s) {
        if (!s) fail(s.error());
        return s.has_value();
    }

    // The image's bytes [at, at + n) of the stream: its records, zeros between them.
    bool read_image(std::byte* out, std::size_t n, std::uint64_t at) {
        std::memset(out, 0, n);
        const auto& all = image_.records();
        auto it = std::ranges::upper_bound(records_, at, {}, [&](const Entry& e) { return all[e.index].offset; });
        if (it != records_.begin()) --it;
        for (; it != records_.end() && all[it->index].offset < at + n; ++it) {
            const auto& r = all[it->index];
            const std::uint64_t begin = std::max(at, r.offset);
            const std::uint64_t end = std::min(at + n, r.offset + r.length);
            if (begin >= end || r.kind == format::RecordKind::zeros) continue;
            const format::Buffer* data = chunk(*it);
            if (data == nullptr) return false;
            std::memcpy(out + (begin - at), data->data() + (begin - r.offset), end - begin);
        }
        return true;
    }

    // A data record's checked bytes, from the cache or the image.
    const format::Buffer* chunk(const Entry& e) {
        if (const auto hit = std::ranges::find(cache_, e.index, &Cached::index); hit != cache_.end()) {
            cache_.splice(cache_.begin(), cache_, hit);
            return &cache_.front().data;
        }
        const auto& r = image_.records()[e.index];
        auto stored = image_.read_stored(r, pool_);
        if (!stored) return fail(stored.error()), nullptr;
        auto data = image_.unpack(r, std::move(*stored), e.number, pool_);
        if (!data) return fail(data.error()), nullptr;
        if (cache_.size() >= kChunksCached) cache_.pop_back();
        cache_.push_front({e.index, std::move(*data)});
        return &cache_.front().data;
    }

    void fail(Error e) {
        const std::lock_guard lock(failure_mutex_);
        if (!failure_) failure_ = std::move(e);
    }

    const format::ImageReader& image_;
    std::optional<TargetWindow> window_;
    std::uint64_t size_ = 0;
    std::vector<Entry> records_;  // this stream's, by offset
    format::BufferPool pool_;
    std::list<Cached> cache_;     // most recent first
    std::unordered_map<std::uint64_t, std::unique_ptr<std::array<std::byte, kOverflowBlock>>> overflow_;
    std::atomic<std::uint64_t> overflow_blocks_ = 0;
    mutable std::mutex failure_mutex_;  // the tool's requests fail here, the restore reads why
    std::optional<Error> failure_;
    std::unique_ptr<io::BlockSource> target_source_;  // the window's bytes on the target
    std::unique_ptr<io::BlockSink> target_sink_;
    std::vector<std::byte> reply_;  // a read request's answer
    std::string mountpoint_;
    std::string path_;
    fuse_session* session_ = nullptr;
    bool mounted_ = false;
    std::thread loop_;
};

}  // namespace

Result<std::unique_ptr<PartitionView>> PartitionView::open(const format::ImageReader& image, std::uint16_t stream,
                                                           std::optional<TargetWindow> window) {
    if (image.manifest().stream(stream) == nullptr)
        return std::unexpected(make_error(Errc::internal, "the image has no stream " + std::to_string(stream)));
    auto view = std::make_unique<FuseView>(image, stream, std::move(window));
    if (auto s = view->start(); !s) return std::unexpected(s.error());
    return view;
}

}  // namespace imager::resize
