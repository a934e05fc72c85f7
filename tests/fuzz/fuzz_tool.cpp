// make-corpus.sh's helper, built with the fuzz targets (the fuzz preset
// builds no lifeboat binary): the seeds only the core itself can write.
//   fuzz_tool capture SOURCE IMAGE [SPLIT_BYTES]   capture (and verify) as `lifeboat capture` does
//   fuzz_tool mark-seed FILE                       a verified mark verified_mark_fuzz accepts
//   fuzz_tool volume-set IMAGE COUNT FILE          a one-volume image cut into COUNT volumes
//                                                  (volume_set_fuzz's input: flags, lengths, files)
// capture will not split into volumes under 1 MiB; volume-set cuts small
// images with the format's own encoder (fuzz::split_volumes), so the seeds
// stay small.
#include "fuzz_support.hpp"
#include "imager/image_ops.hpp"
#include "ops/verified_mark.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "capture" && (argc == 4 || argc == 5)) {
        imager::CaptureOptions o;
        o.source = argv[2];
        o.image = argv[3];
        o.split = argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 0;
        o.threads = 1;
        o.note = "fuzz seed";
        imager::SilentProgress quiet;
        auto r = imager::capture(o, quiet);
        if (!r) {
            std::fprintf(stderr, "fuzz_tool: %s\n", r.error().message().c_str());
            return 1;
        }
        return 0;
    }
    if (command == "mark-seed" && argc == 3) {
        // verified_mark_fuzz.cpp's identity.
        const imager::ops::ImageIdentity id{"1f223344-5566-4788-99aa-bbccddeeff01", 54130, 1795000000};
        std::ofstream(argv[2]) << imager::ops::format_verified_mark(id, "2026-11-25T10:00:00Z");
        return 0;
    }
    if (command == "volume-set" && argc == 5) {
        const fuzz::Bytes file = fuzz::read_file(argv[2]);
        const auto count = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10));
        if (count < 1 || count > 3 || file.size() < fuzz::kVol + 512) return 2;
        fuzz::Bytes logical(file.begin() + fuzz::kVol, file.end());
        fuzz::put_le(logical, logical.size() - imager::format::kTrailerSize + 64, 4, count);
        fuzz::reseal_logical(logical);
        imager::format::Uuid uuid{};
        std::copy_n(file.begin() + 16, uuid.size(), uuid.begin());
        // Equal parts; the trailer stays whole in the last volume, as the writer keeps it.
        const std::uint64_t part = (logical.size() - imager::format::kTrailerSize) / count;
        const std::vector<std::uint64_t> payloads(count - 1, part);
        const auto files = fuzz::split_volumes(logical, payloads, uuid);
        fuzz::Bytes out{static_cast<std::byte>((count - 1) << 2)};
        out.resize(9);
        for (std::size_t i = 0; i + 1 < files.size(); ++i) fuzz::put_le(out, 1 + 4 * i, 4, files[i].size());
        for (const auto& f : files) out.insert(out.end(), f.begin(), f.end());
        fuzz::write_file(argv[4], out);
        return 0;
    }
    std::fprintf(stderr, "usage: fuzz_tool capture SOURCE IMAGE [SPLIT_BYTES] | fuzz_tool mark-seed FILE |\n"
                         "       fuzz_tool volume-set IMAGE COUNT FILE\n");
    return 2;
}
