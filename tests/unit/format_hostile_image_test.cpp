// Hostile images: a real whole-disk image changed the way a forger would
// change it, not a failing disk: fields set to boundary values, index records
// swapped, repeated or dropped, manifest values and shapes replaced, and then
// every seal (the hashes of the volume header, header, manifest, index and
// trailer) computed again, so that each change reaches the code behind the
// checks. Each version is described (also by `lifeboat info`), verified and
// restored: planned whole, by partition and grown onto a larger disk, then
// for real onto a file. It may succeed or fail, but never crash (the dev
// build runs this under ASan and UBSan), never fail as "internal", always
// with a message; an image that verifies must also restore; and a restore
// that refuses must not have written a byte. HOSTILE_SEED and HOSTILE_ROUNDS
// run other or more versions (and print how they ended).
#include "forge_support.hpp"
#include "format/layout.hpp"
#include "fs_test_support.hpp"
#include "image_commands.hpp"
#include "image_test_support.hpp"
#include "imager/image_ops.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using image_test::Yes;

namespace format = imager::format;
using forge::Bytes;
using forge::get;
using forge::join;
using forge::kVol;
using forge::Parts;
using forge::put;
using forge::reseal;
using forge::split;
using json = nlohmann::json;

constexpr std::uint64_t MiB = 1u << 20;

struct Field {
    std::size_t at;
    int width;
};

std::uint64_t boundary_value(std::mt19937_64& rng, std::uint64_t now, int width, std::uint64_t file_size) {
    const std::uint64_t max = width == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * width)) - 1;
    const std::uint64_t choices[] = {0,       1,           2,         now - 1,       now + 1,  now * 2,
                                     max,     max - 1,     max / 2,   max / 2 + 1,   512,      4096,
                                     4 * MiB, 4 * MiB + 1, file_size, file_size - 1, 1u << 31, std::uint64_t{1} << 32};
    return choices[rng() % std::size(choices)] & max;
}

// Every leaf of a JSON document, as pointers.
void leaves(const json& j, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) leaves(it.value(), at / it.key(), out);
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i) leaves(j[i], at / i, out);
    }
    out.push_back(at);  // containers too: they can be replaced or removed whole
}

json hostile_value(std::mt19937_64& rng) {
    switch (rng() % 14) {
        case 0: return 0;
        case 1: return -1;
        case 2: return 1;
        case 3: return std::uint64_t{1} << 32;
        case 4: return std::numeric_limits<std::int64_t>::max();
        case 5: return std::numeric_limits<std::uint64_t>::max();
        case 6: return 1e300;
        case 7: return "";
        case 8: return std::string(5000, 'x');
        case 9: return nullptr;
        case 10: return true;
        case 11: return json::array();
        case 12: return json::object();
        default: return "../../../etc/passwd";
    }
}

