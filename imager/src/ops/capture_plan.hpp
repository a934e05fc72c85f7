// What a capture stores, decided before anything is written: one stream for
// a filesystem or a raw device, or for a whole disk one stream per partition
// (stored by its filesystem's used-block map) plus raw streams for what lies
// outside the partitions and boot loaders and tables use: everything before
// the first partition (the MBR and its boot code, the GPT, the gap where
// GRUB's core.img or a board's firmware lives), EBRs, the space between
// partitions up to kGapKeptWhole (only its ends in a larger one), the backup
// GPT. Free space after the last partition, and the middle of large spaces
// between partitions, is left out unless CaptureOptions::all_gaps asks for
// every byte (docs/FORMAT.md, "Whole disks"). All-zero stretches of raw
// streams cost nothing (they become holes).
#pragma once

#include "fs/used_blocks.hpp"
#include "imager/devices.hpp"
#include "imager/disk_layout.hpp"
#include "imager/image_ops.hpp"
#include "imager/manifest.hpp"
#include "io/block_source.hpp"

#include <optional>
#include <string>
#include <vector>

namespace imager::ops {

struct StreamPlan {
    std::uint16_t id = 0;
    std::uint64_t base = 0;  // where the stream begins on the source
    std::uint64_t size = 0;
    format::StreamRole role = format::StreamRole::device;
    int partition = 0;       // the partition number, for role partition
    std::optional<devices::Filesystem> filesystem;  // set when stored by a used-block map
    fs::UsedMap used;
};

struct CapturePlan {
    devices::Device device;
    std::optional<disk::DiskLayout> layout;  // set for whole-disk images
    std::vector<StreamPlan> streams;
    [[nodiscard]] std::uint64_t used_bytes() const;
};

// A space between partitions of at most this much is stored whole; of a
// larger one, the first and last kGapEnds (EBRs and alignment live there).
inline constexpr std::uint64_t kGapKeptWhole = 4u << 20;
inline constexpr std::uint64_t kGapEnds = 1u << 20;

// `all_gaps`: store every byte outside the partitions too.
[[nodiscard]] Result<CapturePlan> plan_capture(io::BlockSource& source, const std::string& path, bool all_gaps,
                                               Progress& progress);
[[nodiscard]] format::Manifest manifest_for(const CaptureOptions& options, const CapturePlan& plan, std::uint64_t size);

}  // namespace imager::ops
