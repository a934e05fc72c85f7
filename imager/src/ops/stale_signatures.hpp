// Restore, before the partition table: what the target's old contents leave
// where the image writes nothing (a filesystem's free space, a grown
// partition's new end) must not pass for part of the restored disk. An md
// superblock at the end of a partition, an LVM label, an old filesystem's
// signature: left there, blkid and udev would find two things in one
// partition (or the wrong one) and md or LVM could claim it at boot. Each part
// the kernel will show (the whole target, each partition of the new table) is
// probed as wipefs probes it, and the magic bytes of every signature outside
// what the image wrote are zeroed, as `wipefs -a` does; the image's own
// signatures lie in what it wrote and stay. Called by restore().
#pragma once

#include "imager/progress.hpp"
#include "imager/result.hpp"
#include "ops/restore_plan.hpp"

namespace imager::ops {

// Clears them on plan.target, after every stream is written; a note lists what was cleared.
[[nodiscard]] Status clear_stale_signatures(const RestorePlan& plan, Progress& progress);

}  // namespace imager::ops
