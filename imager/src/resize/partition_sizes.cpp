#include "resize/partition_sizes.hpp"

#include "imager/devices.hpp"
#include "resize/filesystems.hpp"

#include <algorithm>
#include <numeric>

namespace imager::resize {

namespace {

using devices::human_size;

constexpr std::uint64_t kMiB = 1u << 20;

std::uint64_t round_up(std::uint64_t n, std::uint64_t unit) { return (n + unit - 1) / unit * unit; }

// A partition in disk order, as the walk lays it out. Sizes in sectors.
struct Item {
    std::size_t index = 0;    // in layout.partitions
    std::uint64_t gap = 0;    // sectors from the previous item's end (the first: from sector 0)
    std::uint64_t size = 0;   // its new size
    std::uint64_t least = 0;  // the least it may be given
    std::uint64_t room = 0;   // the least an automatic shrink leaves it (its minimum and a margin)
    bool may_shrink = false;  // an automatic shrink may take from it
};

struct Walk {
    std::vector<Item> items;
    std::vector<PartitionChange> changes;  // the same order
};

const format::Stream* stream_of(const format::Manifest& m, int number) { return m.partition_stream(number); }

std::string filesystem_of(const format::Manifest& m, int number) {
    const auto* s = stream_of(m, number);
    return s && s->filesystem ? s->filesystem->type : "";
}

// The partitions in disk order with what each may become; an extended
// partition that holds logical ones follows them and is no item.
Walk walk(const disk::DiskLayout& source, const format::Manifest& m, const SizeRequest& request) {
    const std::uint64_t ss = source.logical_sector_size;
    const std::uint64_t mib = std::max<std::uint64_t>(1, kMiB / ss);
    const bool has_logicals = std::ranges::any_of(source.partitions, [](auto& p) { return p.kind == "logical"; });
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < source.partitions.size(); ++i)
        if (source.partitions[i].kind != "extended" || !has_logicals) order.push_back(i);
    std::ranges::sort(order, {}, [&](std::size_t i) { return source.partitions[i].start_sector; });
    Walk w;
    std::uint64_t previous_end = 0;  // one past the previous item
    for (const std::size_t i : order) {
        const auto& p = source.partitions[i];
        const auto* stream = stream_of(m, p.number);
        PartitionChange c;
        c.number = p.number;
        c.filesystem = filesystem_of(m, p.number);
        c.what = stream ? format::part_title(*stream)
                        : format::part_title(format::StreamRole::partition, p.number, c.filesystem, "");
        c.old_start = p.start_sector * ss;
        c.old_size = p.sectors() * ss;
        c.used = stream ? stream->used_bytes : 0;
        c.fixed_because = special_partition(p.type);
        const std::string fs_fixed = p.kind == "extended" ? "an extended partition without logical ones"
                                     : stream && stream->filesystem ? why_fixed_size(c.filesystem)
                                                                    : "the image holds it raw";
        if (c.fixed_because.empty()) c.fixed_because = fs_fixed;
        Item item{i, p.start_sector - std::min(p.start_sector, previous_end), p.sectors(), p.sectors(), p.sectors(), false};
        c.resizable = fs_fixed.empty();
        if (fs_fixed.empty()) {
            const auto measured = request.minimums.find(p.number);
            c.minimum_measured = measured != request.minimums.end();
            // Not measured (the wizard's quick look): what it uses and a tenth, and 16 MiB for its metadata.
            const std::uint64_t minimum = c.minimum_measured ? measured->second : c.used + c.used / 10 + 16 * kMiB;
            c.minimum = std::min(c.old_size, round_up(minimum, kMiB));
            item.least = std::min(p.sectors(), round_up(c.minimum / ss, mib));
            // An automatic shrink leaves a twentieth more than the minimum, and at least a MiB.
            item.room = std::min(p.sectors(), round_up((c.minimum + std::max(c.minimum / 20, kMiB)) / ss, mib));
            item.may_shrink = c.fixed_because.empty();
        } else {
            c.minimum = c.old_size;
        }
        previous_end = p.end_sector + 1;
        w.items.push_back(item);
        w.changes.push_back(std::move(c));
    }
    return w;
}

// One past the last sector the items take, laid out in order with their gaps.
std::uint64_t end_of(const std::vector<Item>& items) {
    std::uint64_t end = 0;
    for (const auto& item : items) end += item.gap + item.size;
    return end;
}

std::uint64_t usable_end(const disk::DiskLayout& source, std::uint64_t target_bytes) {
    const auto g = disk::table_geometry(source.label, target_bytes, source.logical_sector_size);
    return g.last_usable == 0 ? 0 : g.last_usable + 1;
}

// Every partition's line for a refusal: the size asked for it, or what it keeps or can shrink to.
std::string partition_lines(const Walk& w, const SizeRequest& request) {
    std::string lines;
    for (const auto& c : w.changes) {
        lines += "\n  " + c.what + ": ";
        if (const auto asked = request.sizes.find(c.number); asked != request.sizes.end())
            lines += human_size(asked->second) + " asked (it uses " + human_size(c.used) + ")";
        else if (!c.fixed_because.empty())
            lines += "keeps its " + human_size(c.old_size) + " (" + c.fixed_because + ")";
        else
            lines += "uses " + human_size(c.used) + ", can shrink to " + human_size(c.minimum);
    }
    return lines;
}

}  // namespace

