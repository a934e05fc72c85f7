// Reading an image front to back from a pipe (`lifeboat restore -`, a
// multicast receiver): docs/FORMAT.md, "Reading an image as a stream". Only
// images with records in line stream. Everything a reader that seeks checks
// is checked here too, as the bytes arrive: the header and manifest on open,
// each record's frame as it comes, and the index, the trailer and the used
// bytes once the end frame is reached. The stream is whole only when next()
// has returned nullopt.
#pragma once

#include "format/buffer_pool.hpp"
#include "format/layout.hpp"
#include "imager/manifest.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imager::format {

struct StreamRecord {
    IndexRecord record;
    Buffer stored;  // a data record's stored bytes, not yet checked; empty for a zero run
};

class ImageStream {
public:
    // Reads and checks the first volume header, the header and the manifest
    // from `fd` (not owned; read only, never seeked). `name` names the input in messages.
    static Result<std::unique_ptr<ImageStream>> open(int fd, std::string name);

    [[nodiscard]] const Header& header() const { return header_; }
    [[nodiscard]] const std::string& manifest_json() const { return manifest_json_; }
    [[nodiscard]] const Manifest& manifest() const { return manifest_; }
    [[nodiscard]] const std::string& name() const { return name_; }
    // The records read so far: every one of them once next() returned nullopt.
    [[nodiscard]] const std::vector<IndexRecord>& records() const { return records_; }

    // The next record and its stored bytes (in a buffer from `pool`), its frame
    // checked against the records before it; nullopt once the end frame, the
    // index and the trailer were read and agree with every frame.
    [[nodiscard]] Result<std::optional<StreamRecord>> next(BufferPool& pool);
    // As ImageReader::unpack: the data of a record, checked.
    [[nodiscard]] Result<Buffer> unpack(const IndexRecord& record, Buffer stored, std::uint64_t number,
                                        BufferPool& pool) const;
    // "chunk 3 (stream 0, source offset 0x1400000; stored at logical byte 4194432 of standard input)".
    [[nodiscard]] std::string describe(const IndexRecord& record, std::uint64_t number) const;

private:
    ImageStream(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
    // `out.size()` bytes of the logical stream; a volume header between two volumes is checked and passed over.
    Status read(std::span<std::byte> out);
    // Bytes of the input as they come: the input ending first is an incomplete image.
    Status read_input(std::span<std::byte> out);
    Status finish(const Frame& end);
    [[nodiscard]] Error damaged(const std::string& what) const;

    int fd_;
    std::string name_;
    std::uint64_t input_ = 0;        // bytes of the input read
    std::uint64_t logical_ = 0;      // bytes of the logical stream read
    std::uint64_t volume_bytes_ = 0; // bytes read of the current volume file, its header included
    std::uint32_t volume_ = 1;
    std::array<std::byte, kHeaderSize> header_bytes_{};
    Header header_{};
    std::string manifest_json_;
    Manifest manifest_;
    std::vector<IndexRecord> records_;
    std::vector<std::uint64_t> recorded_;  // bytes recorded so far, per manifest stream
    std::uint64_t data_records_ = 0;
    bool ended_ = false;
};

}  // namespace imager::format
