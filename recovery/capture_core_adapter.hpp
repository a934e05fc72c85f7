// The real CaptureCore: the wizard's Capture flow over the core's API.
// Lists the disks; finds destinations by mounting every filesystem on the
// other disks read-only (imager::WritableMounter, through read-only loop
// devices at each partition's offset; never anything of the source disk),
// with statvfs for the free space; make_writable() remounts only the chosen
// one read-write (through a read-write loop) when the capture starts; runs imager::capture on a worker thread (CoreWorker,
// shared with the Restore and Verify cores) whose events the UI thread takes
// with deliver_events(); cancel() asks the core to stop between chunks
// (CaptureOptions::stop), which removes the partial image. Everything goes to
// the log (WizardLog): disks, mounts (read-only, and the one read-write) and
// what could not be used, the
// estimate, the start, each step and tenth, notes, the cancel and the result.
// What it mounted is unmounted when it goes (after the worker is joined).
// Called by the Capture screens (capture_screens.cpp).
#pragma once

#include "capture_core.hpp"
#include "core_worker.hpp"
#include "imager/capture_destinations.hpp"
#include "wizard_log.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace recovery {

struct CaptureCoreConfig {
    std::string log_path = WizardLog::kDefaultPath;
    std::string mount_base = "/run/lifeboat/capture";  // where destinations are mounted
    std::string boot_device_file = "/run/lifeboat/boot-device";  // written by the media's init
    imager::devices::SystemPaths paths;
    unsigned threads = 0;  // compression threads; 0 = every core
    // Called on the worker thread after each event is queued (e.g. a self-pipe
    // write to wake the screen). Must not call deliver_events().
    std::function<void()> wake;
};

class CaptureCoreAdapter final : public CaptureCore {
public:
    explicit CaptureCoreAdapter(CaptureCoreConfig config = {});
    // A capture still running is asked to stop and waited for (its partial
    // image removed); then the destinations are unmounted.
    ~CaptureCoreAdapter() override;
    CaptureCoreAdapter(const CaptureCoreAdapter&) = delete;
    CaptureCoreAdapter& operator=(const CaptureCoreAdapter&) = delete;

    imager::Result<std::vector<imager::devices::Device>> list_disks() override;
    [[nodiscard]] std::string boot_device() const override;
    imager::Result<imager::CaptureEstimate> estimate(const std::string& source) override;
    std::vector<CaptureDestination> find_destinations(const std::string& source_disk,
                                                     std::vector<std::string>& problems) override;
    imager::Status make_writable(const CaptureDestination& destination) override;
    bool image_exists(const std::string& path) override;
    [[nodiscard]] std::string host_name() const override;
    [[nodiscard]] std::string today() const override;
    void start(const imager::CaptureOptions& options, CaptureEvents& events) override;
    void cancel() override;
    [[nodiscard]] std::string log_path() const override;

    // UI thread: hands the queued events to the CaptureEvents given to start().
    std::size_t deliver_events();
    bool wait_for_events(std::chrono::milliseconds timeout);
    [[nodiscard]] bool running() const;

private:
    // In this order: the worker is joined before the mounter unmounts what the
    // capture writes to, and the log outlives both.
    CaptureCoreConfig config_;
    WizardLog log_;
    imager::WritableMounter mounter_;
    CoreWorker<imager::CaptureReport, CaptureEvents> worker_;
};

[[nodiscard]] std::unique_ptr<CaptureCoreAdapter> make_capture_core(CaptureCoreConfig config = {});

}  // namespace recovery
