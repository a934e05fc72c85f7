// A reader over a network object that fetches ahead while it is read in order
// (a restore or verify reads an image's chunks one after the other): once two
// reads in a row each start where the one before ended, the object is read in
// blocks of kBlock bytes, kAhead of them in flight on threads of their own,
// so the link stays busy while the restore decompresses and writes. Reads out
// of order (an image's header, index, trailer) go straight to the object,
// never a whole block for a few bytes. Memory: at most (kAhead + 2) blocks.
// Every block is read through the wrapped reader, with all its checks.
#pragma once

#include "store/store.hpp"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace imager::store {

class ReadAheadReader final : public ObjectReader {
public:
    static constexpr std::size_t kBlock = 4u << 20;
    static constexpr std::size_t kAhead = 4;

    explicit ReadAheadReader(std::unique_ptr<ObjectReader> object);
    ~ReadAheadReader() override;
    ReadAheadReader(const ReadAheadReader&) = delete;
    ReadAheadReader& operator=(const ReadAheadReader&) = delete;

    [[nodiscard]] std::uint64_t size() const override { return object_->size(); }
    [[nodiscard]] Status read_at(std::uint64_t offset, std::span<std::byte> buffer) const override;

private:
    struct Block {
        std::vector<std::byte> bytes;
        std::optional<Error> failure;
        bool ready = false;
    };
    using BlockPtr = std::shared_ptr<Block>;

    BlockPtr block(std::uint64_t index) const;  // from the cache, or asked for now
    void want(std::uint64_t index) const;       // asked for (mutex_ held)
    void fetcher() const;

    std::unique_ptr<ObjectReader> object_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;  // a block ready, a job queued, or stopping
    mutable std::map<std::uint64_t, BlockPtr> blocks_;
    mutable std::vector<std::uint64_t> queue_;  // blocks to fetch, in order
    mutable std::uint64_t next_offset_ = 0;     // where the last read ended
    mutable int streak_ = 0;                    // reads in a row that went on from there
    mutable bool stopping_ = false;
    mutable std::vector<std::thread> fetchers_;
};

}  // namespace imager::store
