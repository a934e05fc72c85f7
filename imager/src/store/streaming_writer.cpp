#include "store/streaming_writer.hpp"

#include "store/curl_session.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

namespace imager::store {

StreamingWriter::~StreamingWriter() { stop(); }

void StreamingWriter::start() {
    last_progress_ = std::chrono::steady_clock::now();
    thread_ = std::thread([this] { run(); });
}

void StreamingWriter::run() {
    auto outcome = transfer();
    std::lock_guard lock(mutex_);
    if (!outcome) failure_ = outcome.error();
    finished_ = true;
    room_.notify_all();
}

Status StreamingWriter::append(std::span<const std::byte> data) {
    std::unique_lock lock(mutex_);
    if (done_ || ended_) return std::unexpected(make_error(Errc::internal, what_ + ": append after the end"));
    room_.wait(lock, [&] { return queue_.size() < kQueued || finished_; });
    if (finished_)
        return std::unexpected(failure_ ? *failure_ : make_error(Errc::io, what_ + ": the upload ended early"));
    queue_.emplace_back(data.begin(), data.end());
    queued_bytes_ += data.size();
    ready_.notify_all();
    return {};
}

Status StreamingWriter::commit() {
    {
        std::lock_guard lock(mutex_);
        if (done_) return std::unexpected(make_error(Errc::internal, what_ + ": commit after the end"));
        ended_ = true;
        ready_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    done_ = true;
    Status published = failure_ ? Status(std::unexpected(*failure_)) : publish();
    if (!published) discard();
    return published;
}

void StreamingWriter::abandon() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (done_) return;
        cancelled_ = true;
        ready_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    done_ = true;
    discard();
}

void StreamingWriter::stop() noexcept { abandon(); }

std::optional<std::size_t> StreamingWriter::next(std::span<std::byte> into) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !queue_.empty() || ended_ || cancelled_; });
    if (cancelled_) return std::nullopt;
    if (queue_.empty()) return 0;  // ended: the stream is complete
    auto& front = queue_.front();
    const std::size_t n = std::min(into.size(), front.size() - front_taken_);
    std::memcpy(into.data(), front.data() + front_taken_, n);
    front_taken_ += n;
    queued_bytes_ -= n;
    if (front_taken_ == front.size()) {
        queue_.pop_front();
        front_taken_ = 0;
        room_.notify_all();
    }
    last_progress_ = std::chrono::steady_clock::now();
    return n;
}

std::size_t StreamingWriter::read(char* into, std::size_t size, std::size_t count, void* writer) {
    auto n = static_cast<StreamingWriter*>(writer)->next({reinterpret_cast<std::byte*>(into), size * count});
    return n ? *n : CURL_READFUNC_ABORT;
}

int StreamingWriter::progress(void* writer, std::int64_t, std::int64_t, std::int64_t, std::int64_t) {
    auto& w = *static_cast<StreamingWriter*>(writer);
    std::lock_guard lock(w.mutex_);
    if (w.cancelled_) return 1;
    if (w.queued_bytes_ > 0 &&
        std::chrono::steady_clock::now() - w.last_progress_ > std::chrono::seconds(net::kStallSeconds)) {
        w.stalled_ = true;
        return 1;
    }
    return 0;
}

bool StreamingWriter::stalled() const {
    std::lock_guard lock(mutex_);
    return stalled_;
}

bool StreamingWriter::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

}  // namespace imager::store
