// parse_manifest() / manifest_json(): the manifest's JSON <-> format::Manifest.
// Structural fields (streams, their geometry, the source's size and sectors,
// the disk's table) must be present and of their type, or the image is
// damaged; descriptive text (host, note, model, labels) that is missing or of
// another type reads as empty, as FORMAT.md promises readers of older images.
#include "imager/manifest.hpp"

#include "format/layout.hpp"
#include "imager/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <set>

namespace imager::format {

namespace {

using nlohmann::json;

Error damaged(const std::string& what) {
    return make_error(Errc::damaged_image, "the manifest " + what,
                      "the image is damaged; use another copy, or capture a new image");
}

constexpr std::pair<SourceKind, std::string_view> kSourceKinds[] = {
    {SourceKind::filesystem, "filesystem"}, {SourceKind::raw, "raw"}, {SourceKind::disk, "disk"}};
constexpr std::pair<StreamKind, std::string_view> kStreamKinds[] = {{StreamKind::filesystem, "filesystem"},
                                                                    {StreamKind::raw, "raw"}};
constexpr std::pair<StreamRole, std::string_view> kRoles[] = {{StreamRole::filesystem, "filesystem"},
                                                              {StreamRole::device, "device"},
                                                              {StreamRole::partition, "partition"},
                                                              {StreamRole::gap, "gap"}};

template <class T, std::size_t N>
std::optional<T> value_of(const json& j, const std::pair<T, std::string_view> (&names)[N]) {
    if (!j.is_string()) return std::nullopt;
    for (const auto& [v, n] : names)
        if (j.get_ref<const std::string&>() == n) return v;
    return std::nullopt;
}

const json& member(const json& object, const char* key) {
    static const json null_value;
    if (!object.is_object()) return null_value;
    const auto it = object.find(key);
    return it == object.end() ? null_value : *it;
}

// Descriptive text: anything but a string reads as "".
std::string text(const json& object, const char* key) {
    const auto& m = member(object, key);
    return m.is_string() ? m.get<std::string>() : std::string();
}

std::optional<std::uint64_t> number(const json& object, const char* key) {
    const auto& m = member(object, key);
    if (!m.is_number_unsigned()) return std::nullopt;
    return m.get<std::uint64_t>();
}

// How deep arrays and objects nest, counted without parsing (the JSON library
// recurses once per level): strings are skipped, escapes inside them too.
int nesting_depth(std::string_view s) {
    int depth = 0;
    int deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

// "YYYY-MM-DDTHH:MM:SSZ" or "": anything else would sort as if it were a date.
std::string checked_time(const std::string& s) {
    static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
    if (s.size() != shape.size()) return {};
    for (std::size_t i = 0; i < s.size(); ++i)
        if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i]) return {};
    return s;
}

Result<disk::DiskLayout> layout_from_json(const json& j) {
    const auto bad = [](const std::string& what) { return std::unexpected(damaged("'disk' " + what)); };
    if (!j.is_object()) return bad("is not an object");
    disk::DiskLayout l;
    const auto field_text = [&](const json& o, const char* key, std::string& out) {
        const auto& m = member(o, key);
        if (!m.is_string()) return false;
        out = m.get<std::string>();
        return true;
    };
    const auto field_number = [&](const json& o, const char* key, auto& out) {
        const auto n = number(o, key);
        if (!n || *n > std::numeric_limits<std::remove_reference_t<decltype(out)>>::max()) return false;
        out = static_cast<std::remove_reference_t<decltype(out)>>(*n);
        return true;
    };
    if (!field_text(j, "label", l.label) || !field_number(j, "size", l.size_bytes) ||
        !field_number(j, "logical_sector_size", l.logical_sector_size) ||
        !field_number(j, "physical_sector_size", l.physical_sector_size) || !field_text(j, "disk_id", l.disk_id) ||
        !field_number(j, "first_usable", l.first_usable) || !field_number(j, "last_usable", l.last_usable))
        return bad("lacks a field or has one of another type");
    const auto& parts = member(j, "partitions");
    if (!parts.is_array()) return bad("has no partition list");
    if (parts.size() > disk::kMaxPartitions) return bad("lists more partitions than any table holds");
    for (const auto& p : parts) {
        disk::PartitionEntry e;
        unsigned number_field = 0;
        const auto& flags = member(p, "flags");
        if (!field_number(p, "number", number_field) || number_field > disk::kMaxPartitions ||
            !field_number(p, "start_sector", e.start_sector) || !field_number(p, "end_sector", e.end_sector) ||
            !field_text(p, "type", e.type) || !field_text(p, "uuid", e.uuid) || !field_text(p, "name", e.name) ||
            !field_number(p, "attributes", e.attributes) || !field_text(p, "kind", e.kind) || !flags.is_array())
            return bad("has a partition that lacks a field or has one of another type");
        e.number = static_cast<int>(number_field);
        for (const auto& f : flags) {
            if (!f.is_string()) return bad("has a partition flag that is not text");
            e.flags.push_back(f.get<std::string>());
        }
        l.partitions.push_back(std::move(e));
    }
    if (l.logical_sector_size != 512 && l.logical_sector_size != 4096)
        return bad("has sectors of " + std::to_string(l.logical_sector_size) + " bytes");
    // Every check writing the table makes, against the disk it came from: a
    // table that cannot be written is refused before a byte of it is.
    if (auto fits = disk::check_layout(l, l.size_bytes, "the disk it was captured from"); !fits)
        return bad("holds a partition table that cannot be written: " + fits.error().message());
    return l;
}

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

Result<Source> read_source(const json& j) {
    const auto& s = member(j, "source");
    if (!s.is_object()) return std::unexpected(damaged("has no 'source'"));
    Source out;
    out.path = text(s, "path");
    out.model = text(s, "model");
    out.serial = text(s, "serial");
    const auto size = number(s, "size");
    const auto sector = number(s, "logical_sector_size");
    const auto kind = value_of(member(s, "kind"), kSourceKinds);
    if (!size || !kind) return std::unexpected(damaged("'source' lacks its size or kind"));
    if (!sector || (*sector != 512 && *sector != 4096))
        return std::unexpected(damaged("'source' has no logical sector size of 512 or 4096 bytes"));
    out.size = *size;
    out.kind = *kind;
    out.logical_sector_size = static_cast<unsigned>(*sector);
    // Descriptive (older images did not record it): one that is no sector size reads as the logical one.
    const auto physical = number(s, "physical_sector_size").value_or(*sector);
    const bool sane = physical >= *sector && physical <= 65536 && (physical & (physical - 1)) == 0;
    out.physical_sector_size = static_cast<unsigned>(sane ? physical : *sector);
    return out;
}

Result<Stream> read_stream(const json& s, bool whole_disk) {
    const auto bad = [](const std::string& what) { return std::unexpected(damaged("has a stream that " + what)); };
    if (!s.is_object()) return bad("is not an object");
    Stream out;
    const auto id = number(s, "id");
    const auto offset = number(s, "offset");
    const auto size = number(s, "size");
    const auto kind = value_of(member(s, "kind"), kStreamKinds);
    if (!id || *id > 0xffff || !offset || !size || !kind) return bad("lacks its id, offset, size or kind");
    if (*offset > UINT64_MAX - *size) return bad("ends past the largest offset there is");
    out.id = static_cast<std::uint16_t>(*id);
    out.offset = *offset;
    out.size = *size;
    out.kind = *kind;
    out.used_bytes = number(s, "used_bytes").value_or(0);
    // Images of one filesystem or device from before whole disks had no role.
    const auto& role = member(s, "role");
    const auto read_role = value_of(role, kRoles);
    if (role.is_null() && !whole_disk)
        out.role = out.kind == StreamKind::filesystem ? StreamRole::filesystem : StreamRole::device;
    else if (!read_role)
        return bad("has no role Lifeboat knows");
    else
        out.role = *read_role;
    if (out.role == StreamRole::partition) {
        const auto n = number(s, "partition");
        if (!n || *n == 0 || *n > disk::kMaxPartitions) return bad("is a partition without a valid number");
        out.partition = static_cast<int>(*n);
    }
    const auto& fs = member(s, "filesystem");
    if ((out.kind == StreamKind::filesystem) != fs.is_object())
        return bad("is stored by its filesystem's map but names no filesystem, or the reverse");
    if (fs.is_object()) {
        FilesystemFacts f{text(fs, "type"), text(fs, "uuid"), text(fs, "label"), text(fs, "version"),
                          number(fs, "block_size").value_or(0), number(fs, "used_bytes").value_or(0)};
        if (f.type.empty()) return bad("names a filesystem without a type");
        out.filesystem = std::move(f);
    }
    return out;
}

// The streams of a single filesystem or device: one, covering the source.
Status check_single(const Manifest& m) {
    if (m.disk) return std::unexpected(damaged("describes a partition table, but its source is not a disk"));
    if (m.streams.size() != 1) return std::unexpected(damaged("of a single source names more than one stream"));
    const Stream& s = m.streams.front();
    if (s.role != StreamRole::filesystem && s.role != StreamRole::device)
        return std::unexpected(damaged("of a single source has a stream of role '" + std::string(role_name(s.role)) + "'"));
    if (s.offset != 0 || s.size != m.source.size)
        return std::unexpected(damaged("of a single source has a stream that is not the whole source"));
    if ((m.source.kind == SourceKind::filesystem) != (s.kind == StreamKind::filesystem))
        return std::unexpected(damaged("says the source is " + std::string(source_kind_name(m.source.kind)) +
                                       " but stores it " + std::string(stream_kind_name(s.kind))));
    return {};
}

// A whole disk: every partition that holds data (not an extended container)
// is exactly one stream at its place; everything else is a gap.
Status check_disk(const Manifest& m) {
    if (!m.disk) return std::unexpected(damaged("says the source is a disk but has no partition table"));
    const auto& l = *m.disk;
    if (l.size_bytes != m.source.size || l.logical_sector_size != m.source.logical_sector_size)
        return std::unexpected(damaged("gives the disk another size or sector size than its source"));
    const std::uint64_t ss = l.logical_sector_size;
    for (const Stream& s : m.streams) {
        if (s.role == StreamRole::gap) {
            if (s.kind != StreamKind::raw) return std::unexpected(damaged("has a gap stored as a filesystem"));
            continue;
        }
        if (s.role != StreamRole::partition)
            return std::unexpected(damaged("of a disk has a stream of role '" + std::string(role_name(s.role)) + "'"));
        const auto p = std::ranges::find(l.partitions, s.partition, &disk::PartitionEntry::number);
        if (p == l.partitions.end() || p->kind == "extended")
            return std::unexpected(damaged("has a stream for partition " + std::to_string(s.partition) +
                                           ", which the table does not hold"));
        if (s.offset != p->start_sector * ss || s.size != p->sectors() * ss)
            return std::unexpected(damaged("places partition " + std::to_string(s.partition) +
                                           " elsewhere than its table does"));
    }
    for (const auto& p : l.partitions) {
        if (p.kind == "extended") continue;
        const auto n = std::ranges::count_if(m.streams, [&](const Stream& s) {
            return s.role == StreamRole::partition && s.partition == p.number;
        });
        if (n != 1)
            return std::unexpected(damaged("has " + std::to_string(n) + " streams for partition " +
                                           std::to_string(p.number) + ", not one"));
    }
    return {};
}

// Streams lie inside the source, do not overlap, and have distinct ids.
Status check_streams(const Manifest& m) {
    std::set<std::uint16_t> ids;
    for (const Stream& s : m.streams) {
        if (!ids.insert(s.id).second)
            return std::unexpected(damaged("names stream " + std::to_string(s.id) + " twice"));
        if (s.end() > m.source.size)
            return std::unexpected(damaged("places stream " + std::to_string(s.id) + " (" + part_title(s) +
                                           ") past the end of its " + std::to_string(m.source.size) + "-byte source"));
    }
    for (std::size_t i = 1; i < m.streams.size(); ++i) {
        const Stream& a = m.streams[i - 1];
        const Stream& b = m.streams[i];
        if (b.offset < a.end())
            return std::unexpected(damaged("has streams that overlap: " + part_title(a) + " and " + part_title(b)));
    }
    return {};
}

}  // namespace

