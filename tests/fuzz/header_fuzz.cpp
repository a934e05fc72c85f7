// The header (docs/FORMAT.md, "Header"). Input: a flags byte, then the
// 256-byte header. It is decoded alone (format::decode_header), then put in
// place of a golden image's own and the image is run through every command
// (fuzz_support.hpp). Flags: bit 0 keeps every seal as it is (else the
// header's hash, the manifest's hash where the new header says the manifest
// lies, the trailer's copy of the header's hash and the trailer's own are
// computed again), bit 1 picks golden-v1-raw.lbi over golden-v1.lbi.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned flags = data[0];
    const fuzz::Bytes header = fuzz::to_bytes(data + 1, size - 1);
    fuzz::check(imager::format::decode_header(header, "fuzz-header"), "decode_header");
    if (header.size() != imager::format::kHeaderSize) return 0;

    fuzz::Bytes file = fuzz::golden(flags >> 1 & 1);
    std::copy(header.begin(), header.end(), file.begin() + fuzz::kVol);
    fuzz::run_image_file(std::move(file), flags);
    return 0;
}
