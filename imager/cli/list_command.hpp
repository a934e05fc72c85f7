#pragma once

#include <string>
#include <vector>

namespace cli {

struct ListOptions {
    bool json = false;
    std::vector<std::string> places;  // folders to search; empty = the current one
};

// `lifeboat list`: the images in folders, by the machine they came from, newest first.
[[nodiscard]] int run_list(const ListOptions& options);

}  // namespace cli
