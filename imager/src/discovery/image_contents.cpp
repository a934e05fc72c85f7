// read_contents(): what an image holds, for the wizard's screen between
// choosing an image and choosing a target: the entry and the checked manifest.
#include "imager/image_discovery.hpp"
#include "imager/image_ops.hpp"
#include "ops/verified_mark.hpp"

namespace imager::discovery {

Result<ImageContents> read_contents(const std::string& image) {
    auto summary = describe_image(image);
    if (!summary) return std::unexpected(summary.error());
    ImageContents contents;
    contents.manifest = std::move(summary->manifest);
    fill_entry(contents.manifest, contents.entry);
    contents.entry.path = image;
    contents.entry.readable = true;
    contents.entry.size_on_disk = summary->image_bytes;
    contents.entry.volumes = summary->volumes;
    // As describe_entry(): only a mark naming this image as it is now counts.
    if (auto identity = ops::image_identity(image, summary->uuid, summary->volumes))
        contents.entry.verified = ops::read_verified_mark(image, *identity);
    return contents;
}

}  // namespace imager::discovery
