#include "fs/used_blocks.hpp"

#include "fs/parse.hpp"

#include <algorithm>

namespace imager::fs {

std::uint64_t UsedMap::used_bytes() const {
    std::uint64_t total = 0;
    for (const Extent& e : extents) total += e.length;
    return total;
}

Result<UsedMap> used_extents(const filesystems::Record& record, io::BlockSource& source) {
    return record.used_blocks ? record.used_blocks(source) : every_byte(source);
}

Result<UsedMap> every_byte(io::BlockSource& source) { return detail::finish({{0, source.size()}}, 512, source); }

std::vector<Extent> normalize(std::vector<Extent> extents, std::uint64_t limit) {
    // Clip first (end computed without overflow), then sort and merge.
    std::erase_if(extents, [limit](Extent& e) {
        if (e.length == 0 || e.offset >= limit) return true;
        e.length = std::min(e.length, limit - e.offset);
        return false;
    });
    std::ranges::sort(extents, {}, &Extent::offset);
    std::vector<Extent> out;
    out.reserve(extents.size());
    for (const Extent& e : extents) {
        if (!out.empty() && e.offset <= out.back().offset + out.back().length) {
            Extent& last = out.back();
            last.length = std::max(last.offset + last.length, e.offset + e.length) - last.offset;
        } else {
            out.push_back(e);
        }
    }
    return out;
}

}  // namespace imager::fs
