#include "ops/restore_plan.hpp"

#include "imager/programs.hpp"
#include "imager/text.hpp"
#include "io/block_source.hpp"
#include "ops/ops_common.hpp"
#include "resize/filesystems.hpp"
#include "resize/partition_sizes.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

namespace imager::ops {

namespace {

using devices::human_size;

constexpr std::uint64_t kClearedEnd = 1u << 20;  // the old disk's end zeroed (RestorePlan::clear_offset)

// How the filesystem of each partition that grows follows it, or a note
// saying why it keeps its size (planned, so that the dry run says so); each
// filesystem that shrinks, shrunk before the table.
void plan_resize(RestorePlan& plan) {
    const auto& src = *plan.source_layout;
    const auto& dst = *plan.target_layout;
    for (std::size_t i = 0; i < dst.partitions.size(); ++i) {
        const auto& part = dst.partitions[i];
        // An extended partition follows its logical ones; it holds no filesystem.
        if (part.sectors() == src.partitions[i].sectors() || part.kind == "extended") continue;
        const format::Stream* stream = plan.manifest().partition_stream(part.number);
        const std::string type = stream && stream->filesystem ? stream->filesystem->type : "";
        const std::string what = format::part_title(format::StreamRole::partition, part.number, type, "");
        const std::uint64_t ss = dst.logical_sector_size;
        const bool shrinks = part.sectors() < src.partitions[i].sectors();
        // partition_sizes changes only the size of what can be resized, so a stream is there.
        if (stream && stream->filesystem && resize::why_fixed_size(type).empty() && resize::resized_before_table(type, shrinks)) {
            if (!plan.image) {  // a stream (--grow from "-"): read once, it cannot be viewed again
                plan.notes.push_back(what + ": its filesystem keeps its size (FAT is made again at a new size only from "
                                            "an image read by its index: its file or URL)");
                continue;
            }
            plan.resizes.push_back({part.number, stream->id, type, part.start_sector * ss, part.sectors() * ss, shrinks});
            continue;
        }
        const auto& record = filesystems::of_type(type);
        if (!record.can_grow()) {
            plan.notes.push_back(what + ": its contents keep their size (Lifeboat grows " +
                                 filesystems::growable_titles() + ")");
            continue;
        }
        const auto missing = std::ranges::find_if(
            record.grow_commands, [](const auto& c) { return !io::have_program(filesystems::words(c, "")[0]); });
        if (missing != record.grow_commands.end()) {
            plan.notes.push_back(what + ": its filesystem keeps its size (" + filesystems::words(*missing, "")[0] +
                                 " is not installed here)");
            continue;
        }
        plan.grows.push_back({part.number, type, &record});
    }
}

// Where a stream lands when partitions move: a partition's at its new start,
// a gap's after the partition before it (gaps keep their size).
std::uint64_t moved_offset(const RestorePlan& plan, const format::Stream& s) {
    if (plan.changes.empty()) return s.offset;
    if (s.role == format::StreamRole::partition)
        for (const auto& c : plan.changes)
            if (c.number == s.partition) return c.new_start;
    const PartitionChange* before = nullptr;
    for (const auto& c : plan.changes)
        if (c.old_start + c.old_size <= s.offset && (!before || c.old_start > before->old_start)) before = &c;
    if (!before) return s.offset;
    return s.offset - (before->old_start + before->old_size) + before->new_start + before->new_size;
}

Result<RestorePlan> plan_disk(RestorePlan plan, const RestoreOptions& options, TargetFit fit) {
    const auto& m = plan.manifest();
    const auto& src = *plan.source_layout;
    if (options.partition != 0) {
        const format::Stream& s = *m.partition_stream(options.partition);  // plan_restore checked it is there
        plan.placements.push_back({s.id, 0, s.size, format::part_title(s)});
        return plan;
    }
    plan.target_layout = std::move(fit.layout);
    plan.notes = std::move(fit.notes);
    plan.changes = std::move(fit.changes);
    if (options.grow || !plan.changes.empty()) plan_resize(plan);
    // The old backup GPT is not copied: write_layout puts a new one at the target's end.
    const std::uint64_t old_backup =
        src.size_bytes - disk::table_geometry(src.label, src.size_bytes, src.logical_sector_size).backup_sectors *
                             src.logical_sector_size;
    for (const auto& s : m.streams) {
        std::uint64_t end = std::min(s.end(), old_backup);
        const std::uint64_t at = moved_offset(plan, s);
        if (s.role == format::StreamRole::partition)  // a shrunk partition: its new end
            for (const auto& c : plan.changes)
                if (c.number == s.partition) end = std::min(end, s.offset + c.new_size);
        end = std::min(end, s.offset + (plan.target_size - std::min(plan.target_size, at)));
        if (end <= s.offset) continue;
        plan.placements.push_back({s.id, at, end - s.offset, format::part_title(s), s.role == format::StreamRole::gap});
    }
    // What the restore leaves of the old disk must not look like a disk: partition tables,
    // RAID and pool labels keep copies at the end (a GPT's backup, md 0.90 and 1.0, firmware
    // RAID, Windows' LDM database, ZFS's labels 2 and 3, all in the last MiB). libparted
    // clears old tables' own sectors; the rest of that MiB past the image is zeroed here.
    std::uint64_t written_end = 0;
    for (const auto& p : plan.placements) written_end = std::max(written_end, p.target_offset + p.write_limit);
    if (!plan.create_target && plan.target_size > written_end) {
        plan.clear_offset = std::max(written_end, plan.target_size - std::min(plan.target_size, kClearedEnd));
        plan.clear_length = plan.target_size - plan.clear_offset;
    }
    return plan;
}

// The least size of each filesystem that may shrink, measured by its own tool
// on a view of the image: for a layout with resized partitions. A special
// partition (an ESP...) keeps its size, and is measured, only when `every` or
// a size is asked for it.
Result<std::map<int, std::uint64_t>> measure_minimums(const format::ImageReader& image, const RestoreOptions& options,
                                                      bool every = false) {
    std::map<int, std::uint64_t> minimums;
    const auto& m = image.manifest();
    for (const auto& p : m.disk->partitions) {
        const auto* s = m.partition_stream(p.number);
        if (!s || !s->filesystem || !resize::why_fixed_size(s->filesystem->type).empty()) continue;
        if (!every && !resize::special_partition(p.type).empty() && !options.sizes.contains(p.number)) continue;
        auto least = resize::minimum_size(image, *s);
        if (!least) {
            Error e = least.error();
            e.context = "measure how small " + format::part_title(*s) + " can be: " + e.context;
            if (e.hint.empty()) e.hint = "restore onto a disk of at least the source's size; nothing was written";
            return std::unexpected(e);
        }
        minimums[p.number] = *least;
    }
    return minimums;
}

}  // namespace

Result<RestorePlan> plan_restore(const RestoreOptions& options) {
    RestorePlan plan;
    if (options.image == "-") {
        auto stream = format::ImageStream::open(STDIN_FILENO, "standard input");
        if (!stream) return std::unexpected(stream.error());
        plan.stream = std::move(*stream);
    } else {
        auto image = format::ImageReader::open(options.image);
        if (!image) return std::unexpected(image.error());
        plan.image = std::move(*image);
    }
    plan.target = options.target;
    const auto& manifest = plan.manifest();
    if (manifest.disk) {
        plan.source_layout = manifest.disk;
    } else if (options.partition != 0 || options.grow) {
        return std::unexpected(make_error(Errc::invalid_argument, options.image + " is not a whole-disk image",
                                          "--partition and --grow apply to whole-disk images"));
    }
    if (options.partition != 0 && !manifest.partition_stream(options.partition))
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "the image has no partition " + std::to_string(options.partition),
                                          "`lifeboat info IMAGE` lists its partitions"));

    struct stat st {};
    if (::stat(options.target.c_str(), &st) != 0) {
        if (errno != ENOENT || options.target.starts_with("/dev/"))
            return std::unexpected(with_hint(sys_error("target " + options.target, errno),
                                             "check the target; `lifeboat disks` lists disks"));
        plan.create_target = true;
    } else {
        auto source = io::open_source(options.target);
        if (!source) return std::unexpected(source.error());
        plan.target_size = (*source)->size();
        auto device = devices::describe(options.target);
        if (device) plan.target_device = std::move(*device);
    }

    // A file is a disk of 512-byte sectors to libparted and the kernel's loop devices; a table
    // of 4096-byte sectors written into a new one could not be written, nor read back.
    if (plan.create_target && manifest.disk && options.partition == 0 && manifest.disk->logical_sector_size != 512)
        return std::unexpected(make_error(
            Errc::sector_size_mismatch,
            "refusing to restore onto " + options.target + ": a new file has 512-byte sectors, the image's disk " +
                std::to_string(manifest.disk->logical_sector_size) + "-byte ones",
            "restore onto a disk with " + std::to_string(manifest.disk->logical_sector_size) +
                "-byte sectors (over a file: losetup -b " + std::to_string(manifest.disk->logical_sector_size) +
                " -f --show FILE); nothing was written"));
    // A new file is made as large as what it receives: the source disk, the partition or filesystem.
    if (plan.create_target)
        plan.target_size = manifest.disk && options.partition == 0
                               ? manifest.disk->size_bytes
                               : fit_image(manifest, 0, options).needed_bytes;
    std::map<int, std::uint64_t> minimums;
    if (manifest.disk && options.partition == 0 && !plan.create_target &&
        (!options.sizes.empty() || plan.target_size < disk::bytes_needed(*manifest.disk))) {
        if (!plan.image)
            return std::unexpected(make_error(
                Errc::invalid_argument,
                "partitions are resized (a smaller target, " + options.size_control + ") only from an image read by its index",
                "restore from the image's file or URL, not standard input; nothing was written"));
        auto measured = measure_minimums(*plan.image, options);
        if (!measured) return std::unexpected(measured.error());
        minimums = std::move(*measured);
    } else if (!options.sizes.empty() && plan.create_target) {
        return std::unexpected(make_error(
            Errc::invalid_argument, options.size_control + " needs a target of a known size: " + options.target + " does not exist",
            "restore onto a disk, or make the file first at the size it should have (truncate -s SIZE FILE)"));
    } else if (!options.sizes.empty()) {
        return std::unexpected(make_error(Errc::invalid_argument, options.size_control + " applies to a whole-disk image restored whole"));
    }
    auto fit = fit_image(manifest, plan.target_size, options, minimums);
    plan.needed_size = fit.needed_bytes;
    if (!fit.fits && fit.refusal) return std::unexpected(*fit.refusal);
    if (!fit.fits)
        return std::unexpected(make_error(
            Errc::no_space,
            options.target + " holds " + std::to_string(plan.target_size) + " bytes; the image needs " +
                std::to_string(plan.needed_size) + " (" + std::to_string(plan.needed_size - plan.target_size) +
                " bytes missing)",
            "restore onto a target of at least " + human_size(plan.needed_size) + "; nothing was written"));
    if (plan.source_layout) {
        auto disk = plan_disk(std::move(plan), options, std::move(fit));
        if (!disk) return std::unexpected(disk.error());
        plan = std::move(*disk);
    } else {
        const auto& s = manifest.streams.front();
        plan.placements.push_back({s.id, 0, s.size, format::part_title(s)});
    }
    if (plan.stream) {  // restore.cpp keeps these until the whole stream is checked
        std::uint64_t outside = 0;
        for (const auto& p : plan.placements)
            if (p.outside_partitions) outside += manifest.stream(p.stream)->used_bytes;
        if (outside > kStreamKeptOutsidePartitions)
            return std::unexpected(make_error(
                Errc::invalid_argument,
                "the image holds " + human_size(outside) + " outside its partitions (more than " +
                    human_size(kStreamKeptOutsidePartitions) + "), which a restore from a stream keeps in memory",
                "restore it from its file or URL; nothing was written"));
    }
    if (plan.target_layout)  // the table is written last: its checks come before the first byte
        if (auto s = disk::check_layout(*plan.target_layout, plan.target_size, options.target); !s)
            return std::unexpected(s.error());
    if (auto s = check_target(options, plan); !s) return std::unexpected(s.error());
    return plan;
}

