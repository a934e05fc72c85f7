// read_contents(): what an image holds, from its manifest alone, for the
// wizard's screen between choosing an image and choosing a target. Every
// field is type-checked: a manifest is data from a disk we did not write.
#include "imager/image_discovery.hpp"
#include "imager/image_ops.hpp"
#include "imager/json_fields.hpp"
#include "ops/verified_mark.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace imager::discovery {

namespace {

using json = nlohmann::json;
using json_fields::member;

// The least target size for a whole-disk image: every partition's end, and
// for GPT the 33 sectors of the backup table after the last usable sector.
std::uint64_t disk_needed_size(const json& disk, unsigned sector) {
    std::uint64_t end_sector = json_fields::number(disk, "last_usable");
    const json& parts = member(disk, "partitions");
    if (parts.is_array())
        for (const auto& p : parts) end_sector = std::max(end_sector, json_fields::number(p, "end_sector"));
    const std::uint64_t backup = json_fields::text(disk, "label") == "gpt" ? 33 : 0;
    // Saturating: a hostile manifest's sector numbers must not wrap into a small size.
    if (end_sector >= UINT64_MAX / sector - 1 - backup) return UINT64_MAX;
    return (end_sector + 1 + backup) * sector;
}

}  // namespace

Result<ImageContents> contents_from_manifest(const std::string& manifest_json) {
    ImageContents c;
    if (auto facts = read_manifest_facts(manifest_json, c.entry); !facts) return std::unexpected(facts.error());
    const json m = json::parse(manifest_json, nullptr, false);
    const json& source = member(m, "source");
    const std::uint64_t sector = json_fields::number(source, "logical_sector_size");
    c.logical_sector_size = sector == 512 || sector == 4096 ? static_cast<unsigned>(sector) : 512;
    const json& disk = member(m, "disk");
    if (disk.is_object()) {
        c.table = json_fields::text(disk, "label");
        c.needed_size = disk_needed_size(disk, c.logical_sector_size);
    } else {
        c.needed_size = c.entry.source_size;
    }
    const json& streams = member(m, "streams");
    if (streams.is_array()) {
        for (const auto& s : streams) {
            ImagePart part;
            part.role = json_fields::text(s, "role");
            if (part.role == "gap") continue;  // boot areas and free space: restored, not shown
            const json& number = member(s, "partition");
            part.partition = number.is_number_unsigned() && number.get<std::uint64_t>() < 1000
                                 ? static_cast<int>(number.get<std::uint64_t>()) : 0;
            part.offset = json_fields::number(s, "offset");
            part.size = json_fields::number(s, "size");
            part.used_bytes = json_fields::number(s, "used_bytes");
            const json& fs = member(s, "filesystem");
            part.filesystem = json_fields::text(fs, "type");
            part.label = json_fields::text(fs, "label");
            c.parts.push_back(std::move(part));
        }
    }
    std::stable_sort(c.parts.begin(), c.parts.end(),
                     [](const ImagePart& a, const ImagePart& b) { return a.offset < b.offset; });
    return c;
}

Result<ImageContents> read_contents(const std::string& image) {
    auto summary = describe_image(image);
    if (!summary) return std::unexpected(summary.error());
    auto contents = contents_from_manifest(summary->manifest_json);
    if (!contents) {
        auto e = contents.error();
        e.context = image + ": " + e.context;
        return std::unexpected(e);
    }
    contents->entry.path = image;
    contents->entry.readable = true;
    contents->entry.size_on_disk = summary->image_bytes;
    contents->entry.volumes = summary->volumes;
    // As describe_entry(): only a mark naming this image as it is now counts.
    if (auto identity = ops::image_identity(image, summary->uuid, summary->volumes))
        contents->entry.verified = ops::read_verified_mark(image, *identity);
    return contents;
}

}  // namespace imager::discovery
