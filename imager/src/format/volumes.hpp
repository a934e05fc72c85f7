// The logical byte stream of an image, cut into volume objects of a store
// (store/store.hpp; docs/FORMAT.md, "Volumes"): NAME, NAME.002, ... Each
// volume is an object the store only shows once committed, and finish()
// commits them volume 1 last, so NAME exists only once the whole image does.
// A writer destroyed unfinished abandons every volume it began.
#pragma once

#include "format/layout.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace imager::format {

// "disk.img", "disk.img.002", ...
[[nodiscard]] std::string volume_name(const std::string& image, std::uint32_t number);

class VolumeWriter {
public:
    // split_size 0 = one volume. Refuses an existing image unless `force`.
    static Result<std::unique_ptr<VolumeWriter>> create(std::shared_ptr<store::Store> store, const std::string& image,
                                                        std::uint64_t split_size, const Uuid& uuid, bool force);
    ~VolumeWriter();
    VolumeWriter(const VolumeWriter&) = delete;
    VolumeWriter& operator=(const VolumeWriter&) = delete;

    [[nodiscard]] Status write(std::span<const std::byte> data);
    [[nodiscard]] std::uint64_t logical_offset() const { return logical_; }
    [[nodiscard]] std::uint64_t file_bytes() const { return file_bytes_; }  // headers included
    [[nodiscard]] std::uint32_t volume_count() const { return static_cast<std::uint32_t>(volumes_.size()); }
    // Commits every volume, volume 1 last.
    [[nodiscard]] Status finish();
    // Abandons every volume written so far.
    void abandon();

private:
    VolumeWriter(std::shared_ptr<store::Store> store, std::string image, std::uint64_t split_size, const Uuid& uuid,
                 bool force);
    Status open_next_volume();
    Status flush();

    struct Volume {
        std::unique_ptr<store::ObjectWriter> object;
        std::uint64_t payload = 0;
    };
    std::shared_ptr<store::Store> store_;
    std::string image_;
    std::uint64_t split_size_;
    Uuid uuid_;
    bool force_;
    std::vector<Volume> volumes_;
    std::vector<std::byte> buffer_;
    std::uint64_t logical_ = 0;
    std::uint64_t file_bytes_ = 0;
    bool finished_ = false;
};

class VolumeReader {
public:
    // Opens NAME and NAME.002... while they exist, checking each header.
    static Result<std::unique_ptr<VolumeReader>> open(std::shared_ptr<const store::Store> store, const std::string& image);
    VolumeReader(const VolumeReader&) = delete;
    VolumeReader& operator=(const VolumeReader&) = delete;

    [[nodiscard]] Status read(std::uint64_t logical_offset, std::span<std::byte> buffer) const;
    // Where `length` bytes from `logical_offset` lie, for messages: "at byte
    // 4194368 of disk.lbi.002", or "from byte 64 of disk.lbi.002 into disk.lbi.004".
    [[nodiscard]] std::string locate(std::uint64_t logical_offset, std::uint64_t length) const;
    [[nodiscard]] std::uint64_t logical_size() const { return logical_size_; }
    [[nodiscard]] std::uint32_t volume_count() const { return static_cast<std::uint32_t>(volumes_.size()); }
    [[nodiscard]] const Uuid& uuid() const { return uuid_; }
    [[nodiscard]] std::uint64_t file_bytes() const;
    [[nodiscard]] const std::string& image() const { return image_; }

private:
    VolumeReader() = default;
    struct Volume {
        std::unique_ptr<store::ObjectReader> object;
        std::string name;  // the store's describe(), for messages
        std::uint64_t logical_offset = 0;
        std::uint64_t payload = 0;
    };
    std::shared_ptr<const store::Store> store_;  // outlives its objects' readers
    std::string image_;
    std::vector<Volume> volumes_;
    Uuid uuid_{};
    std::uint64_t logical_size_ = 0;
};

}  // namespace imager::format
