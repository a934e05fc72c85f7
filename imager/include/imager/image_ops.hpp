// Capture, restore, verify and describe images of one filesystem or block
// range (docs/FORMAT.md). Each returns a Result; none prints or exits.
// Called by the CLI and the wizard.
#pragma once

#include "imager/manifest.hpp"
#include "imager/progress.hpp"
#include "imager/result.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace imager {

struct CaptureOptions {
    std::string source;        // block device or regular file
    std::string image;         // the image's (first volume's) path
    int level = 3;             // zstd level, 1..19
    unsigned threads = 0;      // compression threads; 0 = every core
    std::uint64_t split = 0;   // bytes per volume; 0 = one file
    std::string note;
    bool verify = true;        // read the image back after writing it
    bool force = false;        // replace an existing image
    // A whole disk: store every byte outside the partitions too, not only what
    // boot loaders and tables use (docs/FORMAT.md, "Whole disks"), for a forensic copy.
    bool all_gaps = false;
    // A request to stop (the wizard's cancel), looked at between chunks: the
    // capture then removes its .partial files and returns Errc::cancelled.
    // Asked once the image is complete, it stops (or skips) only the
    // verification: the image is kept and the report says verified = false. A caller that passes a stop state
    // handles signals itself: capture then leaves SIGINT/SIGTERM/SIGHUP alone.
    // No stop state: a signal stops the capture the same way (ops/interrupt.hpp).
    std::stop_token stop;
};

// What capture would store, found without writing anything (capture's own
// planning): for the wizard's summary and its check for room on the destination.
struct CapturePart {
    format::StreamRole role = format::StreamRole::device;
    int partition = 0;            // its number, for role partition
    std::uint64_t offset = 0;     // on the source
    std::uint64_t size = 0;
    std::string filesystem;       // "ext4", ...; "" when stored raw
    std::string label;
    std::uint64_t used_bytes = 0; // bytes capture will read
};

struct CaptureEstimate {
    std::uint64_t source_size = 0;
    std::uint64_t used_bytes = 0;   // all parts'
    std::vector<CapturePart> parts; // in source order, gaps included
    // About how big the image will be: used bytes x kEstimatedRatio + overhead.
    std::uint64_t estimated_image_bytes = 0;
    // The most the image can take: chunks that do not compress are stored as
    // they are (docs/FORMAT.md), so used bytes + headers, manifest and index.
    // A destination with less free space may fill up; this is the room check.
    std::uint64_t max_image_bytes = 0;
    std::vector<std::string> notes;  // what planning noticed ("in use", "storing every byte")
    // The ratio of stored to used bytes assumed by the estimate: system disks
    // (programs, libraries, text) compress at zstd level 3 to about half; more
    // is assumed, so the estimate errs large.
    static constexpr double kEstimatedRatio = 0.6;
};

struct CaptureReport {
    std::uint64_t source_size = 0;
    std::uint64_t used_bytes = 0;     // bytes the used-block map selected
    std::uint64_t zero_bytes = 0;     // of those, stored as holes
    std::uint64_t image_bytes = 0;    // size of the image's files
    std::uint32_t volumes = 0;
    std::string filesystem;           // "ext4", ..., or "raw"
    double seconds = 0;
    bool verified = false;
};

struct RestoreOptions {
    std::string image;
    std::string target;        // block device or regular file (created if missing)
    unsigned threads = 0;
    bool discard = false;      // discard the free space on the target
    bool assume_yes = false;   // do not ask before overwriting the target
    bool dry_run = false;      // plan and check only; write nothing
    int partition = 0;         // whole-disk image: restore only this partition onto target
    bool grow = false;         // whole-disk image: grow the last partition to the target's end
    std::string grow_control = "--grow";  // how the person asks for `grow`, as the plan's notes name it
    // Whole-disk image: partition number -> its size in bytes on the target
    // (--size N=SIZE); the partitions after it move. docs/SHRINK.md.
    std::map<int, std::uint64_t> sizes;
    std::string size_control = "--size";  // how the person asks for `sizes`, as the plan's refusals name it
    std::uint64_t expect_size = 0;  // refuse unless the target still has this size (0: no check)
    std::string expect_serial;      // refuse unless the target still has this serial ("": no check)
    // A request to stop (the wizard's cancel), looked at right before the first
    // write, between chunks and before the partition table: the restore then
    // returns Errc::cancelled, its aftermath saying what the target holds (which
    // streams were written, that the table was not) and its hint what to do.
    // Once the table is written the restore is finished and runs to its end.
    // No stop state: never stops.
    std::stop_token stop;
};

struct RestoreReport {
    std::string plan;               // what was (or, with dry_run, would be) done, for people
    std::uint64_t data_bytes = 0;   // bytes written from chunks
    std::uint64_t zero_bytes = 0;   // bytes written as zeros
    double seconds = 0;
};

