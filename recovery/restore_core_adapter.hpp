// The real RestoreCore: the wizard's Restore flow over the core's API.
// Finding images mounts the disks' filesystems read-only (FilesystemMounter)
// and searches them; planning is the core's dry run; a restore runs on a
// worker thread whose progress, notes and result wait in a queue until the
// UI thread takes them with deliver_events(), so RestoreEvents (the flow, not
// thread-safe) is only ever called on the UI thread. cancel() asks the core
// to stop between chunks (RestoreOptions::stop). Every step and event goes to
// the log (WizardLog): what was mounted and found, the plan or the refusal,
// the start, the notes, progress at each tenth, the cancel and the result.
// Before planning onto a disk, the filesystems the wizard itself mounted on
// it are unmounted (they would refuse it as in use), unless the image lies on
// one of them (the core then refuses it as holding the image).
// Finding images (ImageSearch) and the worker thread with its queue
// (CoreWorker) are shared with the Verify core.
// Called by the wizard's screens; tests hand it a mounter over plain folders.
#pragma once

#include "core_worker.hpp"
#include "image_search.hpp"
#include "restore_core.hpp"
#include "wizard_log.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace recovery {

struct RestoreCoreConfig {
    std::string log_path = WizardLog::kDefaultPath;
    std::string mount_base = "/run/lifeboat";  // where the system mounter mounts
    // Null: make_system_mounter(mount_base, paths), made when images are first looked for.
    std::unique_ptr<imager::discovery::FilesystemMounter> mounter;
    imager::devices::SystemPaths paths;
    std::vector<std::string> extra_roots;  // searched besides the mounted filesystems
    // Called on the worker thread after each event is queued, e.g. to wake the
    // screen's poll() through a self-pipe. Must not call deliver_events().
    std::function<void()> wake;
};

class RestoreCoreAdapter final : public RestoreCore {
public:
    explicit RestoreCoreAdapter(RestoreCoreConfig config = {});
    // A restore still running is asked to stop and waited for; the wizard's
    // mounts are unmounted.
    ~RestoreCoreAdapter() override;
    RestoreCoreAdapter(const RestoreCoreAdapter&) = delete;
    RestoreCoreAdapter& operator=(const RestoreCoreAdapter&) = delete;

    imager::discovery::ImageCatalog find_images() override;
    imager::Result<imager::discovery::ImageContents> read_contents(const std::string& image) override;
    imager::Result<std::vector<imager::devices::Device>> list_disks() override;
    imager::Result<std::map<int, std::uint64_t>> measure_minimums(const std::string& image) override;
    imager::Result<std::string> plan(const imager::RestoreOptions& options) override;
    // The flow confirms (assume_yes); a restore without it is refused by the
    // core's prompt here, which never says yes.
    void start(const imager::RestoreOptions& options, RestoreEvents& events) override;
    void cancel() override;
    // The log's path, or "" when it cannot be written.
    [[nodiscard]] std::string log_path() const override;

    // UI thread: hands the queued events to the RestoreEvents given to start(),
    // oldest first (progress coalesced: only the latest of a row); returns how many.
    std::size_t deliver_events();
    // Waits until an event is queued or `timeout` passed; true when one is queued.
    bool wait_for_events(std::chrono::milliseconds timeout);
    // Started and its on_finished() not yet delivered.
    [[nodiscard]] bool running() const;

    [[nodiscard]] WizardLog& log() { return log_; }

private:
    // Declared in this order so that the worker is joined before the search
    // unmounts what the restore may still read, and the log outlives both.
    RestoreCoreConfig config_;
    WizardLog log_;
    ImageSearch search_;
    CoreWorker<imager::RestoreReport, RestoreEvents> worker_;
};

[[nodiscard]] std::unique_ptr<RestoreCoreAdapter> make_restore_core(RestoreCoreConfig config = {});

}  // namespace recovery
