#include "disk/parted_table.hpp"

#include <parted/parted.h>

#include <memory>
#include <mutex>

namespace imager::disk {

namespace {

std::mutex parted_mutex;

// libparted asks questions ("fix the GPT?") through a global handler. A
// read never answers yes: it ignores where it may, else declines.
PedExceptionOption answer_read_only(PedException* ex) {
    for (auto choice : {PED_EXCEPTION_IGNORE, PED_EXCEPTION_NO, PED_EXCEPTION_CANCEL, PED_EXCEPTION_OK})
        if (ex->options & choice) return choice;
    return PED_EXCEPTION_UNHANDLED;
}

struct DeviceCloser {
    void operator()(PedDevice* d) const { ped_device_destroy(d); }
};
struct DiskCloser {
    void operator()(PedDisk* d) const { ped_disk_destroy(d); }
};

std::vector<std::string> flags_of(PedPartition* part) {
    std::vector<std::string> flags;
    for (auto flag = ped_partition_flag_next(static_cast<PedPartitionFlag>(0)); flag != 0;
         flag = ped_partition_flag_next(flag)) {
        if (ped_partition_is_flag_available(part, flag) && ped_partition_get_flag(part, flag))
            flags.emplace_back(ped_partition_flag_get_name(flag));
    }
    return flags;
}

}  // namespace

Result<PartedTable> read_parted_table(const std::string& path) {
    std::lock_guard lock(parted_mutex);
    ped_exception_set_handler(answer_read_only);

    std::unique_ptr<PedDevice, DeviceCloser> dev(ped_device_get(path.c_str()));
    if (!dev) return std::unexpected(make_error(Errc::io, "libparted could not open " + path));
    if (!ped_disk_probe(dev.get()))
        return std::unexpected(make_error(Errc::not_found, "no partition table libparted knows on " + path));
    std::unique_ptr<PedDisk, DiskCloser> disk(ped_disk_new(dev.get()));
    if (!disk) return std::unexpected(make_error(Errc::io, "libparted could not read the partition table of " + path));

    PartedTable table;
    table.label = disk->type->name;
    table.logical_sector_size = static_cast<unsigned>(dev->sector_size);
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
        table.partitions.push_back(std::move(part));
    }
    return table;
}

}  // namespace imager::disk
