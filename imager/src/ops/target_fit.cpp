// fit_image(): does an image fit a target, and with what notes and layout
// (partitions resized: resize/partition_sizes.hpp). The restore plan refuses
// and explains with it; the wizard marks disks with it.
#include "imager/devices.hpp"
#include "imager/image_ops.hpp"
#include "resize/partition_sizes.hpp"

#include <algorithm>

namespace imager {

namespace {

using devices::human_size;

// The partition that ends last, the one --grow grows (never an extended one:
// on MBR it may be a logical partition), by index; none when there is none.
std::optional<std::size_t> last_partition(const disk::DiskLayout& l) {
    std::optional<std::size_t> last;
    for (std::size_t i = 0; i < l.partitions.size(); ++i)
        if (l.partitions[i].kind != "extended" &&
            (!last || l.partitions[i].end_sector > l.partitions[*last].end_sector))
            last = i;
    return last;
}

// Grows the last partition to the end of a larger target. On MBR that may be
// a logical partition: the extended partition holding it grows with it.
void grow_last(disk::DiskLayout& l, std::uint64_t end, const std::string& control, std::vector<std::string>& notes) {
    const auto found = last_partition(l);
    if (!found) {
        notes.push_back(control + ": there is no partition to grow");
        return;
    }
    auto& last = l.partitions[*found];
    if (end <= last.end_sector) return;
    notes.push_back("partition " + std::to_string(last.number) + " grows by " +
                    human_size((end - last.end_sector) * l.logical_sector_size) + " to the end of the disk");
    if (last.kind == "logical")
        for (auto& p : l.partitions)
            if (p.kind == "extended") p.end_sector = end;
    last.end_sector = end;
}

}  // namespace

TargetFit fit_image(const format::Manifest& m, std::uint64_t target_bytes, const RestoreOptions& options,
                    const std::map<int, std::uint64_t>& minimums) {
    TargetFit fit;
    if (!m.disk || options.partition != 0) {
        const format::Stream* s = m.disk ? m.partition_stream(options.partition) : &m.streams.front();
        fit.needed_bytes = s ? s->size : 0;
        fit.fits = s && target_bytes >= fit.needed_bytes;
        return fit;
    }
    const disk::DiskLayout& source = *m.disk;
    const unsigned ss = source.logical_sector_size;
    fit.needed_bytes = disk::bytes_needed(source);
    fit.fits = target_bytes >= fit.needed_bytes;
    const std::uint64_t last_usable = disk::table_geometry(source.label, target_bytes, ss).last_usable;
    const auto last = last_partition(source);
    if (last) {
        const auto& p = source.partitions[*last];
        fit.last_partition = p.number;
        fit.room_after_last = last_usable > p.end_sector ? (last_usable - p.end_sector) * ss : 0;
    }
    if (!options.sizes.empty() || (!fit.fits && target_bytes > 0)) {
        // Partitions resized: a smaller target, or sizes the person chose (docs/SHRINK.md).
        const resize::SizeRequest request{options.sizes, minimums, options.grow, options.size_control};
        auto laid = resize::lay_out(source, m, target_bytes, options.target, request);
        if (!laid) {
            fit.fits = false;
            fit.refusal = laid.error();
            return fit;
        }
        fit.fits = true;
        fit.layout = std::move(laid->layout);
        fit.changes = std::move(laid->changes);
        return fit;
    }
    if (!fit.fits) return fit;
    fit.layout = source;
    fit.layout->size_bytes = target_bytes;
    const std::string& control = options.grow_control;
    if (options.grow) {
        grow_last(*fit.layout, last_usable, control, fit.notes);
    } else if (last && target_bytes >= source.size_bytes + (1u << 20) && fit.room_after_last > 0) {
        // A target at least 1 MiB larger than the source (less is alignment slack).
        const auto number = std::to_string(fit.last_partition);
        fit.notes.push_back(options.target + " is " + human_size(target_bytes - source.size_bytes) +
                            " larger than the source disk; the " + human_size(fit.room_after_last) +
                            " after partition " + number + " stay in no partition (" + control +
                            " lets partition " + number + " fill them)");
    }
    return fit;
}

std::vector<PartitionChange> image_partitions(const format::Manifest& m, const std::map<int, std::uint64_t>& minimums) {
    if (!m.disk) return {};
    resize::SizeRequest request;
    request.minimums = minimums;
    return resize::partitions_of(*m.disk, m, request);
}

}  // namespace imager