std::string special_partition(const std::string& type) {
    if (type == "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" || type == "0xef") return "EFI system partition";
    if (type == "21686148-6449-6e6f-744e-656564454649") return "BIOS boot partition";
    if (type == "e3c9e316-0b5c-4db8-817d-f92df00215ae") return "Microsoft reserved partition";
    if (type == "de94bba4-06d1-4d40-a16a-bfd50179d6ac" || type == "0x27") return "Windows recovery partition";
    return "";
}

namespace {

// The bytes a disk needs whose partitions end before sector `end`: with a GPT, its backup after them.
std::uint64_t bytes_for(const disk::DiskLayout& source, std::uint64_t end) {
    const auto g = disk::table_geometry(source.label, 0, source.logical_sector_size);
    return (std::max<std::uint64_t>(end, 1) + g.backup_sectors) * source.logical_sector_size;
}

}  // namespace

std::vector<PartitionChange> partitions_of(const disk::DiskLayout& source, const format::Manifest& m,
                                           const SizeRequest& request) {
    auto changes = walk(source, m, request).changes;
    for (auto& c : changes) {
        c.new_start = c.old_start;
        c.new_size = c.old_size;
    }
    return changes;
}

std::uint64_t least_target_bytes(const disk::DiskLayout& source, const format::Manifest& m,
                                 const SizeRequest& request) {
    auto w = walk(source, m, request);
    for (auto& item : w.items) {
        const auto asked = request.sizes.find(source.partitions[item.index].number);
        if (asked != request.sizes.end()) item.size = std::max(item.least, asked->second / source.logical_sector_size);
        else if (item.may_shrink) item.size = item.least;
    }
    return bytes_for(source, end_of(w.items));
}

