#include "devices/probe.hpp"

#include <blkid/blkid.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <memory>

namespace imager::devices {

namespace {

struct ProbeDeleter {
    void operator()(blkid_probe p) const { blkid_free_probe(p); }
};
using ProbePtr = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeDeleter>;

std::string lookup(blkid_probe pr, const char* name) {
    const char* value = nullptr;
    std::size_t len = 0;
    if (blkid_probe_lookup_value(pr, name, &value, &len) != 0 || value == nullptr) return {};
    return std::string(value, len > 0 && value[len - 1] == '\0' ? len - 1 : len);
}

std::string hex_type(int type) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", type & 0xff);
    return buf;
}

Partition read_partition(blkid_partition part) {
    Partition p;
    p.number = blkid_partition_get_partno(part);
    // libblkid counts in 512-byte units whatever the logical sector size.
    p.start = static_cast<std::uint64_t>(blkid_partition_get_start(part)) * 512;
    p.size = static_cast<std::uint64_t>(blkid_partition_get_size(part)) * 512;
    const char* type_string = blkid_partition_get_type_string(part);
    p.type = type_string ? type_string : hex_type(blkid_partition_get_type(part));
    if (const char* name = blkid_partition_get_name(part)) p.name = name;
    if (const char* uuid = blkid_partition_get_uuid(part)) p.uuid = uuid;
    return p;
}

}  // namespace

std::optional<Filesystem> probe_filesystem(int fd, std::uint64_t offset, std::uint64_t size) {
    ProbePtr pr(blkid_new_probe());
    if (!pr || blkid_probe_set_device(pr.get(), fd, static_cast<blkid_loff_t>(offset),
                                      static_cast<blkid_loff_t>(size)) != 0)
        return std::nullopt;
    blkid_probe_enable_superblocks(pr.get(), 1);
    blkid_probe_set_superblocks_flags(pr.get(), BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE |
                                                    BLKID_SUBLKS_VERSION);
    blkid_probe_enable_partitions(pr.get(), 0);
    // safeprobe: an ambiguous result (two signatures) is reported as nothing,
    // rather than guessed.
    if (blkid_do_safeprobe(pr.get()) != 0) return std::nullopt;
    Filesystem fs;
    fs.type = lookup(pr.get(), "TYPE");
    if (fs.type.empty()) return std::nullopt;
    fs.label = lookup(pr.get(), "LABEL");
    fs.uuid = lookup(pr.get(), "UUID");
    fs.version = lookup(pr.get(), "VERSION");
    return fs;
}

Result<std::vector<Signature>> find_signatures(int fd, std::uint64_t offset, std::uint64_t size) {
    ProbePtr pr(blkid_new_probe());
    if (!pr) return std::unexpected(make_error(Errc::internal, "libblkid could not allocate a probe"));
    if (blkid_probe_set_device(pr.get(), fd, static_cast<blkid_loff_t>(offset), static_cast<blkid_loff_t>(size)) != 0)
        return std::unexpected(sys_error("probe at byte " + std::to_string(offset), errno ? errno : EIO));
    // As wipefs does: every superblock and table by its magic, bad checksums too.
    blkid_probe_enable_superblocks(pr.get(), 1);
    blkid_probe_set_superblocks_flags(pr.get(), BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_TYPE | BLKID_SUBLKS_BADCSUM);
    blkid_probe_enable_partitions(pr.get(), 1);
    blkid_probe_set_partitions_flags(pr.get(), BLKID_PARTS_MAGIC);
    std::vector<Signature> found;
    while (blkid_do_probe(pr.get()) == 0) {
        Signature s;
        std::string magic_offset;
        const char* magic = nullptr;
        std::size_t length = 0;
        if (s.type = lookup(pr.get(), "TYPE"); !s.type.empty()) {
            magic_offset = lookup(pr.get(), "SBMAGIC_OFFSET");
            blkid_probe_lookup_value(pr.get(), "SBMAGIC", &magic, &length);
        } else if (s.type = lookup(pr.get(), "PTTYPE"); !s.type.empty()) {
            magic_offset = lookup(pr.get(), "PTMAGIC_OFFSET");
            blkid_probe_lookup_value(pr.get(), "PTMAGIC", &magic, &length);
        }
        std::uint64_t at = 0;
        const char* end = magic_offset.data() + magic_offset.size();
        if (magic == nullptr || length == 0 || std::from_chars(magic_offset.data(), end, at).ptr != end ||
            magic_offset.empty())
            continue;
        s.offset = offset + at;
        s.length = length;
        found.push_back(std::move(s));
    }
    return found;
}

Result<Contents> probe_contents(int fd, const std::string& path) {
    ProbePtr pr(blkid_new_probe());
    if (!pr) return std::unexpected(make_error(Errc::internal, "libblkid could not allocate a probe"));
    if (blkid_probe_set_device(pr.get(), fd, 0, 0) != 0)
        return std::unexpected(sys_error("probe " + path, errno ? errno : EIO));
    const auto device_size = static_cast<std::uint64_t>(blkid_probe_get_size(pr.get()));

    Contents c;
    blkid_probe_enable_partitions(pr.get(), 1);
    blkid_probe_set_partitions_flags(pr.get(), BLKID_PARTS_ENTRY_DETAILS);
    blkid_partlist list = blkid_probe_get_partitions(pr.get());
    blkid_parttable table = list ? blkid_partlist_get_table(list) : nullptr;
    if (table == nullptr) {
        c.filesystem = probe_filesystem(fd, 0, device_size);
        return c;
    }
    if (const char* type = blkid_parttable_get_type(table)) c.table_type = type;
    if (const char* id = blkid_parttable_get_id(table)) c.table_id = id;
    // libblkid gives an MBR's disk signature as bare hex ("1234abcd"); the
    // Device contract (and fdisk) write it "0x1234abcd".
    if (c.table_type == "dos" && !c.table_id.empty()) c.table_id = "0x" + c.table_id;

    const int count = blkid_partlist_numof_partitions(list);
    // A FAT or exFAT boot sector ends in 0x55AA and can pass for an empty MBR:
    // a "table" without partitions over a filesystem is that filesystem.
    if (count == 0) {
        if (auto fs = probe_filesystem(fd, 0, device_size)) {
            c.table_type.clear();
            c.table_id.clear();
            c.filesystem = std::move(fs);
            return c;
        }
    }
    for (int i = 0; i < count; ++i) {
        blkid_partition part = blkid_partlist_get_partition(list, i);
        Partition p = read_partition(part);
        if (c.table_type == "dos") {
            p.kind = blkid_partition_is_extended(part) ? "extended"
                     : blkid_partition_is_logical(part) ? "logical"
                                                        : "primary";
        }
        // An extended partition is a container of logicals, not a filesystem.
        if (p.kind != "extended" && p.size > 0 && p.start + p.size <= device_size)
            p.filesystem = probe_filesystem(fd, p.start, p.size);
        c.partitions.push_back(std::move(p));
    }
    return c;
}

}  // namespace imager::devices
