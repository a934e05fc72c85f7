// read_layout / write_layout (imager/disk_layout.hpp): libparted for what it
// does well, raw bytes for what libparted 3.5 cannot read or set.
//
// Reading: the raw table is validated FIRST (a protective MBR means a GPT;
// otherwise libparted's probe, which reads sector 0 only, names the label),
// so libparted never parses a hostile table: it asserts on some GPTs and
// recurses without bound through a looping EBR chain. libparted then gives
// the label, sector sizes, numbers, geometry and flags; the raw GPT gives
// the disk GUID, first/last usable LBA and each
// entry's type GUID, unique GUID, attribute bits and name (libparted's names
// go through iconv with the locale's codeset: ASCII in the rescue system);
// the raw MBR/EBR chain (mbr_raw) gives each partition's type id, boot
// indicator and the disk signature. The two views are cross-checked.
//
// Writing: validate the layout, refuse a target with another logical sector
// size (target_refused) or too small (no_space, nothing written), then
// libparted writes a fresh table with every partition at exactly its sectors
// and number (parted_table.cpp), then the raw patch sets what libparted
// cannot: GPT disk GUID, type/unique GUIDs, attributes, names, first usable
// LBA and all three CRCs; MBR type ids, boot indicators and disk signature.
// The MBR boot code (bytes 0..439) read before is put back if libparted
// changed it (it writes its own into an MBR whose first byte is 0). For an
// msdos table, a stale GPT header left at LBA 1 or at the last LBA (a disk
// that was GPT before) is zeroed unless a partition covers it, so no tool
// mistakes the disk for a GPT one. Finally the table is read back and
// compared. Nothing else on the disk is written.
#include "imager/disk_layout.hpp"

#include "disk/gpt_raw.hpp"
#include "disk/mbr_raw.hpp"
#include "disk/parted_table.hpp"
#include "disk/text.hpp"
#include "io/block_source.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <set>

