// What the restore flow needs from the core, as one small interface: the
// wizard's real one (make_restore_core) calls imager; unit tests use a fake
// and drive every step without disks, root or a terminal.
#pragma once

#include "imager/devices.hpp"
#include "imager/image_discovery.hpp"
#include "imager/image_ops.hpp"
#include "imager/result.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace recovery {

// Where a running restore reports; the flow implements it. The real core
// (restore_core_adapter.hpp) queues the restore thread's events and delivers
// them on the thread that calls deliver_events(): the screen's own.
class RestoreEvents {
public:
    virtual ~RestoreEvents() = default;
    virtual void on_progress(const imager::ProgressUpdate& update) = 0;
    virtual void on_note(std::string_view message) = 0;
    virtual void on_finished(const imager::Result<imager::RestoreReport>& result) = 0;
};

class RestoreCore {
public:
    virtual ~RestoreCore() = default;
    // Every image on every filesystem the machine's disks hold, mounting them first.
    virtual imager::discovery::ImageCatalog find_images() = 0;
    virtual imager::Result<imager::discovery::ImageContents> read_contents(const std::string& image) = 0;
    virtual imager::Result<std::vector<imager::devices::Device>> list_disks() = 0;
    // The least each resizable partition of a whole-disk image may be given
    // (imager::measure_minimums): for the sizes screen. Seconds.
    virtual imager::Result<std::map<int, std::uint64_t>> measure_minimums(const std::string& image) = 0;
    // The core's dry run (options.dry_run is set): the plan's text, or the refusal.
    virtual imager::Result<std::string> plan(const imager::RestoreOptions& options) = 0;
    // Starts the restore; it reports through `events` until on_finished().
    virtual void start(const imager::RestoreOptions& options, RestoreEvents& events) = 0;
    // Asks a running restore to stop; it still ends with on_finished().
    virtual void cancel() = 0;
    // Where everything the wizard did is written down, for the result screen.
    [[nodiscard]] virtual std::string log_path() const = 0;
};

}  // namespace recovery
