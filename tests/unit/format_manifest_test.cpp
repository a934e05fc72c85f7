// What a reader checks (docs/FORMAT.md): one forged image per invariant. A
// real whole-disk image (or one of a single filesystem) has its manifest or
// index changed so that exactly one rule breaks, every seal computed again
// (tests/unit/forge_support.hpp), and opening it must be refused as damage
// with words naming that rule. The two that once let a restore write the
// wrong bytes and exit 0 (streams that overlap, a stream past the disk's end)
// are also restored for real: refused, exit 3, not a byte of the target written.
#include "forge_support.hpp"
#include "format/image_file.hpp"
#include "fs_test_support.hpp"
#include "image_commands.hpp"
#include "image_test_support.hpp"
#include "imager/image_ops.hpp"
#include "imager/manifest.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;
namespace format = imager::format;
constexpr std::uint64_t MiB = 1u << 20;

// A real image to forge from, in a folder of its own.
struct Base {
    fs_test::TempDir dir;
    forge::Bytes bytes;
};

// A GPT disk of 3 MiB with two partitions of junk (stored raw): streams for
// the boot area, partition 1 (sectors 2048..3071), partition 2 (3072..6000)
// and the backup GPT.
void make_disk_base(Base& b, const std::string& disk) {
    image_test::write_two_partition_disk(disk, 3 * MiB, 3071, 6000, 7);
    image_test::capture(disk, b.dir / "disk.lbi");
    b.bytes = fs_test::slurp(b.dir / "disk.lbi");
}

// `base` with its manifest changed by `change` (and its index by `records`),
// every seal made good again.
std::string forged(const Base& base, const std::function<void(json&)>& change, const std::string& name,
                   const std::function<void(std::vector<forge::Bytes>&)>& records = {}) {
    forge::Parts parts = forge::split(base.bytes);
    const auto old_size = parts.manifest.size();
    json m = json::parse(parts.manifest);
    change(m);
    parts.manifest = m.dump();
    if (records) records(parts.records);
    const std::string path = base.dir / name;
    forge::write(path, forge::join(std::move(parts), old_size));
    return path;
}

// The stream of `role` (and partition number) in a manifest's JSON.
json& stream(json& m, const std::string& role, int partition = 0) {
    for (auto& s : m["streams"])
        if (s["role"] == role && (partition == 0 || s["partition"] == partition)) return s;
    FAIL("no " << role << " stream " << partition);
    throw std::logic_error("unreachable");
}

// Why opening `path` fails ("" when it opens).
std::string refusal(const std::string& path) {
    auto image = format::ImageReader::open(path);
    if (image) return "";
    CHECK(image.error().code == imager::Errc::damaged_image);
    return image.error().message();
}

struct Rule {
    std::string name;                     // the invariant, as docs/FORMAT.md lists it
    std::function<void(json&)> breaks;    // one change that breaks only it
    std::string says;                     // words the refusal must hold
};

}  // namespace

