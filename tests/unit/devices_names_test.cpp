// devices/names: the words a person reads for partition types and sizes.
#include "imager/devices.hpp"

#include <catch2/catch.hpp>

#include <cstdint>

using imager::devices::human_size;
using imager::devices::partition_type_name;

TEST_CASE("names: GPT type GUIDs, in either case", "[devices][names]") {
    CHECK(partition_type_name("c12a7328-f81f-11d2-ba4b-00a0c93ec93b") == "EFI System");
    CHECK(partition_type_name("C12A7328-F81F-11D2-BA4B-00A0C93EC93B") == "EFI System");
    CHECK(partition_type_name("21686148-6449-6e6f-744e-656564454649") == "BIOS boot");
    CHECK(partition_type_name("0fc63daf-8483-4772-8e79-3d69d8477de4") == "Linux filesystem");
    CHECK(partition_type_name("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F") == "Linux swap");
    CHECK(partition_type_name("ebd0a0a2-b9e5-4433-87c0-68b6b72699c7") == "Microsoft basic data");
    CHECK(partition_type_name("e3c9e316-0b5c-4db8-817d-f92df00215ae") == "Microsoft reserved");
    CHECK(partition_type_name("de94bba4-06d1-4d40-a16a-bfd50179d6ac") == "Windows recovery");
}

TEST_CASE("names: MBR type ids", "[devices][names]") {
    CHECK(partition_type_name("0x83") == "Linux");
    CHECK(partition_type_name("0x82") == "Linux swap");
    CHECK(partition_type_name("0x05") == "Extended");
    CHECK(partition_type_name("0x0f") == "Extended (LBA)");
    CHECK(partition_type_name("0x0F") == "Extended (LBA)");
    CHECK(partition_type_name("0x07") == "NTFS/exFAT");
    CHECK(partition_type_name("0x0c") == "FAT32 (LBA)");
    CHECK(partition_type_name("0xef") == "EFI System");
    CHECK(partition_type_name("0x8e") == "Linux LVM");
}

TEST_CASE("names: unknown types have no name", "[devices][names]") {
    CHECK(partition_type_name("").empty());
    CHECK(partition_type_name("0xda").empty());
    CHECK(partition_type_name("83").empty());  // the id is written 0x83
    CHECK(partition_type_name("00000000-0000-0000-0000-000000000000").empty());
    CHECK(partition_type_name("c12a7328-f81f-11d2-ba4b-00a0c93ec93").empty());  // one digit short
}

TEST_CASE("names: human_size uses binary units with one decimal", "[devices][names]") {
    CHECK(human_size(0) == "0 B");
    CHECK(human_size(1) == "1 B");
    CHECK(human_size(1023) == "1023 B");
    CHECK(human_size(1024) == "1.0 KiB");
    CHECK(human_size(1536) == "1.5 KiB");
    CHECK(human_size(1048576) == "1.0 MiB");
    CHECK(human_size(68157440) == "65.0 MiB");
    CHECK(human_size(512110190592ull) == "476.9 GiB");
    CHECK(human_size(1ull << 40) == "1.0 TiB");
    CHECK(human_size(1ull << 50) == "1.0 PiB");
    CHECK(human_size(1ull << 60) == "1024.0 PiB");  // PiB is the largest unit
}

TEST_CASE("names: human_size never shows 1024.0 of a unit below PiB", "[devices][names]") {
    CHECK(human_size(1048575) == "1.0 MiB");                // 1023.999 KiB
    CHECK(human_size(1048524) == "1023.9 KiB");             // rounds down, stays KiB
    CHECK(human_size((1ull << 30) - 1) == "1.0 GiB");
    CHECK(human_size((1ull << 40) - (1ull << 20)) == "1.0 TiB");  // 1048575 MiB
}

TEST_CASE("names: parse_size reads what a person types, human_size's units included", "[devices][names]") {
    using imager::devices::parse_size;
    CHECK(parse_size("1048576") == 1048576);
    CHECK(parse_size("512K") == 512 * 1024);
    CHECK(parse_size("4000M") == 4000ull << 20);
    CHECK(parse_size("4G") == 4ull << 30);
    CHECK(parse_size("4g") == 4ull << 30);
    CHECK(parse_size("2T") == 2ull << 40);
    CHECK(parse_size("30.5G") == (30ull << 30) + (512ull << 20));
    CHECK(parse_size("30.5 GiB") == (30ull << 30) + (512ull << 20));
    CHECK(parse_size(" 1.25MB ") == (1ull << 20) + (256ull << 10));
    CHECK(parse_size("0.1K") == 102);  // rounded down to a byte
    CHECK(parse_size(human_size(87 << 20)) == 87ull << 20);
    for (const char* bad : {"", " ", "G", "1.G", ".5G", "1,5G", "1P", "12 34", "-1G", "1e3", "4GG", "18446744073709551616"})
        CHECK(parse_size(bad) == 0);
    CHECK(parse_size("16777215T") == 16777215ull << 40);
    CHECK(parse_size("16777216T") == 0);  // past 2^64 bytes
}
