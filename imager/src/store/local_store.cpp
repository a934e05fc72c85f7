#include "store/local_store.hpp"

#include "io/file_io.hpp"
#include "io/writeback.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace imager::store {

namespace {

// 0 or an errno; a filesystem that cannot sync a folder (EINVAL) has nothing to sync.
int sync_directory_of(const std::string& path) {
    const auto parent = std::filesystem::path(path).parent_path();
    const int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return errno;
    const int err = ::fsync(dir) == 0 ? 0 : errno;
    ::close(dir);
    return err == EINVAL ? 0 : err;
}

// On a mounted share (NFSv4) a write lands in the page cache and a server's
// failure shows only when the cache is written back: a capture whose server
// vanished would go on, slowed, to its end. So the writer on a share waits,
// once it is kShareAhead past them, until the bytes before are on the server
// (their writeback's error, if any): little is ever cached, and a vanished
// server fails the capture within the mount's timeouts (docs/STORES.md).
constexpr std::uint64_t kShareAhead = 8u << 20;

class LocalWriter final : public ObjectWriter {
public:
    // `path` is the file, `name` how messages say it; `ahead` the bytes it may
    // be past those on the medium (0: any, until commit's fsync).
    LocalWriter(std::string path, std::string name, int fd, std::uint64_t ahead)
        : path_(std::move(path)), name_(std::move(name)), partial_path_(path_ + kPartialSuffix),
          partial_(name_ + kPartialSuffix), fd_(fd), writeback_(fd), ahead_(ahead) {}
    ~LocalWriter() override { abandon(); }

    Status append(std::span<const std::byte> data) override {
        if (fd_ < 0) return std::unexpected(make_error(Errc::internal, "append to " + name_ + " after its end"));
        if (const int err = io::write_fully(fd_, data); err != 0) return std::unexpected(sys_error("write " + partial_, err));
        writeback_.written(size_, data.size());
        size_ += data.size();
        if (ahead_ != 0 && size_ - written_ >= 2 * ahead_) {
            if (const int err = wait_written(written_, size_ - ahead_); err != 0)
                return std::unexpected(sys_error("write " + partial_, err));
            written_ = size_ - ahead_;
        }
        return {};
    }

    Status commit() override {
        if (fd_ < 0) return std::unexpected(make_error(Errc::internal, "commit " + name_ + " after its end"));
        if (::fsync(fd_) != 0) return std::unexpected(sys_error("sync " + partial_, errno));
        // On the medium now: out of the page cache, so that the check after a
        // capture reads what the medium holds (a failing or fake-capacity stick
        // shows), and a big image does not push out everything else.
        (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);
        if (::rename(partial_path_.c_str(), path_.c_str()) != 0) return std::unexpected(sys_error("rename " + partial_, errno));
        ::close(fd_);
        fd_ = -1;
        // The rename reaches the medium with its directory; if it cannot, the
        // object is not committed and must not stay visible as if it were.
        if (const int err = sync_directory_of(path_); err != 0) {
            ::unlink(path_.c_str());
            return std::unexpected(sys_error("sync the folder of " + name_, err));
        }
        return {};
    }

    void abandon() noexcept override {
        if (fd_ < 0) return;
        ::close(fd_);
        fd_ = -1;
        ::unlink(partial_path_.c_str());
    }

private:
    // 0 once [from, upto) is written back, or the error of a writeback since the last wait.
    int wait_written(std::uint64_t from, std::uint64_t upto) const {
        return ::sync_file_range(fd_, static_cast<off_t>(from), static_cast<off_t>(upto - from),
                                 SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0
                   ? 0
                   : errno;
    }

    std::string path_;
    std::string name_;
    std::string partial_path_;
    std::string partial_;
    int fd_;
    io::Writeback writeback_;
    std::uint64_t ahead_;
    std::uint64_t size_ = 0;
    std::uint64_t written_ = 0;  // on the medium (as far as ahead_ has made sure)
};

class LocalReader final : public ObjectReader {
public:
    LocalReader(std::string name, int fd, std::uint64_t size) : name_(std::move(name)), fd_(fd), size_(size) {}
    ~LocalReader() override { ::close(fd_); }
    LocalReader(const LocalReader&) = delete;
    LocalReader& operator=(const LocalReader&) = delete;

    std::uint64_t size() const override { return size_; }

    Status read_at(std::uint64_t offset, std::span<std::byte> buffer) const override {
        const int err = io::read_fully(fd_, offset, buffer);
        if (err == io::kEndOfFile)
            return std::unexpected(make_error(Errc::damaged_image, name_ + " is shorter than its image says",
                                              "the file was cut short; use another copy"));
        if (err != 0) return std::unexpected(sys_error("read " + name_, err));
        return {};
    }

private:
    std::string name_;
    int fd_;
    std::uint64_t size_;
};

}  // namespace

Error LocalStore::shown(Error e, const std::string& name) const {
    if (root_.empty()) return e;
    const std::string from = path(name), to = describe(name);
    for (std::string* text : {&e.context, &e.hint})
        if (const auto at = text->find(from); at != std::string::npos) text->replace(at, from.size(), to);
    return e;
}

Result<std::unique_ptr<ObjectWriter>> LocalStore::create(const std::string& name) {
    const std::string partial = path(name) + kPartialSuffix;
    ::unlink(partial.c_str());  // left by a writer that died: ours by its name
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return std::unexpected(sys_error("create " + describe(name) + kPartialSuffix, errno));
    return std::make_unique<LocalWriter>(path(name), describe(name), fd, root_.empty() ? 0 : kShareAhead);
}

Result<std::unique_ptr<ObjectReader>> LocalStore::open(const std::string& name) const {
    auto opened = io::open_file(path(name), O_RDONLY);  // a FIFO under the name does not wait for a writer
    if (!opened) return std::unexpected(shown(opened.error(), name));
    const auto [fd, st] = *opened;
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return std::unexpected(make_error(Errc::invalid_argument, describe(name) + " is not a regular file"));
    }
    return std::make_unique<LocalReader>(describe(name), fd, static_cast<std::uint64_t>(st.st_size));
}

Result<bool> LocalStore::exists(const std::string& name) const {
    struct stat st {};
    if (::lstat(path(name).c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return std::unexpected(sys_error("look for " + describe(name), errno));
}

Result<std::vector<ObjectInfo>> LocalStore::list(const std::string& dir) const {
    std::vector<ObjectInfo> objects;
    std::error_code ec;
    std::filesystem::directory_iterator it(path(dir), ec);
    if (ec) return std::unexpected(sys_error("list " + describe(dir), ec.value()));
    for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
        if (ec) return std::unexpected(sys_error("list " + describe(dir), ec.value()));
        if (!it->is_regular_file(ec) || it->path().filename().string().ends_with(kPartialSuffix)) continue;
        const auto size = it->file_size(ec);
        if (ec) continue;  // gone since it was listed
        objects.push_back({(std::filesystem::path(dir) / it->path().filename()).string(), size});
    }
    std::ranges::sort(objects, {}, &ObjectInfo::name);
    return objects;
}

Status LocalStore::remove(const std::string& name) {
    if (::unlink(path(name).c_str()) != 0 && errno != ENOENT) return std::unexpected(sys_error("remove " + describe(name), errno));
    return {};
}

}  // namespace imager::store
