// Names a person reads: partition types and sizes.
#include "imager/devices.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <utility>

namespace imager::devices {

namespace {
// The common types; unknown ones show their GUID or id alone.
constexpr std::array<std::pair<const char*, const char*>, 24> kTypes{{
    {"c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "EFI System"},
    {"21686148-6449-6e6f-744e-656564454649", "BIOS boot"},
    {"0fc63daf-8483-4772-8e79-3d69d8477de4", "Linux filesystem"},
    {"0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", "Linux swap"},
    {"e6d6d379-f507-44c2-a23c-238f2a3df928", "Linux LVM"},
    {"a19d880f-05fc-4d3b-a006-743f0f84911e", "Linux RAID"},
    {"4f68bce3-e8cd-4db1-96e7-fbcaf984b709", "Linux root (x86-64)"},
    {"bc13c2ff-59e6-4262-a352-b275fd6f7172", "Linux extended boot"},
    {"ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", "Microsoft basic data"},
    {"e3c9e316-0b5c-4db8-817d-f92df00215ae", "Microsoft reserved"},
    {"de94bba4-06d1-4d40-a16a-bfd50179d6ac", "Windows recovery"},
    {"48465300-0000-11aa-aa11-00306543ecac", "Apple HFS+"},
    {"0x07", "NTFS/exFAT"},
    {"0x0b", "FAT32"},
    {"0x0c", "FAT32 (LBA)"},
    {"0x0e", "FAT16 (LBA)"},
    {"0x06", "FAT16"},
    {"0x01", "FAT12"},
    {"0x05", "Extended"},
    {"0x0f", "Extended (LBA)"},
    {"0x82", "Linux swap"},
    {"0x83", "Linux"},
    {"0x8e", "Linux LVM"},
    {"0xef", "EFI System"},
}};
}  // namespace

std::string partition_type_name(const std::string& type) {
    std::string lower = type;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& [id, name] : kTypes)
        if (lower == id) return name;
    return {};
}

std::string human_size(std::uint64_t bytes) {
    static constexpr std::array<const char*, 6> units{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    // 1048575 bytes is "1.0 MiB", not "1024.0 KiB": step up when one decimal would round to 1024.
    while (value >= 1023.95 && unit + 1 < units.size()) {
        value /= 1024.0;
        ++unit;
    }
    char buf[32];
    if (unit == 0)
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else
        std::snprintf(buf, sizeof buf, "%.1f %s", value, units[unit]);
    return buf;
}

std::uint64_t parse_size(std::string_view text) {
    const auto first = text.find_first_not_of(' ');
    if (first == std::string_view::npos) return 0;
    text = text.substr(first, text.find_last_not_of(' ') - first + 1);
    std::uint64_t whole = 0, fraction = 0, scale = 1;  // the number is whole + fraction / scale
    std::size_t i = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
        if (whole > (UINT64_MAX - 9) / 10) return 0;
        whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    if (i == 0) return 0;
    if (i < text.size() && text[i] == '.') {
        const std::size_t start = ++i;
        for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
            if (scale < 1000000) {  // six decimals are finer than a byte of a terabyte's millionth
                fraction = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
                scale *= 10;
            }
        if (i == start) return 0;
    }
    std::string unit(text.substr(i));
    if (unit.starts_with(' ')) unit.erase(0, 1);
    if (unit.ends_with("iB")) unit.resize(unit.size() - 2);
    else if (unit.ends_with("B") && unit.size() > 1) unit.pop_back();
    int shift = 0;
    if (unit.empty()) shift = 0;
    else if (unit == "K" || unit == "k") shift = 10;
    else if (unit == "M" || unit == "m") shift = 20;
    else if (unit == "G" || unit == "g") shift = 30;
    else if (unit == "T" || unit == "t") shift = 40;
    else return 0;
    if (whole > (UINT64_MAX >> shift)) return 0;
    return (whole << shift) + (fraction << shift) / scale;
}

}  // namespace imager::devices
