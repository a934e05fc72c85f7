// `lifeboat disks`: every disk, or the ones named, as a table or as JSON.
#include "disks_command.hpp"

#include "app.hpp"
#include "exit_codes.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>

namespace cli {

using imager::devices::Device;
using imager::devices::Filesystem;
using imager::devices::Partition;
using nlohmann::json;

namespace {

json fs_json(const std::optional<Filesystem>& fs) {
    if (!fs) return nullptr;
    return {{"type", fs->type}, {"label", fs->label}, {"uuid", fs->uuid}, {"version", fs->version}};
}

json partition_json(const Partition& p) {
    return {{"number", p.number},
            {"start", p.start},
            {"size", p.size},
            {"type", p.type},
            {"type_name", imager::devices::partition_type_name(p.type)},
            {"name", p.name},
            {"uuid", p.uuid},
            {"kind", p.kind},
            {"flags", p.flags},
            {"filesystem", fs_json(p.filesystem)},
            {"mountpoints", p.mountpoints},
            {"swap", p.swap_active}};
}

json device_json(const Device& d) {
    json j = {{"path", d.path},
              {"name", d.name},
              {"size", d.size},
              {"logical_sector_size", d.logical_sector_size},
              {"physical_sector_size", d.physical_sector_size},
              {"model", d.model},
              {"serial", d.serial},
              {"transport", imager::devices::transport_name(d.transport)},
              {"removable", d.removable},
              {"read_only", d.read_only},
              {"in_use", d.in_use()},
              {"mountpoints", d.mountpoints},
              {"swap", d.swap_active},
              {"table", d.table_type.empty() ? json(nullptr) : json{{"type", d.table_type}, {"id", d.table_id}}},
              {"filesystem", fs_json(d.filesystem)},
              {"partitions", json::array()}};
    if (!d.backing_file.empty()) j["backing_file"] = d.backing_file;
    if (!d.probe_error.empty()) j["error"] = d.probe_error;
    for (const auto& p : d.partitions) j["partitions"].push_back(partition_json(p));
    return j;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string join(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
    return out;
}

// Left-aligned columns, each as wide as its widest cell.
std::string format_rows(const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
    std::vector<std::size_t> width;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], row[i].size());
        }
    std::ostringstream out;
    for (const auto& row : rows) {
        std::string line = indent;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        out << line << '\n';
    }
    return out.str();
}

std::string usage_text(const std::vector<std::string>& mounts, bool swap) {
    std::vector<std::string> uses = mounts;
    if (swap) uses.emplace_back("[swap]");
    return or_dash(join(uses, ","));
}

std::string device_header(const Device& d) {
    std::ostringstream out;
    out << d.path << "  " << imager::devices::human_size(d.size) << " (" << d.size << " bytes)  "
        << imager::devices::transport_name(d.transport);
    if (!d.model.empty()) out << "  " << d.model;
    if (!d.serial.empty()) out << "  serial " << d.serial;
    out << '\n' << "  sectors " << d.logical_sector_size << "/" << d.physical_sector_size;
    const std::string table = !d.probe_error.empty() ? "unknown"
                              : d.table_type.empty()  ? "none"
                                                      : d.table_type + " " + d.table_id;
    out << "  table " << table;
    if (d.removable) out << "  removable";
    if (d.read_only) out << "  read-only";
    if (!d.backing_file.empty()) out << "  backed by " << d.backing_file;
    out << (d.in_use() ? "  IN USE" : "  not in use") << '\n';
    if (!d.probe_error.empty()) out << "  cannot read contents: " << d.probe_error << '\n';
    return out.str();
}

}  // namespace

json devices_to_json(const std::vector<Device>& devices) {
    json j = {{"devices", json::array()}};
    for (const auto& d : devices) j["devices"].push_back(device_json(d));
    return j;
}

std::string devices_to_table(const std::vector<Device>& devices) {
    std::ostringstream out;
    for (const auto& d : devices) {
        out << device_header(d);
        std::vector<std::vector<std::string>> rows;
        if (!d.partitions.empty())
            rows.push_back({"#", "START", "SIZE", "TYPE", "NAME", "FS", "LABEL", "UUID", "FLAGS", "MOUNTED"});
        for (const auto& p : d.partitions) {
            const std::string type_name = imager::devices::partition_type_name(p.type);
            const auto& fs = p.filesystem;
            rows.push_back({std::to_string(p.number), imager::devices::human_size(p.start),
                            imager::devices::human_size(p.size), type_name.empty() ? p.type : type_name,
                            or_dash(p.name), fs ? fs->type : "-", fs ? or_dash(fs->label) : "-",
                            fs ? or_dash(fs->uuid) : "-", or_dash(join(p.flags, ",")),
                            usage_text(p.mountpoints, p.swap_active)});
        }
        if (d.filesystem)
            rows.push_back({"filesystem", d.filesystem->type, or_dash(d.filesystem->label),
                            or_dash(d.filesystem->uuid), usage_text(d.mountpoints, d.swap_active)});
        out << format_rows(rows, "  ") << '\n';
    }
    return out.str();
}

int run_disks(const DisksOptions& options) {
    std::vector<Device> devices;
    if (options.paths.empty()) {
        auto all = imager::devices::list_devices();
        if (!all) return report(all.error());
        devices = std::move(*all);
    }
    for (const auto& path : options.paths) {
        auto d = imager::devices::describe(path);
        if (!d) return report(d.error());
        devices.push_back(std::move(*d));
    }
    if (options.json)
        // ASCII with \u escapes, and labels that are not UTF-8 replaced rather than thrown on.
        std::cout << devices_to_json(devices).dump(2, ' ', true, json::error_handler_t::replace) << '\n';
    else
        std::cout << devices_to_table(devices);
    return exit_ok;
}

}  // namespace cli
