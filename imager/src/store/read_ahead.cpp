#include "store/read_ahead.hpp"

#include <algorithm>
#include <cstring>

namespace imager::store {

ReadAheadReader::ReadAheadReader(std::unique_ptr<ObjectReader> object) : object_(std::move(object)) {}

ReadAheadReader::~ReadAheadReader() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        changed_.notify_all();
    }
    for (auto& t : fetchers_) t.join();
}

void ReadAheadReader::fetcher() const {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        const std::uint64_t index = queue_.front();
        queue_.erase(queue_.begin());
        const auto found = blocks_.find(index);
        if (found == blocks_.end()) continue;  // left behind before its turn came
        const BlockPtr b = found->second;
        lock.unlock();
        const std::uint64_t at = index * kBlock;
        b->bytes.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, object_->size() - at)));
        auto read = object_->read_at(at, b->bytes);
        lock.lock();
        if (!read) b->failure = read.error();
        b->ready = true;
        changed_.notify_all();
    }
}

void ReadAheadReader::want(std::uint64_t index) const {
    if (index * kBlock >= object_->size() || blocks_.contains(index)) return;
    blocks_[index] = std::make_shared<Block>();
    queue_.push_back(index);
    if (fetchers_.size() < kAhead) fetchers_.emplace_back([this] { fetcher(); });
    changed_.notify_all();
}

ReadAheadReader::BlockPtr ReadAheadReader::block(std::uint64_t index) const {
    std::unique_lock lock(mutex_);
    want(index);
    for (std::uint64_t ahead = 1; ahead <= kAhead; ++ahead) want(index + ahead);
    // What lies behind is done with (one block back stays: a chunk may straddle).
    while (!blocks_.empty() && blocks_.begin()->first + 1 < index) blocks_.erase(blocks_.begin());
    const BlockPtr b = blocks_[index];
    changed_.wait(lock, [&] { return b->ready; });
    return b;
}

Status ReadAheadReader::read_at(std::uint64_t offset, std::span<std::byte> buffer) const {
    bool streaming = false;
    {
        std::lock_guard lock(mutex_);
        streak_ = offset == next_offset_ ? streak_ + 1 : 0;
        next_offset_ = offset + buffer.size();
        streaming = streak_ >= 2;
    }
    if (!streaming || offset > size() || buffer.size() > size() - offset) return object_->read_at(offset, buffer);
    while (!buffer.empty()) {
        const std::uint64_t index = offset / kBlock;
        const BlockPtr b = block(index);
        if (b->failure) return std::unexpected(*b->failure);
        const std::size_t within = static_cast<std::size_t>(offset - index * kBlock);
        const std::size_t n = std::min(buffer.size(), b->bytes.size() - within);
        std::memcpy(buffer.data(), b->bytes.data() + within, n);
        buffer = buffer.subspan(n);
        offset += n;
    }
    return {};
}

}  // namespace imager::store
