// cli/disks_command: the JSON and the table `lifeboat disks` prints.
#include "app.hpp"
#include "disks_command.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using imager::devices::Device;
using imager::devices::Filesystem;
using imager::devices::Partition;
using imager::devices::Transport;
using nlohmann::json;

Device sample_disk() {
    Device d;
    d.path = "/dev/sdb";
    d.name = "sdb";
    d.size = 32017047552;
    d.logical_sector_size = 512;
    d.physical_sector_size = 4096;
    d.model = "Flash Disk";
    d.serial = "4C5300012305";
    d.transport = Transport::usb;
    d.removable = true;
    d.table_type = "gpt";
    d.table_id = "0b4d2c8e-6f1a-4e7b-9c3d-2a5f8e1b7c90";

    Partition esp;
    esp.number = 1;
    esp.start = 1048576;
    esp.size = 67108864;
    esp.type = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
    esp.name = "EFI system";
    esp.uuid = "cea60315-1b7a-47b3-be8a-08acdf96a044";
    esp.flags = {"boot", "esp"};
    esp.filesystem = Filesystem{"vfat", "ESPLABEL", "1A2B-3C4D", "FAT32"};
    d.partitions.push_back(esp);

    Partition root;
    root.number = 2;
    root.start = 68157440;
    root.size = 31457280;
    root.type = "0fc63daf-8483-4772-8e79-3d69d8477de4";
    root.name = "lifeboat root";
    root.uuid = "9bfe0857-8c12-4925-bad3-703b190ffa3b";
    root.filesystem = Filesystem{"ext4", "lbroot", "3d6b1f4e-8a2c-4f5d-9e1b-7c6a5d4e3f21", "1.0"};
    root.mountpoints = {"/mnt/a b"};
    d.partitions.push_back(root);
    return d;
}

}  // namespace

