#include "format/image_stream.hpp"

#include "format/image_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace imager::format {

Error ImageStream::damaged(const std::string& what) const { return image_damage(name_ + ": " + what); }

Result<std::unique_ptr<ImageStream>> ImageStream::open(int fd, std::string name) {
    std::unique_ptr<ImageStream> s(new ImageStream(fd, std::move(name)));
    std::array<std::byte, kVolumeHeaderSize> volume{};
    if (auto r = s->read_input(volume); !r) return std::unexpected(r.error());
    auto v = decode_volume_header(volume, s->name_);
    if (!v) return std::unexpected(v.error());
    if (v->number != 1 || v->logical_offset != 0)
        return std::unexpected(s->damaged("it begins with volume " + std::to_string(v->number) +
                                          " of an image, not with its first"));
    // The header is read before its volume size is known; a volume holds more than both (checked below).
    if (auto r = s->read_input(s->header_bytes_); !r) return std::unexpected(r.error());
    s->volume_bytes_ = kVolumeHeaderSize + kHeaderSize;
    s->logical_ = kHeaderSize;
    auto h = decode_header(s->header_bytes_, s->name_);
    if (!h) return std::unexpected(h.error());
    s->header_ = *h;
    if (h->image_uuid != v->image_uuid) return std::unexpected(s->damaged("header and volume disagree on the image"));
    if ((h->optional_features & kFeatureRecordsInline) == 0)
        return std::unexpected(make_error(
            Errc::unsupported,
            s->name_ + " holds an image captured before images could be read as a stream (it has no records in line)",
            "restore it from its file or URL (lifeboat restore IMAGE TARGET), or capture it again; nothing was written"));
    // A volume must hold more than its header, or the input would be nothing but headers.
    if (h->volume_size != 0 && h->volume_size <= kVolumeHeaderSize + kHeaderSize)
        return std::unexpected(s->damaged("its header gives volumes of " + std::to_string(h->volume_size) + " bytes"));
    if (h->manifest_size > kMaxManifestBytes)  // before the bytes are read
        return std::unexpected(s->damaged("the manifest is " + std::to_string(h->manifest_size) +
                                          " bytes; Lifeboat reads at most " + std::to_string(kMaxManifestBytes)));
    s->manifest_json_.resize(h->manifest_size);
    if (auto r = s->read(std::as_writable_bytes(std::span(s->manifest_json_))); !r) return std::unexpected(r.error());
    auto manifest = check_manifest(*h, s->manifest_json_, s->name_);
    if (!manifest) return std::unexpected(manifest.error());
    s->manifest_ = std::move(*manifest);
    s->recorded_.assign(s->manifest_.streams.size(), 0);
    return s;
}

Status ImageStream::read_input(std::span<std::byte> out) {
    while (!out.empty()) {
        const ssize_t n = ::read(fd_, out.data(), out.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(sys_error("read " + name_, errno));
        if (n == 0)
            return std::unexpected(make_error(
                Errc::damaged_image,
                name_ + " ended after " + std::to_string(input_) + " bytes, before the image did",
                "the sender stopped or the stream was cut: send the whole image again"));
        input_ += static_cast<std::uint64_t>(n);
        out = out.subspan(static_cast<std::size_t>(n));
    }
    return {};
}

Status ImageStream::read(std::span<std::byte> out) {
    while (!out.empty()) {
        if (header_.volume_size != 0 && volume_bytes_ == header_.volume_size) {
            std::array<std::byte, kVolumeHeaderSize> bytes{};
            if (auto s = read_input(bytes); !s) return s;
            const std::string where = name_ + " (volume " + std::to_string(volume_ + 1) + ")";
            auto v = decode_volume_header(bytes, where);
            if (!v) return std::unexpected(v.error());
            if (v->number != volume_ + 1 || v->image_uuid != header_.image_uuid || v->logical_offset != logical_)
                return std::unexpected(damaged("the volume after volume " + std::to_string(volume_) +
                                               " is not the next one of this image"));
            ++volume_;
            volume_bytes_ = kVolumeHeaderSize;
        }
        std::size_t n = out.size();
        if (header_.volume_size != 0) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, header_.volume_size - volume_bytes_));
        if (auto s = read_input(out.first(n)); !s) return s;
        logical_ += n;
        volume_bytes_ += n;
        out = out.subspan(n);
    }
    return {};
}

