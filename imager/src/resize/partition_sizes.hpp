// A whole disk laid out again for a target of another size, or with sizes the
// person chose: which partitions keep their size (special ones, filesystems
// Lifeboat cannot resize), which shrink and by how much, which move; the
// table that results. Pure: no I/O. The rules are docs/SHRINK.md's.
#pragma once

#include "imager/disk_layout.hpp"
#include "imager/image_ops.hpp"
#include "imager/manifest.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace imager::resize {

struct SizeRequest {
    std::map<int, std::uint64_t> sizes;     // partition number -> bytes wanted (--size)
    std::map<int, std::uint64_t> minimums;  // measured minimum of a resizable partition's filesystem
    bool grow_last = false;                 // then the last partition fills the target (--grow)
    std::string size_control = "--size";    // for refusals: how the person sets a size
};

struct NewLayout {
    disk::DiskLayout layout;
    std::vector<PartitionChange> changes;  // every partition but an extended one, in disk order
};

// Why a partition of this type id keeps its size whatever the target
// ("EFI system partition"); "" for an ordinary one.
[[nodiscard]] std::string special_partition(const std::string& type);

// Every partition of `source` but an extended one that holds logical ones,
// in disk order, as the image has it (new_* = old_*): its filesystem, what it
// uses, the least it may be given, why it keeps its size.
[[nodiscard]] std::vector<PartitionChange> partitions_of(const disk::DiskLayout& source, const format::Manifest& manifest,
                                                         const SizeRequest& request);

// The least target that holds `source`'s partitions with each resizable one
// at its minimum (measured, or estimated from the image's used bytes).
[[nodiscard]] std::uint64_t least_target_bytes(const disk::DiskLayout& source, const format::Manifest& manifest,
                                               const SizeRequest& request);

// The layout for a target of `target_bytes`. Partitions keep their order and
// the gaps between them; the sizes asked for are taken as they are (rounded
// down to whole MiB); when the disk is still too small, every partition that
// may shrink gives up the same share of its room above its minimum (plus a
// margin). Refused (Errc::no_space, or invalid_argument for a size that
// cannot be had) with the numbers: what the data needs, what the disk holds.
[[nodiscard]] Result<NewLayout> lay_out(const disk::DiskLayout& source, const format::Manifest& manifest,
                                        std::uint64_t target_bytes, const std::string& target,
                                        const SizeRequest& request);

}  // namespace imager::resize
