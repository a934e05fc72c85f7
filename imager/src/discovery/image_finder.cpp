// find_images(): which files in a few folders are images, and what their
// manifests say. Only volume headers, the header, manifest, index and trailer
// are read (describe_image); any file that fails becomes an unreadable entry.
#include "format/layout.hpp"
#include "format/volumes.hpp"
#include "imager/image_discovery.hpp"
#include "imager/image_ops.hpp"
#include "ops/verified_mark.hpp"
#include "store/location.hpp"
#include "store/url.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cctype>
#include <dirent.h>
#include <map>
#include <set>

namespace imager::discovery {

namespace {

// A hostile store may hold millions of files; a person never keeps images so.
constexpr std::size_t kMaxEntriesPerFolder = 20000;
constexpr std::size_t kMaxEntriesPerRoot = 200000;

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "pc.lbi.002" -> true: the name of a continuation volume (three or more digits, not 001).
bool continuation_name(const std::string& name) {
    const auto dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0 || name.size() - dot - 1 < 3) return false;
    const std::string digits = name.substr(dot + 1);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        return false;
    return digits.find_first_not_of('0') != std::string::npos && std::stoull(digits.substr(0, 18)) >= 2;
}

enum class FileKind { not_image, first_volume, continuation };

// What a file is by its first bytes (`head`: empty when they could not be read)
// and its name; `where` names it in the decoder's errors.
FileKind kind_of(std::span<const std::byte> head, const std::string& name, const std::string& where) {
    if (head.size() == format::kVolumeHeaderSize)
        if (auto volume = format::decode_volume_header(head, where))
            return volume->number == 1 ? FileKind::first_volume : FileKind::continuation;
    if (continuation_name(name)) return FileKind::continuation;  // a damaged NAME.002 still belongs to NAME
    return ends_with(name, ".lbi") ? FileKind::first_volume : FileKind::not_image;
}

// Not an image whatever its bytes: a capture in progress, a verified mark.
bool never_image(const std::string& name) {
    return ends_with(name, ".partial") || (name.starts_with('.') && ends_with(name, ".verified"));
}

// Looks at the first bytes only. O_NONBLOCK and O_NOFOLLOW: a FIFO or a
// symlink swapped in after the directory was read must not hang or lead elsewhere.
FileKind classify(const std::string& path, const std::string& name) {
    if (never_image(name)) return FileKind::not_image;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) return ends_with(name, ".lbi") ? FileKind::first_volume : FileKind::not_image;
    struct stat st {};
    std::array<std::byte, format::kVolumeHeaderSize> head{};
    ssize_t got = -1;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) got = ::pread(fd, head.data(), head.size(), 0);
    ::close(fd);
    if (!S_ISREG(st.st_mode)) return FileKind::not_image;
    return kind_of(got == static_cast<ssize_t>(head.size()) ? std::span<const std::byte>(head)
                                                            : std::span<const std::byte>(),
                   name, path);
}

// Regular files and folders (not symlinks) directly in `dir`, sorted by name.
struct Listing {
    std::vector<std::string> files;
    std::vector<std::string> folders;
};
// `budget` counts down the entries one root may still cost.
Listing list_folder(const std::string& dir, std::size_t& budget) {
    Listing out;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return out;
    std::size_t seen = 0;
    while (const dirent* e = ::readdir(d)) {
        if (++seen > kMaxEntriesPerFolder || budget == 0) break;
        --budget;
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        struct stat st {};
        if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode)) out.files.push_back(name);
        else if (S_ISDIR(st.st_mode)) out.folders.push_back(name);
    }
    ::closedir(d);
    std::sort(out.files.begin(), out.files.end());
    std::sort(out.folders.begin(), out.folders.end());
    return out;
}

std::string join(const std::string& dir, const std::string& name) {
    return (!dir.empty() && dir.back() == '/') ? dir + name : dir + "/" + name;
}

// The files of NAME, NAME.002, ... that exist, summed; for unreadable entries.
std::pair<std::uint64_t, std::uint32_t> volume_files(const std::string& path) {
    std::uint64_t bytes = 0;
    std::uint32_t count = 0;
    for (std::uint32_t n = 1; n < 100000; ++n) {
        struct stat st {};
        if (::lstat(format::volume_name(path, n).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) break;
        bytes += static_cast<std::uint64_t>(st.st_size);
        ++count;
    }
    return {bytes, count};
}

// A folder's URL said as a folder, with a '/' before any query: an NFS
// export's own address without it would be looked for in the folder above.
std::string as_folder(const std::string& where) {
    if (!store::looks_like_url(where)) return where;
    const std::size_t end = std::min(where.find('?'), where.size());
    std::string folder = where;
    if (end > 0 && where[end - 1] != '/') folder.insert(end, "/");
    return folder;
}

// The images directly in a folder of a network store (`folder` is its URL):
// the store lists its objects, and the first bytes of each say what it is.
Result<std::vector<ImageEntry>> find_remote_images(const std::string& folder, const store::Location& where) {
    auto objects = where.store->list(where.name);
    if (!objects) return std::unexpected(objects.error());
    const std::size_t query = std::min(folder.find('?'), folder.size());  // nfs://...?version=4 keeps its options
    std::string base = folder.substr(0, query);
    while (base.ends_with('/')) base.pop_back();
    std::vector<ImageEntry> found;
    for (const auto& object : *objects) {
        const std::string name = object.name.substr(object.name.rfind('/') + 1);
        if (never_image(name)) continue;
        std::array<std::byte, format::kVolumeHeaderSize> head{};
        std::span<const std::byte> read;
        if (auto reader = where.store->open(object.name))
            if ((*reader)->size() >= head.size() && (*reader)->read_at(0, head)) read = head;
        if (kind_of(read, name, object.name) != FileKind::first_volume) continue;
        found.push_back(describe_entry(base + "/" + store::encode_path(name) + folder.substr(query)));
        if (found.back().size_on_disk == 0) found.back().size_on_disk = object.size;
    }
    return found;
}

}  // namespace