const Stream* Manifest::stream(std::uint16_t id) const {
    const auto it = std::ranges::find(streams, id, &Stream::id);
    return it == streams.end() ? nullptr : &*it;
}

const Stream* Manifest::partition_stream(int number) const {
    const auto it = std::ranges::find_if(
        streams, [&](const Stream& s) { return s.role == StreamRole::partition && s.partition == number; });
    return it == streams.end() ? nullptr : &*it;
}

std::uint64_t Manifest::bytes_left_out() const {
    std::uint64_t in_streams = 0;
    for (const auto& s : streams) in_streams += s.size;
    return source.size - std::min(source.size, in_streams);
}

Result<Manifest> parse_manifest(std::string_view text_json) {
    if (text_json.size() > kMaxManifestBytes)
        return std::unexpected(damaged("is " + std::to_string(text_json.size()) + " bytes; Lifeboat reads at most " +
                                       std::to_string(kMaxManifestBytes)));
    if (nesting_depth(text_json) > kMaxManifestDepth)
        return std::unexpected(damaged("nests deeper than " + std::to_string(kMaxManifestDepth) + " levels"));
    const json j = json::parse(text_json, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::unexpected(damaged("is not a JSON object"));
    Manifest m;
    const auto version = number(j, "format_version");
    if (!version || *version == 0 || *version > kFormatVersion)
        return std::unexpected(damaged("has no format version Lifeboat knows"));
    m.format_version = static_cast<std::uint32_t>(*version);
    m.tool = text(j, "tool");
    m.created = checked_time(text(j, "created"));
    m.host = text(j, "host");
    m.note = text(j, "note");
    auto source = read_source(j);
    if (!source) return std::unexpected(source.error());
    m.source = std::move(*source);
    const bool whole_disk = m.source.kind == SourceKind::disk;
    const auto& streams = member(j, "streams");
    if (!streams.is_array() || streams.empty()) return std::unexpected(damaged("names no stream"));
    if (streams.size() > kMaxStreams)
        return std::unexpected(damaged("names more than " + std::to_string(kMaxStreams) + " streams"));
    for (const auto& s : streams) {
        auto stream = read_stream(s, whole_disk);
        if (!stream) return std::unexpected(stream.error());
        m.streams.push_back(std::move(*stream));
    }
    std::ranges::stable_sort(m.streams, {}, &Stream::offset);
    const auto& disk = member(j, "disk");
    if (!disk.is_null()) {
        auto layout = layout_from_json(disk);
        if (!layout) return std::unexpected(layout.error());
        m.disk = std::move(*layout);
    }
    if (auto s = check_streams(m); !s) return std::unexpected(s.error());
    if (auto s = whole_disk ? check_disk(m) : check_single(m); !s) return std::unexpected(s.error());
    return m;
}

std::string manifest_json(const Manifest& m) {
    json streams = json::array();
    for (const auto& s : m.streams) {
        json fs = nullptr;
        if (s.filesystem)
            fs = {{"type", s.filesystem->type},     {"uuid", s.filesystem->uuid},
                  {"label", s.filesystem->label},   {"version", s.filesystem->version},
                  {"block_size", s.filesystem->block_size}, {"used_bytes", s.filesystem->used_bytes}};
        json j = {{"id", s.id},   {"kind", stream_kind_name(s.kind)}, {"role", role_name(s.role)},
                  {"offset", s.offset}, {"size", s.size}, {"used_bytes", s.used_bytes}, {"filesystem", fs}};
        if (s.role == StreamRole::partition) j["partition"] = s.partition;
        streams.push_back(std::move(j));
    }
    const auto& src = m.source;
    const json manifest = {{"format_version", m.format_version},
                           {"tool", m.tool},
                           {"created", m.created},
                           {"host", m.host},
                           {"note", m.note},
                           {"source",
                            {{"path", src.path},
                             {"size", src.size},
                             {"logical_sector_size", src.logical_sector_size},
                             {"physical_sector_size", src.physical_sector_size},
                             {"model", src.model},
                             {"serial", src.serial},
                             {"kind", source_kind_name(src.kind)}}},
                           {"streams", streams},
                           {"disk", m.disk ? layout_to_json(*m.disk) : json(nullptr)}};
    // Text from a disk (labels, model) need not be valid UTF-8: replaced, not thrown.
    return manifest.dump(2, ' ', false, json::error_handler_t::replace);
}

std::string_view source_kind_name(SourceKind kind) {
    for (const auto& [v, n] : kSourceKinds)
        if (v == kind) return n;
    return "?";
}

std::string_view stream_kind_name(StreamKind kind) {
    for (const auto& [v, n] : kStreamKinds)
        if (v == kind) return n;
    return "?";
}

std::string_view role_name(StreamRole role) {
    for (const auto& [v, n] : kRoles)
        if (v == role) return n;
    return "?";
}

std::string part_name(StreamRole role, int partition) {
    switch (role) {
        case StreamRole::partition: return "partition " + std::to_string(partition);
        case StreamRole::gap: return "boot area / gap";
        case StreamRole::filesystem: return "filesystem";
        case StreamRole::device: return "whole device";
    }
    return "?";
}

std::string part_title(StreamRole role, int partition, const std::string& filesystem, const std::string& label) {
    std::string title = part_name(role, partition);
    // Both come from an image or a disk: escaped here, where they join a name used in plans and messages.
    if (!filesystem.empty())
        title += " (" + printable(filesystem) + (label.empty() ? "" : " '" + printable(label) + "'") + ")";
    return title;
}

std::string part_title(const Stream& s) {
    return s.filesystem ? part_title(s.role, s.partition, s.filesystem->type, s.filesystem->label)
                        : part_name(s.role, s.partition);
}

}  // namespace imager::format