namespace imager::disk {

namespace {

constexpr std::uint64_t gpt_array_bytes = 128 * 128;  // libparted writes 128 entries of 128 bytes
constexpr std::uint64_t boot_code_bytes = 440;

Error invalid(const std::string& what) {
    return make_error(Errc::invalid_argument, "the partition layout is not valid: " + what);
}

Result<std::vector<std::byte>> read_sector(io::BlockSource& src, std::uint64_t lba, unsigned ss) {
    std::vector<std::byte> s(ss);
    if (auto r = src.read_at(lba * ss, s); !r) return std::unexpected(r.error());
    return s;
}

// ---- reading ----

Result<DiskLayout> merge_gpt(const PartedTable& parted, const gpt::Table& raw, std::uint64_t size,
                             const std::string& path) {
    DiskLayout l{.label = "gpt",
                 .size_bytes = size,
                 .logical_sector_size = parted.logical_sector_size,
                 .physical_sector_size = parted.physical_sector_size,
                 .disk_id = gpt::guid_to_text(raw.primary.disk_guid),
                 .first_usable = raw.primary.first_usable,
                 .last_usable = raw.primary.last_usable,
                 .partitions = {}};
    if (parted.partitions.size() != raw.entries.size())
        return std::unexpected(
            make_error(Errc::internal, cat("libparted sees ", parted.partitions.size(), " partitions on ", path,
                                           ", the raw GPT ", raw.entries.size())));
    for (const PartedPartition& p : parted.partitions) {
        const auto e = std::ranges::find(raw.entries, p.number, &gpt::Entry::number);
        if (e == raw.entries.end() || e->first_lba != p.start_sector || e->last_lba != p.end_sector)
            return std::unexpected(make_error(
                Errc::internal, cat("libparted and the raw GPT of ", path, " disagree about partition ", p.number)));
        l.partitions.push_back({p.number, p.start_sector, p.end_sector, gpt::guid_to_text(e->type),
                                gpt::guid_to_text(e->unique), e->name, e->attributes, p.flags, ""});
    }
    return l;
}

Result<DiskLayout> merge_mbr(const PartedTable& parted, const mbr::Table& raw, std::uint64_t size,
                             const std::string& path) {
    DiskLayout l{.label = "msdos",
                 .size_bytes = size,
                 .logical_sector_size = parted.logical_sector_size,
                 .physical_sector_size = parted.physical_sector_size,
                 .disk_id = hex(raw.signature, 8),
                 .first_usable = 0,
                 .last_usable = 0,
                 .partitions = {}};
    if (parted.partitions.size() != raw.records.size())
        return std::unexpected(
            make_error(Errc::internal, cat("libparted sees ", parted.partitions.size(), " partitions on ", path,
                                           ", the raw MBR ", raw.records.size())));
    for (const PartedPartition& p : parted.partitions) {
        const auto r = std::ranges::find_if(raw.records, [&](const mbr::Record& rec) {
            return rec.start == p.start_sector && rec.start + rec.sectors - 1 == p.end_sector;
        });
        if (r == raw.records.end() || r->number != p.number || r->kind != p.kind)
            return std::unexpected(make_error(
                Errc::internal, cat("libparted and the raw MBR of ", path, " disagree about partition ", p.number)));
        l.partitions.push_back({p.number, p.start_sector, p.end_sector, hex(r->type, 2), "", "",
                                r->boot == 0x80 ? 0x80u : 0u, p.flags, p.kind});
    }
    return l;
}

// ---- writing: validation and the raw patch plan ----

struct GptPlan {
    gpt::Patch patch;
    std::uint64_t first_usable = 0;  // what the written table will say
};

struct MbrPlan {
    std::optional<std::uint32_t> signature;
    std::vector<mbr::RecordPatch> records;
};

struct Plan {
    DiskLayout layout;  // normalised: sorted by number, msdos kinds filled in
    GptPlan gpt;
    MbrPlan mbr;
};

Status check_common(const DiskLayout& l) {
    std::set<int> numbers;
    for (const auto& p : l.partitions) {
        if (p.number < 1) return std::unexpected(invalid(cat("partition number ", p.number)));
        if (!numbers.insert(p.number).second)
            return std::unexpected(invalid(cat("partition ", p.number, " appears twice")));
        if (p.end_sector < p.start_sector || p.start_sector == 0)
            return std::unexpected(
                invalid(cat("partition ", p.number, " spans sectors ", p.start_sector, "..", p.end_sector)));
    }
    return {};
}

// Partitions that hold data (not the extended container) must not overlap.
Status check_no_overlap(std::vector<const PartitionEntry*> parts) {
    std::ranges::sort(parts, {}, &PartitionEntry::start_sector);
    for (std::size_t i = 1; i < parts.size(); ++i)
        if (parts[i]->start_sector <= parts[i - 1]->end_sector)
            return std::unexpected(
                invalid(cat("partitions ", parts[i - 1]->number, " and ", parts[i]->number, " overlap")));
    return {};
}

Error too_small(const std::string& path, std::uint64_t missing_sectors, unsigned ss, const std::string& what) {
    const std::uint64_t bytes = missing_sectors * ss;
    const std::string mib = bytes >= (1 << 20) ? cat(" (", (bytes + (1 << 20) - 1) >> 20, " MiB)") : "";
    return make_error(Errc::no_space,
                      cat(path, " is ", bytes, " bytes", mib, " too small for this partition layout: ", what),
                      "restore onto a disk at least that much larger");
}

// Also normalises the GUID texts to lowercase, as read_layout gives them.
Result<GptPlan> plan_gpt(DiskLayout& l, const PartedDevice& dev, const std::string& path) {
    const unsigned ss = dev.logical_sector_size;
    const auto geometry = table_geometry("gpt", dev.length_sectors * ss, ss);
    const std::uint64_t first = geometry.first_usable;
    GptPlan plan;
    if (!l.disk_id.empty()) {
        plan.patch.disk_guid = gpt::guid_from_text(l.disk_id);
        if (!plan.patch.disk_guid) return std::unexpected(invalid("disk GUID \"" + l.disk_id + "\""));
        l.disk_id = gpt::guid_to_text(*plan.patch.disk_guid);
    }
    std::uint64_t min_start = UINT64_MAX;
    std::uint64_t max_end = 0;
    std::vector<const PartitionEntry*> all;
    for (auto& p : l.partitions) {
        const std::string what = cat("partition ", p.number);
        if (p.number > 128)
            return std::unexpected(make_error(Errc::unsupported, what + ": libparted writes GPTs of 128 entries"));
        if (!p.kind.empty() && p.kind != "primary")
            return std::unexpected(invalid(what + " has kind \"" + p.kind + "\" on a GPT"));
        p.kind.clear();
        gpt::EntryPatch e{p.number, {}, std::nullopt, p.attributes, {}};
        const auto type = gpt::guid_from_text(p.type);
        if (!type || gpt::is_zero(*type)) return std::unexpected(invalid(what + " has type \"" + p.type + "\""));
        e.type = *type;
        p.type = gpt::guid_to_text(*type);
        if (!p.uuid.empty()) {
            e.unique = gpt::guid_from_text(p.uuid);
            if (!e.unique) return std::unexpected(invalid(what + " has GUID \"" + p.uuid + "\""));
            p.uuid = gpt::guid_to_text(*e.unique);
        }
        const auto name = gpt::name_from_utf8(p.name);
        if (!name) return std::unexpected(invalid(what + "'s name is not UTF-8 or longer than 36 UTF-16 units"));
        e.name = *name;
        if (p.start_sector < first)
            return std::unexpected(
                make_error(Errc::unsupported, cat(what, " starts at sector ", p.start_sector, ", before sector ", first,
                                                  " where a GPT of 128 entries leaves room")));
        min_start = std::min(min_start, p.start_sector);
        max_end = std::max(max_end, p.end_sector);
        plan.patch.entries.push_back(e);
        all.push_back(&p);
    }
    if (auto s = check_no_overlap(all); !s) return std::unexpected(s.error());
    if (l.first_usable > min_start && !l.partitions.empty())
        return std::unexpected(
            invalid(cat("the first usable sector ", l.first_usable, " lies after partition starts")));
    // An older table may have had fewer entries (first usable < 34): keep libparted's.
    plan.first_usable = std::max<std::uint64_t>(first, l.first_usable);
    if (plan.first_usable != first) plan.patch.first_usable = plan.first_usable;

    // Room for both tables and one sector between them.
    const std::uint64_t least = geometry.first_usable + 1 + geometry.backup_sectors;
    if (dev.length_sectors < least)
        return std::unexpected(too_small(path, least - dev.length_sectors, ss, "no room for a GPT"));
    const std::uint64_t last = geometry.last_usable;
    if (max_end > last)
        return std::unexpected(too_small(
            path, max_end - last, ss,
            cat("the last partition ends at sector ", max_end, ", the target's last usable sector is ", last)));
    return plan;
}

Result<std::uint8_t> mbr_type(const PartitionEntry& p) {
    const std::string_view t = p.type;
    unsigned value = 0;
    if (t.size() < 3 || t.size() > 4 || !t.starts_with("0x") ||
        std::from_chars(t.data() + 2, t.data() + t.size(), value, 16).ptr != t.data() + t.size() || value == 0)
        return std::unexpected(invalid(cat("partition ", p.number, " has MBR type \"", p.type, "\"")));
    return static_cast<std::uint8_t>(value);
}

// Fills in kinds, checks the primary/extended/logical structure.
Status check_mbr_structure(DiskLayout& l, std::vector<std::uint8_t>& types) {
    const PartitionEntry* ext = nullptr;
    int next_logical = 5;
    std::uint64_t prev_logical_end = 0;
    for (std::size_t i = 0; i < l.partitions.size(); ++i) {
        PartitionEntry& p = l.partitions[i];
        const std::string what = cat("partition ", p.number);
        if (p.kind.empty())
            p.kind = p.number >= 5 ? "logical" : mbr::is_extended_type(types[i]) ? "extended" : "primary";
        const bool logical = p.kind == "logical";
        if (p.kind != "primary" && p.kind != "extended" && !logical)
            return std::unexpected(invalid(what + " has kind \"" + p.kind + "\""));
        if (logical != (p.number >= 5)) return std::unexpected(invalid(what + " is numbered as the wrong kind"));
        if (p.number > static_cast<int>(kMaxMsdosPartitions))
            return std::unexpected(make_error(
                Errc::unsupported, cat(what, ": an msdos table holds at most ", kMaxMsdosPartitions, " partitions")));
        if ((p.kind == "extended") != mbr::is_extended_type(types[i]))
            return std::unexpected(invalid(cat(what, " is ", p.kind, " but has type ", p.type)));
        if (p.attributes != 0 && p.attributes != 0x80)
            return std::unexpected(
                invalid(cat(what, " has MBR attributes ", hex(p.attributes, 1), " (only 0x80, bootable, exists)")));
        if (p.start_sector > 0xFFFFFFFFu || p.sectors() > 0xFFFFFFFFu)
            return std::unexpected(
                make_error(Errc::unsupported, what + " lies beyond what an MBR can address (2^32 sectors)"));
        if (p.kind == "extended") {
            if (ext != nullptr) return std::unexpected(invalid("more than one extended partition"));
            ext = &p;
        }
        if (logical) {
            if (ext == nullptr)
                return std::unexpected(invalid(what + " is logical but there is no extended partition"));
            if (p.number != next_logical++)
                return std::unexpected(invalid("logical partitions are not numbered 5, 6, ..."));
            if (p.start_sector <= std::max(ext->start_sector, prev_logical_end + 1) || p.end_sector > ext->end_sector)
                return std::unexpected(invalid(what + " is not inside the extended partition with room for its EBR"));
            prev_logical_end = p.end_sector;
        }
    }
    return {};
}

Result<MbrPlan> plan_mbr(DiskLayout& l, const PartedDevice& dev, const std::string& path) {
    MbrPlan plan;
    if (!l.disk_id.empty()) {
        const std::string_view id = l.disk_id;
        std::uint32_t sig = 0;
        if (id.size() < 3 || id.size() > 10 || !id.starts_with("0x") ||
            std::from_chars(id.data() + 2, id.data() + id.size(), sig, 16).ptr != id.data() + id.size())
            return std::unexpected(invalid("disk signature \"" + l.disk_id + "\""));
        plan.signature = sig;
        l.disk_id = hex(sig, 8);
    }
    std::vector<std::uint8_t> types;
    for (const auto& p : l.partitions) {
        auto t = mbr_type(p);
        if (!t) return std::unexpected(t.error());
        types.push_back(*t);
    }
    for (std::size_t i = 0; i < types.size(); ++i) l.partitions[i].type = hex(types[i], 2);
    if (auto s = check_mbr_structure(l, types); !s) return std::unexpected(s.error());
    std::vector<const PartitionEntry*> top;
    std::vector<const PartitionEntry*> logicals;
    std::uint64_t max_end = 0;
    for (std::size_t i = 0; i < l.partitions.size(); ++i) {
        const auto& p = l.partitions[i];
        (p.kind == "logical" ? logicals : top).push_back(&p);
        max_end = std::max(max_end, p.end_sector);
        plan.records.push_back({p.start_sector, p.sectors(), types[i], p.attributes == 0x80});
    }
    if (auto s = check_no_overlap(top); !s) return std::unexpected(s.error());
    if (max_end >= dev.length_sectors)
        return std::unexpected(too_small(
            path, max_end + 1 - dev.length_sectors, dev.logical_sector_size,
            cat("the last partition ends at sector ", max_end, ", the target has ", dev.length_sectors, " sectors")));
    return plan;
}

Result<Plan> make_plan(const DiskLayout& layout, const PartedDevice& dev, const std::string& path) {
    if (layout.label != "gpt" && layout.label != "msdos")
        return std::unexpected(make_error(
            Errc::unsupported, "Lifeboat writes only gpt and msdos partition tables, not \"" + layout.label + "\""));
    if (layout.logical_sector_size != dev.logical_sector_size)
        return std::unexpected(
            make_error(Errc::target_refused,
                       cat(path, " has ", dev.logical_sector_size, "-byte logical sectors, the partition layout ",
                           layout.logical_sector_size, "-byte ones"),
                       "restore onto a disk with the same logical sector size"));
    Plan plan{layout, {}, {}};
    std::ranges::sort(plan.layout.partitions, {}, &PartitionEntry::number);
    if (auto s = check_common(plan.layout); !s) return std::unexpected(s.error());
    if (layout.label == "gpt") {
        auto g = plan_gpt(plan.layout, dev, path);
        if (!g) return std::unexpected(g.error());
        plan.gpt = std::move(*g);
    } else {
        auto m = plan_mbr(plan.layout, dev, path);
        if (!m) return std::unexpected(m.error());
        plan.mbr = std::move(*m);
    }
    return plan;
}

// ---- writing: after libparted ----

// Zeroes a GPT header libparted's fresh msdos table left behind at LBA 1 or
// the last LBA, unless a partition covers that sector.
Status clear_stale_gpt(io::BlockSource& src, io::BlockSink& sink, const DiskLayout& l, std::uint64_t sectors,
                       unsigned ss) {
    for (const std::uint64_t lba : {std::uint64_t{1}, sectors - 1}) {
        if (lba == 0 || lba >= sectors) continue;
        if (std::ranges::any_of(l.partitions,
                                [&](const PartitionEntry& p) { return lba >= p.start_sector && lba <= p.end_sector; }))
            continue;
        auto s = read_sector(src, lba, ss);
        if (!s) return std::unexpected(s.error());
        if (std::memcmp(s->data(), "EFI PART", 8) != 0) continue;
        const std::vector<std::byte> zeros(ss);
        if (auto w = sink.write_at(lba * ss, zeros); !w) return w;
    }
    return {};
}

Status restore_boot_code(io::BlockSource& src, io::BlockSink& sink, std::span<const std::byte> saved, unsigned ss) {
    auto now = read_sector(src, 0, ss);
    if (!now) return std::unexpected(now.error());
    if (std::equal(saved.begin(), saved.end(), now->begin())) return {};
    return sink.write_at(0, saved);
}

// The table read back must be the one planned.
Status verify(const std::string& path, const Plan& plan) {
    auto got = read_layout(path);
    if (!got) return std::unexpected(got.error());
    const DiskLayout& want = plan.layout;
    const auto fail = [&](const std::string& what) {
        return std::unexpected(
            make_error(Errc::internal, "the partition table written to " + path + " reads back wrong: " + what));
    };
    if (got->label != want.label) return fail("label " + got->label);
    if (!want.disk_id.empty() && got->disk_id != want.disk_id) return fail("disk id " + got->disk_id);
    if (want.label == "gpt" && got->first_usable != plan.gpt.first_usable) return fail("first usable sector");
    if (got->partitions.size() != want.partitions.size()) return fail("number of partitions");
    for (std::size_t i = 0; i < want.partitions.size(); ++i) {
        const auto& w = want.partitions[i];
        const auto& g = got->partitions[i];
        const bool same = g.number == w.number && g.start_sector == w.start_sector && g.end_sector == w.end_sector &&
                          g.type == w.type && (w.uuid.empty() || g.uuid == w.uuid) && g.name == w.name &&
                          g.attributes == w.attributes && g.kind == w.kind;
        if (!same) return fail(cat("partition ", w.number));
    }
    return {};
}

}  // namespace

Result<DiskLayout> read_layout(const std::string& path) {
    auto src = io::open_source(path);
    if (!src) return std::unexpected(src.error());
    auto dev = read_parted_device(path);
    if (!dev) return std::unexpected(dev.error());
    const unsigned ss = dev->logical_sector_size;
    if ((*src)->size() < 2ull * ss)
        return std::unexpected(make_error(Errc::not_found, "no partition table on " + path + ": it is too small"));
    auto sector0 = read_sector(**src, 0, ss);
    if (!sector0) return std::unexpected(sector0.error());

    // The raw tables are validated before libparted parses them: it asserts
    // on some hostile GPTs and recurses without bound through a looping EBR
    // chain. A protective MBR means a GPT even if libparted finds no header.
    std::string label = "gpt";
    if (!gpt::has_protective_mbr(*sector0)) {
        auto probed = probe_parted_label(path);
        if (!probed) return std::unexpected(probed.error());
        label = *probed;
    }
    if (label == "loop")
        return std::unexpected(
            make_error(Errc::not_found, "no partition table on " + path + ": a filesystem covers the whole disk"));
    if (label != "gpt" && label != "msdos")
        return std::unexpected(make_error(Errc::unsupported, path + " has a \"" + label +
                                                                 "\" partition table; Lifeboat "
                                                                 "recreates only GPT and MBR (msdos) tables"));
    std::optional<gpt::Table> raw_gpt;
    std::optional<mbr::Table> raw_mbr;
    if (label == "gpt") {
        auto g = gpt::read_table(**src, ss);
        if (!g) return std::unexpected(g.error());
        raw_gpt = std::move(*g);
    } else {
        auto m = mbr::read_table(**src, ss);
        if (!m) return std::unexpected(m.error());
        raw_mbr = std::move(*m);
    }

    auto parted = read_parted_table(path);
    if (!parted) return std::unexpected(parted.error());
    if (parted->label != label)
        return std::unexpected(
            make_error(Errc::internal, "libparted reads " + path + " as " + parted->label + ", not " + label));
    std::ranges::sort(parted->partitions, {}, &PartedPartition::number);
    if (raw_gpt) return merge_gpt(*parted, *raw_gpt, (*src)->size(), path);
    return merge_mbr(*parted, *raw_mbr, (*src)->size(), path);
}

TableGeometry table_geometry(const std::string& label, std::uint64_t disk_bytes, unsigned sector_size) {
    if (sector_size == 0) return {};
    const std::uint64_t sectors = disk_bytes / sector_size;
    if (label != "gpt") return {1, sectors > 1 ? sectors - 1 : 0, 0};
    const std::uint64_t array_sectors = (gpt_array_bytes + sector_size - 1) / sector_size;
    const std::uint64_t backup = 1 + array_sectors;
    const std::uint64_t first = 2 + array_sectors;
    return {first, sectors > first + backup ? sectors - 1 - backup : 0, backup};
}

std::uint64_t bytes_needed(const DiskLayout& l) {
    std::uint64_t end = 1;
    for (const auto& p : l.partitions) end = std::max(end, p.end_sector + 1);
    const auto geometry = table_geometry(l.label, 0, l.logical_sector_size);
    return (end + geometry.backup_sectors) * l.logical_sector_size;
}

Status check_layout(const DiskLayout& layout, std::uint64_t target_bytes, const std::string& target) {
    PartedDevice dev;
    dev.logical_sector_size = layout.logical_sector_size;
    dev.physical_sector_size = layout.physical_sector_size;
    dev.length_sectors = layout.logical_sector_size == 0 ? 0 : target_bytes / layout.logical_sector_size;
    auto plan = make_plan(layout, dev, target);
    if (!plan) return std::unexpected(plan.error());
    return {};
}

Status write_layout(const std::string& path, const DiskLayout& layout) {
    auto src = io::open_source(path);
    if (!src) return std::unexpected(src.error());
    auto sink = io::open_sink(path);
    if (!sink) return std::unexpected(sink.error());
    auto dev = read_parted_device(path);
    if (!dev) return std::unexpected(dev.error());
    auto plan = make_plan(layout, *dev, path);
    if (!plan) return std::unexpected(plan.error());
    const unsigned ss = dev->logical_sector_size;

    auto sector0 = read_sector(**src, 0, ss);
    if (!sector0) return std::unexpected(sector0.error());
    const std::vector<std::byte> boot_code(sector0->begin(), sector0->begin() + boot_code_bytes);

    if (auto s = write_parted_table(path, plan->layout); !s) return s;
    if (plan->layout.label == "gpt") {
        if (auto s = gpt::apply_patch(**src, **sink, ss, plan->gpt.patch); !s) return s;
    } else {
        if (auto s = mbr::apply_patch(**src, **sink, ss, plan->mbr.signature, plan->mbr.records); !s) return s;
        if (auto s = clear_stale_gpt(**src, **sink, plan->layout, dev->length_sectors, ss); !s) return s;
    }
    if (auto s = restore_boot_code(**src, **sink, boot_code, ss); !s) return s;
    if (auto s = (*sink)->sync(); !s) return s;
    return verify(path, *plan);
}

}  // namespace imager::disk