TEST_CASE("what a reader checks: each manifest invariant, broken alone, is refused as damage", "[format][manifest]") {
    Base base;
    make_disk_base(base, base.dir / "disk.bin");
    REQUIRE(refusal(forged(base, [](json&) {}, "unchanged.lbi")).empty());  // the forging itself breaks nothing

    const std::vector<Rule> rules = {
        {"the manifest is a JSON object", [](json& m) { m = json::array({m}); }, "is not a JSON object"},
        {"a format version Lifeboat knows", [](json& m) { m["format_version"] = 2; }, "no format version"},
        {"a source with size and kind", [](json& m) { m["source"].erase("kind"); }, "'source' lacks its size or kind"},
        {"sectors of 512 or 4096 bytes", [](json& m) { m["source"]["logical_sector_size"] = 1024; },
         "no logical sector size of 512 or 4096"},
        {"at least one stream", [](json& m) { m["streams"] = json::array(); }, "names no stream"},
        {"streams counted", [](json& m) { m["streams"] = json::array(); for (int i = 0; i < 1025; ++i) m["streams"].push_back(i); },
         "more than 1024 streams"},
        {"a stream's fields", [](json& m) { stream(m, "gap").erase("size"); }, "lacks its id, offset, size or kind"},
        {"a stream id fits 16 bits", [](json& m) { stream(m, "gap")["id"] = 65536; }, "lacks its id, offset, size or kind"},
        {"offset + size does not wrap", [](json& m) { stream(m, "gap")["offset"] = UINT64_MAX; }, "largest offset"},
        {"a role Lifeboat knows", [](json& m) { stream(m, "gap")["role"] = "boot"; }, "no role Lifeboat knows"},
        {"a disk's streams have roles", [](json& m) { stream(m, "gap").erase("role"); }, "no role Lifeboat knows"},
        {"a partition stream has a number", [](json& m) { stream(m, "partition", 1)["partition"] = 0; },
         "partition without a valid number"},
        {"kind filesystem has a filesystem", [](json& m) { stream(m, "partition", 1)["kind"] = "filesystem"; },
         "names no filesystem"},
        {"a filesystem has a type", [](json& m) {
             auto& s = stream(m, "partition", 1);
             s["kind"] = "filesystem";
             s["filesystem"] = {{"label", "x"}};
         }, "without a type"},
        {"ids are unique", [](json& m) { stream(m, "partition", 2)["id"] = stream(m, "partition", 1)["id"]; },
         "twice"},
        {"streams lie inside the source", [](json& m) { stream(m, "gap")["offset"] = std::uint64_t{1} << 40; },
         "past the end of its 3145728-byte source"},
        {"streams do not overlap", [](json& m) { stream(m, "partition", 2)["offset"] = 1 * MiB + 4096; },
         "overlap"},
        {"the disk's table is whole", [](json& m) { m["disk"].erase("partitions"); }, "no partition list"},
        {"the disk's fields have their types", [](json& m) { m["disk"]["size"] = "3 MiB"; }, "has one of another type"},
        {"the table can be written", [](json& m) { m["disk"]["partitions"][1]["start_sector"] = 3000; },
         "cannot be written"},
        {"partitions counted", [](json& m) {
             auto& parts = m["disk"]["partitions"];
             while (parts.size() <= 128) parts.push_back(parts[0]);
         }, "more partitions than any table holds"},
        {"the disk is the source", [](json& m) { m["disk"]["size"] = 4 * MiB; }, "another size or sector size"},
        {"a disk source has a table", [](json& m) { m["disk"] = nullptr; }, "has no partition table"},
        {"partition streams match the table", [](json& m) { stream(m, "partition", 2)["size"] = 2048 * 512; },
         "elsewhere than its table does"},
        {"a partition stream's partition is in the table", [](json& m) { stream(m, "partition", 2)["partition"] = 3; },
         "which the table does not hold"},
        {"every partition has a stream", [](json& m) {
             auto& s = stream(m, "partition", 2);
             s["role"] = "gap";
             s.erase("partition");
         }, "0 streams for partition 2"},
        {"gaps are raw", [](json& m) {
             auto& s = stream(m, "gap");
             s["kind"] = "filesystem";
             s["filesystem"] = {{"type", "ext4"}};
         }, "gap stored as a filesystem"},
    };
    for (const auto& rule : rules) {
        DYNAMIC_SECTION(rule.name) {
            const auto why = refusal(forged(base, rule.breaks, "forged.lbi"));
            INFO(why);
            CHECK(why.find(rule.says) != std::string::npos);
        }
    }
}

TEST_CASE("what a reader checks: a single filesystem's manifest", "[format][manifest]") {
    Base base;
    fs_test::write_random_file(base.dir / "raw.bin", 1 * MiB, 5);
    image_test::capture(base.dir / "raw.bin", base.dir / "raw.lbi");
    base.bytes = fs_test::slurp(base.dir / "raw.lbi");
    REQUIRE(refusal(forged(base, [](json&) {}, "unchanged.lbi")).empty());
    const json table = {{"label", "gpt"}, {"size", MiB},           {"logical_sector_size", 512},
                        {"physical_sector_size", 512}, {"disk_id", ""}, {"first_usable", 34},
                        {"last_usable", 2014}, {"partitions", json::array()}};
    const std::vector<Rule> rules = {
        {"one stream", [](json& m) {
             // An empty second stream at the end: apart from the first, inside the source.
             json second = m["streams"][0];
             second["id"] = 1;
             second["offset"] = second["size"];
             second["size"] = 0;
             second["used_bytes"] = 0;
             m["streams"].push_back(second);
         }, "more than one stream"},
        {"the stream is the whole source", [](json& m) { m["streams"][0]["size"] = 512 * 1024; },
         "not the whole source"},
        {"a single stream's role", [](json& m) {
             m["streams"][0]["role"] = "partition";
             m["streams"][0]["partition"] = 1;
         }, "of role 'partition'"},
        {"no table without a disk", [&](json& m) { m["disk"] = table; }, "but its source is not a disk"},
        {"source kind agrees with the stream", [](json& m) { m["source"]["kind"] = "filesystem"; },
         "says the source is filesystem but stores it raw"},
        {"images from before roles still read", [](json& m) { m["streams"][0].erase("role"); }, ""},
    };
    for (const auto& rule : rules) {
        DYNAMIC_SECTION(rule.name) {
            const auto why = refusal(forged(base, rule.breaks, "forged.lbi"));
            INFO(why);
            if (rule.says.empty()) CHECK(why.empty());
            else CHECK(why.find(rule.says) != std::string::npos);
        }
    }
}

