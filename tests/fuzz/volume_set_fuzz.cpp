// An image in one to three volume files (docs/FORMAT.md, "Volumes"):
// format::VolumeReader::open over NAME, NAME.002, NAME.003 and then every
// command (fuzz_support.hpp). Input: a flags byte, two 4-byte little-endian
// lengths, then the volume files one after the other: 1 + (flags >> 2) % 3
// files, the first ones as long as the lengths say (cut to what is there),
// the last one the rest. Unless flag bit 0 is set, each volume header's hash
// and every seal of the logical stream (the volumes' payloads one after the
// other) are computed again, so the fuzzer reaches the checks of numbers,
// UUIDs and offsets.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 9) return 0;
    const unsigned flags = data[0];
    const std::size_t count = 1 + (flags >> 2) % 3;
    const fuzz::Bytes rest = fuzz::to_bytes(data + 9, size - 9);
    std::vector<fuzz::Bytes> files;
    std::size_t at = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t n = rest.size() - at;
        if (i + 1 < count) n = std::min<std::size_t>(n, fuzz::get_le(std::as_bytes(std::span(data + 1 + 4 * i, 4)), 0, 4));
        files.emplace_back(rest.begin() + static_cast<std::ptrdiff_t>(at), rest.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
    }
    if (!(flags & 1)) {
        // The logical stream as the volume headers' payloads make it, sealed, and put back.
        fuzz::Bytes logical;
        for (const auto& f : files)
            if (f.size() > fuzz::kVol) logical.insert(logical.end(), f.begin() + fuzz::kVol, f.end());
        fuzz::reseal_logical(logical);
        std::size_t from = 0;
        for (auto& f : files) {
            if (f.size() <= fuzz::kVol) continue;
            std::copy_n(logical.begin() + static_cast<std::ptrdiff_t>(from), f.size() - fuzz::kVol, f.begin() + fuzz::kVol);
            from += f.size() - fuzz::kVol;
        }
        for (auto& f : files) fuzz::reseal_volume_header(f);
    }

    fuzz::Scratch::get().clear();
    const std::string image = fuzz::write_volumes(files);
    fuzz::run_image_commands(image, flags);
    return 0;
}
