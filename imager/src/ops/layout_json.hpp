// DiskLayout <-> the manifest's "disk" object (docs/FORMAT.md).
#pragma once

#include "imager/disk_layout.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace imager::ops {

[[nodiscard]] nlohmann::json layout_to_json(const disk::DiskLayout& layout);
// A manifest's layout; damaged_image if fields are missing or out of range.
[[nodiscard]] Result<disk::DiskLayout> layout_from_json(const nlohmann::json& j);
// The layout of a whole-disk image's manifest, or none for an image of one
// filesystem or device; damaged_image when there is one and it is not valid.
// Restore plans with it; verify checks it, so an image that verifies restores.
[[nodiscard]] Result<std::optional<disk::DiskLayout>> manifest_layout(const nlohmann::json& manifest);

}  // namespace imager::ops
