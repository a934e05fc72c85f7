#include "format/volumes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace imager::format {

namespace {

constexpr std::size_t kWriteBuffer = 8u << 20;

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

Status write_all(int fd, std::span<const std::byte> data, const std::string& path) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::unexpected(sys_error("write " + path, n < 0 ? errno : EIO));
        data = data.subspan(static_cast<std::size_t>(n));
    }
    return {};
}

Status read_all(int fd, std::uint64_t offset, std::span<std::byte> buffer, const std::string& path) {
    while (!buffer.empty()) {
        const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(sys_error("read " + path, errno));
        if (n == 0)
            return std::unexpected(make_error(Errc::damaged_image, path + " is shorter than its image says",
                                              "the file was cut short; use another copy"));
        buffer = buffer.subspan(static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
    return {};
}

}  // namespace

std::string volume_name(const std::string& image, std::uint32_t number) {
    if (number <= 1) return image;
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, ".%03u", number);
    return image + suffix;
}

VolumeWriter::VolumeWriter(std::string image, std::uint64_t split_size, const Uuid& uuid, bool force)
    : image_(std::move(image)), split_size_(split_size), uuid_(uuid), force_(force) {
    buffer_.reserve(kWriteBuffer);
}

Result<std::unique_ptr<VolumeWriter>> VolumeWriter::create(const std::string& image, std::uint64_t split_size,
                                                           const Uuid& uuid, bool force) {
    if (split_size != 0 && split_size < (1u << 20))
        return std::unexpected(make_error(Errc::invalid_argument, "a split size under 1 MiB is too small",
                                          "use --split 4000M for FAT32 sticks"));
    if (!force && (exists(image) || exists(volume_name(image, 2))))
        return std::unexpected(make_error(Errc::invalid_argument, image + " already exists",
                                          "choose another name, or add --force to replace it"));
    std::unique_ptr<VolumeWriter> w(new VolumeWriter(image, split_size, uuid, force));
    if (auto s = w->open_next_volume(); !s) return std::unexpected(s.error());
    return w;
}

VolumeWriter::~VolumeWriter() {
    if (!finished_) abandon();
}

