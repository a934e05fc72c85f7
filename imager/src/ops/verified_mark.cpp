// The verified mark: written atomically beside the image, read back only
// when it names the image exactly as it is now.
#include "ops/verified_mark.hpp"

#include "format/volumes.hpp"
#include "imager/version.hpp"
#include "io/file_io.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <random>

namespace imager::ops {

namespace {

using json = nlohmann::json;

// A mark is a few hundred bytes; anything larger is not ours.
constexpr std::size_t kMaxMarkBytes = 4096;
constexpr int kMarkVersion = 1;

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf.data();
}

std::pair<std::string, std::string> split_path(const std::string& image) {
    const auto slash = image.rfind('/');
    if (slash == std::string::npos) return {"", image};
    return {image.substr(0, slash + 1), image.substr(slash + 1)};
}

int number(std::string_view s, std::size_t from, std::size_t count) {
    int n = 0;
    for (std::size_t i = from; i < from + count; ++i) n = n * 10 + (s[i] - '0');
    return n;
}

Error mark_error(const std::string& image, int err) {
    Error e = sys_error("record that " + image + " verified", err);
    e.hint = err == EROFS || err == EACCES || err == EPERM
                 ? "the image is whole; its folder is read-only here, so lists will not show it as verified "
                   "until it is verified where the folder can be written"
                 : "the image is whole; only the note that it verified is missing";
    return e;
}

}  // namespace

bool is_utc_time(std::string_view s) {
    static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
    if (s.size() != shape.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != shape[i]) return false;
    const int year = number(s, 0, 4), month = number(s, 5, 2), day = number(s, 8, 2);
    if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
    static constexpr std::array<int, 12> days{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > days[static_cast<std::size_t>(month - 1)] || (month == 2 && day == 29 && !leap)) return false;
    return number(s, 11, 2) < 24 && number(s, 14, 2) < 60 && number(s, 17, 2) < 60;
}

Result<ImageIdentity> image_identity(const std::string& image, const std::string& uuid, std::uint32_t volumes) {
    ImageIdentity id;
    id.uuid = uuid;
    for (std::uint32_t n = 1; n <= volumes; ++n) {
        const std::string name = format::volume_name(image, n);
        struct stat st {};
        if (::lstat(name.c_str(), &st) != 0) return std::unexpected(sys_error("look at " + name, errno));
        id.image_bytes += static_cast<std::uint64_t>(st.st_size);
        const auto seconds = static_cast<std::uint64_t>(std::max<std::int64_t>(st.st_mtim.tv_sec, 0));
        if (seconds > id.modified) id.modified = seconds;
    }
    return id;
}

std::string verified_mark_path(const std::string& image) {
    const auto [dir, name] = split_path(image);
    return dir + "." + name + ".verified";
}

std::string format_verified_mark(const ImageIdentity& identity, std::string_view when_utc) {
    const json mark = {{"lifeboat_verified_mark", kMarkVersion},
                       {"verified", std::string(when_utc)},
                       {"tool", std::string("lifeboat ") + imager::version},
                       {"uuid", identity.uuid},
                       {"image_bytes", identity.image_bytes},
                       {"modified", identity.modified}};
    return mark.dump(2) + "\n";
}

std::string parse_verified_mark(std::string_view mark_json, const ImageIdentity& identity) {
    if (mark_json.size() > kMaxMarkBytes) return {};
    const json m = json::parse(mark_json, nullptr, false);
    if (m.is_discarded() || !m.is_object()) return {};
    const auto field = [&](const char* key) -> const json* {
        const auto it = m.find(key);
        return it == m.end() ? nullptr : &*it;
    };
    const json* version = field("lifeboat_verified_mark");
    const json* when = field("verified");
    const json* uuid = field("uuid");
    const json* bytes = field("image_bytes");
    const json* modified = field("modified");
    if (version == nullptr || !version->is_number_unsigned() || version->get<std::uint64_t>() != kMarkVersion)
        return {};
    if (when == nullptr || !when->is_string() || uuid == nullptr || !uuid->is_string()) return {};
    if (bytes == nullptr || !bytes->is_number_unsigned() || modified == nullptr || !modified->is_number_unsigned())
        return {};
    if (uuid->get<std::string>() != identity.uuid || bytes->get<std::uint64_t>() != identity.image_bytes ||
        modified->get<std::uint64_t>() != identity.modified)
        return {};
    const std::string date = when->get<std::string>();
    return is_utc_time(date) ? date : std::string();
}

Status write_verified_mark(const std::string& image, const ImageIdentity& identity) {
    const std::string mark = verified_mark_path(image);
    std::random_device random;
    const std::string temp = mark + ".tmp-" + std::to_string(random());
    // O_EXCL | O_NOFOLLOW: never write through something planted under that name.
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return std::unexpected(mark_error(image, errno));
    const std::string text = format_verified_mark(identity, utc_now());
    int write_errno = io::write_fully(fd, std::as_bytes(std::span(text)));
    if (write_errno == 0 && ::fsync(fd) != 0) write_errno = errno;
    ::close(fd);
    // rename() replaces a symlink named like the mark, never what it points to.
    if (write_errno != 0 || ::rename(temp.c_str(), mark.c_str()) != 0) {
        const int err = write_errno != 0 ? write_errno : errno;
        ::unlink(temp.c_str());
        return std::unexpected(mark_error(image, err));
    }
    return {};
}

std::string read_verified_mark(const std::string& image, const ImageIdentity& identity) {
    const int fd = ::open(verified_mark_path(image).c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) return {};
    struct stat st {};
    std::string text;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) <= kMaxMarkBytes) {
        text.resize(static_cast<std::size_t>(st.st_size));
        const ssize_t got = ::pread(fd, text.data(), text.size(), 0);
        text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    }
    ::close(fd);
    return parse_verified_mark(text, identity);
}

void remove_verified_mark(const std::string& image) { ::unlink(verified_mark_path(image).c_str()); }

}  // namespace imager::ops