// One hostile version of `image`; `what` says what was done, for the failure message.
Bytes mutate(const Bytes& image, std::mt19937_64& rng, std::string& what) {
    const Parts parts = split(image);
    const std::uint64_t manifest_size = parts.manifest.size();
    Bytes b = image;
    const std::size_t t = b.size() - format::kTrailerSize;
    const std::uint64_t index_at = get(b, t + 32, 8);
    switch (rng() % 6) {
        case 0: {  // a field of the volume header, header or trailer
            std::vector<Field> fields = {{8, 4}, {12, 4}, {32, 8},  // volume header, then header
                                         {kVol + 8, 4},  {kVol + 12, 4}, {kVol + 16, 8}, {kVol + 24, 8},
                                         {kVol + 48, 4}, {kVol + 52, 4}, {kVol + 56, 8}, {kVol + 64, 8}};
            for (const Field f : {Field{8, 4}, {12, 4}, {32, 8}, {40, 8}, {48, 8}, {56, 8}, {64, 4}})  // trailer
                fields.push_back({t + f.at, f.width});
            const Field f = fields[rng() % fields.size()];
            const std::uint64_t value = boundary_value(rng, get(b, f.at, f.width), f.width, b.size());
            what = "field at byte " + std::to_string(f.at) + " set to " + std::to_string(value);
            put(b, f.at, f.width, value);
            reseal(b);
            return b;
        }
        case 1: {  // a field of an index record
            static const std::vector<Field> fields = {{0, 8}, {8, 8}, {16, 8}, {24, 4}, {28, 2}, {30, 1}, {31, 1}};
            const std::size_t r = rng() % parts.records.size();
            const Field f = fields[rng() % fields.size()];
            const std::size_t at = kVol + index_at + r * format::kRecordSize + f.at;
            const std::uint64_t value = boundary_value(rng, get(b, at, f.width), f.width, b.size());
            what = "record " + std::to_string(r) + " field " + std::to_string(f.at) + " set to " +
                   std::to_string(value);
            put(b, at, f.width, value);
            reseal(b);
            return b;
        }
        case 2: {  // a few bytes of the header, manifest, index or trailer
            const std::size_t from = kVol, to = kVol + format::kHeaderSize + manifest_size;
            const int flips = 1 + static_cast<int>(rng() % 4);
            what = std::to_string(flips) + " bytes changed in the metadata";
            for (int i = 0; i < flips; ++i) {
                const std::size_t index_from = kVol + index_at;
                const std::size_t at = rng() % 2 ? from + rng() % (to - from)
                                                 : index_from + rng() % (b.size() - index_from);
                b[at] = static_cast<std::byte>(rng() & 0xFF);
            }
            reseal(b);
            return b;
        }
        case 3: {  // records swapped, repeated or dropped
            Parts p = parts;
            const std::size_t i = rng() % p.records.size(), j = rng() % p.records.size();
            const auto kind = rng() % 3;
            if (kind == 0) std::swap(p.records[i], p.records[j]);
            if (kind == 1) p.records.insert(p.records.begin() + static_cast<std::ptrdiff_t>(j), p.records[i]);
            if (kind == 2 && p.records.size() > 1) p.records.erase(p.records.begin() + static_cast<std::ptrdiff_t>(i));
            what = std::string(kind == 0 ? "records swapped: " : kind == 1 ? "record repeated: " : "record dropped: ") +
                   std::to_string(i) + ", " + std::to_string(j);
            return join(std::move(p), manifest_size);
        }
        default: {  // a manifest value replaced, or a member removed
            Parts p = parts;
            json m = json::parse(p.manifest);
            std::vector<json::json_pointer> all;
            leaves(m, json::json_pointer(), all);
            const auto& at = all[rng() % all.size()];
            if (at.empty()) {
                m = hostile_value(rng);
                what = "the manifest replaced by " + m.dump().substr(0, 40);
            } else if (rng() % 4 == 0) {
                what = "manifest " + at.to_string() + " removed";
                auto& parent = m[at.parent_pointer()];
                if (parent.is_object())
                    parent.erase(at.back());
                else
                    parent.erase(std::stoul(at.back()));
            } else {
                m[at] = hostile_value(rng);
                what = "manifest " + at.to_string() + " = " + m[at].dump().substr(0, 40);
            }
            p.manifest = m.dump();
            return join(std::move(p), manifest_size);
        }
    }
}

// `lifeboat info [--json]` on the image, its output sent to /dev/null: its exit code.
int info_command(const std::string& image, bool as_json) {
    std::fflush(stdout);
    std::cout.flush();
    const int saved = ::dup(STDOUT_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    cli::ImageCommandOptions o;
    o.image = image;
    o.json = as_json;
    const int code = cli::run_info(o);
    std::fflush(stdout);
    std::cout.flush();
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    ::close(null);
    return code;
}

bool all_zero(const std::string& path) {
    const auto bytes = fs_test::slurp(path);
    return std::ranges::all_of(bytes, [](std::byte b) { return b == std::byte{0}; });
}

// A failure must be an ordinary, explained one.
bool explained(const imager::Error& e) { return e.code != imager::Errc::internal && !e.message().empty(); }

}  // namespace