Status VolumeWriter::open_next_volume() {
    if (auto s = flush(); !s) return s;
    Volume v;
    v.final_path = volume_name(image_, static_cast<std::uint32_t>(volumes_.size() + 1));
    v.partial_path = v.final_path + ".partial";
    ::unlink(v.partial_path.c_str());  // left by a capture that died: ours by its name
    v.fd = ::open(v.partial_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (v.fd < 0) return std::unexpected(sys_error("create " + v.partial_path, errno));
    v.writeback = io::Writeback(v.fd);
    volumes_.push_back(v);
    VolumeHeader header;
    header.number = static_cast<std::uint32_t>(volumes_.size());
    header.image_uuid = uuid_;
    header.logical_offset = logical_;
    const auto bytes = encode(header);
    file_bytes_ += bytes.size();
    volumes_.back().file_size = bytes.size();
    return write_all(v.fd, bytes, v.partial_path);
}

Status VolumeWriter::flush() {
    if (volumes_.empty() || buffer_.empty()) return {};
    Volume& v = volumes_.back();
    auto s = write_all(v.fd, buffer_, v.partial_path);
    if (s) v.writeback.written(v.file_size, buffer_.size());
    v.file_size += buffer_.size();
    buffer_.clear();
    return s;
}

Status VolumeWriter::write(std::span<const std::byte> data) {
    while (!data.empty()) {
        Volume& v = volumes_.back();
        std::uint64_t room = data.size();
        if (split_size_ != 0) {
            room = split_size_ - kVolumeHeaderSize - v.payload;
            if (room == 0) {
                if (auto s = open_next_volume(); !s) return s;
                continue;
            }
        }
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(room, data.size()));
        const auto take = std::min(n, kWriteBuffer - buffer_.size());
        buffer_.insert(buffer_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
        volumes_.back().payload += take;
        logical_ += take;
        file_bytes_ += take;
        data = data.subspan(take);
        if (buffer_.size() == kWriteBuffer)
            if (auto s = flush(); !s) return s;
    }
    return {};
}

Status VolumeWriter::finish() {
    if (auto s = flush(); !s) return s;
    for (auto& v : volumes_) {
        if (::fsync(v.fd) != 0) return std::unexpected(sys_error("sync " + v.partial_path, errno));
        // The image leaves the page cache now that it is on the medium: the check
        // after capture then reads what the medium holds (a failing or fake-capacity
        // stick shows), and a big image does not push out everything else.
        (void)::posix_fadvise(v.fd, 0, 0, POSIX_FADV_DONTNEED);
    }
    // Volume 1 last: NAME appears only when every other volume is in place.
    for (auto it = volumes_.rbegin(); it != volumes_.rend(); ++it)
        if (::rename(it->partial_path.c_str(), it->final_path.c_str()) != 0)
            return std::unexpected(sys_error("rename " + it->partial_path, errno));
    // Volumes of an older image under the same name would look like ours.
    for (auto n = static_cast<std::uint32_t>(volumes_.size()) + 1; force_ && exists(volume_name(image_, n)); ++n)
        ::unlink(volume_name(image_, n).c_str());
    for (auto& v : volumes_) ::close(v.fd);
    finished_ = true;
    return {};
}

void VolumeWriter::abandon() {
    for (auto& v : volumes_) {
        if (v.fd >= 0) ::close(v.fd);
        v.fd = -1;
        ::unlink(v.partial_path.c_str());
    }
    volumes_.clear();
    finished_ = true;
}

VolumeReader::~VolumeReader() {
    for (auto& v : volumes_) ::close(v.fd);
}

Result<std::unique_ptr<VolumeReader>> VolumeReader::open(const std::string& image) {
    std::unique_ptr<VolumeReader> r(new VolumeReader());
    r->image_ = image;
    for (std::uint32_t number = 1;; ++number) {
        const std::string path = volume_name(image, number);
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 && number > 1 && errno == ENOENT) break;
        if (fd < 0) {
            Error e = sys_error("open " + path, errno);
            if (e.code == Errc::not_found) e.hint = "check the image's path; images are listed by `lifeboat info`";
            return std::unexpected(e);
        }
        struct stat st {};
        ::fstat(fd, &st);
        Volume v{fd, path, 0, 0};
        r->volumes_.push_back(v);  // owned from here: closed by the destructor
        if (!S_ISREG(st.st_mode))
            return std::unexpected(make_error(Errc::invalid_argument, path + " is not a regular file"));
        std::array<std::byte, kVolumeHeaderSize> bytes{};
        if (static_cast<std::uint64_t>(st.st_size) < kVolumeHeaderSize ||
            !read_all(fd, 0, bytes, path))
            return std::unexpected(make_error(Errc::damaged_image, path + " is too short to be a Lifeboat image",
                                              "check the path; a Lifeboat image starts with a volume header"));
        auto header = decode_volume_header(bytes, path);
        if (!header) return std::unexpected(header.error());
        if (number == 1) r->uuid_ = header->image_uuid;
        if (header->image_uuid != r->uuid_)
            return std::unexpected(make_error(Errc::damaged_image,
                                              path + " belongs to another image (image " + uuid_text(header->image_uuid) +
                                                  ", expected " + uuid_text(r->uuid_) + ")",
                                              "move the foreign volume away and put this image's volume there"));
        if (header->number != number)
            return std::unexpected(make_error(Errc::damaged_image,
                                              path + " is volume " + std::to_string(header->number) +
                                                  " of the image, in the place of volume " + std::to_string(number),
                                              "a volume is missing or volumes were renamed; restore their names"));
        // The right volume in the right place, but the ones before it do not end where it begins.
        if (header->logical_offset != r->logical_size_)
            return std::unexpected(make_error(
                Errc::damaged_image,
                path + " (volume " + std::to_string(number) + ") starts at byte " +
                    std::to_string(header->logical_offset) + " of the image, but " +
                    (number == 1 ? std::string("the first volume starts at byte 0")
                                 : "the volumes before it hold " + std::to_string(r->logical_size_) + " bytes"),
                number == 1 ? "the image is damaged; use another copy, or capture a new image"
                            : r->volumes_[r->volumes_.size() - 2].path +
                                  " or a volume before it is not as long as when it was written (a copy cut short or "
                                  "added to?); copy the image's volumes again"));
        r->volumes_.back().logical_offset = r->logical_size_;
        r->volumes_.back().payload = static_cast<std::uint64_t>(st.st_size) - kVolumeHeaderSize;
        r->logical_size_ += r->volumes_.back().payload;
    }
    return r;
}

std::uint64_t VolumeReader::file_bytes() const {
    std::uint64_t total = 0;
    for (const auto& v : volumes_) total += v.payload + kVolumeHeaderSize;
    return total;
}

std::string VolumeReader::locate(std::uint64_t offset, std::uint64_t length) const {
    if (volumes_.empty() || offset >= logical_size_) return "past the end of " + image_;
    auto it = std::upper_bound(volumes_.begin(), volumes_.end(), offset,
                               [](std::uint64_t o, const Volume& v) { return o < v.logical_offset; });
    --it;
    std::string where = "byte " + std::to_string(kVolumeHeaderSize + offset - it->logical_offset) + " of " + it->path;
    const std::uint64_t last = offset + (length > 0 ? length - 1 : 0);
    auto end = std::upper_bound(volumes_.begin(), volumes_.end(), last,
                                [](std::uint64_t o, const Volume& v) { return o < v.logical_offset; });
    --end;
    if (end != it && last < logical_size_) return "from " + where + " into " + end->path;
    return "at " + where;
}

Status VolumeReader::read(std::uint64_t offset, std::span<std::byte> buffer) const {
    if (offset > logical_size_ || buffer.size() > logical_size_ - offset)
        return std::unexpected(make_error(Errc::damaged_image, image_ + ": a structure points past the end of the image",
                                          "the image is damaged or incomplete; use another copy"));
    auto it = std::upper_bound(volumes_.begin(), volumes_.end(), offset,
                               [](std::uint64_t o, const Volume& v) { return o < v.logical_offset; });
    for (--it; !buffer.empty(); ++it) {
        const std::uint64_t within = offset - it->logical_offset;
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), it->payload - within));
        if (auto s = read_all(it->fd, kVolumeHeaderSize + within, buffer.first(n), it->path); !s) return s;
        buffer = buffer.subspan(n);
        offset += n;
    }
    return {};
}

}  // namespace imager::format
