// How the core reports and asks. The CLI implements these as text (or JSON
// lines) and --yes; the wizard as ncurses widgets. The core never prints.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace imager {

struct ProgressUpdate {
    std::string_view step;     // "capture", "verify", "restore"
    std::uint64_t done = 0;    // bytes of the source processed so far
    std::uint64_t total = 0;   // bytes to process in this step
    // Within the step, the part being worked on for a whole-disk image
    // ("partition 2 (ext4)", "boot area / gap"); empty when the image holds one stream.
    std::string_view item = {};
    std::uint64_t item_done = 0;   // bytes of that part processed so far
    std::uint64_t item_total = 0;  // bytes of that part
};

class Progress {
public:
    virtual ~Progress() = default;
    virtual void update(const ProgressUpdate& update) = 0;
    // A line for the log and the person: "falling back to raw: ...".
    virtual void note(std::string_view message) = 0;
};

class Prompt {
public:
    virtual ~Prompt() = default;
    // Asks `question`; true only when the person confirms. `target` is what a
    // person must type to confirm a destructive action (e.g. the device path).
    virtual bool confirm(std::string_view question, std::string_view target) = 0;
};

class SilentProgress final : public Progress {
public:
    void update(const ProgressUpdate&) override {}
    void note(std::string_view) override {}
};

}  // namespace imager
