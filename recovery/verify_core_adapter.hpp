// The real VerifyCore: images are found the way Restore finds them
// (ImageSearch: the disks' filesystems mounted read-only and searched), and
// imager::verify runs on a worker thread (CoreWorker) whose progress, notes
// and result wait in a queue until the screen's thread takes them with
// deliver_events(). cancel() stops the verification between chunks
// (VerifyOptions::stop); it reads only, so stopping leaves everything as it
// was. The verified mark is recorded when the image's folder can be written
// (on the wizard's read-only mounts it cannot: the result says so). Every
// step goes to the log (WizardLog). Called by the Verify screens; tests hand
// it a mounter over plain folders.
#pragma once

#include "core_worker.hpp"
#include "image_search.hpp"
#include "verify_core.hpp"
#include "wizard_log.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace recovery {

struct VerifyCoreConfig {
    std::string log_path = WizardLog::kDefaultPath;
    std::string mount_base = "/run/lifeboat";
    // Null: make_system_mounter(mount_base, paths), made when images are first looked for.
    std::unique_ptr<imager::discovery::FilesystemMounter> mounter;
    imager::devices::SystemPaths paths;
    std::vector<std::string> extra_roots;  // searched besides the mounted filesystems
    unsigned threads = 0;                  // 0: every core
    // Called on the worker thread after each event is queued (e.g. a self-pipe
    // write). Must not call deliver_events().
    std::function<void()> wake;
};

class VerifyCoreAdapter final : public VerifyCore {
public:
    explicit VerifyCoreAdapter(VerifyCoreConfig config = {});
    // A verification still running is stopped and waited for; the mounts undone.
    ~VerifyCoreAdapter() override;
    VerifyCoreAdapter(const VerifyCoreAdapter&) = delete;
    VerifyCoreAdapter& operator=(const VerifyCoreAdapter&) = delete;

    imager::discovery::ImageCatalog find_images() override;
    void start(const std::string& image, VerifyEvents& events) override;
    void cancel() override;
    [[nodiscard]] std::string log_path() const override;  // "" when the log cannot be written

    // UI thread: the queued events to the VerifyEvents given to start(); how many.
    std::size_t deliver_events();
    // Waits until an event is queued or `timeout` passed; true when one is queued.
    bool wait_for_events(std::chrono::milliseconds timeout);
    // Started and its on_finished() not yet delivered.
    [[nodiscard]] bool running() const;

    [[nodiscard]] WizardLog& log() { return log_; }

private:
    // In this order: the worker is joined before the search unmounts what it
    // reads, and the log outlives both.
    VerifyCoreConfig config_;
    WizardLog log_;
    ImageSearch search_;
    CoreWorker<imager::VerifyReport, VerifyEvents> worker_;
};

[[nodiscard]] std::unique_ptr<VerifyCoreAdapter> make_verify_core(VerifyCoreConfig config = {});

}  // namespace recovery
