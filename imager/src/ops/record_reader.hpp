// Reading an image's records in order for restore and verify: the producer
// reads stored bytes, the workers unpack and check them.
#pragma once

#include "format/image_file.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace imager::ops {

struct RecordJob {
    std::size_t index = 0;
    format::IndexRecord record;
    std::vector<std::byte> bytes;  // stored, then (after unpack_job) the data itself
};

class RecordReader {
public:
    using Filter = std::function<bool(const format::IndexRecord&)>;
    // Reads every record, or only those `wanted` accepts.
    explicit RecordReader(const format::ImageReader& image, Filter wanted = {})
        : image_(image), wanted_(std::move(wanted)) {}
    Result<std::optional<RecordJob>> next();

private:
    const format::ImageReader& image_;
    Filter wanted_;
    std::size_t next_ = 0;
};

// Decompresses and checks a job's chunk in place; zero records pass through.
[[nodiscard]] Result<RecordJob> unpack_job(RecordJob& job);

[[nodiscard]] std::uint64_t total_length(const std::vector<format::IndexRecord>& records);

}  // namespace imager::ops