Status check_target(const RestoreOptions& options, const RestorePlan& plan) {
    if (plan.create_target) return {};
    auto now = devices::describe(options.target);
    if (!now) return std::unexpected(now.error());
    const auto refuse = [&](Errc code, const std::string& why, const std::string& hint) {
        return std::unexpected(make_error(code, "refusing to restore onto " + options.target + ": " + why,
                                          hint + "; nothing was written"));
    };
    if (now->size != plan.target_size || (options.expect_size && now->size != options.expect_size) ||
        (!options.expect_serial.empty() && now->serial != options.expect_serial))
        return refuse(Errc::target_changed, "its size or serial changed since it was chosen",
                      "check which disk this is and choose it again");
    if (plan.source_layout && options.partition == 0 &&
        now->logical_sector_size != plan.source_layout->logical_sector_size)
        return refuse(Errc::sector_size_mismatch,
                      "its sectors are " + std::to_string(now->logical_sector_size) + " bytes, the image's " +
                          std::to_string(plan.source_layout->logical_sector_size),
                      "restore onto a disk with " + std::to_string(plan.source_layout->logical_sector_size) +
                          "-byte sectors");
    for (std::uint32_t v = 1; plan.image && v <= plan.image->volume_count(); ++v)
        if (devices::reads_from(format::volume_name(options.image, v), options.target))
            return refuse(Errc::target_holds_image, "the image is stored on it",
                          "put the image on another disk, or restore onto another disk");
    if (now->in_use())
        return refuse(Errc::target_in_use, "something on it is mounted or used as swap",
                      "unmount it (and swapoff) first");
    std::ifstream boot("/run/lifeboat/boot-device");
    std::string boot_device;
    if (boot && std::getline(boot, boot_device) && !boot_device.empty() &&
        devices::reads_from(boot_device, options.target))
        return refuse(Errc::target_is_boot_medium, "Lifeboat is running from it",
                      "restore onto another disk, or boot Lifeboat from other media (or copy it to RAM)");
    return {};
}

