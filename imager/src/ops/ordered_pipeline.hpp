// Read -> transform on every core -> consume in order, with bounded memory.
// One producer thread reads jobs, `workers` threads transform them, and the
// calling thread consumes the results strictly in production order. At most
// `max_in_flight` jobs exist at once, which is what bounds memory whatever the
// disk size. The first error (from any stage, earliest job first) stops all.
#pragma once

#include "imager/result.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace imager::ops {

template <class Job, class Output>
class OrderedPipeline {
public:
    using Produce = std::function<Result<std::optional<Job>>()>;  // nullopt = no more jobs
    using Transform = std::function<Result<Output>(Job&)>;
    using Consume = std::function<Status(Output&)>;

    OrderedPipeline(unsigned workers, std::size_t max_in_flight)
        : workers_(workers == 0 ? 1 : workers), max_in_flight_(max_in_flight < 2 ? 2 : max_in_flight) {}

    Status run(const Produce& produce, const Transform& transform, const Consume& consume) {
        std::thread producer([&] { produce_all(produce); });
        std::vector<std::thread> pool;
        for (unsigned i = 0; i < workers_; ++i) pool.emplace_back([&] { work(transform); });
        Status status = consume_all(consume);
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        changed_.notify_all();
        producer.join();
        for (auto& t : pool) t.join();
        return status;
    }

private:
    void produce_all(const Produce& produce) {
        for (std::size_t seq = 0;; ++seq) {
            {
                std::unique_lock lock(mutex_);
                changed_.wait(lock, [&] { return stop_ || seq - consumed_ < max_in_flight_; });
                if (stop_) return;
            }
            auto job = produce();
            std::lock_guard lock(mutex_);
            if (!job || !*job) {
                end_ = seq;
                if (!job) results_.emplace(seq, std::unexpected(job.error()));
                changed_.notify_all();
                return;
            }
            jobs_.emplace_back(seq, std::move(**job));
            changed_.notify_all();
        }
    }

    void work(const Transform& transform) {
        for (;;) {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
            if (stop_) return;
            auto [seq, job] = std::move(jobs_.front());
            jobs_.pop_front();
            lock.unlock();
            auto out = transform(job);
            lock.lock();
            results_.emplace(seq, std::move(out));
            changed_.notify_all();
        }
    }

    Status consume_all(const Consume& consume) {
        for (std::size_t seq = 0;; ++seq) {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return results_.contains(seq) || (end_ && seq >= *end_); });
            auto it = results_.find(seq);
            if (it == results_.end()) return {};  // every job consumed
            Result<Output> out = std::move(it->second);
            results_.erase(it);
            lock.unlock();
            if (!out) return std::unexpected(out.error());
            if (auto s = consume(*out); !s) return s;
            lock.lock();
            consumed_ = seq + 1;
            changed_.notify_all();
        }
    }

    unsigned workers_;
    std::size_t max_in_flight_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::pair<std::size_t, Job>> jobs_;
    std::map<std::size_t, Result<Output>> results_;
    std::size_t consumed_ = 0;
    std::optional<std::size_t> end_;
    bool stop_ = false;
};

}  // namespace imager::ops
