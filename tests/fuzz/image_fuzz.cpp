// A whole image file, as a person would point Lifeboat at it. Input: a flags
// byte, then the file (volume header, header, manifest, chunks, index,
// trailer). Unless flag bit 0 is set, every seal (volume header, header,
// manifest, index, trailer) is computed again from the fields as they are,
// so the fuzzer reaches the checks behind the hashes; bit 1 also sets the
// trailer's logical size to the file's. Then every command runs on it
// (fuzz_support.hpp): describe, list, verify, restore --dry-run, and it is read
// as a stream (restore -): whole as a stream must mean whole as a file.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned flags = data[0];
    fuzz::Bytes file = fuzz::to_bytes(data + 1, size - 1);
    if ((flags & 2) && file.size() >= fuzz::kVol + imager::format::kTrailerSize)
        fuzz::put_le(file, file.size() - imager::format::kTrailerSize + 56, 8, file.size() - fuzz::kVol);
    fuzz::run_image_file(std::move(file), flags);
    return 0;
}