Result<NewLayout> lay_out(const disk::DiskLayout& source, const format::Manifest& m, std::uint64_t target_bytes,
                          const std::string& target, const SizeRequest& request) {
    const std::uint64_t ss = source.logical_sector_size;
    const std::uint64_t mib = std::max<std::uint64_t>(1, kMiB / ss);
    Walk w = walk(source, m, request);
    const auto item_of = [&](int number) {
        return std::ranges::find_if(w.items, [&](const Item& i) { return source.partitions[i.index].number == number; });
    };
    for (const auto& [number, bytes] : request.sizes) {
        const auto it = item_of(number);
        const std::string setting = request.size_control + " " + std::to_string(number) + "=" + human_size(bytes);
        if (it == w.items.end())
            return std::unexpected(make_error(Errc::invalid_argument,
                                              setting + ": the image has no partition " + std::to_string(number) +
                                                  " that holds a filesystem",
                                              "`lifeboat info IMAGE` lists its partitions"));
        const auto& c = w.changes[static_cast<std::size_t>(it - w.items.begin())];
        const std::uint64_t sectors = bytes / ss / mib * mib;
        const auto* stream = stream_of(m, number);
        const std::string fixed = stream && stream->filesystem ? why_fixed_size(c.filesystem) : "the image holds it raw";
        if (sectors != it->size && !fixed.empty())
            return std::unexpected(make_error(
                Errc::invalid_argument, setting + ": " + c.what + " keeps its size (" + fixed + ")",
                "leave out " + request.size_control + " for it; it keeps its " + human_size(c.old_size)));
        if (sectors < it->least)
            return std::unexpected(make_error(
                Errc::invalid_argument, setting + ": " + c.what + " needs at least " + human_size(c.minimum) +
                                            " (its filesystem uses " + human_size(c.used) + ")",
                "give it at least " + human_size(c.minimum)));
        it->size = sectors;
        it->may_shrink = false;
    }
    const std::uint64_t limit = usable_end(source, target_bytes);
    std::uint64_t end = end_of(w.items);
    if (end > limit) {
        // Each partition that may shrink gives the same share of its room above its margin.
        const std::uint64_t deficit = (end - limit + mib - 1) / mib;  // MiB
        const auto slack_of = [&] {
            std::uint64_t total = 0;
            for (const auto& item : w.items) total += item.may_shrink ? (item.size - item.room) / mib : 0;
            return total;
        };
        std::uint64_t slack_total = slack_of();
        if (slack_total < deficit) {  // without the margin, down to the minimums
            for (auto& item : w.items) item.room = item.least;
            slack_total = slack_of();
        }
        if (slack_total < deficit) {
            const std::uint64_t least = least_target_bytes(source, m, request);
            return std::unexpected(make_error(
                Errc::no_space,
                target + " holds " + human_size(target_bytes) + " (" + std::to_string(target_bytes) +
                    " bytes); the image's partitions need at least " + human_size(least) + " (" +
                    std::to_string(least) + " bytes) with every filesystem that can shrink at its least: " +
                    human_size(least - std::min(least, target_bytes)) + " more than it holds",
                "what each partition needs:" + partition_lines(w, request) + "\nrestore onto a disk of at least " +
                    human_size(least) + (request.sizes.empty() ? "" : ", or ask less with " + request.size_control) +
                    "; nothing was written"));
        }
        // Shares rounded down to a MiB, then a MiB more from those with the most room left, one each.
        std::uint64_t cut_total = 0;
        for (auto& item : w.items) {
            if (!item.may_shrink) continue;
            const std::uint64_t cut = deficit * ((item.size - item.room) / mib) / slack_total;
            item.size -= cut * mib;
            cut_total += cut;
        }
        while (cut_total < deficit) {
            auto largest = std::ranges::max_element(w.items, {}, [&](const Item& i) { return i.may_shrink ? i.size - i.room : 0; });
            if (largest == w.items.end() || !largest->may_shrink || largest->size - largest->room < mib) break;
            largest->size -= mib;
            ++cut_total;
        }
        end = end_of(w.items);
    }
    if (request.grow_last && !w.items.empty() && end < limit) {
        auto last = std::ranges::max_element(w.items, {}, [&](const Item& i) { return source.partitions[i.index].end_sector; });
        last->size += limit - end;
        end = limit;
    }
    if (end > limit) {
        const std::uint64_t needed = bytes_for(source, end);
        return std::unexpected(make_error(
            Errc::no_space,
            target + " holds " + human_size(target_bytes) + "; the partitions with the sizes asked need " +
                human_size(needed),
            "what each partition needs:" + partition_lines(w, request) + "\nask less with " + request.size_control +
                "; nothing was written"));
    }

    NewLayout out;
    out.layout = source;
    out.layout.size_bytes = target_bytes;
    std::uint64_t at = 0;
    for (std::size_t k = 0; k < w.items.size(); ++k) {
        auto& p = out.layout.partitions[w.items[k].index];
        at += w.items[k].gap;
        p.start_sector = at;
        p.end_sector = at + w.items[k].size - 1;
        at += w.items[k].size;
        auto& c = w.changes[k];
        c.new_start = p.start_sector * ss;
        c.new_size = w.items[k].size * ss;
    }
    // An extended partition keeps what it had before its first logical one and after its last.
    for (std::size_t i = 0; i < source.partitions.size(); ++i) {
        const auto& old_ext = source.partitions[i];
        if (old_ext.kind != "extended") continue;
        std::optional<std::size_t> first, last;
        for (std::size_t j = 0; j < source.partitions.size(); ++j) {
            if (source.partitions[j].kind != "logical") continue;
            if (!first || source.partitions[j].start_sector < source.partitions[*first].start_sector) first = j;
            if (!last || source.partitions[j].end_sector > source.partitions[*last].end_sector) last = j;
        }
        if (!first) continue;
        auto& ext = out.layout.partitions[i];
        ext.start_sector = out.layout.partitions[*first].start_sector - (source.partitions[*first].start_sector - old_ext.start_sector);
        ext.end_sector = std::min(limit - 1, out.layout.partitions[*last].end_sector +
                                                 (old_ext.end_sector - source.partitions[*last].end_sector));
    }
    out.changes = std::move(w.changes);
    return out;
}

}  // namespace imager::resize
