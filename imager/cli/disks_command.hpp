#pragma once

#include "imager/devices.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace cli {

struct DisksOptions {
    bool json = false;
    std::vector<std::string> paths;  // empty = every block device
};

[[nodiscard]] int run_disks(const DisksOptions& options);

[[nodiscard]] nlohmann::json devices_to_json(const std::vector<imager::devices::Device>& devices);
[[nodiscard]] std::string devices_to_table(const std::vector<imager::devices::Device>& devices);

}  // namespace cli
