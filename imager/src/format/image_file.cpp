#include "format/image_file.hpp"

#include "store/location.hpp"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <sstream>

namespace imager::format {

namespace {

Error damaged(const std::string& what) { return image_damage(what); }

Frame frame_of(const IndexRecord& record) {
    Frame f;
    f.record = record;
    return f;
}

// "1 volume", "3 volumes".
std::string volumes_text(std::uint32_t count) {
    return std::to_string(count) + (count == 1 ? " volume" : " volumes");
}

}  // namespace

Error image_damage(const std::string& what) {
    return make_error(Errc::damaged_image, what, "the image is damaged; use another copy, or capture a new image");
}

Result<Manifest> check_manifest(const Header& h, const std::string& json, const std::string& where) {
    if (h.manifest_size > kMaxManifestBytes || json.size() != h.manifest_size)
        return std::unexpected(damaged(where + ": the manifest is " + std::to_string(h.manifest_size) +
                                       " bytes; Lifeboat reads at most " + std::to_string(kMaxManifestBytes)));
    if (hash128(std::as_bytes(std::span(json))) != h.manifest_hash)
        return std::unexpected(damaged(where + ": the manifest checksum does not match"));
    auto parsed = parse_manifest(json);
    if (!parsed) {
        Error e = parsed.error();
        e.context = where + ": " + e.context;
        return std::unexpected(e);
    }
    if (parsed->format_version != h.version)
        return std::unexpected(damaged(where + ": the manifest's format version is not the header's"));
    return parsed;
}

bool record_in_order(const IndexRecord& r, const IndexRecord* previous, const Manifest& manifest,
                     std::uint32_t chunk_size) {
    const Stream* stream = manifest.stream(r.stream);
    const bool data = r.kind != RecordKind::zeros;
    return stream != nullptr && r.length != 0 && r.offset <= stream->size && r.length <= stream->size - r.offset &&
           !(data && r.length > chunk_size) && !(data && r.stored_size == 0) &&
           !(r.kind == RecordKind::stored && r.stored_size != r.length) &&
           !(previous && previous->stream == r.stream && previous->offset + previous->length > r.offset) &&
           !(previous && previous->stream > r.stream);
}

Status check_used_bytes(const std::vector<IndexRecord>& records, const Manifest& manifest, const std::string& where) {
    std::vector<std::uint64_t> recorded(manifest.streams.size(), 0);
    for (const auto& r : records) {
        const auto at = std::ranges::find(manifest.streams, r.stream, &Stream::id) - manifest.streams.begin();
        recorded[static_cast<std::size_t>(at)] += r.length;  // no overflow: records lie inside the stream, apart
    }
    for (std::size_t i = 0; i < recorded.size(); ++i) {
        const Stream& s = manifest.streams[i];
        if (recorded[i] != s.used_bytes || (s.filesystem && s.filesystem->used_bytes != s.used_bytes))
            return std::unexpected(damaged(where + ": the index holds " + std::to_string(recorded[i]) + " bytes of " +
                                           part_title(s) + ", the manifest says " + std::to_string(s.used_bytes)));
    }
    return {};
}

std::string describe_record(const IndexRecord& r, std::uint64_t number) {
    std::ostringstream s;
    if (r.kind == RecordKind::zeros)
        s << "zero run";
    else
        s << "chunk " << number;
    s << " (stream " << r.stream << ", source offset 0x" << std::hex << r.offset << ")";
    return s.str();
}

Result<std::unique_ptr<ImageWriter>> ImageWriter::create(const std::string& image, std::uint64_t split_size,
                                                         bool force, const std::string& manifest_json) {
    std::unique_ptr<ImageWriter> w(new ImageWriter());
    w->uuid_ = random_uuid();
    auto where = store::locate(image);
    if (!where) return std::unexpected(where.error());
    auto volumes = VolumeWriter::create(where->store, where->name, split_size, w->uuid_, force);
    if (!volumes) return std::unexpected(volumes.error());
    w->volumes_ = std::move(*volumes);
    const auto manifest = std::as_bytes(std::span(manifest_json));
    w->header_.image_uuid = w->uuid_;
    w->header_.optional_features = kFeatureRecordsInline;
    w->header_.volume_size = split_size;
    w->header_.manifest_size = manifest.size();
    w->header_.manifest_hash = hash128(manifest);
    if (auto s = w->volumes_->write(encode(w->header_)); !s) return std::unexpected(s.error());
    if (auto s = w->volumes_->write(manifest); !s) return std::unexpected(s.error());
    return w;
}

Status ImageWriter::add_record(const IndexRecord& record) {
    if (!records_.empty()) {
        const auto& last = records_.back();
        if (last.stream > record.stream || (last.stream == record.stream && last.offset + last.length > record.offset))
            return std::unexpected(make_error(Errc::internal, "capture produced records out of order"));
    }
    records_.push_back(record);
    return {};
}

Status ImageWriter::close_zero_run() {
    if (!zero_run_open_) return {};
    zero_run_open_ = false;
    return volumes_->write(encode(frame_of(records_.back()), uuid_));
}

Status ImageWriter::add_chunk(IndexRecord record, std::span<const std::byte> stored) {
    if (auto s = close_zero_run(); !s) return s;
    record.stored_offset = volumes_->logical_offset() + kFrameSize;
    record.stored_size = static_cast<std::uint32_t>(stored.size());
    if (auto s = add_record(record); !s) return s;
    if (auto s = volumes_->write(encode(frame_of(record), uuid_)); !s) return s;
    return volumes_->write(stored);
}

Status ImageWriter::add_zeros(std::uint16_t stream, std::uint64_t offset, std::uint64_t length) {
    if (zero_run_open_) {
        auto& last = records_.back();
        if (last.stream == stream && last.offset + last.length == offset) {
            last.length += length;
            return {};
        }
        if (auto s = close_zero_run(); !s) return s;
    }
    IndexRecord r;
    r.stream = stream;
    r.offset = offset;
    r.length = length;
    r.kind = RecordKind::zeros;
    if (auto s = add_record(r); !s) return s;
    zero_run_open_ = true;
    return {};
}

Status ImageWriter::finish() {
    if (auto s = close_zero_run(); !s) return s;
    Frame end;
    end.end = true;
    end.record_count = records_.size();
    end.index_offset = volumes_->logical_offset() + kFrameSize;
    if (auto s = volumes_->write(encode(end, uuid_)); !s) return s;
    std::vector<std::byte> index;
    index.reserve(records_.size() * kRecordSize);
    for (const auto& r : records_) {
        const auto bytes = encode(r);
        index.insert(index.end(), bytes.begin(), bytes.end());
    }
    Trailer t;
    t.image_uuid = uuid_;
    t.index_offset = volumes_->logical_offset();
    t.index_size = index.size();
    t.record_count = records_.size();
    t.index_hash = hash128(index);
    t.header_hash = hash128(encode(header_));
    if (auto s = volumes_->write(index); !s) return s;
    t.logical_size = volumes_->logical_offset() + kTrailerSize;
    // The trailer may start a new volume; its count is known only after.
    const auto count_if_fits = volumes_->volume_count();
    t.volume_count = count_if_fits;
    auto bytes = encode(t);
    if (auto s = volumes_->write(bytes); !s) return s;
    if (volumes_->volume_count() != count_if_fits)
        return std::unexpected(make_error(Errc::internal, "the trailer was split across volumes"));
    return volumes_->finish();
}

Result<std::unique_ptr<ImageReader>> ImageReader::open(const std::string& image) {
    std::unique_ptr<ImageReader> r(new ImageReader());
    auto where = store::locate(image);
    if (!where) return std::unexpected(where.error());
    auto volumes = VolumeReader::open(where->store, where->name);
    if (!volumes) return std::unexpected(volumes.error());
    r->volumes_ = std::move(*volumes);
    const auto& v = *r->volumes_;

    std::array<std::byte, kHeaderSize> header{};
    if (v.logical_size() < kHeaderSize + kTrailerSize)
        return std::unexpected(damaged(image + " is too short to hold an image"));
    if (auto s = v.read(0, header); !s) return std::unexpected(s.error());  // a network store's failure is not damage
    auto h = decode_header(header, image);
    if (!h) return std::unexpected(h.error());
    r->header_ = *h;
    if (h->image_uuid != v.uuid()) return std::unexpected(damaged(image + ": header and volume disagree on the image"));

    std::array<std::byte, kTrailerSize> trailer{};
    if (auto s = v.read(v.logical_size() - kTrailerSize, trailer); !s) return std::unexpected(s.error());
    auto t = decode_trailer(trailer, volume_name(image, v.volume_count()));
    if (!t) {
        Error e = t.error();
        if (e.code == Errc::damaged_image)
            e.hint += "; if the image was split, is " + volume_name(image, v.volume_count() + 1) + " missing?";
        return std::unexpected(e);
    }
    r->trailer_ = *t;
    if (t->image_uuid != v.uuid() || t->logical_size != v.logical_size() || t->header_hash != hash128(header))
        return std::unexpected(damaged(image + ": the trailer does not match the image it ends"));
    if (t->volume_count != v.volume_count()) {
        // Fewer than the trailer counts: some were left behind. More: each carries this
        // image's uuid and its number, so the trailer itself is wrong.
        auto e = damaged(image + " has " + volumes_text(v.volume_count()) + ", but its trailer says the image has " +
                         volumes_text(t->volume_count));
        if (t->volume_count > v.volume_count())
            e.hint = "put every volume (" + volume_name(image, 2) + ", ...) beside the first";
        return std::unexpected(e);
    }

    if (h->manifest_size > kMaxManifestBytes)  // checked before the bytes are read
        return std::unexpected(damaged(image + ": the manifest is " + std::to_string(h->manifest_size) +
                                       " bytes; Lifeboat reads at most " + std::to_string(kMaxManifestBytes)));
    if (h->manifest_offset + h->manifest_size > t->index_offset)
        return std::unexpected(damaged(image + ": the manifest is out of place"));
    r->manifest_json_.resize(h->manifest_size);
    auto manifest = std::as_writable_bytes(std::span(r->manifest_json_));
    if (auto s = v.read(h->manifest_offset, manifest); !s) return std::unexpected(s.error());
    auto parsed = check_manifest(*h, r->manifest_json_, image);
    if (!parsed) return std::unexpected(parsed.error());
    r->manifest_ = std::move(*parsed);
    if (auto s = r->read_index(); !s) return std::unexpected(s.error());
    if (auto s = check_used_bytes(r->records_, r->manifest_, image); !s) return std::unexpected(s.error());
    return r;
}

Status ImageReader::read_index() {
    const auto& t = trailer_;
    const std::uint64_t data_start = header_.manifest_offset + header_.manifest_size;
    // logical_size is the volumes' real size, so the index is no bigger than they are; subtracted, not added,
    // so that no forged offset or size wraps around.
    if (t.logical_size < kTrailerSize || t.index_size > t.logical_size - kTrailerSize ||
        t.index_offset != t.logical_size - kTrailerSize - t.index_size || t.index_offset < data_start)
        return std::unexpected(damaged(path() + ": the index is out of place"));
    std::vector<std::byte> index(t.index_size);
    if (auto s = volumes_->read(t.index_offset, index); !s) return s;
    if (hash128(index) != t.index_hash) return std::unexpected(damaged(path() + ": the index checksum does not match"));
    records_.reserve(t.record_count);
    for (std::size_t i = 0; i < t.record_count; ++i) {
        auto r = decode_record(std::span(index).subspan(i * kRecordSize, kRecordSize));
        if (!r) return std::unexpected(damaged(path() + ": " + r.error().context));
        records_.push_back(*r);
    }
    return check_records();
}

// Everything a restore relies on before it writes: records in order, inside
// their stream and inside the data area.
Status ImageReader::check_records() const {
    const std::uint64_t data_start = header_.manifest_offset + header_.manifest_size;
    const IndexRecord* previous = nullptr;
    for (std::size_t i = 0; i < records_.size(); ++i) {
        const auto& r = records_[i];
        const bool data = r.kind != RecordKind::zeros;
        const bool bad = !record_in_order(r, previous, manifest_, header_.chunk_size) ||
                         (data && (r.stored_offset < data_start ||
                                   r.stored_offset + r.stored_size > trailer_.index_offset));
        if (bad)
            return std::unexpected(damaged(path() + ": index entry " + std::to_string(i) + " (" +
                                           describe_record(r, data_before(i)) + ") is not valid"));
        previous = &r;
    }
    return {};
}

Result<Buffer> ImageReader::read_stored(const IndexRecord& record, BufferPool& pool) const {
    Buffer stored = pool.take(record.stored_size);
    if (auto s = volumes_->read(record.stored_offset, stored.span()); !s) return std::unexpected(s.error());
    return stored;
}

std::string ImageReader::describe(const IndexRecord& record, std::uint64_t number) const {
    auto text = describe_record(record, number);
    if (record.kind != RecordKind::zeros)
        text.insert(text.size() - 1, "; stored " + volumes_->locate(record.stored_offset, record.stored_size));
    return text;
}

Result<Buffer> ImageReader::unpack(const IndexRecord& record, Buffer stored, std::uint64_t number,
                                   BufferPool& pool) const {
    return unpack_chunk(record, std::move(stored), pool, [&] { return describe(record, number); });
}

Result<Buffer> unpack_chunk(const IndexRecord& record, Buffer stored, BufferPool& pool,
                            const std::function<std::string()>& what) {
    Buffer data;
    if (record.kind == RecordKind::zstd) data = pool.take(static_cast<std::size_t>(record.length));
    const auto why = chunk_damage(record, stored.span(), data.span());
    if (!why.empty()) return std::unexpected(damaged(what() + " is damaged: " + why));
    return record.kind == RecordKind::zstd ? std::move(data) : std::move(stored);
}

std::uint64_t ImageReader::data_before(std::size_t index) const {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < index && i < records_.size(); ++i) n += records_[i].kind != RecordKind::zeros;
    return n;
}

std::string chunk_damage(const IndexRecord& r, std::span<const std::byte> stored, std::span<std::byte> out) {
    std::span<const std::byte> data = stored;
    if (r.kind == RecordKind::stored) {
        if (stored.size() != r.length) return "it is not as long as the index says";
    } else {
        const auto content = ZSTD_getFrameContentSize(stored.data(), stored.size());
        if (content != r.length)
            return "its frame does not hold the " + std::to_string(r.length) + " bytes the index says";
        if (out.size() < r.length) return "no room to decompress it";
        // One context per thread: creating one per chunk costs its allocation each time.
        thread_local std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
        const std::size_t n = ZSTD_decompressDCtx(dctx.get(), out.data(), static_cast<std::size_t>(r.length),
                                                  stored.data(), stored.size());
        if (ZSTD_isError(n)) return ZSTD_getErrorName(n);
        if (n != r.length) return "wrong length";
        data = out.first(n);
    }
    if (hash128(data) != r.hash) return "its checksum does not match";
    return {};
}

}  // namespace imager::format
