// Built-in terminal descriptions: lookup, validation, writing them out.
#include "terminfo.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace recovery::terminfo {

namespace {

constexpr unsigned kMagicLegacy = 0432;   // 16-bit numbers
constexpr unsigned kMagicExtended = 01036;  // 32-bit numbers (ncurses 6.1+)
constexpr std::size_t kHeaderSize = 12;   // six little-endian shorts

// Writes all of data to a new file, mode 0644 like tic's output.
imager::Status write_file(const std::string& path, std::span<const unsigned char> data) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return std::unexpected(imager::sys_error("create " + path, errno));
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::close(fd);
            ::unlink(path.c_str());
            return std::unexpected(imager::sys_error("write " + path, err));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) return std::unexpected(imager::sys_error("close " + path, errno));
    return {};
}

// The parent directories to try for a private database, best first.
std::vector<std::string> temp_parents() {
    std::vector<std::string> parents;
    if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') parents.emplace_back(t);
    for (const char* p : {"/tmp", "/run", "/dev/shm"}) parents.emplace_back(p);
    return parents;
}

}  // namespace

const Entry* find(std::string_view name) {
    for (const auto& e : embedded())
        if (e.name == name) return &e;
    return nullptr;
}

bool has_terminfo_magic(std::span<const unsigned char> data) {
    if (data.size() < kHeaderSize) return false;
    const unsigned magic = data[0] | (static_cast<unsigned>(data[1]) << 8);
    return magic == kMagicLegacy || magic == kMagicExtended;
}

imager::Status write_entry(const std::string& dir, std::string_view name, std::span<const unsigned char> data) {
    if (name.empty() || name.find('/') != std::string_view::npos || name.front() == '.')
        return std::unexpected(imager::make_error(imager::Errc::invalid_argument,
                                                  "bad terminal name '" + std::string(name) + "'"));
    const std::string sub = dir + "/" + name.front();
    if (::mkdir(sub.c_str(), 0755) != 0 && errno != EEXIST)
        return std::unexpected(imager::sys_error("create " + sub, errno));
    return write_file(sub + "/" + std::string(name), data);
}

imager::Result<PrivateDatabase> PrivateDatabase::create(const Entry& entry) {
    imager::Error last = imager::make_error(imager::Errc::not_found, "no temporary directory");
    for (const auto& parent : temp_parents()) {
        std::string tmpl = parent + "/lifeboat-terminfo.XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) {  // mode 0700
            last = imager::sys_error("create a directory in " + parent, errno);
            continue;
        }
        PrivateDatabase db(tmpl, tmpl + "/" + entry.name.front() + "/" + std::string(entry.name));
        if (auto written = write_entry(db.dir_, entry.name, entry.data); !written) return std::unexpected(written.error());
        return db;
    }
    last.hint = "make /tmp writable, or set TMPDIR to a writable directory";
    return std::unexpected(last);
}

PrivateDatabase::PrivateDatabase(PrivateDatabase&& other) noexcept
    : dir_(std::move(other.dir_)), file_(std::move(other.file_)) {
    other.dir_.clear();
    other.file_.clear();
}

PrivateDatabase& PrivateDatabase::operator=(PrivateDatabase&& other) noexcept {
    if (this != &other) {
        remove();
        dir_ = std::move(other.dir_);
        file_ = std::move(other.file_);
        other.dir_.clear();
        other.file_.clear();
    }
    return *this;
}

PrivateDatabase::~PrivateDatabase() { remove(); }

void PrivateDatabase::remove() noexcept {
    if (dir_.empty()) return;
    ::unlink(file_.c_str());
    const auto slash = file_.rfind('/');
    if (slash != std::string::npos) ::rmdir(file_.substr(0, slash).c_str());
    ::rmdir(dir_.c_str());
    dir_.clear();
    file_.clear();
}

}  // namespace recovery::terminfo
