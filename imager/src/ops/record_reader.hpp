// Reading an image's records in order for restore and verify: the producer
// reads stored bytes, the workers unpack and check them. Buffers come from a
// pool the caller owns (it must outlive the pipeline that carries the jobs).
#pragma once

#include "format/image_file.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace imager::ops {

struct RecordJob {
    std::size_t index = 0;      // in the index
    std::uint64_t number = 0;   // the chunk's number for people (format/image_file.hpp)
    format::IndexRecord record;
    format::Buffer bytes;       // stored, then (after unpack) the data itself
};

class RecordReader {
public:
    using Filter = std::function<bool(const format::IndexRecord&)>;
    // Reads every record, or only those `wanted` accepts.
    RecordReader(const format::ImageReader& image, format::BufferPool& pool, Filter wanted = {})
        : image_(image), pool_(pool), wanted_(std::move(wanted)) {}
    Result<std::optional<RecordJob>> next();
    // Decompresses and checks a job's chunk in place; zero records pass through.
    // Thread-safe: the workers call it.
    [[nodiscard]] Result<RecordJob> unpack(RecordJob& job) const;

private:
    const format::ImageReader& image_;
    format::BufferPool& pool_;
    Filter wanted_;
    std::size_t next_ = 0;
    std::uint64_t data_seen_ = 0;  // data records before next_
};

[[nodiscard]] std::uint64_t total_length(const std::vector<format::IndexRecord>& records);

}  // namespace imager::ops
