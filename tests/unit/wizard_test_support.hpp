// What the wizard's unit tests (tests/unit/wizard_*_test.cpp) share: a fake
// clock for the flows, progress updates as a core sends them, a mounter that
// hands over plain folders, reading a file whole, and the screen thread's
// loop that delivers a real core's events until it has finished.
#pragma once

#include "imager/image_discovery.hpp"
#include "imager/progress.hpp"

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace wizard_test {

// A monotonic clock the test moves on by hand.
struct FakeClock {
    double now = 100;
    std::function<double()> fn() {
        return [this] { return now; };
    }
};

// A progress update as the core sends it; item fields only for whole-disk images.
inline imager::ProgressUpdate update_of(std::string_view step, std::uint64_t done, std::uint64_t total,
                                        std::string_view item = {}, std::uint64_t item_done = 0,
                                        std::uint64_t item_total = 0) {
    imager::ProgressUpdate u;
    u.step = step;
    u.done = done;
    u.total = total;
    u.item = item;
    u.item_done = item_done;
    u.item_total = item_total;
    return u;
}

// Hands over plain folders as if they were mounted filesystems; reports
// `failures` as filesystems that could not be mounted.
class FolderMounter final : public imager::discovery::FilesystemMounter {
public:
    std::vector<imager::discovery::MountedFilesystem> folders;
    std::vector<std::string> failures;
    int mounts = 0;
    int unmounts = 0;
    std::vector<imager::discovery::MountedFilesystem> mount_all(const std::vector<imager::devices::Device>&,
                                                                std::vector<std::string>& failed) override {
        ++mounts;
        failed.insert(failed.end(), failures.begin(), failures.end());
        return folders;
    }
    void unmount_all() override { ++unmounts; }
};

inline std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The screen thread's loop over a real core (running(), wait_for_events(),
// deliver_events()): deliver until it has finished, or a minute has passed.
template <class Core>
void drain(Core& core) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (core.running() && std::chrono::steady_clock::now() < until) {
        (void)core.wait_for_events(std::chrono::milliseconds(100));
        core.deliver_events();
    }
}

}  // namespace wizard_test
