// Writing and reading whole images: header, manifest, chunks, index, trailer
// (docs/FORMAT.md). The writer takes already-compressed chunks in order; the
// reader checks the whole structure on open (everything but the chunks: every
// item of FORMAT.md's "What a reader checks") and checks each chunk when it
// is read. Called by ops/.
#pragma once

#include "format/buffer_pool.hpp"
#include "format/layout.hpp"
#include "format/volumes.hpp"
#include "imager/manifest.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace imager::format {

class ImageWriter {
public:
    static Result<std::unique_ptr<ImageWriter>> create(const std::string& image, std::uint64_t split_size, bool force,
                                                       const std::string& manifest_json);
    // Appends a stored chunk behind its frame and records it. `record.stored_*`
    // are filled in here. Records come in index order (stream, then offset).
    [[nodiscard]] Status add_chunk(IndexRecord record, std::span<const std::byte> stored);
    // Records a run of zeros; merges with the previous zero run where they touch
    // (its frame is written once the run cannot grow any more).
    [[nodiscard]] Status add_zeros(std::uint16_t stream, std::uint64_t offset, std::uint64_t length);
    // Writes the end frame, index and trailer, syncs and renames into place.
    [[nodiscard]] Status finish();
    [[nodiscard]] std::uint64_t file_bytes() const { return volumes_->file_bytes(); }
    [[nodiscard]] std::uint32_t volume_count() const { return volumes_->volume_count(); }
    [[nodiscard]] const Uuid& uuid() const { return uuid_; }
    void abandon() { volumes_->abandon(); }

private:
    ImageWriter() = default;
    // Writes the frame of the last record if it is a zero run still open.
    Status close_zero_run();
    Status add_record(const IndexRecord& record);
    Uuid uuid_{};
    bool zero_run_open_ = false;
    Header header_{};
    std::unique_ptr<VolumeWriter> volumes_;
    std::vector<IndexRecord> records_;
};

class ImageReader {
public:
    // Opens every volume and checks headers, trailer, manifest and index, and
    // how they agree with each other and with the disk the manifest describes.
    static Result<std::unique_ptr<ImageReader>> open(const std::string& image);

    [[nodiscard]] const Header& header() const { return header_; }
    [[nodiscard]] const Trailer& trailer() const { return trailer_; }
    // The manifest as stored (for `info --json`) and as read and checked.
    [[nodiscard]] const std::string& manifest_json() const { return manifest_json_; }
    [[nodiscard]] const Manifest& manifest() const { return manifest_; }
    [[nodiscard]] const std::vector<IndexRecord>& records() const { return records_; }
    [[nodiscard]] std::uint64_t file_bytes() const { return volumes_->file_bytes(); }
    [[nodiscard]] std::uint32_t volume_count() const { return volumes_->volume_count(); }
    [[nodiscard]] const std::string& path() const { return volumes_->image(); }

    // The stored bytes of a data record (not yet checked), in a buffer from `pool`.
    [[nodiscard]] Result<Buffer> read_stored(const IndexRecord& record, BufferPool& pool) const;
    // The data of a record whose stored bytes are `stored`, checked (length and
    // XXH3-128): decompressed into a buffer from `pool`, or for a stored chunk
    // `stored` itself. `number` is the chunk's number (data_chunk_number).
    [[nodiscard]] Result<Buffer> unpack(const IndexRecord& record, Buffer stored, std::uint64_t number,
                                        BufferPool& pool) const;
    // "chunk 3 (stream 0, source offset 0x1400000; stored at byte 123 of disk.lbi.002)",
    // the volume file named for split images too.
    [[nodiscard]] std::string describe(const IndexRecord& record, std::uint64_t number) const;

private:
    ImageReader() = default;
    Status read_index();
    Status check_records() const;
    // How many data records come before records()[index]: its chunk number.
    [[nodiscard]] std::uint64_t data_before(std::size_t index) const;
    std::unique_ptr<VolumeReader> volumes_;
    Header header_{};
    Trailer trailer_{};
    std::string manifest_json_;
    Manifest manifest_;
    std::vector<IndexRecord> records_;
};

// What both readers check (FORMAT.md, "What a reader checks"), for ImageReader
// and ImageStream alike.
// Errc::damaged_image, with the hint every damaged image gets.
[[nodiscard]] Error image_damage(const std::string& what);
// Rules 4-6 of the manifest's bytes `json` under header `h`: its size and
// hash, then parse_manifest(), and the format version agreeing with the header.
[[nodiscard]] Result<Manifest> check_manifest(const Header& h, const std::string& json, const std::string& where);
// Rule 15 but for the data area: the record's stream exists, it lies inside
// it, after `previous` (nullptr: the first), a data record at most a chunk
// long and a stored one as long as its data.
[[nodiscard]] bool record_in_order(const IndexRecord& r, const IndexRecord* previous, const Manifest& manifest,
                                   std::uint32_t chunk_size);
// Rule 16: each stream's records add up to its used bytes.
[[nodiscard]] Status check_used_bytes(const std::vector<IndexRecord>& records, const Manifest& manifest,
                                      const std::string& where);

// Chunks are numbered for people from 0, in index order (by stream, then
// source offset), counting data records only: zero records are holes, not
// chunks. `lifeboat verify` checks N chunks, numbered 0 to N-1.

// Why `stored` does not hold the record's bytes, or "" when it does: a zstd
// chunk is decompressed into `out` (at least record.length bytes) and its
// length, zstd's frame checksum and the XXH3-128 checked; a stored chunk is
// checked in place.
[[nodiscard]] std::string chunk_damage(const IndexRecord& record, std::span<const std::byte> stored,
                                       std::span<std::byte> out);

// The data of a record whose stored bytes are `stored`, checked by
// chunk_damage(); a damaged one is named by `what` ("chunk 3 (...)").
[[nodiscard]] Result<Buffer> unpack_chunk(const IndexRecord& record, Buffer stored, BufferPool& pool,
                                          const std::function<std::string()>& what);

// "chunk 17 (stream 0, source offset 0x4400000)"; a zero record is a "zero run".
[[nodiscard]] std::string describe_record(const IndexRecord& record, std::uint64_t number);

}  // namespace imager::format
