#include "io/block_source.hpp"

#include "io/file_io.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace imager::io {

namespace {

std::string at(const std::string& name, std::uint64_t offset) {
    std::ostringstream s;
    s << name << " at 0x" << std::hex << offset;
    return s.str();
}

Result<std::uint64_t> size_of(int fd, const struct stat& st) {
    if (S_ISREG(st.st_mode)) return static_cast<std::uint64_t>(st.st_size);
    std::uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) return std::unexpected(sys_error("BLKGETSIZE64", errno));
    return bytes;
}

class FileDevice final : public BlockSource, public BlockSink {
public:
    FileDevice(int fd, std::string name, std::uint64_t size, bool block)
        : fd_(fd), name_(std::move(name)), size_(size), block_(block) {}
    ~FileDevice() override {
        ::close(fd_);
        if (direct_fd_ >= 0) ::close(direct_fd_);
    }
    FileDevice(const FileDevice&) = delete;
    FileDevice& operator=(const FileDevice&) = delete;

    [[nodiscard]] std::uint64_t size() const override { return size_; }
    [[nodiscard]] const std::string& name() const override { return name_; }

    [[nodiscard]] Status read_at(std::uint64_t offset, std::span<std::byte> buffer) override {
        if (offset > size_ || buffer.size() > size_ - offset)
            return std::unexpected(make_error(Errc::io, "read " + at(name_, offset) + ": past the end"));
        if (direct_fd_ >= 0 && direct_aligned(offset, buffer)) {
            const int err = read_fully(direct_fd_, offset, buffer);
            if (err == 0) return {};
            // Some files and devices refuse O_DIRECT only when read: read through the cache from now on.
            if (err != EINVAL) return std::unexpected(read_error(offset, err));
            ::close(direct_fd_);
            direct_fd_ = -1;
        }
        if (const int err = read_fully(fd_, offset, buffer); err != 0) return std::unexpected(read_error(offset, err));
        return {};
    }

    // Large aligned reads (capture's chunks) then bypass the page cache: the
    // kernel no longer copies every byte of the source once more, and reading
    // a whole disk does not push everything else out of memory.
    void open_direct(const std::string& path) { direct_fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC); }

    [[nodiscard]] Status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
        std::size_t done = 0;
        while (done < data.size()) {
            const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return std::unexpected(sys_error("write " + at(name_, offset + done), n < 0 ? errno : EIO));
            done += static_cast<std::size_t>(n);
        }
        return {};
    }

    [[nodiscard]] Status zero_range(std::uint64_t offset, std::uint64_t length) override {
        if (length == 0) return {};
        if (block_) {
            std::uint64_t range[2] = {offset, length};
            if (::ioctl(fd_, BLKZEROOUT, range) == 0) return {};
        } else if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                               static_cast<off_t>(length)) == 0) {
            return {};
        }
        return write_zeros(offset, length);
    }

    [[nodiscard]] Status discard_range(std::uint64_t offset, std::uint64_t length) override {
        if (length == 0) return {};
        if (block_) {
            std::uint64_t range[2] = {offset, length};
            if (::ioctl(fd_, BLKDISCARD, range) == 0) return {};
            return {};  // discard is advisory: a device without it keeps its old bytes
        }
        (void)::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                          static_cast<off_t>(length));
        return {};
    }

    [[nodiscard]] Status sync() override {
        if (::fsync(fd_) != 0) return std::unexpected(sys_error("sync " + name_, errno));
        return {};
    }

