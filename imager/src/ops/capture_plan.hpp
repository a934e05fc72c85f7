// What a capture stores, decided before anything is written: one stream for
// a filesystem or a raw device, or for a whole disk one stream per partition
// (stored by its filesystem's used-block map) plus a raw stream for every
// region outside the partitions: the MBR and its boot code, the GPT, the gap
// where GRUB's core.img lives, EBRs, the backup GPT. All-zero stretches of raw
// streams cost nothing (they become holes).
#pragma once

#include "fs/used_blocks.hpp"
#include "imager/devices.hpp"
#include "imager/disk_layout.hpp"
#include "imager/image_ops.hpp"
#include "io/block_source.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace imager::ops {

struct StreamPlan {
    std::uint16_t id = 0;
    std::uint64_t base = 0;  // where the stream begins on the source
    std::uint64_t size = 0;
    std::string role;        // "filesystem", "device", "partition", "gap"
    int partition = 0;       // the partition number, for role "partition"
    std::optional<devices::Filesystem> filesystem;  // set when stored by a used-block map
    fs::UsedMap used;
};

struct CapturePlan {
    devices::Device device;
    std::optional<disk::DiskLayout> layout;  // set for whole-disk images
    std::vector<StreamPlan> streams;
    [[nodiscard]] std::uint64_t used_bytes() const;
};

[[nodiscard]] Result<CapturePlan> plan_capture(io::BlockSource& source, const std::string& path, Progress& progress);
[[nodiscard]] std::string manifest_for(const CaptureOptions& options, const CapturePlan& plan, std::uint64_t size);

}  // namespace imager::ops
