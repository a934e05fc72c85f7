#include "format/volumes.hpp"

#include <algorithm>
#include <cstdio>

namespace imager::format {

namespace {

constexpr std::size_t kWriteBuffer = 8u << 20;

}  // namespace

std::string volume_name(const std::string& image, std::uint32_t number) {
    if (number <= 1) return image;
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, ".%03u", number);
    return image + suffix;
}

VolumeWriter::VolumeWriter(std::shared_ptr<store::Store> store, std::string image, std::uint64_t split_size,
                           const Uuid& uuid, bool force)
    : store_(std::move(store)), image_(std::move(image)), split_size_(split_size), uuid_(uuid), force_(force) {
    buffer_.reserve(kWriteBuffer);
}

Result<std::unique_ptr<VolumeWriter>> VolumeWriter::create(std::shared_ptr<store::Store> store, const std::string& image,
                                                           std::uint64_t split_size, const Uuid& uuid, bool force) {
    if (split_size != 0 && split_size < (1u << 20))
        return std::unexpected(make_error(Errc::invalid_argument, "a split size under 1 MiB is too small",
                                          "use --split 4000M for FAT32 sticks"));
    if (!force) {
        for (std::uint32_t n : {1u, 2u}) {
            auto there = store->exists(volume_name(image, n));
            if (!there) return std::unexpected(there.error());
            if (*there)
                return std::unexpected(make_error(Errc::invalid_argument, store->describe(image) + " already exists",
                                                  "choose another name, or add --force to replace it"));
        }
    }
    std::unique_ptr<VolumeWriter> w(new VolumeWriter(std::move(store), image, split_size, uuid, force));
    if (auto s = w->open_next_volume(); !s) return std::unexpected(s.error());
    return w;
}

VolumeWriter::~VolumeWriter() {
    if (!finished_) abandon();
}

Status VolumeWriter::open_next_volume() {
    if (auto s = flush(); !s) return s;
    auto object = store_->create(volume_name(image_, static_cast<std::uint32_t>(volumes_.size() + 1)));
    if (!object) return std::unexpected(object.error());
    volumes_.push_back({std::move(*object), 0});
    VolumeHeader header;
    header.number = static_cast<std::uint32_t>(volumes_.size());
    header.image_uuid = uuid_;
    header.logical_offset = logical_;
    const auto bytes = encode(header);
    file_bytes_ += bytes.size();
    return volumes_.back().object->append(bytes);
}

Status VolumeWriter::flush() {
    if (volumes_.empty() || buffer_.empty()) return {};
    auto s = volumes_.back().object->append(buffer_);
    buffer_.clear();
    return s;
}

Status VolumeWriter::write(std::span<const std::byte> data) {
    while (!data.empty()) {
        Volume& v = volumes_.back();
        std::uint64_t room = data.size();
        if (split_size_ != 0) {
            room = split_size_ - kVolumeHeaderSize - v.payload;
            if (room == 0) {
                if (auto s = open_next_volume(); !s) return s;
                continue;
            }
        }
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(room, data.size()));
        const auto take = std::min(n, kWriteBuffer - buffer_.size());
        buffer_.insert(buffer_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
        volumes_.back().payload += take;
        logical_ += take;
        file_bytes_ += take;
        data = data.subspan(take);
        if (buffer_.size() == kWriteBuffer)
            if (auto s = flush(); !s) return s;
    }
    return {};
}

Status VolumeWriter::finish() {
    if (auto s = flush(); !s) return s;
    // Volume 1 last: NAME appears only when every other volume is in place.
    for (auto it = volumes_.rbegin(); it != volumes_.rend(); ++it) {
        if (auto s = it->object->commit(); !s) {
            // The ones committed before it would outlive an image that never was.
            for (auto done = volumes_.rbegin(); done != it; ++done)
                (void)store_->remove(volume_name(image_, static_cast<std::uint32_t>(volumes_.rend() - done)));
            return s;
        }
    }
    finished_ = true;
    // Volumes of an older image under the same name would look like ours.
    for (auto n = static_cast<std::uint32_t>(volumes_.size()) + 1; force_; ++n) {
        auto there = store_->exists(volume_name(image_, n));
        if (!there || !*there) break;
        if (auto s = store_->remove(volume_name(image_, n)); !s) return s;
    }
    return {};
}

void VolumeWriter::abandon() {
    for (auto& v : volumes_) v.object->abandon();
    volumes_.clear();
    finished_ = true;
}

