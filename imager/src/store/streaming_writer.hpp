// An ObjectWriter for stores that take an object as one streamed upload (an
// HTTP PUT, an SFTP write, NFS WRITEs): append() queues bytes in a bounded
// queue (two buffers: memory stays bounded at any image size), a thread of
// the writer's own runs the store's transfer, which takes them with next()
// (libcurl through read()), so the source is read and compressed while the
// server takes the bytes before; and
// commit() ends the stream, waits for the transfer, then lets the store make
// the object visible (a MOVE, a rename). A transfer that takes nothing for
// kStallSeconds while bytes wait is a server gone (progress() says so); a
// source that is slow only makes read() wait, which is no stall.
#pragma once

#include "store/store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace imager::store {

class StreamingWriter : public ObjectWriter {
public:
    ~StreamingWriter() override;  // derived writers call stop() in theirs
    StreamingWriter(const StreamingWriter&) = delete;
    StreamingWriter& operator=(const StreamingWriter&) = delete;

    Status append(std::span<const std::byte> data) final;
    Status commit() final;
    void abandon() noexcept final;

protected:
    explicit StreamingWriter(std::string what) : what_(std::move(what)) {}
    // Starts the transfer thread; the derived constructor's last step.
    void start();
    // Abandons unless done; a derived destructor's first step, while its members live.
    void stop() noexcept;

    // Runs on the writer's thread: the whole upload, fed by read().
    [[nodiscard]] virtual Status transfer() = 0;
    // After a whole transfer: makes the object visible under its name.
    [[nodiscard]] virtual Status publish() = 0;
    // Removes what the transfer wrote; never fails.
    virtual void discard() noexcept = 0;

    // For transfer(): the next queued bytes, as many as fit; 0 at the end of
    // the stream, nothing once the writer is abandoned. Waits for bytes.
    [[nodiscard]] std::optional<std::size_t> next(std::span<std::byte> into);
    // libcurl's read and progress callbacks, with the writer as their data.
    static std::size_t read(char* into, std::size_t size, std::size_t count, void* writer);
    static int progress(void* writer, std::int64_t, std::int64_t, std::int64_t, std::int64_t);
    [[nodiscard]] bool stalled() const;
    [[nodiscard]] bool cancelled() const;

private:
    void run();

    static constexpr std::size_t kQueued = 2;  // the volumes layer appends 8 MiB at a time
    std::string what_;  // "write https://files/images/pc.lbi", for errors
    std::thread thread_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;  // bytes queued, or the end, or cancelled
    std::condition_variable room_;   // a buffer taken, or the transfer finished
    std::deque<std::vector<std::byte>> queue_;
    std::size_t front_taken_ = 0;
    std::uint64_t queued_bytes_ = 0;
    std::chrono::steady_clock::time_point last_progress_;
    bool ended_ = false;      // commit(): no more bytes
    bool cancelled_ = false;  // abandon()
    bool finished_ = false;   // transfer() returned
    bool stalled_ = false;
    bool done_ = false;  // committed or abandoned
    std::optional<Error> failure_;
};

}  // namespace imager::store
