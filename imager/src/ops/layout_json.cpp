#include "ops/layout_json.hpp"

#include "imager/json_fields.hpp"

namespace imager::ops {

using nlohmann::json;

json layout_to_json(const disk::DiskLayout& l) {
    json parts = json::array();
    for (const auto& p : l.partitions)
        parts.push_back({{"number", p.number},     {"start_sector", p.start_sector}, {"end_sector", p.end_sector},
                         {"type", p.type},         {"uuid", p.uuid},                 {"name", p.name},
                         {"attributes", p.attributes}, {"flags", p.flags},           {"kind", p.kind}});
    return {{"label", l.label},
            {"size", l.size_bytes},
            {"logical_sector_size", l.logical_sector_size},
            {"physical_sector_size", l.physical_sector_size},
            {"disk_id", l.disk_id},
            {"first_usable", l.first_usable},
            {"last_usable", l.last_usable},
            {"partitions", parts}};
}

Result<disk::DiskLayout> layout_from_json(const json& j) {
    const auto bad = [] {
        return std::unexpected(make_error(Errc::damaged_image, "the image's disk layout is not valid",
                                          "the image is damaged; use another copy"));
    };
    if (!j.is_object()) return bad();
    try {
        disk::DiskLayout l;
        l.label = j.at("label").get<std::string>();
        l.size_bytes = j.at("size").get<std::uint64_t>();
        l.logical_sector_size = j.at("logical_sector_size").get<unsigned>();
        l.physical_sector_size = j.at("physical_sector_size").get<unsigned>();
        l.disk_id = j.at("disk_id").get<std::string>();
        l.first_usable = j.at("first_usable").get<std::uint64_t>();
        l.last_usable = j.at("last_usable").get<std::uint64_t>();
        for (const auto& p : j.at("partitions")) {
            disk::PartitionEntry e;
            e.number = p.at("number").get<int>();
            e.start_sector = p.at("start_sector").get<std::uint64_t>();
            e.end_sector = p.at("end_sector").get<std::uint64_t>();
            e.type = p.at("type").get<std::string>();
            e.uuid = p.at("uuid").get<std::string>();
            e.name = p.at("name").get<std::string>();
            e.attributes = p.at("attributes").get<std::uint64_t>();
            e.flags = p.at("flags").get<std::vector<std::string>>();
            e.kind = p.at("kind").get<std::string>();
            if (e.end_sector < e.start_sector) return bad();
            l.partitions.push_back(std::move(e));
        }
        const bool sector_ok = l.logical_sector_size == 512 || l.logical_sector_size == 4096;
        if (!sector_ok || (l.label != "gpt" && l.label != "msdos")) return bad();
        return l;
    } catch (const json::exception&) {  // nlohmann reports type errors by throwing; keep them in here
        return bad();
    }
}

Result<std::optional<disk::DiskLayout>> manifest_layout(const json& manifest) {
    const auto& disk = json_fields::member(manifest, "disk");
    if (disk.is_null()) return std::optional<disk::DiskLayout>{};
    auto layout = layout_from_json(disk);
    if (!layout) return std::unexpected(layout.error());
    if (auto fits = disk::check_layout(*layout, layout->size_bytes, "the disk it was captured from"); !fits)
        return std::unexpected(make_error(Errc::damaged_image,
                                          "the image's disk layout cannot be written: " + fits.error().message(),
                                          "the image is damaged; use another copy"));
    return std::optional<disk::DiskLayout>(std::move(*layout));
}

}  // namespace imager::ops