Result<std::unique_ptr<VolumeReader>> VolumeReader::open(std::shared_ptr<const store::Store> store,
                                                         const std::string& image) {
    std::unique_ptr<VolumeReader> r(new VolumeReader());
    r->image_ = image;
    for (std::uint32_t number = 1;; ++number) {
        const std::string name = volume_name(image, number);
        const std::string path = store->describe(name);
        auto object = store->open(name);
        if (!object && number > 1 && object.error().code == Errc::not_found) break;
        if (!object) {
            Error e = object.error();
            if (e.code == Errc::not_found) e.hint = "check the image's path; images are listed by `lifeboat info`";
            return std::unexpected(e);
        }
        std::array<std::byte, kVolumeHeaderSize> bytes{};
        if ((*object)->size() < kVolumeHeaderSize || !(*object)->read_at(0, bytes))
            return std::unexpected(make_error(Errc::damaged_image, path + " is too short to be a Lifeboat image",
                                              "check the path; a Lifeboat image starts with a volume header"));
        const std::uint64_t payload = (*object)->size() - kVolumeHeaderSize;
        r->volumes_.push_back({std::move(*object), path, 0, 0});
        auto header = decode_volume_header(bytes, path);
        if (!header) return std::unexpected(header.error());
        if (number == 1) r->uuid_ = header->image_uuid;
        if (header->image_uuid != r->uuid_)
            return std::unexpected(make_error(Errc::damaged_image,
                                              path + " belongs to another image (image " + uuid_text(header->image_uuid) +
                                                  ", expected " + uuid_text(r->uuid_) + ")",
                                              "move the foreign volume away and put this image's volume there"));
        if (header->number != number)
            return std::unexpected(make_error(Errc::damaged_image,
                                              path + " is volume " + std::to_string(header->number) +
                                                  " of the image, in the place of volume " + std::to_string(number),
                                              "a volume is missing or volumes were renamed; restore their names"));
        // The right volume in the right place, but the ones before it do not end where it begins.
        if (header->logical_offset != r->logical_size_)
            return std::unexpected(make_error(
                Errc::damaged_image,
                path + " (volume " + std::to_string(number) + ") starts at byte " +
                    std::to_string(header->logical_offset) + " of the image, but " +
                    (number == 1 ? std::string("the first volume starts at byte 0")
                                 : "the volumes before it hold " + std::to_string(r->logical_size_) + " bytes"),
                number == 1 ? "the image is damaged; use another copy, or capture a new image"
                            : r->volumes_[r->volumes_.size() - 2].name +
                                  " or a volume before it is not as long as when it was written (a copy cut short or "
                                  "added to?); copy the image's volumes again"));
        r->volumes_.back().logical_offset = r->logical_size_;
        r->volumes_.back().payload = payload;
        r->logical_size_ += payload;
    }
    r->store_ = std::move(store);
    return r;
}

std::uint64_t VolumeReader::file_bytes() const {
    std::uint64_t total = 0;
    for (const auto& v : volumes_) total += v.payload + kVolumeHeaderSize;
    return total;
}

std::string VolumeReader::locate(std::uint64_t offset, std::uint64_t length) const {
    if (volumes_.empty() || offset >= logical_size_) return "past the end of " + image_;
    auto it = std::upper_bound(volumes_.begin(), volumes_.end(), offset,
                               [](std::uint64_t o, const Volume& v) { return o < v.logical_offset; });
    --it;
    std::string where = "byte " + std::to_string(kVolumeHeaderSize + offset - it->logical_offset) + " of " + it->name;
    const std::uint64_t last = offset + (length > 0 ? length - 1 : 0);
    auto end = std::upper_bound(volumes_.begin(), volumes_.end(), last,
                                [](std::uint64_t o, const Volume& v) { return o < v.logical_offset; });
    --end;
    if (end != it && last < logical_size_) return "from " + where + " into " + end->name;
    return "at " + where;
}

Status VolumeReader::read(std::uint64_t offset, std::span<std::byte> buffer) const {
    if (offset > logical_size_ || buffer.size() > logical_size_ - offset)
        return std::unexpected(make_error(Errc::damaged_image, image_ + ": a structure points past the end of the image",
                                          "the image is damaged or incomplete; use another copy"));
    auto it = std::upper_bound(volumes_.begin(), volumes_.end(), offset,
                               [](std::uint64_t o, const Volume& v) { return o < v.logical_offset; });
    for (--it; !buffer.empty(); ++it) {
        const std::uint64_t within = offset - it->logical_offset;
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), it->payload - within));
        if (auto s = it->object->read_at(kVolumeHeaderSize + within, buffer.first(n)); !s) return s;
        buffer = buffer.subspan(n);
        offset += n;
    }
    return {};
}

}  // namespace imager::format
