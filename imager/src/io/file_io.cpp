#include "io/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace imager::io {

Result<OpenedFile> open_file(const std::string& path, int flags) {
    OpenedFile f;
    f.fd = ::open(path.c_str(), flags | O_NONBLOCK | O_CLOEXEC);
    if (f.fd < 0) return std::unexpected(sys_error("open " + path, errno));
    const auto fail = [&](const std::string& what) {
        const int err = errno;
        ::close(f.fd);
        return std::unexpected(sys_error(what + " " + path, err));
    };
    if (::fstat(f.fd, &f.st) != 0) return fail("stat");
    if ((flags & O_NONBLOCK) == 0 && ::fcntl(f.fd, F_SETFL, ::fcntl(f.fd, F_GETFL) & ~O_NONBLOCK) != 0) return fail("open");
    return f;
}

int read_fully(int fd, std::uint64_t offset, std::span<std::byte> buffer) {
    std::size_t done = 0;
    while (done < buffer.size()) {
        const ssize_t n = ::pread(fd, buffer.data() + done, buffer.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return kEndOfFile;
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

int write_fully(int fd, std::span<const std::byte> data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return EIO;
        data = data.subspan(static_cast<std::size_t>(n));
    }
    return 0;
}

}  // namespace imager::io
