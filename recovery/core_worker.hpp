// A long core operation (restore, verify, capture) on a worker thread, its
// progress, notes and result queued until the UI thread takes them with
// deliver_events(): the screen's events object (a flow, not thread-safe) is
// only ever called on the UI thread. Consecutive progress updates of one step
// and part coalesce into the latest (a slow screen needs only the latest
// numbers). cancel() sets the std::stop_token the job was given; the job
// still ends with its result. Each step, each tenth of it and every note go
// to the WizardLog (LoggingProgress).
// Events must have on_progress(const ProgressUpdate&), on_note(string_view)
// and on_finished(const Result<Report>&). Shared by the Restore, Verify and
// Capture cores.
#pragma once

#include "imager/progress.hpp"
#include "imager/result.hpp"
#include "wizard_log.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

namespace recovery {

// One progress update or note of the worker, as queued.
struct WorkerUpdate {
    bool note = false;
    std::string text;  // the step, or the note
    std::uint64_t done = 0;
    std::uint64_t total = 0;
    std::string item;  // the part of a whole disk ("partition 2 (ext4)"), or ""
    std::uint64_t item_done = 0;
    std::uint64_t item_total = 0;
};

// The worker's Progress: every update and note to `sink`; to the log, each
// step, each tenth of it and the notes.
class LoggingProgress final : public imager::Progress {
public:
    LoggingProgress(WizardLog& log, std::function<void(WorkerUpdate)> sink) : log_(log), sink_(std::move(sink)) {}
    void update(const imager::ProgressUpdate& u) override;
    void note(std::string_view message) override;

private:
    WizardLog& log_;
    std::function<void(WorkerUpdate)> sink_;
    std::string step_;
    std::uint64_t logged_tenth_ = 0;
};

template <class Report, class Events>
class CoreWorker {
public:
    using Job = std::function<imager::Result<Report>(imager::Progress&, std::stop_token)>;

    // `what` names the operation in messages ("restore"); `wake` runs on the
    // worker after each queued event (e.g. a self-pipe write).
    CoreWorker(WizardLog& log, std::string what, std::function<void()> wake)
        : log_(log), what_(std::move(what)), wake_(std::move(wake)) {}
    // A job still running is asked to stop and waited for.
    ~CoreWorker() {
        if (thread_.joinable()) {
            log_.write("wizard: closing while the " + what_ + " runs: asking it to stop");
            stop_.request_stop();
            thread_.join();
        }
    }
    CoreWorker(const CoreWorker&) = delete;
    CoreWorker& operator=(const CoreWorker&) = delete;

    // True (and `events` will hear on_finished with an error) when a job runs already.
    bool refuse_if_running(Events& events) {
        if (!running_) return false;
        log_.write("start refused: a " + what_ + " is running already");
        push({{}, imager::Result<Report>(std::unexpected(
                      imager::make_error(imager::Errc::internal, "a " + what_ + " is running already"))),
              &events, false});
        return true;
    }

    // Runs `job` on the worker thread with a fresh stop token.
    void start(Events& events, Job job) {
        if (thread_.joinable()) thread_.join();  // finished; its result delivered
        stop_ = std::stop_source();
        running_ = true;
        try {
            thread_ = std::thread([this, &events, job = std::move(job), token = stop_.get_token()]() mutable {
                run(events, job, std::move(token));
            });
        } catch (const std::exception& e) {
            running_ = false;
            log_.write("the " + what_ + " could not start: " + e.what());
            push({{}, imager::Result<Report>(std::unexpected(imager::make_error(
                          imager::Errc::internal, "start the " + what_ + ": " + e.what()))),
                  &events, false});
        }
    }

    // Asks the running job to stop; it still ends with its result.
    void cancel() { stop_.request_stop(); }

    // UI thread: hands the queued events over, oldest first; returns how many.
    std::size_t deliver_events() {
        std::deque<Queued> events;
        {
            const std::lock_guard lock(mutex_);
            events.swap(queue_);
        }
        // Without the lock: the flow calls back into its core (log_path, list_disks).
        for (auto& e : events) {
            if (e.result) {
                if (e.ends_run) {
                    if (thread_.joinable()) thread_.join();  // it queued this as its last act
                    running_ = false;
                }
                e.events->on_finished(*e.result);
            } else if (e.update.note) {
                e.events->on_note(e.update.text);
            } else {
                const auto& u = e.update;
                e.events->on_progress({u.text, u.done, u.total, u.item, u.item_done, u.item_total});
            }
        }
        return events.size();
    }

    // Waits until an event is queued or `timeout` passed; true when one is queued.
    bool wait_for_events(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return queued_.wait_for(lock, timeout, [&] { return !queue_.empty(); });
    }

    // Started and its result not yet delivered (UI thread).
    [[nodiscard]] bool running() const { return running_; }

private:
    struct Queued {
        WorkerUpdate update;
        std::optional<imager::Result<Report>> result;  // set: a result
        Events* events = nullptr;
        bool ends_run = false;  // the worker's own result: it has finished
    };

    void run(Events& events, Job& job, std::stop_token token) {
        Queued finished{{}, std::nullopt, &events, true};
        try {
            LoggingProgress progress(log_, [this, &events](WorkerUpdate u) { push({std::move(u), std::nullopt, &events, false}); });
            finished.result = job(progress, std::move(token));
        } catch (const std::exception& e) {
            finished.result = std::unexpected(imager::make_error(imager::Errc::internal, what_ + " failed: " + e.what()));
        } catch (...) {
            finished.result = std::unexpected(imager::make_error(imager::Errc::internal, what_ + " failed"));
        }
        push(std::move(finished));
    }

    void push(Queued q) {
        {
            const std::lock_guard lock(mutex_);
            const auto is_progress = [](const Queued& e) { return !e.result && !e.update.note; };
            if (is_progress(q) && !queue_.empty() && is_progress(queue_.back()) &&
                queue_.back().update.text == q.update.text && queue_.back().update.item == q.update.item)
                queue_.back() = std::move(q);
            else
                queue_.push_back(std::move(q));
        }
        queued_.notify_all();
        if (wake_) wake_();
    }

    WizardLog& log_;
    std::string what_;
    std::function<void()> wake_;
    std::thread thread_;
    std::stop_source stop_;
    bool running_ = false;  // UI thread only
    std::mutex mutex_;
    std::condition_variable queued_;
    std::deque<Queued> queue_;
};

}  // namespace recovery