struct VerifyOptions {
    std::string image;
    unsigned threads = 0;
    // A request to stop (the wizard's cancel), looked at between chunks: verify
    // then returns Errc::cancelled. Verifying writes nothing but the mark, so
    // it can stop at any time. No stop state: never stops.
    std::stop_token stop;
    // Record the verified mark beside the image when every chunk is whole, and
    // remove an earlier one when a chunk is not (docs/FORMAT.md, "Verified mark").
    bool record_mark = true;
};

struct VerifyReport {
    std::uint64_t chunks = 0;
    std::uint64_t data_bytes = 0;
    double seconds = 0;
    bool marked = false;        // the verified mark was written
    // Why it was not ("record that X verified: Read-only file system"); "" when
    // marked or not asked. The image is whole either way.
    std::string mark_problem;
};

struct ImageSummary {
    std::string manifest_json;  // the manifest as stored (`info --json` shows it)
    format::Manifest manifest;  // ...as read and checked: what everything else uses
    std::string uuid;
    std::uint32_t format_version = 0;
    std::uint32_t volumes = 0;
    std::uint64_t image_bytes = 0;
    std::uint64_t records = 0;
    std::uint64_t data_bytes = 0;   // uncompressed bytes in chunks
    std::uint64_t zero_bytes = 0;   // bytes recorded as zero runs
};

// Whether an image fits a target of `target_bytes`, and what restoring it
// there means: the one answer the restore plan (and so the CLI) and the
// wizard's list of disks share. Reads only the manifest.
// A whole disk restored onto a target of another size, or with sizes chosen:
// what becomes of one partition (docs/SHRINK.md). Bytes throughout.
struct PartitionChange {
    int number = 0;
    std::string what;             // "partition 2 (ext4 'root')"
    std::string filesystem;       // libblkid's type; "" when the image holds it raw
    std::uint64_t old_start = 0;  // on the source disk
    std::uint64_t old_size = 0;
    std::uint64_t new_start = 0;  // on the target
    std::uint64_t new_size = 0;
    std::uint64_t used = 0;       // what its filesystem uses, as the image counted it
    std::uint64_t minimum = 0;    // the least it can be given (its own size when it keeps it)
    bool minimum_measured = false;  // by the filesystem's tool; else estimated from `used`
    std::string fixed_because;    // why it keeps its size ("EFI system partition"); "" when it may change
    bool resizable = false;       // its filesystem can be resized: a size may be asked for it (even a special one)
    [[nodiscard]] bool moves() const { return new_start != old_start; }
    [[nodiscard]] bool shrinks() const { return new_size < old_size; }
    [[nodiscard]] bool grows() const { return new_size > old_size; }
};

struct TargetFit {
    std::uint64_t needed_bytes = 0;  // the least the target must hold
    bool fits = false;
    // Whole-disk images restored whole: the partition that ends last (the one
    // `grow` grows; 0 when there is none) and the room after it on this target.
    int last_partition = 0;
    std::uint64_t room_after_last = 0;
    std::optional<disk::DiskLayout> layout;  // the table written onto this target
    std::vector<std::string> notes;          // what `grow` does, the space left in no partition
    // Partitions resized or moved (a smaller target, `sizes`): every partition
    // but an extended one, in disk order; empty when each keeps its place.
    std::vector<PartitionChange> changes;
    std::optional<Error> refusal;  // why it does not fit, with the numbers; set when !fits
};
// `minimums`: the least each resizable partition's filesystem can be given
// (by number, bytes), as its tool measured it; a partition missing there is
// estimated from the image's count of its used bytes.
[[nodiscard]] TargetFit fit_image(const format::Manifest& manifest, std::uint64_t target_bytes,
                                  const RestoreOptions& options, const std::map<int, std::uint64_t>& minimums = {});
// Every partition of a whole-disk image but an extended one, in disk order,
// as the image has it (new_start, new_size = old): what the wizard's sizes
// screen lists. `minimums` as fit_image's. Empty for other images.
[[nodiscard]] std::vector<PartitionChange> image_partitions(const format::Manifest& manifest,
                                                            const std::map<int, std::uint64_t>& minimums = {});
// The least each partition of a whole-disk image whose filesystem can be
// resized may be given, measured by the filesystem's own tool on a view of
// the image (docs/SHRINK.md): what fit_image() takes. Reads the image; a
// second or so per filesystem.
[[nodiscard]] Result<std::map<int, std::uint64_t>> measure_minimums(const std::string& image);

[[nodiscard]] Result<CaptureReport> capture(const CaptureOptions& options, Progress& progress);
// Plans a capture of `source` (a disk, a partition, a file) and sizes it; writes nothing.
[[nodiscard]] Result<CaptureEstimate> estimate_capture(const std::string& source);
[[nodiscard]] Result<RestoreReport> restore(const RestoreOptions& options, Progress& progress, Prompt& prompt);
// Checks the structure and every chunk. A failure to record the verified mark
// is not a failure of the verification: it is in the report and a note.
[[nodiscard]] Result<VerifyReport> verify(const VerifyOptions& options, Progress& progress);
[[nodiscard]] Result<VerifyReport> verify(const std::string& image, unsigned threads, Progress& progress);
[[nodiscard]] Result<ImageSummary> describe_image(const std::string& image);

}  // namespace imager
