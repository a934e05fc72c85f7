// The trailer (docs/FORMAT.md, "Trailer"). Input: a flags byte, then the
// 128-byte trailer. It is decoded alone (format::decode_trailer), then put in
// place of a golden image's own and the image is run through every command
// (fuzz_support.hpp). Flags: bit 0 keeps every seal as it is (else the index
// hash where the new trailer says the index lies, its copy of the header's
// hash and its own are computed again), bit 1 picks golden-v1-raw.lbi over
// golden-v1.lbi.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned flags = data[0];
    const fuzz::Bytes trailer = fuzz::to_bytes(data + 1, size - 1);
    fuzz::check(imager::format::decode_trailer(trailer, "fuzz-trailer"), "decode_trailer");
    if (trailer.size() != imager::format::kTrailerSize) return 0;

    fuzz::Bytes file = fuzz::golden(flags >> 1 & 1);
    std::copy(trailer.begin(), trailer.end(), file.end() - static_cast<std::ptrdiff_t>(trailer.size()));
    fuzz::run_image_file(std::move(file), flags);
    return 0;
}
