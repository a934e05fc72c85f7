// reads_from(): does a file depend on a device? Follows partitions and loop
// devices, since on a rescue system images often sit on loop-mounted files.
#include "devices/sysfs.hpp"
#include "devices/usage.hpp"
#include "imager/devices.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <set>

namespace imager::devices {

bool reads_from(const std::string& file, const std::string& device, const SystemPaths& paths) {
    auto target = identify(device);
    auto image = identify(file);
    if (!target || !image) return false;
    if (*target == *image) return true;

    const auto scanned = sysfs::scan(paths.sys);
    std::set<dev_t> on_target;  // block devices whose bytes are the target's
    if (target->block) on_target.insert(target->rdev);
    // Grow the set to a fixed point: partitions of members, loops over members
    // or over files that lie on members (or over the target file itself).
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& d : scanned) {
            bool member = on_target.contains(d.devnum);
            if (!member && d.is_loop) {
                auto backing = identify(strip_deleted(d.loop.backing_file));
                member = backing && (*backing == *target || (backing->block && on_target.contains(backing->rdev)) ||
                                     (!backing->block && on_target.contains(backing->dev)));
            }
            if (!member) continue;
            grew |= on_target.insert(d.devnum).second;
            for (const auto& p : d.partitions) grew |= on_target.insert(p.devnum).second;
        }
    }
    if (image->block) return on_target.contains(image->rdev);  // a partition node, a loop over the target
    struct stat st {};
    return ::stat(file.c_str(), &st) == 0 && on_target.contains(st.st_dev);
}

}  // namespace imager::devices