TEST_CASE("what a reader checks: the index agrees with the manifest's streams", "[format][manifest]") {
    Base base;
    make_disk_base(base, base.dir / "disk.bin");
    // A record of a stream the manifest does not name.
    auto why = refusal(forged(base, [](json&) {}, "unknown.lbi", [](std::vector<forge::Bytes>& records) {
        forge::put(records.back(), 28, 2, 77);
    }));
    CHECK(why.find("is not valid") != std::string::npos);
    // Records adding up to other bytes than the stream's used bytes (its last record dropped).
    why = refusal(forged(base, [](json&) {}, "short.lbi", [](std::vector<forge::Bytes>& records) {
        records.pop_back();
    }));
    CHECK(why.find("the manifest says") != std::string::npos);
    // A stream claiming other used bytes than its records hold.
    why = refusal(forged(base, [](json& m) { stream(m, "partition", 1)["used_bytes"] = 4096; }, "used.lbi"));
    CHECK(why.find("the index holds 524288 bytes of partition 1, the manifest says 4096") != std::string::npos);
}

TEST_CASE("what a reader checks: the manifest's size and nesting are bounded before it is parsed",
          "[format][manifest]") {
    // Nested 100,000 deep: the JSON library would recurse once per level.
    std::string deep = "{\"format_version\": 1, \"x\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
    auto parsed = format::parse_manifest(deep);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == imager::Errc::damaged_image);
    CHECK(parsed.error().message().find("nests deeper than 16 levels") != std::string::npos);
    // Brackets inside strings do not count.
    CHECK(format::parse_manifest("{\"note\": \"" + std::string(100, '[') + "\"}").error().message().find("nests") ==
          std::string::npos);
    auto big = format::parse_manifest(std::string(format::kMaxManifestBytes + 1, ' '));
    REQUIRE_FALSE(big.has_value());
    CHECK(big.error().message().find("Lifeboat reads at most 4194304") != std::string::npos);

    // The same in an image: every command refuses it as damage (exit 3) and none crashes.
    Base base;
    make_disk_base(base, base.dir / "disk.bin");
    const auto image = forged(base, [](json& m) {
        json deepest = json::array();
        for (int i = 0; i < 20; ++i) deepest = json::array({deepest});
        m["note"] = deepest;
    }, "deep.lbi");
    CHECK(refusal(image).find("nests deeper") != std::string::npos);
    cli::ImageCommandOptions o;
    o.image = image;
    o.json = true;
    CHECK(cli::run_info(o) == 3);
    o.json = false;
    CHECK(cli::run_info(o) == 3);
    CHECK(cli::run_verify(o) == 3);
}

TEST_CASE("what a reader checks: overlapping streams and a stream past the disk are refused before a byte is written",
          "[format][manifest]") {
    Base base;
    make_disk_base(base, base.dir / "disk.bin");
    const std::vector<std::pair<std::string, std::function<void(json&)>>> forgeries = {
        {"overlap", [](json& m) { stream(m, "partition", 2)["offset"] = 1 * MiB + 4096; }},
        {"past the end", [](json& m) { stream(m, "gap")["offset"] = std::uint64_t{1} << 40; }},
    };
    for (const auto& [what, change] : forgeries) {
        DYNAMIC_SECTION(what) {
            const auto image = forged(base, change, "forged.lbi");
            const std::string target = base.dir / "target.bin";
            fs_test::write_random_file(target, 4 * MiB, 99);
            const auto before = fs_test::slurp(target);
            cli::ImageCommandOptions o;
            o.image = image;
            CHECK(cli::run_verify(o) == 3);
            o.restore.image = image;
            o.restore.target = target;
            o.restore.assume_yes = true;
            o.progress = "none";
            CHECK(cli::run_restore(o) == 3);
            CHECK(fs_test::slurp(target) == before);
        }
    }
}

TEST_CASE("what a reader checks: manifests of any shape are refused in words, never thrown on", "[format][manifest]") {
    for (const std::string& m : std::vector<std::string>{
             "", "not json", "[1,2,3]", "null", "{\"host\": 5}", "{\"format_version\": 1, \"source\": \"x\"}",
             "{\"format_version\": 1, \"source\": {\"serial\": [1], \"size\": -5}, \"created\": \"yesterday\"}",
             "{\"format_version\": 1e300}", "{\"format_version\": 1, \"disk\": {\"partitions\": [{\"end_sector\": 1}]}}",
             "{\"format_version\": 1, \"streams\": [1, null, {\"role\": 7, \"partition\": -1, \"filesystem\": 3}]}",
             std::string(10000, '['), std::string(10000, '{'), "{\"a\": \"\\ud800\"}", "{\"a\": \"\xff\"}"}) {
        INFO(m.substr(0, 60));
        auto parsed = format::parse_manifest(m);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == imager::Errc::damaged_image);
        CHECK(parsed.error().message().starts_with("the manifest "));
    }
}