void fill_entry(const format::Manifest& m, ImageEntry& entry) {
    entry.host = m.host;
    entry.created = m.created;
    entry.note = m.note;
    entry.source_model = m.source.model;
    entry.source_serial = m.source.serial;
    entry.source_size = m.source.size;
    entry.whole_disk = m.disk.has_value();
}

ImageEntry describe_entry(const std::string& path) {
    ImageEntry entry;
    entry.path = path;
    auto summary = describe_image(path);
    if (!summary) {
        const auto [bytes, count] = volume_files(path);
        entry.size_on_disk = bytes;
        entry.volumes = count;
        entry.problem = summary.error().message();
        return entry;
    }
    entry.size_on_disk = summary->image_bytes;
    entry.volumes = summary->volumes;
    fill_entry(summary->manifest, entry);
    entry.readable = true;
    // Only a mark naming this image as it is now counts (docs/FORMAT.md, "Verified mark").
    if (auto identity = ops::image_identity(path, summary->uuid, summary->volumes))
        entry.verified = ops::read_verified_mark(path, *identity);
    return entry;
}

std::vector<ImageEntry> find_images(const std::vector<std::string>& roots) {
    std::vector<std::pair<std::string, std::size_t>> folders;  // with the root's index
    std::vector<std::size_t> budgets(roots.size(), kMaxEntriesPerRoot);
    for (std::size_t r = 0; r < roots.size(); ++r) {
        const auto& root = roots[r];
        folders.emplace_back(root, r);
        const Listing top = list_folder(root, budgets[r]);
        for (const auto& sub : top.folders) {
            folders.emplace_back(join(root, sub), r);
            if (sub != "lifeboat") continue;
            for (const auto& inner : list_folder(join(root, sub), budgets[r]).folders)
                folders.emplace_back(join(join(root, sub), inner), r);
        }
    }
    std::vector<ImageEntry> found;
    std::set<std::pair<dev_t, ino_t>> seen;  // the same file reached twice (bind mounts, roots inside roots)
    for (const auto& [folder, r] : folders) {
        for (const auto& name : list_folder(folder, budgets[r]).files) {
            const std::string path = join(folder, name);
            if (classify(path, name) != FileKind::first_volume) continue;
            struct stat st {};
            if (::lstat(path.c_str(), &st) != 0 || !seen.insert({st.st_dev, st.st_ino}).second) continue;
            found.push_back(describe_entry(path));
        }
    }
    return found;
}

Result<ImageCatalog> list_images(const std::vector<std::string>& folders) {
    std::vector<std::string> local;
    std::vector<ImageEntry> remote;
    for (const auto& folder : folders) {
        auto where = store::locate(as_folder(folder));
        if (!where) return std::unexpected(where.error());
        if (!where->local) {
            auto found = find_remote_images(folder, *where);
            if (!found) return std::unexpected(found.error());
            remote.insert(remote.end(), std::make_move_iterator(found->begin()), std::make_move_iterator(found->end()));
            continue;
        }
        local.push_back(folder);
        struct stat st {};
        if (::stat(folder.c_str(), &st) != 0) return std::unexpected(sys_error("open " + folder, errno));
        if (!S_ISDIR(st.st_mode))
            return std::unexpected(make_error(Errc::invalid_argument, folder + " is not a folder",
                                              "`lifeboat info IMAGE` describes one image"));
        if (::access(folder.c_str(), R_OK | X_OK) != 0) return std::unexpected(sys_error("read " + folder, errno));
    }
    auto found = find_images(local);
    found.insert(found.end(), std::make_move_iterator(remote.begin()), std::make_move_iterator(remote.end()));
    return group_by_machine(std::move(found));
}

ImageCatalog group_by_machine(std::vector<ImageEntry> entries) {
    ImageCatalog catalog;
    std::map<std::pair<std::string, std::string>, MachineImages> machines;
    for (auto& e : entries) {
        if (!e.readable) {
            catalog.unreadable.push_back(std::move(e));
            continue;
        }
        auto& m = machines[{e.host, e.source_serial}];
        m.host = e.host;
        m.source_serial = e.source_serial;
        m.images.push_back(std::move(e));
    }
    const auto newer = [](const ImageEntry& a, const ImageEntry& b) {
        return a.created != b.created ? a.created > b.created : a.path < b.path;
    };
    for (auto& [key, m] : machines) {
        std::sort(m.images.begin(), m.images.end(), newer);
        m.source_model = m.images.front().source_model;
        catalog.machines.push_back(std::move(m));
    }
    std::sort(catalog.machines.begin(), catalog.machines.end(), [&](const MachineImages& a, const MachineImages& b) {
        return newer(a.images.front(), b.images.front());
    });
    std::sort(catalog.unreadable.begin(), catalog.unreadable.end(),
              [](const ImageEntry& a, const ImageEntry& b) { return a.path < b.path; });
    return catalog;
}

}  // namespace imager::discovery
