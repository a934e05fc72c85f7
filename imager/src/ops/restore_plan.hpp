// Restore, step one: every check and every decision, no writes. The plan says
// which stream goes where on the target, which table is written, and what the
// target holds now (everything that will be erased); --dry-run prints it, the
// wizard shows it. check_target() runs while planning and again right before
// the first byte is written.
#pragma once

#include "format/image_file.hpp"
#include "format/image_stream.hpp"
#include "imager/devices.hpp"
#include "imager/disk_layout.hpp"
#include "imager/filesystems.hpp"
#include "imager/image_ops.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imager::ops {

struct Placement {
    std::uint16_t stream = 0;
    std::uint64_t target_offset = 0;  // where the stream's byte 0 goes
    std::uint64_t write_limit = 0;    // stream bytes at or past this are not written
    std::string what;                 // "partition 2 (ext4 'root')", "boot area"
    bool outside_partitions = false;  // a boot area or gap: it holds the MBR, EBRs, GPT
};

struct RestorePlan {
    std::unique_ptr<format::ImageReader> image;   // a file or URL, read by its index
    std::unique_ptr<format::ImageStream> stream;  // or "-": standard input, read once, front to back
    std::optional<disk::DiskLayout> source_layout;  // whole-disk images
    std::optional<disk::DiskLayout> target_layout;  // the table to write, if any
    std::string target;
    bool create_target = false;  // a missing regular file, made at needed_size
    std::uint64_t target_size = 0;
    std::uint64_t needed_size = 0;
    std::optional<devices::Device> target_device;  // what the target holds now
    std::vector<Placement> placements;
    // A whole disk onto a larger target: the target's last MiB past every
    // placement, zeroed, for the old disk's labels kept at its end (kClearedEnd).
    std::uint64_t clear_offset = 0;
    std::uint64_t clear_length = 0;
    std::vector<std::string> notes;  // e.g. what --grow will and will not do
    // Partitions resized or moved (a smaller target, --size): every partition
    // but an extended one, in disk order; empty when each keeps its place.
    std::vector<PartitionChange> changes;
    // A filesystem resized before the table is written (every one that shrinks,
    // and FAT either way: resize/filesystems.hpp), once its partition's first
    // bytes are restored at its new place.
    struct ResizeStep {
        int partition = 0;
        std::uint16_t stream = 0;
        std::string filesystem;    // libblkid's type
        std::uint64_t offset = 0;  // the partition's new place and size on the target
        std::uint64_t size = 0;
        bool shrinks = false;
    };
    std::vector<ResizeStep> resizes;
    // A partition that grows (--grow, --size) and how its filesystem follows, after the table.
    struct GrowStep {
        int partition = 0;
        std::string filesystem;  // libblkid's type, from the manifest
        const filesystems::Record* record = nullptr;  // how it grows: its header (swap) or its grow_commands
    };
    std::vector<GrowStep> grows;

    [[nodiscard]] std::string text() const;
    [[nodiscard]] const format::Manifest& manifest() const { return image ? image->manifest() : stream->manifest(); }
    [[nodiscard]] std::uint32_t chunk_size() const {
        return image ? image->header().chunk_size : stream->header().chunk_size;
    }
    // Every record of the image; of a stream, those read so far (all, once its records ended).
    [[nodiscard]] const std::vector<format::IndexRecord>& records() const {
        return image ? image->records() : stream->records();
    }
};

// The most a stream's restore keeps in memory of what the image holds outside
// partitions (boot area, gaps): written only once the whole stream is checked,
// so that a broken stream leaves the old table. An image that holds more is
// restored from a file or URL.
inline constexpr std::uint64_t kStreamKeptOutsidePartitions = 64u << 20;

[[nodiscard]] Result<RestorePlan> plan_restore(const RestoreOptions& options);
[[nodiscard]] Status check_target(const RestoreOptions& options, const RestorePlan& plan);

}  // namespace imager::ops
