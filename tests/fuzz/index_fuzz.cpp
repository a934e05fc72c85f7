// The index (docs/FORMAT.md, "Index"). Input: a flags byte, then the index:
// 48-byte records. Each record is decoded alone (format::decode_record); then
// the index takes the place of a golden image's own, the trailer's index
// offset, size, record count and logical size follow it, and the image is run
// through every command (fuzz_support.hpp). The records still point into the
// golden image's chunks, so the fuzzer starts from records that hold. Flags:
// bit 0 keeps every seal as it is (else the index hash and the trailer's are
// computed again), bit 1 picks golden-v1-raw.lbi (zstd, stored and zero
// records) over golden-v1.lbi.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned flags = data[0];
    fuzz::ImageParts parts = fuzz::split_image(fuzz::golden(flags >> 1 & 1));
    parts.index = fuzz::to_bytes(data + 1, size - 1);
    constexpr std::size_t kRecord = imager::format::kRecordSize;
    for (std::size_t at = 0; at + kRecord <= parts.index.size(); at += kRecord)
        fuzz::check(imager::format::decode_record(std::span(parts.index).subspan(at, kRecord)), "decode_record");

    fuzz::fit_trailer(parts);
    fuzz::run_image_file(fuzz::join_image(parts), flags);
    return 0;
}
