// The verified mark (docs/FORMAT.md, "Verified mark"): a small JSON sidecar,
// `.NAME.verified` beside an image's first volume, written by verify() when
// every chunk was whole, so the wizard's image lists can say "verified <date>"
// without reading any chunk. It is a memory, not a proof: it counts only while
// the image's uuid, its volumes' total size and their newest modification time
// are still what they were when it was written; anything else in it (or a mark
// that does not parse strictly) is ignored. Written atomically (a temporary
// file + rename) and never through a symlink. Called by verify() (which writes
// or removes it) and by discovery (which reads it).
#pragma once

#include "imager/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace imager::ops {

// What identifies an image as it is now on disk.
struct ImageIdentity {
    std::string uuid;                 // the image's uuid, as uuid_text() writes it
    std::uint64_t image_bytes = 0;    // every volume's file, headers included
    // The newest volume's mtime in whole seconds since the epoch: copies that
    // keep times (cp -p, rsync -a, mke2fs -d) keep the mark valid.
    std::uint64_t modified = 0;
};

// The identity of the image whose first volume is `image`, with `volumes`
// volume files; not_found / io when a volume cannot be looked at.
[[nodiscard]] Result<ImageIdentity> image_identity(const std::string& image, const std::string& uuid,
                                                   std::uint32_t volumes);

// dir/.NAME.verified for dir/NAME.
[[nodiscard]] std::string verified_mark_path(const std::string& image);

// The mark's JSON for `identity`, verified at `when_utc` ("YYYY-MM-DDTHH:MM:SSZ").
[[nodiscard]] std::string format_verified_mark(const ImageIdentity& identity, std::string_view when_utc);

// The time in `mark_json` when it is a well-formed mark of exactly `identity`
// (same uuid, size and modification time, a real UTC date); "" otherwise.
[[nodiscard]] std::string parse_verified_mark(std::string_view mark_json, const ImageIdentity& identity);

// Records that `image` verified now. The error (permission, read-only
// filesystem, no space) says the mark could not be written and why; the image
// itself is untouched either way.
[[nodiscard]] Status write_verified_mark(const std::string& image, const ImageIdentity& identity);

// The date of `image`'s mark when it matches `identity`; "" when there is none
// or it does not match. Reads at most a few KiB; never follows a symlink.
[[nodiscard]] std::string read_verified_mark(const std::string& image, const ImageIdentity& identity);

// Forgets an earlier mark (a verification just failed); best effort.
void remove_verified_mark(const std::string& image);

// "YYYY-MM-DDTHH:MM:SSZ" naming a real moment (month 1-12, day within the
// month, hour < 24, ...); false for anything else.
[[nodiscard]] bool is_utc_time(std::string_view text);

}  // namespace imager::ops
