// Byte buffers of one fixed capacity (a chunk, usually), handed out and taken
// back again, so that capture, restore and verify reuse the memory of their
// few jobs in flight instead of allocating, zero-filling and page-faulting a
// fresh 4 MiB for every chunk. Buffers are not initialised. A buffer asked for
// beyond the pool's capacity (a stored chunk larger than any this writer makes,
// in an image from elsewhere) is allocated for that use alone. The pool must
// outlive its buffers; it keeps at most `keep` idle ones. Thread-safe.
// Buffers start on a 4 KiB boundary, so the source can be read into them with
// O_DIRECT (io/block_source.cpp).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <span>
#include <vector>

namespace imager::format {

inline constexpr std::size_t kBufferAlignment = 4096;

struct AlignedDelete {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{kBufferAlignment}); }
};
using AlignedBytes = std::unique_ptr<std::byte[], AlignedDelete>;

// `size` uninitialised bytes on a kBufferAlignment boundary.
inline AlignedBytes allocate_aligned(std::size_t size) {
    return AlignedBytes(static_cast<std::byte*>(::operator new[](size, std::align_val_t{kBufferAlignment})));
}

class BufferPool;

class Buffer {
public:
    Buffer() = default;
    Buffer(Buffer&& other) noexcept { *this = std::move(other); }
    Buffer& operator=(Buffer&& other) noexcept;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() { release(); }

    [[nodiscard]] std::byte* data() const { return data_.get(); }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] std::size_t capacity() const { return capacity_; }
    [[nodiscard]] bool empty() const { return size_ == 0; }
    // Sets the size (at most the capacity); the contents stay as they are.
    void resize(std::size_t size) { size_ = size <= capacity_ ? size : capacity_; }
    [[nodiscard]] std::span<std::byte> span() const { return {data_.get(), size_}; }

private:
    friend class BufferPool;
    void release();
    BufferPool* pool_ = nullptr;
    AlignedBytes data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

class BufferPool {
public:
    BufferPool(std::size_t capacity, std::size_t keep) : capacity_(capacity), keep_(keep) {}
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    // A buffer of `size` bytes (uninitialised), from the idle ones when it fits.
    [[nodiscard]] Buffer take(std::size_t size);
    [[nodiscard]] std::size_t capacity() const { return capacity_; }

private:
    friend class Buffer;
    void give_back(AlignedBytes data);
    std::size_t capacity_;
    std::size_t keep_;
    std::mutex mutex_;
    std::vector<AlignedBytes> idle_;
};

inline Buffer& Buffer::operator=(Buffer&& other) noexcept {
    if (this != &other) {
        release();
        pool_ = other.pool_;
        data_ = std::move(other.data_);
        size_ = other.size_;
        capacity_ = other.capacity_;
        other.pool_ = nullptr;
        other.size_ = other.capacity_ = 0;
    }
    return *this;
}

inline void Buffer::release() {
    if (pool_ && data_) pool_->give_back(std::move(data_));
    data_.reset();
    pool_ = nullptr;
    size_ = capacity_ = 0;
}

inline Buffer BufferPool::take(std::size_t size) {
    Buffer b;
    if (size > capacity_) {  // one-off, not pooled
        b.data_ = allocate_aligned(size);
        b.size_ = b.capacity_ = size;
        return b;
    }
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            b.data_ = std::move(idle_.back());
            idle_.pop_back();
        }
    }
    if (!b.data_) b.data_ = allocate_aligned(capacity_);  // not zero-filled
    b.pool_ = this;
    b.size_ = size;
    b.capacity_ = capacity_;
    return b;
}

inline void BufferPool::give_back(AlignedBytes data) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < keep_) idle_.push_back(std::move(data));
}

}  // namespace imager::format