std::string RestorePlan::text() const {
    std::ostringstream out;
    const auto& m = manifest();
    // Names and labels from the image or the target are escaped: a newline in one would fake a line.
    out << "Image   " << printable(image ? image->path() : stream->name()) << "  (" << printable(m.host) << ", " << m.created << ")\n";
    out << "Target  " << target << "  " << human_size(target_size)
        << (create_target ? "  (a new file)" : "") << "\n";
    if (source_layout && target_layout) {
        const auto& s = *source_layout;
        const auto& t = *target_layout;
        out << "Table   " << s.label << " " << s.disk_id << ", " << s.partitions.size() << " partitions, ";
        if (t.size_bytes == s.size_bytes)
            out << "as on the source disk (" << human_size(s.size_bytes) << ")\n";
        else
            out << "written for this target's " << human_size(t.size_bytes) << " (the source disk had "
                << human_size(s.size_bytes) << ")\n";
        out << "  #  IMAGE START   IMAGE SIZE  ->  TARGET START  TARGET SIZE  TYPE\n";
        for (std::size_t i = 0; i < s.partitions.size() && i < t.partitions.size(); ++i) {
            const auto& a = s.partitions[i];
            const auto& b = t.partitions[i];
            const auto type = devices::partition_type_name(a.type);
            char line[256];
            std::snprintf(line, sizeof line, "  %-2d %-13s %-11s     %-13s %-11s  %s\n", a.number,
                          human_size(a.start_sector * s.logical_sector_size).c_str(),
                          human_size(a.sectors() * s.logical_sector_size).c_str(),
                          human_size(b.start_sector * t.logical_sector_size).c_str(),
                          human_size(b.sectors() * t.logical_sector_size).c_str(),
                          (type.empty() ? a.type : type).c_str());
            out << line;
        }
    }
    if (!changes.empty()) {
        out << "Sizes   the partitions laid out again for this target (docs/SHRINK.md)\n";
        for (const auto& c : changes) {
            out << "  " << printable(c.what) << ": ";
            if (c.shrinks() || c.grows()) {
                out << (c.shrinks() ? "shrinks " : "grows ") << human_size(c.old_size) << " -> " << human_size(c.new_size);
                if (!c.fixed_because.empty()) {
                    out << " (its contents keep their size: " << c.fixed_because << ")";
                } else if (c.filesystem == "swap") {
                    out << " (a new swap header)";
                } else {
                    out << "; its filesystem uses " << human_size(c.used) << ", keeps "
                        << human_size(c.new_size - std::min(c.new_size, c.used)) << " free (at least "
                        << human_size(c.minimum) << (c.minimum_measured ? "" : ", estimated") << ")";
                }
            } else {
                out << "keeps its " << human_size(c.old_size);
                if (!c.fixed_because.empty()) out << " (" << c.fixed_because << ")";
            }
            if (c.moves()) out << "; moves from byte " << c.old_start << " to " << c.new_start;
            out << "\n";
        }
    }
    out << "Writes\n";
    for (const auto& p : placements)
        out << "  " << p.what << ": " << human_size(p.write_limit) << " at byte " << p.target_offset << "\n";
    if (clear_length > 0)
        out << "  zeros: the last " << human_size(clear_length) << " of the disk, past the image (old labels there)\n";
    out << "  zeros over the magic of any signature the old contents leave where the image writes nothing "
           "(as wipefs -a)\n";
    for (const auto& step : resizes) {
        out << "  partition " << step.partition << " (" << step.filesystem << "): ";
        const auto& record = filesystems::of_type(step.filesystem);
        if (record.resizer == filesystems::Resizer::header)
            out << "a swap header for " << human_size(step.size) << "\n";
        else if (record.resizer == filesystems::Resizer::remake)
            out << "made again at " << human_size(step.size) << " (mkfs.fat), its files copied from the image (mcopy)\n";
        else
            out << "shrunk to " << human_size(step.size) << " by "
                << filesystems::words(record.shrink_commands.back(), "")[0]
                << ", what lies past its new end read from the image\n";
    }
    if (target_layout) out << "  the partition table, last\n";
    if (target_layout && m.bytes_left_out() > 0)
        out << "Leaves  " << human_size(m.bytes_left_out())
            << " outside every partition as they are: the image holds only what boot loaders and tables "
               "use there (captured without --all-gaps)\n";
    if (target_device) {
        out << "Erases  everything on " << target;
        if (!target_device->table_type.empty())
            out << " (now: " << target_device->table_type << ", " << target_device->partitions.size()
                << " partitions";
        for (const auto& p : target_device->partitions)
            if (p.filesystem)
                out << "; " << p.number << ": " << printable(p.filesystem->type)
                    << (p.filesystem->label.empty() ? "" : " '" + printable(p.filesystem->label) + "'");
        if (!target_device->table_type.empty()) out << ")";
        if (target_device->filesystem) out << " (now: " << printable(target_device->filesystem->type) << ")";
        out << "\n";
    }
    for (const auto& n : notes) out << "Note    " << n << "\n";
    return out.str();
}

}  // namespace imager::ops

namespace imager {

Result<std::map<int, std::uint64_t>> measure_minimums(const std::string& image) {
    auto reader = format::ImageReader::open(image);
    if (!reader) return std::unexpected(reader.error());
    if (!(*reader)->manifest().disk) return std::map<int, std::uint64_t>{};
    return ops::measure_minimums(**reader, {}, true);
}

}  // namespace imager
