// Reading an image's records in order for restore and verify: the producer
// reads stored bytes, the workers unpack and check them. Buffers come from a
// pool the caller owns (it must outlive the pipeline that carries the jobs).
// An image is read by its index (a file or URL) or front to back (a stream).
#pragma once

#include "format/image_file.hpp"
#include "format/image_stream.hpp"

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

class RecordSource {
public:
    using Filter = std::function<bool(const format::IndexRecord&)>;
    virtual ~RecordSource() = default;
    // The next record wanted, its stored bytes read; nullopt after the last.
    virtual Result<std::optional<RecordJob>> next() = 0;
    // Decompresses and checks a job's chunk in place; zero records pass through.
    // Thread-safe: the workers call it.
    [[nodiscard]] Result<RecordJob> unpack(RecordJob& job) const;

protected:
    // The checked data of a data record whose stored bytes are `stored`.
    [[nodiscard]] virtual Result<format::Buffer> unpack_chunk(const format::IndexRecord& record, format::Buffer stored,
                                                              std::uint64_t number) const = 0;
};

// By the index of an image that seeks: records not wanted are not read.
class RecordReader : public RecordSource {
public:
    // Reads every record, or only those `wanted` accepts.
    RecordReader(const format::ImageReader& image, format::BufferPool& pool, Filter wanted = {})
        : image_(image), pool_(pool), wanted_(std::move(wanted)) {}
    Result<std::optional<RecordJob>> next() override;

private:
    [[nodiscard]] Result<format::Buffer> unpack_chunk(const format::IndexRecord& record, format::Buffer stored,
                                                      std::uint64_t number) const override;
    const format::ImageReader& image_;
    format::BufferPool& pool_;
    Filter wanted_;
    std::size_t next_ = 0;
    std::uint64_t data_seen_ = 0;  // data records before next_
};

// Front to back from a stream: records not wanted are read and checked
// (their frames, not their chunks), then dropped.
class StreamRecordReader : public RecordSource {
public:
    StreamRecordReader(format::ImageStream& stream, format::BufferPool& pool, Filter wanted = {})
        : stream_(stream), pool_(pool), wanted_(std::move(wanted)) {}
    Result<std::optional<RecordJob>> next() override;

private:
    [[nodiscard]] Result<format::Buffer> unpack_chunk(const format::IndexRecord& record, format::Buffer stored,
                                                      std::uint64_t number) const override;
    format::ImageStream& stream_;
    format::BufferPool& pool_;
    Filter wanted_;
    std::uint64_t data_seen_ = 0;
};

}  // namespace imager::ops
