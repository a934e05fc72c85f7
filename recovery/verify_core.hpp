// What the Verify flow needs from the core, as one small interface: the
// wizard's real one (verify_core_adapter.hpp) finds images the way Restore
// does and runs imager::verify on a worker thread; unit tests use a fake and
// drive every step without disks, root or a terminal.
#pragma once

#include "imager/image_discovery.hpp"
#include "imager/image_ops.hpp"
#include "imager/result.hpp"

#include <string>
#include <string_view>

namespace recovery {

// Where a running verification reports; the flow implements it. The real core
// delivers these on the thread that calls its deliver_events(): the screen's.
class VerifyEvents {
public:
    virtual ~VerifyEvents() = default;
    virtual void on_progress(const imager::ProgressUpdate& update) = 0;
    virtual void on_note(std::string_view message) = 0;
    virtual void on_finished(const imager::Result<imager::VerifyReport>& result) = 0;
};

class VerifyCore {
public:
    virtual ~VerifyCore() = default;
    // Every image on every filesystem the machine's disks hold, mounting them first.
    virtual imager::discovery::ImageCatalog find_images() = 0;
    // Starts checking `image`; it reports through `events` until on_finished().
    virtual void start(const std::string& image, VerifyEvents& events) = 0;
    // Asks a running verification to stop; it still ends with on_finished().
    virtual void cancel() = 0;
    // Where everything the wizard did is written down, for the result screen.
    [[nodiscard]] virtual std::string log_path() const = 0;
};

}  // namespace recovery
