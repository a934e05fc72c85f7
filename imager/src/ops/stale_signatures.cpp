#include "ops/stale_signatures.hpp"

#include "devices/probe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>
#include <vector>

namespace imager::ops {

namespace {

// What the kernel shows of the target once the restore is done, and so what
// blkid -p, wipefs and udev will probe: the whole target and, for a disk, each
// partition of the table written (an extended one holds no filesystem).
std::vector<std::pair<std::uint64_t, std::uint64_t>> probed_regions(const RestorePlan& plan) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> regions{{0, plan.target_size}};
    if (!plan.target_layout) return regions;
    const std::uint64_t ss = plan.target_layout->logical_sector_size;
    for (const auto& p : plan.target_layout->partitions)
        if (p.kind != "extended") regions.emplace_back(p.start_sector * ss, p.sectors() * ss);
    return regions;
}

// The target's bytes this restore wrote from the image (data and zero runs), merged.
std::vector<std::pair<std::uint64_t, std::uint64_t>> written_ranges(const RestorePlan& plan) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;  // [begin, end)
    for (const auto& r : plan.records()) {
        const auto place = std::ranges::find(plan.placements, r.stream, &Placement::stream);
        if (place == plan.placements.end() || r.offset >= place->write_limit) continue;
        const std::uint64_t at = place->target_offset + r.offset;
        ranges.emplace_back(at, at + std::min(r.length, place->write_limit - r.offset));
    }
    std::ranges::sort(ranges);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
    for (const auto& r : ranges) {
        if (!merged.empty() && r.first <= merged.back().second) merged.back().second = std::max(merged.back().second, r.second);
        else merged.push_back(r);
    }
    return merged;
}

}  // namespace

Status clear_stale_signatures(const RestorePlan& plan, Progress& progress) {
    const auto written = written_ranges(plan);
    const auto covered = [&](const devices::Signature& s) {
        const auto after = std::ranges::upper_bound(written, std::pair{s.offset, UINT64_MAX});
        return after != written.begin() && std::prev(after)->second >= s.offset + s.length;
    };
    const int fd = ::open(plan.target.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return std::unexpected(sys_error("open " + plan.target, errno));
    std::vector<std::string> cleared;
    Status status;
    for (const auto& [offset, size] : probed_regions(plan)) {
        auto found = devices::find_signatures(fd, offset, size);
        if (!found) {
            status = std::unexpected(found.error());
            break;
        }
        for (const auto& s : *found) {
            if (covered(s)) continue;
            const std::vector<char> zeros(s.length, 0);
            if (::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(s.offset)) != static_cast<ssize_t>(zeros.size())) {
                status = std::unexpected(sys_error("clear an old " + s.type + " signature at byte " +
                                                   std::to_string(s.offset) + " of " + plan.target, errno));
                break;
            }
            cleared.push_back(s.type + " at byte " + std::to_string(s.offset));
        }
        if (!status) break;
    }
    if (status && ::fsync(fd) != 0) status = std::unexpected(sys_error("sync " + plan.target, errno));
    ::close(fd);
    if (!cleared.empty()) {
        std::string list;
        for (const auto& c : cleared) list += (list.empty() ? "" : ", ") + c;
        progress.note("cleared what the old contents of " + plan.target + " left outside what the image fills: " + list);
    }
    return status;
}

}  // namespace imager::ops
