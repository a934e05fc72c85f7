// An image's manifest (docs/FORMAT.md, "Manifest") as one typed value. Capture
// writes it with manifest_json(); format::ImageReader reads it once, when an
// image is opened, with parse_manifest() and then checks it against the index
// and the disk it describes, so every later reader (the restore plan, verify,
// info, discovery, the wizard) gets a manifest whose every invariant in
// docs/FORMAT.md ("What a reader checks") holds. Nothing else parses the
// manifest's JSON. A manifest is untrusted input: its size and nesting are
// bounded before it is parsed, and descriptive text (host, note, labels) may
// hold anything, so whoever shows it escapes it (imager/text.hpp).
#pragma once

#include "imager/disk_layout.hpp"
#include "imager/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imager::format {

// What was captured: one filesystem, a device or file read whole, or a disk
// with a partition table.
enum class SourceKind { filesystem, raw, disk };
// How a stream is stored: by its filesystem's used-block map, or every byte.
enum class StreamKind { filesystem, raw };
// What a stream is on the source: the one filesystem or device of a single
// source; on a whole disk a partition or a region outside every partition
// (boot areas, tables, EBRs, space between partitions).
enum class StreamRole { filesystem, device, partition, gap };

struct FilesystemFacts {
    std::string type;  // libblkid's TYPE: "ext4", "vfat", "ntfs", ...
    std::string uuid;
    std::string label;
    std::string version;
    std::uint64_t block_size = 0;
    std::uint64_t used_bytes = 0;
};

struct Stream {
    std::uint16_t id = 0;
    StreamKind kind = StreamKind::raw;
    StreamRole role = StreamRole::device;
    int partition = 0;         // its number, for role partition
    std::uint64_t offset = 0;  // where the stream begins on the source
    std::uint64_t size = 0;
    std::uint64_t used_bytes = 0;  // bytes capture read (used blocks, or every byte)
    std::optional<FilesystemFacts> filesystem;  // set exactly when kind is filesystem

    [[nodiscard]] std::uint64_t end() const { return offset + size; }
};

struct Source {
    std::string path;
    std::uint64_t size = 0;
    unsigned logical_sector_size = 512;
    unsigned physical_sector_size = 512;
    std::string model;
    std::string serial;
    SourceKind kind = SourceKind::raw;
};

struct Manifest {
    std::uint32_t format_version = 1;
    std::string tool;
    std::string created;  // "YYYY-MM-DDTHH:MM:SSZ", or "" when the image's is not shaped so
    std::string host;
    std::string note;
    Source source;
    std::vector<Stream> streams;          // ordered by offset on the source
    std::optional<disk::DiskLayout> disk;  // set exactly when source.kind is disk

    [[nodiscard]] const Stream* stream(std::uint16_t id) const;
    // The stream holding partition `number`, or nullptr.
    [[nodiscard]] const Stream* partition_stream(int number) const;
    // Bytes of the source disk in no stream: space outside every partition
    // that capture left out (docs/FORMAT.md, "Whole disks"). 0 for a single source.
    [[nodiscard]] std::uint64_t bytes_left_out() const;
};

inline constexpr std::size_t kMaxManifestBytes = 4u << 20;  // a 128-partition disk's is under 100 KiB
inline constexpr int kMaxManifestDepth = 16;                // Lifeboat's own nest 5 deep
inline constexpr std::size_t kMaxStreams = 1024;
inline constexpr std::size_t kMaxNoteBytes = 4096;

// Parses and checks everything that needs only the manifest (docs/FORMAT.md,
// "What a reader checks", manifest items). damaged_image, saying which rule
// broke, for anything else; never throws. The checks against the header and
// the index are ImageReader's.
[[nodiscard]] Result<Manifest> parse_manifest(std::string_view json);

// The JSON capture stores (pretty-printed, fields of docs/FORMAT.md).
[[nodiscard]] std::string manifest_json(const Manifest& manifest);

// The manifest's own words for the enums: "disk", "filesystem", "gap", ...
[[nodiscard]] std::string_view source_kind_name(SourceKind kind);
[[nodiscard]] std::string_view stream_kind_name(StreamKind kind);
[[nodiscard]] std::string_view role_name(StreamRole role);

// How people are told about a part of an image, in every screen, plan, log
// and progress line: "partition 2", "boot area / gap", "filesystem", "whole device".
[[nodiscard]] std::string part_name(StreamRole role, int partition);
// The same with its filesystem, as plans and messages name it:
// "partition 2 (ext4 'root')", "filesystem (vfat)".
[[nodiscard]] std::string part_title(StreamRole role, int partition, const std::string& filesystem,
                                     const std::string& label);
[[nodiscard]] std::string part_title(const Stream& stream);

}  // namespace imager::format
