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

// A partition of a test image: where it lies on the source disk and its filesystem ("": stored raw).
struct PartSpec {
    int number = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::string filesystem;
    std::string label;
    std::uint64_t used_bytes = 0;
};

// The manifest of a whole-disk image of a GPT disk of `disk_bytes` (512-byte
// sectors) holding `parts`, as the core reads it (the gaps left out: the
// wizard shows partitions only).
inline imager::format::Manifest gpt_manifest(std::uint64_t disk_bytes, const std::vector<PartSpec>& parts) {
    imager::format::Manifest m;
    m.source.size = disk_bytes;
    m.source.kind = imager::format::SourceKind::disk;
    imager::disk::DiskLayout l;
    l.label = "gpt";
    l.size_bytes = disk_bytes;
    for (const auto& p : parts) {
        l.partitions.push_back({p.number, p.offset / 512, (p.offset + p.size) / 512 - 1,
                                "0fc63daf-8483-4772-8e79-3d69d8477de4", "", "", 0, {}, ""});
        imager::format::Stream s;
        s.id = static_cast<std::uint16_t>(m.streams.size());
        s.role = imager::format::StreamRole::partition;
        s.partition = p.number;
        s.offset = p.offset;
        s.size = p.size;
        s.used_bytes = p.filesystem.empty() ? p.size : p.used_bytes;
        s.kind = p.filesystem.empty() ? imager::format::StreamKind::raw : imager::format::StreamKind::filesystem;
        if (!p.filesystem.empty()) s.filesystem = imager::format::FilesystemFacts{p.filesystem, "", p.label, "", 4096, p.used_bytes};
        m.streams.push_back(std::move(s));
    }
    m.disk = std::move(l);
    return m;
}

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