Result<std::optional<StreamRecord>> ImageStream::next(BufferPool& pool) {
    if (ended_) return std::optional<StreamRecord>{};
    const std::uint64_t at = logical_;
    std::array<std::byte, kFrameSize> bytes{};
    if (auto s = read(bytes); !s) return std::unexpected(s.error());
    auto frame = decode_frame(bytes, header_.image_uuid);
    if (!frame) return std::unexpected(damaged("the record frame at byte " + std::to_string(at) + " is damaged (" +
                                               frame.error().context + ")"));
    if (frame->end) {
        if (auto s = finish(*frame); !s) return std::unexpected(s.error());
        ended_ = true;
        return std::optional<StreamRecord>{};
    }
    const IndexRecord& r = frame->record;
    const bool data = r.kind != RecordKind::zeros;
    const bool placed = data ? r.stored_offset == logical_ && r.stored_size <= header_.chunk_size
                             : r.stored_offset == 0 && r.stored_size == 0;
    if (!placed || !record_in_order(r, records_.empty() ? nullptr : &records_.back(), manifest_, header_.chunk_size))
        return std::unexpected(damaged("record " + std::to_string(records_.size()) + " (" +
                                       describe_record(r, data_records_) + ", frame at byte " + std::to_string(at) +
                                       ") is not valid"));
    // Rule 16 as the records come, not only at the end: what a reader keeps of a
    // stream (restore keeps what lies outside partitions) stays within its used bytes.
    auto& recorded = recorded_[static_cast<std::size_t>(
        std::ranges::find(manifest_.streams, r.stream, &Stream::id) - manifest_.streams.begin())];
    if (r.length > manifest_.stream(r.stream)->used_bytes - recorded)
        return std::unexpected(damaged("record " + std::to_string(records_.size()) + " (" +
                                       describe_record(r, data_records_) + ") goes past the " +
                                       std::to_string(manifest_.stream(r.stream)->used_bytes) +
                                       " used bytes the manifest gives its stream"));
    recorded += r.length;
    StreamRecord out;
    out.record = r;
    if (data) {
        out.stored = pool.take(r.stored_size);
        if (auto s = read(out.stored.span()); !s) return std::unexpected(s.error());
        ++data_records_;
    }
    records_.push_back(r);
    return std::optional<StreamRecord>(std::move(out));
}

// The end frame, then the index and the trailer: they must say what the frames said.
Status ImageStream::finish(const Frame& end) {
    if (end.record_count != records_.size() || end.index_offset != logical_)
        return std::unexpected(damaged("the end frame counts " + std::to_string(end.record_count) + " records, " +
                                       std::to_string(records_.size()) + " came before it"));
    std::vector<std::byte> index(records_.size() * kRecordSize);
    if (auto s = read(index); !s) return s;
    for (std::size_t i = 0; i < records_.size(); ++i) {
        const auto expected = encode(records_[i]);
        if (std::memcmp(index.data() + i * kRecordSize, expected.data(), kRecordSize) != 0)
            return std::unexpected(damaged("index entry " + std::to_string(i) + " is not the record its frame gave"));
    }
    std::array<std::byte, kTrailerSize> bytes{};
    if (auto s = read(bytes); !s) return s;
    auto t = decode_trailer(bytes, name_);
    if (!t) return std::unexpected(t.error());
    if (t->image_uuid != header_.image_uuid || t->index_offset != end.index_offset || t->record_count != records_.size() ||
        t->index_hash != hash128(index) || t->logical_size != logical_ || t->header_hash != hash128(header_bytes_) ||
        t->volume_count != volume_)
        return std::unexpected(damaged("the trailer does not match the image it ends"));
    if (auto s = check_used_bytes(records_, manifest_, name_); !s) return s;
    std::byte more{};
    for (;;) {
        const ssize_t n = ::read(fd_, &more, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(sys_error("read " + name_, errno));
        if (n > 0)
            return std::unexpected(damaged("more bytes follow the image's trailer (at byte " + std::to_string(input_) +
                                           " of the input)"));
        return {};
    }
}

Result<Buffer> ImageStream::unpack(const IndexRecord& record, Buffer stored, std::uint64_t number,
                                   BufferPool& pool) const {
    return unpack_chunk(record, std::move(stored), pool, [&] { return describe(record, number); });
}

std::string ImageStream::describe(const IndexRecord& record, std::uint64_t number) const {
    auto text = describe_record(record, number);
    if (record.kind != RecordKind::zeros)
        text.insert(text.size() - 1, "; stored at logical byte " + std::to_string(record.stored_offset) + " of " + name_);
    return text;
}

}  // namespace imager::format
