// The volume header (docs/FORMAT.md, "Volume header"). Input: a flags byte,
// then the 64-byte header. It is decoded alone (format::decode_volume_header),
// then put in place of a golden image's own and the image is run through every
// command (fuzz_support.hpp). Flags: bit 0 keeps the header's hash as it is
// (else it is sealed again), bit 1 picks golden-v1-raw.lbi over golden-v1.lbi.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned flags = data[0];
    const fuzz::Bytes header = fuzz::to_bytes(data + 1, size - 1);
    auto decoded = imager::format::decode_volume_header(header, "fuzz-volume");
    fuzz::check(decoded, "decode_volume_header");
    if (decoded) {
        auto again = imager::format::decode_volume_header(imager::format::encode(*decoded), "fuzz-volume");
        if (!again || again->number != decoded->number || again->logical_offset != decoded->logical_offset ||
            again->image_uuid != decoded->image_uuid || again->version != decoded->version)
            fuzz::fail("a decoded volume header does not survive encode and decode");
    }
    if (header.size() != fuzz::kVol) return 0;

    fuzz::Bytes file = fuzz::golden(flags >> 1 & 1);
    std::copy(header.begin(), header.end(), file.begin());
    fuzz::run_image_file(std::move(file), flags);
    return 0;
}