TEST_CASE("disks: JSON of a disk with partitions carries every field", "[cli][disks]") {
    const json j = cli::devices_to_json({sample_disk()});
    REQUIRE(j["devices"].size() == 1);
    const json& d = j["devices"][0];
    const json expected_device = {
        {"path", "/dev/sdb"},
        {"name", "sdb"},
        {"size", 32017047552ull},
        {"logical_sector_size", 512},
        {"physical_sector_size", 4096},
        {"model", "Flash Disk"},
        {"serial", "4C5300012305"},
        {"transport", "usb"},
        {"removable", true},
        {"read_only", false},
        {"in_use", true},
        {"mountpoints", json::array()},
        {"swap", false},
        {"table", {{"type", "gpt"}, {"id", "0b4d2c8e-6f1a-4e7b-9c3d-2a5f8e1b7c90"}}},
        {"filesystem", nullptr},
    };
    for (const auto& [key, value] : expected_device.items()) {
        INFO("device field " << key);
        REQUIRE(d.contains(key));
        CHECK(d[key] == value);
    }
    CHECK_FALSE(d.contains("backing_file"));
    CHECK_FALSE(d.contains("error"));
    CHECK(d.size() == expected_device.size() + 1);  // + partitions

    REQUIRE(d["partitions"].size() == 2);
    const json expected_esp = {
        {"number", 1},
        {"start", 1048576},
        {"size", 67108864},
        {"type", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"},
        {"type_name", "EFI System"},
        {"name", "EFI system"},
        {"uuid", "cea60315-1b7a-47b3-be8a-08acdf96a044"},
        {"kind", ""},
        {"flags", {"boot", "esp"}},
        {"filesystem", {{"type", "vfat"}, {"label", "ESPLABEL"}, {"uuid", "1A2B-3C4D"}, {"version", "FAT32"}}},
        {"mountpoints", json::array()},
        {"swap", false},
    };
    CHECK(d["partitions"][0] == expected_esp);
    CHECK(d["partitions"][1]["mountpoints"] == json::array({"/mnt/a b"}));
    CHECK(d["partitions"][1]["type_name"] == "Linux filesystem");
    CHECK(d["partitions"][1]["flags"] == json::array());
}

TEST_CASE("disks: JSON of a loop device, an unreadable disk, a bare filesystem", "[cli][disks]") {
    Device loop;
    loop.path = "/dev/loop3";
    loop.name = "loop3";
    loop.transport = Transport::loop;
    loop.backing_file = "/srv/disk.img";
    loop.filesystem = Filesystem{"ext4", "", "3d6b1f4e-8a2c-4f5d-9e1b-7c6a5d4e3f21", "1.0"};
    loop.swap_active = false;
    loop.mountpoints = {"/mnt"};

    Device bad;
    bad.path = "/dev/sdq";
    bad.name = "sdq";
    bad.probe_error = "open /dev/sdq: Input/output error";

    const json j = cli::devices_to_json({loop, bad});
    REQUIRE(j["devices"].size() == 2);
    CHECK(j["devices"][0]["backing_file"] == "/srv/disk.img");
    CHECK(j["devices"][0]["transport"] == "loop");
    CHECK(j["devices"][0]["table"] == nullptr);
    CHECK(j["devices"][0]["filesystem"]["type"] == "ext4");
    CHECK(j["devices"][0]["in_use"] == true);
    CHECK(j["devices"][1]["error"] == "open /dev/sdq: Input/output error");
    CHECK(j["devices"][1]["in_use"] == false);
    CHECK(j["devices"][1]["transport"] == "unknown");
    CHECK(cli::devices_to_json({}) == json{{"devices", json::array()}});
}

TEST_CASE("disks: the table shows what the JSON shows", "[cli][disks]") {
    const std::string text = cli::devices_to_table({sample_disk()});
    CHECK(text.find("/dev/sdb  29.8 GiB (32017047552 bytes)  usb  Flash Disk  serial 4C5300012305\n") == 0);
    CHECK(text.find("sectors 512/4096  table gpt 0b4d2c8e-6f1a-4e7b-9c3d-2a5f8e1b7c90  removable  IN USE") !=
          std::string::npos);
    for (const char* cell : {"EFI System", "EFI system", "vfat", "ESPLABEL", "1A2B-3C4D", "boot,esp", "lifeboat root",
                             "3d6b1f4e-8a2c-4f5d-9e1b-7c6a5d4e3f21", "/mnt/a b", "65.0 MiB", "30.0 MiB"})
        CHECK(text.find(cell) != std::string::npos);
}

TEST_CASE("disks --json IMAGE describes an image file", "[cli][disks]") {
    const test_support::TempDir dir("disks");
    const fs::path image = dir.path() / "mbr disk.img";
    {
        // MBR, signature 0x5eed1234, partition 1 type 0x0c from sector 2048 for 4096 sectors.
        std::string sector(512, '\0');
        const unsigned char mbr[] = {0x34, 0x12, 0xed, 0x5e};
        for (int i = 0; i < 4; ++i) sector[440 + i] = static_cast<char>(mbr[i]);
        sector[446 + 4] = '\x0c';
        sector[446 + 8 + 1] = '\x08';   // start 2048
        sector[446 + 12 + 1] = '\x10';  // 4096 sectors
        sector[510] = '\x55';
        sector[511] = '\xaa';
        std::ofstream out(image, std::ios::binary);
        out << sector;
    }
    fs::resize_file(image, 4 << 20);

    std::vector<std::string> args{"lifeboat", "disks", "--json", image.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream out;
    auto* old = std::cout.rdbuf(out.rdbuf());
    const int code = cli::run(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(old);

    REQUIRE(code == 0);
    const json j = json::parse(out.str());
    REQUIRE(j["devices"].size() == 1);
    const json& d = j["devices"][0];
    CHECK(d["path"] == image.string());
    CHECK(d["name"] == "mbr disk.img");
    CHECK(d["size"] == 4 << 20);
    CHECK(d["transport"] == "file");
    CHECK(d["table"] == json{{"type", "dos"}, {"id", "0x5eed1234"}});
    CHECK(d["in_use"] == false);
    REQUIRE(d["partitions"].size() == 1);
    CHECK(d["partitions"][0]["number"] == 1);
    CHECK(d["partitions"][0]["start"] == 1048576);
    CHECK(d["partitions"][0]["size"] == 2097152);
    CHECK(d["partitions"][0]["type"] == "0x0c");
    CHECK(d["partitions"][0]["type_name"] == "FAT32 (LBA)");
    CHECK(d["partitions"][0]["kind"] == "primary");
    CHECK(d["partitions"][0]["uuid"] == "5eed1234-01");
    CHECK(d["partitions"][0]["flags"].is_array());
    CHECK(d["partitions"][0]["filesystem"] == nullptr);
}