TEST_CASE("hostile images, resealed: described, verified and restored without a crash", "[format][hostile]") {
    fs_test::TempDir dir;
    const std::string disk = dir / "disk.bin", image = dir / "disk.lbi";
    image_test::write_two_partition_disk(disk, 3 * MiB, 3071, 6000, 21);
    image_test::capture(disk, image);
    const Bytes original = fs_test::slurp(image);
    REQUIRE(format::decode_trailer(std::span<const std::byte>(original).last(format::kTrailerSize), "x").has_value());
    std::ofstream(dir / "larger.bin").close();
    std::filesystem::resize_file(dir / "larger.bin", 8 * MiB);
    // Taken apart and put together unchanged, the image is the same bytes.
    const Parts parts = split(original);
    REQUIRE(join(parts, parts.manifest.size()) == original);

    const char* seed = std::getenv("HOSTILE_SEED");
    const char* rounds = std::getenv("HOSTILE_ROUNDS");
    std::mt19937_64 rng(seed ? std::strtoull(seed, nullptr, 10) : 20261125);
    std::map<std::string, int> outcomes;
    for (int round = 0; round < (rounds ? std::atoi(rounds) : 400); ++round) {
        std::string what;
        const Bytes hostile = mutate(original, rng, what);
        const std::string path = dir / "hostile.lbi";
        forge::write(path, hostile);
        INFO("round " << round << ": " << what);
        imager::SilentProgress quiet;

        auto info = imager::describe_image(path);
        if (!info) CHECK(explained(info.error()));
        CHECK((info_command(path, false) == 0) == info.has_value());
        CHECK((info_command(path, true) == 0) == info.has_value());
        imager::VerifyOptions vo;
        vo.image = path;
        vo.threads = 1;
        vo.record_mark = false;
        auto verified = imager::verify(vo, quiet);
        if (!verified) CHECK(explained(verified.error()));
        CHECK(verified.has_value() <= info.has_value());

        Yes yes;
        imager::RestoreOptions ro;
        ro.image = path;
        ro.threads = 1;
        ro.assume_yes = true;
        ro.target = dir / "new.bin";
        ro.dry_run = true;
        auto planned = imager::restore(ro, quiet, yes);
        if (!planned) CHECK(explained(planned.error()));
        for (const int partition : {1, 2, 7}) {  // --partition N, planned
            ro.partition = partition;
            auto one = imager::restore(ro, quiet, yes);
            if (!one) CHECK(explained(one.error()));
        }
        ro.partition = 0;
        ro.grow = true;  // --grow onto a disk larger than the image's, planned
        ro.target = dir / "larger.bin";
        auto grown = imager::restore(ro, quiet, yes);
        if (!grown) CHECK(explained(grown.error()));
        ro.grow = false;
        ro.dry_run = false;
        ro.target = dir / "target.bin";
        std::filesystem::remove(ro.target);
        std::ofstream(ro.target).close();
        std::filesystem::resize_file(ro.target, 4 * MiB);
        auto restored = imager::restore(ro, quiet, yes);
        if (!restored) {
            CHECK(explained(restored.error()));
            INFO(restored.error().message());
            // An image that verifies restores, unless the target is the wrong size for it.
            if (verified) CHECK((restored.error().code == imager::Errc::no_space));
            // A refusal writes nothing; only a chunk found damaged on the way stops a restore
            // that has begun (and says so).
            if (restored.error().code != imager::Errc::damaged_image) CHECK(all_zero(ro.target));
        }
        ++outcomes[std::string(verified ? "verifies" : "refused by verify") +
                   (restored ? ", restores" : ", restore refused")];
        std::filesystem::remove(dir / "new.bin");
    }
    for (const auto& [outcome, n] : outcomes) UNSCOPED_INFO(outcome << ": " << n);
    if (rounds)
        for (const auto& [outcome, n] : outcomes) WARN(outcome << ": " << n);
    CHECK(outcomes.size() >= 2);  // some versions pass, most do not
}