private:
    Status write_zeros(std::uint64_t offset, std::uint64_t length) {
        static const std::vector<std::byte> zeros(1 << 20);
        while (length > 0) {
            const auto n = std::min<std::uint64_t>(length, zeros.size());
            if (auto s = write_at(offset, std::span(zeros.data(), n)); !s) return s;
            offset += n;
            length -= n;
        }
        return {};
    }

    // 4 KiB covers every logical block size O_DIRECT may ask for.
    static bool direct_aligned(std::uint64_t offset, std::span<std::byte> buffer) {
        constexpr std::uint64_t kAlign = 4096;
        return offset % kAlign == 0 && buffer.size() % kAlign == 0 && buffer.size() >= (64u << 10) &&
               reinterpret_cast<std::uintptr_t>(buffer.data()) % kAlign == 0;
    }

    Error read_error(std::uint64_t offset, int err) const {
        return err == kEndOfFile ? make_error(Errc::io, "read " + at(name_, offset) + ": unexpected end")
                                 : sys_error("read " + at(name_, offset), err);
    }

    int fd_;
    int direct_fd_ = -1;
    std::string name_;
    std::uint64_t size_;
    bool block_;
};

Result<std::unique_ptr<FileDevice>> open_device(const std::string& path, int flags) {
    auto opened = open_file(path, flags);
    if (!opened) return std::unexpected(opened.error());
    const auto [fd, st] = *opened;
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        ::close(fd);
        return std::unexpected(make_error(Errc::invalid_argument, path + " is neither a block device nor a regular file"));
    }
    auto size = size_of(fd, st);
    if (!size) {
        ::close(fd);
        return std::unexpected(size.error());
    }
    return std::make_unique<FileDevice>(fd, path, *size, S_ISBLK(st.st_mode));
}

}  // namespace

Result<std::unique_ptr<BlockSource>> open_source(const std::string& path) {
    auto d = open_device(path, O_RDONLY);
    if (!d) return std::unexpected(d.error());
    (*d)->open_direct(path);
    return std::unique_ptr<BlockSource>(std::move(*d));
}

Result<std::unique_ptr<BlockSink>> open_sink(const std::string& path) {
    auto d = open_device(path, O_RDWR);
    if (!d) return std::unexpected(d.error());
    return std::unique_ptr<BlockSink>(std::move(*d));
}

ExclusiveClaim& ExclusiveClaim::operator=(ExclusiveClaim&& other) noexcept {
    if (this != &other) {
        release();
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

void ExclusiveClaim::release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Result<ExclusiveClaim> claim_exclusive(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::unexpected(sys_error("stat " + path, errno));
    if (!S_ISBLK(st.st_mode)) return ExclusiveClaim{};
    // O_EXCL without O_CREAT on a block device: an exclusive open (open(2)).
    const int fd = ::open(path.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
    if (fd >= 0) return ExclusiveClaim{fd};
    const int err = errno;
    if (err == EBUSY)
        return std::unexpected(make_error(Errc::target_in_use,
                                          path + " is in use: the kernel refuses to open it exclusively",
                                          "something holds it: a mounted filesystem, an md RAID or LVM volume on "
                                          "it, or another program such as a second Lifeboat; stop that first "
                                          "(umount, mdadm --stop, vgchange -an)"));
    return std::unexpected(sys_error("open " + path, err));
}

MemorySource::MemorySource(std::vector<std::byte> bytes, std::string name)
    : bytes_(std::move(bytes)), name_(std::move(name)) {}

Status MemorySource::read_at(std::uint64_t offset, std::span<std::byte> buffer) {
    if (offset > bytes_.size() || buffer.size() > bytes_.size() - offset)
        return std::unexpected(make_error(Errc::io, "read " + at(name_, offset) + ": past the end"));
    if (!buffer.empty()) std::memcpy(buffer.data(), bytes_.data() + offset, buffer.size());  // never a null pointer
    return {};
}

SliceSource::SliceSource(BlockSource& base, std::uint64_t offset, std::uint64_t size)
    : base_(base), offset_(offset), size_(size), name_(at(base.name(), offset)) {}

Status SliceSource::read_at(std::uint64_t offset, std::span<std::byte> buffer) {
    if (offset > size_ || buffer.size() > size_ - offset)
        return std::unexpected(make_error(Errc::io, "read " + at(name_, offset) + ": past the end of the slice"));
    return base_.read_at(offset_ + offset, buffer);
}

}  // namespace imager::io
