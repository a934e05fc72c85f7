// libparted backend: reading a table, the device's sector sizes, and writing a
// fresh table (see parted_table.hpp). The only file including <parted/parted.h>.
#include "disk/parted_table.hpp"

#include <parted/parted.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <span>

namespace imager::disk {

namespace {

std::mutex parted_mutex;
// What libparted last complained about, for error messages. Guarded by
// parted_mutex (written only from the handlers, which run under it).
std::string parted_said;

void note(const PedException* ex) {
    if (ex->message != nullptr) parted_said = ex->message;
}

// libparted asks questions ("fix the GPT?") through a global handler. A
// read never answers yes: it ignores where it may, else declines. An I/O
// error (offered Retry) is cancelled: libparted's "Ignore" there goes on
// with a buffer it never filled.
PedExceptionOption answer_read_only(PedException* ex) {
    note(ex);
    if ((ex->options & PED_EXCEPTION_RETRY) && (ex->options & PED_EXCEPTION_CANCEL)) return PED_EXCEPTION_CANCEL;
    for (auto choice : {PED_EXCEPTION_IGNORE, PED_EXCEPTION_NO, PED_EXCEPTION_CANCEL, PED_EXCEPTION_OK})
        if (ex->options & choice) return choice;
    return PED_EXCEPTION_UNHANDLED;
}

// While writing our own fresh table: Fix where offered; an error is never
// ignored or retried (Ignore after a failed write reports success).
PedExceptionOption answer_for_writing(PedException* ex) {
    note(ex);
    if (ex->options & PED_EXCEPTION_FIX) return PED_EXCEPTION_FIX;
    // Arrays, not a ?: between two initializer_lists: those lists' arrays die
    // at the end of the expression (GCC 12 -O3: -Wdangling-pointer).
    static constexpr PedExceptionOption on_error[] = {PED_EXCEPTION_CANCEL, PED_EXCEPTION_NO, PED_EXCEPTION_OK};
    static constexpr PedExceptionOption otherwise[] = {PED_EXCEPTION_IGNORE, PED_EXCEPTION_OK, PED_EXCEPTION_NO,
                                                       PED_EXCEPTION_CANCEL};
    const bool error = ex->type >= PED_EXCEPTION_ERROR;
    const std::span<const PedExceptionOption> order =
        error ? std::span<const PedExceptionOption>(on_error) : std::span<const PedExceptionOption>(otherwise);
    for (auto choice : order)
        if (ex->options & choice) return choice;
    return PED_EXCEPTION_UNHANDLED;
}

struct DeviceCloser {
    void operator()(PedDevice* d) const { ped_device_destroy(d); }
};
struct DiskCloser {
    void operator()(PedDisk* d) const { ped_disk_destroy(d); }
};
struct ConstraintCloser {
    void operator()(PedConstraint* c) const { ped_constraint_destroy(c); }
};
using DevicePtr = std::unique_ptr<PedDevice, DeviceCloser>;
using DiskPtr = std::unique_ptr<PedDisk, DiskCloser>;

// "context: what libparted said", for errors.
std::string with_parted_reason(std::string context) {
    if (!parted_said.empty()) context += " (libparted: " + parted_said + ")";
    return context;
}

std::vector<std::string> flags_of(PedPartition* part) {
    std::vector<std::string> flags;
    for (auto flag = ped_partition_flag_next(static_cast<PedPartitionFlag>(0)); flag != 0;
         flag = ped_partition_flag_next(flag)) {
        if (ped_partition_is_flag_available(part, flag) && ped_partition_get_flag(part, flag))
            flags.emplace_back(ped_partition_flag_get_name(flag));
    }
    return flags;
}

const char* kind_of(const PedPartition* p) {
    if (p->type & PED_PARTITION_EXTENDED) return "extended";
    if (p->type & PED_PARTITION_LOGICAL) return "logical";
    return "primary";
}

Result<DevicePtr> open_device(const std::string& path) {
    DevicePtr dev(ped_device_get(path.c_str()));
    if (!dev) return std::unexpected(make_error(Errc::io, with_parted_reason("libparted could not open " + path)));
    return dev;
}

PartedDevice device_info(const PedDevice* dev) {
    PartedDevice d;
    d.logical_sector_size = static_cast<unsigned>(dev->sector_size);
    d.physical_sector_size =
        static_cast<unsigned>(dev->phys_sector_size > 0 ? dev->phys_sector_size : dev->sector_size);
    d.length_sectors = static_cast<std::uint64_t>(dev->length);
    return d;
}

// Adds one partition at exactly its sectors and number; `p` is validated.
Status add_exact(PedDisk* disk, const PartitionEntry& p, const std::string& path) {
    PedPartitionType type = PED_PARTITION_NORMAL;
    if (p.kind == "extended") type = PED_PARTITION_EXTENDED;
    if (p.kind == "logical") type = PED_PARTITION_LOGICAL;
    const auto start = static_cast<PedSector>(p.start_sector);
    const auto end = static_cast<PedSector>(p.end_sector);
    const std::string what = "partition " + std::to_string(p.number) + " (sectors " + std::to_string(p.start_sector) +
                             ".." + std::to_string(p.end_sector) + ") on " + path;

    PedPartition* part = ped_partition_new(disk, type, nullptr, start, end);
    if (part == nullptr)
        return std::unexpected(make_error(Errc::invalid_argument, with_parted_reason("libparted refused " + what)));
    part->num = p.number;  // kept for gpt and msdos primaries; msdos numbers logicals 5, 6, ... itself
    std::unique_ptr<PedConstraint, ConstraintCloser> exact(ped_constraint_exact(&part->geom));
    if (!exact || !ped_disk_add_partition(disk, part, exact.get())) {
        ped_partition_destroy(part);
        return std::unexpected(make_error(Errc::invalid_argument,
                                          with_parted_reason("libparted could not place " + what),
                                          "the layout is not one this table type can hold"));
    }
    if (part->num != p.number || part->geom.start != start || part->geom.end != end)
        return std::unexpected(make_error(Errc::internal, "libparted moved or renumbered " + what));

    // Flags are for libparted's own view; the raw patch afterwards sets the
    // type ids and attribute bits they are derived from, so a flag libparted
    // refuses here changes nothing that is read back.
    for (const auto& name : p.flags) {
        const PedPartitionFlag flag = ped_partition_flag_get_by_name(name.c_str());
        if (flag != 0 && ped_partition_is_flag_available(part, flag)) (void)ped_partition_set_flag(part, flag, 1);
    }
    return {};
}

}  // namespace

Result<PartedDevice> read_parted_device(const std::string& path) {
    std::lock_guard lock(parted_mutex);
    ped_exception_set_handler(answer_read_only);
    parted_said.clear();
    auto dev = open_device(path);
    if (!dev) return std::unexpected(dev.error());
    return device_info(dev->get());
}

Result<std::string> probe_parted_label(const std::string& path) {
    std::lock_guard lock(parted_mutex);
    ped_exception_set_handler(answer_read_only);
    parted_said.clear();
    auto dev = open_device(path);
    if (!dev) return std::unexpected(dev.error());
    const PedDiskType* type = ped_disk_probe(dev->get());
    if (type == nullptr)
        return std::unexpected(make_error(Errc::not_found, "no partition table libparted knows on " + path));
    return std::string(type->name);
}

Result<PartedTable> read_parted_table(const std::string& path) {
    std::lock_guard lock(parted_mutex);
    ped_exception_set_handler(answer_read_only);
    parted_said.clear();

    auto dev = open_device(path);
    if (!dev) return std::unexpected(dev.error());
    if (!ped_disk_probe(dev->get()))
        return std::unexpected(make_error(Errc::not_found, "no partition table libparted knows on " + path));
    DiskPtr disk(ped_disk_new(dev->get()));
    if (!disk)
        return std::unexpected(
            make_error(Errc::io, with_parted_reason("libparted could not read the partition table of " + path)));

    PartedTable table;
    table.label = disk->type->name;
    const PartedDevice info = device_info(dev->get());
    table.logical_sector_size = info.logical_sector_size;
    table.physical_sector_size = info.physical_sector_size;
    table.length_sectors = info.length_sectors;
    const bool msdos = table.label == "msdos";
    for (PedPartition* p = ped_disk_next_partition(disk.get(), nullptr); p;
         p = ped_disk_next_partition(disk.get(), p)) {
        if (p->num < 1) continue;  // free space and metadata pseudo-partitions
        PartedPartition part;
        part.number = p->num;
        part.start_sector = static_cast<std::uint64_t>(p->geom.start);
        part.end_sector = static_cast<std::uint64_t>(p->geom.end);
        if (ped_disk_type_check_feature(disk->type, PED_DISK_TYPE_PARTITION_NAME))
            if (const char* name = ped_partition_get_name(p)) part.name = name;
        part.flags = flags_of(p);
        if (msdos) part.kind = kind_of(p);
        table.partitions.push_back(std::move(part));
    }
    return table;
}

Status write_parted_table(const std::string& path, const DiskLayout& layout) {
    std::lock_guard lock(parted_mutex);
    ped_exception_set_handler(answer_for_writing);
    parted_said.clear();

    const PedDiskType* type = ped_disk_type_get(layout.label.c_str());
    if (type == nullptr)
        return std::unexpected(make_error(Errc::unsupported, "libparted cannot write a " + layout.label + " table"));
    auto dev = open_device(path);
    if (!dev) return std::unexpected(dev.error());
    DiskPtr disk(ped_disk_new_fresh(dev->get(), type));
    if (!disk)
        return std::unexpected(make_error(
            Errc::io, with_parted_reason("libparted could not make a " + layout.label + " table for " + path)));
    // Not the first and last 9 KiB wiped: only the table's own sectors change
    // (boot loaders live in the gap after the MBR, data at the disk's end).
    disk->needs_clobber = 0;
    if (ped_disk_is_flag_available(disk.get(), PED_DISK_CYLINDER_ALIGNMENT))
        (void)ped_disk_set_flag(disk.get(), PED_DISK_CYLINDER_ALIGNMENT, 0);

    // Primaries and the extended partition first, then the logicals in
    // order: libparted numbers those itself and needs their container.
    std::vector<const PartitionEntry*> order;
    for (const auto& p : layout.partitions) order.push_back(&p);
    std::ranges::stable_sort(order, {},
                             [](const PartitionEntry* p) { return std::pair(p->kind == "logical", p->number); });
    for (const PartitionEntry* p : order)
        if (auto added = add_exact(disk.get(), *p, path); !added) return added;

    parted_said.clear();
    if (!ped_disk_commit_to_dev(disk.get()))
        return std::unexpected(
            make_error(Errc::io, with_parted_reason("libparted could not write the partition table to " + path)));
    return {};
}

}  // namespace imager::disk
