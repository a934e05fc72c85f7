// DiskLayout <-> the manifest's "disk" object (docs/FORMAT.md).
#pragma once

#include "imager/disk_layout.hpp"

#include <nlohmann/json.hpp>

namespace imager::ops {

[[nodiscard]] nlohmann::json layout_to_json(const disk::DiskLayout& layout);
// A manifest's layout; damaged_image if fields are missing or out of range.
[[nodiscard]] Result<disk::DiskLayout> layout_from_json(const nlohmann::json& j);

}  // namespace imager::ops
