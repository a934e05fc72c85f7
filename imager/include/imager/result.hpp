// Typed results for the whole core: every fallible function returns Result<T>.
// The core never throws across its API, never calls exit() or abort(), and never
// prints: it returns an Error that the CLI or the wizard turns into words and
// an exit code (see docs/ARCHITECTURE.md, "Errors").
#pragma once

#include <expected>
#include <string>

namespace imager {

// Stable error classes. The CLI maps each to a documented exit code, so add
// new values at the end and never renumber.
enum class Errc {
    io = 1,            // a read or write failed
    not_found,         // a path or device does not exist
    permission,        // the OS refused access
    invalid_argument,  // the caller asked for something impossible
    unsupported,       // valid, but not something Lifeboat can do
    damaged_image,     // an image failed a check (hash, structure, truncation)
    target_refused,    // a safety check refused the target
    no_space,          // a destination or target is too small
    cancelled,         // the person said no
    internal,          // a bug: an invariant broke
    // Refusals of a restore target, each with its own exit code:
    target_in_use,          // something on it is mounted or used as swap
    target_holds_image,     // the image is read from it
    sector_size_mismatch,   // 512 vs 4096-byte logical sectors
    target_is_boot_medium,  // Lifeboat itself runs from it
    target_changed,         // its size or serial changed since it was chosen
    // The restore finished, but a filesystem was not resized as asked (--grow):
    // the disk is whole and usable, the filesystem keeps its old size.
    resize_failed,
};

struct Error {
    Errc code = Errc::internal;
    int sys_errno = 0;    // the errno behind it, 0 if none
    std::string context;  // what was being done to what: "read /dev/sda at 0x1f000"
    std::string hint;     // what the person can do next; may be empty
    // What the failure left behind that the person must know before going on
    // ("/dev/sdb holds part of the image: ..."); empty when it left nothing.
    std::string aftermath;

    // "read /dev/sda at 0x1f000: Input/output error"
    [[nodiscard]] std::string message() const;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

[[nodiscard]] Error make_error(Errc code, std::string context, std::string hint = {});
// From an errno: picks the Errc (ENOENT -> not_found, EACCES -> permission, ...).
[[nodiscard]] Error sys_error(std::string context, int err);
[[nodiscard]] const char* errc_name(Errc code);

}  // namespace imager
