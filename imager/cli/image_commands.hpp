#pragma once

#include "imager/image_ops.hpp"
#include "terminal_io.hpp"

#include <string>
#include <vector>

namespace cli {

struct ImageCommandOptions {
    imager::CaptureOptions capture;
    imager::RestoreOptions restore;
    std::string split;           // as typed: "4000M"
    std::vector<std::string> sizes;  // restore --size, as typed: "2=20G"
    bool no_verify = false;
    std::string image;           // verify / info
    bool json = false;           // info --json
    std::string progress = "auto";
    unsigned threads = 0;
};

[[nodiscard]] int run_capture(ImageCommandOptions& options);
[[nodiscard]] int run_restore(ImageCommandOptions& options);
[[nodiscard]] int run_verify(const ImageCommandOptions& options);
[[nodiscard]] int run_info(const ImageCommandOptions& options);

}  // namespace cli
