#include "devices/usage.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <limits>
#include <sstream>

namespace imager::devices {

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// mountinfo and swaps escape space, tab, newline and backslash as \ooo.
std::string unescape_octal(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            const std::string digits = s.substr(i + 1, 3);
            if (digits.find_first_not_of("01234567") == std::string::npos) {
                out += static_cast<char>(std::stoi(digits, nullptr, 8));
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

}  // namespace

std::string strip_deleted(std::string path) {
    const std::string suffix = " (deleted)";
    if (path.size() > suffix.size() && path.ends_with(suffix)) path.resize(path.size() - suffix.size());
    return path;
}

Result<Identity> identify(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::unexpected(sys_error("stat " + path, errno));
    Identity id;
    id.block = S_ISBLK(st.st_mode);
    if (id.block) {
        id.rdev = st.st_rdev;
    } else {
        id.dev = st.st_dev;
        id.ino = st.st_ino;
    }
    return id;
}

std::vector<UsageMap::Mount> UsageMap::parse_mountinfo(const std::string& text) {
    // "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw"
    std::vector<Mount> mounts;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string id, parent, majmin, root, mountpoint;
        if (!(fields >> id >> parent >> majmin >> root >> mountpoint)) continue;
        // Optional fields ("shared:1"), then "-", the filesystem type and the source.
        std::string field, fstype, source;
        while (fields >> field && field != "-") {
        }
        fields >> fstype >> source;
        source = unescape_octal(source);
        const auto colon = majmin.find(':');
        if (colon == std::string::npos) continue;
        try {
            const auto major = std::stoul(majmin.substr(0, colon));
            const auto minor = std::stoul(majmin.substr(colon + 1));
            // Anonymous device numbers: proc, tmpfs and overlay have no device
            // behind them, but btrfs and FUSE filesystems do, named only by the
            // source; load() resolves those that name a path.
            if (major == 0 && !source.starts_with('/')) continue;
            mounts.push_back({major == 0 ? dev_t{0} : makedev(major, minor), unescape_octal(mountpoint), source});
        } catch (...) {
            continue;
        }
    }
    return mounts;
}

std::vector<std::string> UsageMap::parse_swaps(const std::string& text) {
    // "Filename  Type  Size  Used  Priority", then one line per active swap.
    std::vector<std::string> paths;
    std::istringstream lines(text);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string path;
        if (fields >> path) paths.push_back(unescape_octal(path));
    }
    return paths;
}

UsageMap UsageMap::load(const SystemPaths& paths, const std::vector<sysfs::BlockDevice>& devices) {
    UsageMap map;
    for (auto& m : parse_mountinfo(read_file(paths.proc + "/self/mountinfo"))) {
        if (m.devnum == 0) {
            auto id = identify(m.source);
            if (!id || !id->block) continue;
            m.devnum = id->rdev;
        }
        map.mounts_.push_back(std::move(m));
    }
    for (const auto& swap : parse_swaps(read_file(paths.proc + "/swaps"))) {
        if (auto id = identify(swap); id && id->block) map.swap_devices_.push_back(id->rdev);
    }
    for (const auto& d : devices) {
        for (const auto& p : d.partitions) map.partition_nodes_.push_back({p.devnum, d.devnum, p.start, p.size});
        if (!d.is_loop) continue;
        auto backing = identify(strip_deleted(d.loop.backing_file));
        if (backing) map.loops_.push_back({*backing, d.devnum, d.loop.offset, d.loop.size_limit});
    }
    return map;
}

void UsageMap::collect(const Identity& target, std::uint64_t base, std::vector<Use>& out, int depth) const {
    if (depth > 8) return;  // loops of loops of loops: deep enough for anything real
    if (target.block) {
        for (const auto& m : mounts_)
            if (m.devnum == target.rdev) out.push_back({base, 0, m.mountpoint, false});
        for (const auto dev : swap_devices_)
            if (dev == target.rdev) out.push_back({base, 0, {}, true});
        for (const auto& node : partition_nodes_) {
            if (node.parent != target.rdev) continue;
            Identity part{true, node.devnum, 0, 0};
            std::vector<Use> inner;
            collect(part, base + node.start, inner, depth + 1);
            for (auto& u : inner) u.size = u.size ? u.size : node.size;
            out.insert(out.end(), inner.begin(), inner.end());
        }
    }
    for (const auto& loop : loops_) {
        if (!(loop.backing == target)) continue;
        Identity dev{true, loop.devnum, 0, 0};
        std::vector<Use> inner;
        collect(dev, base + loop.offset, inner, depth + 1);
        for (auto& u : inner) u.size = u.size ? u.size : loop.size_limit;
        out.insert(out.end(), inner.begin(), inner.end());
    }
}

// A loop device shares its bytes with everything else stacked on its backing
// file or device: another loop over the same range, mounted, uses it too.
// Uses of the backing that overlap this loop's window are added, moved to the
// loop's own offsets (uses through the loop itself come back as duplicates,
// which callers already merge).
void UsageMap::collect_shared(const Identity& target, std::vector<Use>& out, int depth) const {
    if (depth > 8 || !target.block) return;
    constexpr auto to_end = std::numeric_limits<std::uint64_t>::max();
    for (const auto& loop : loops_) {
        if (loop.devnum != target.rdev) continue;
        std::vector<Use> wider;
        collect(loop.backing, 0, wider, 0);
        collect_shared(loop.backing, wider, depth + 1);
        const std::uint64_t window_end = loop.size_limit ? loop.offset + loop.size_limit : to_end;
        for (const auto& u : wider) {
            const std::uint64_t use_end = u.size ? u.start + u.size : to_end;
            if (u.start >= window_end || use_end <= loop.offset) continue;
            Use moved = u;
            moved.start = u.start > loop.offset ? u.start - loop.offset : 0;
            const std::uint64_t end = std::min(use_end, window_end);
            moved.size = end == to_end ? 0 : end - loop.offset - moved.start;
            out.push_back(std::move(moved));
        }
    }
}

std::vector<Use> UsageMap::uses_of(const Identity& target) const {
    std::vector<Use> out;
    collect(target, 0, out, 0);
    collect_shared(target, out, 0);
    return out;
}

}  // namespace imager::devices
