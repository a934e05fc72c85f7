#include "filesystems_command.hpp"

#include "exit_codes.hpp"
#include "imager/filesystems.hpp"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

namespace cli {

namespace {

using imager::filesystems::Command;
using imager::filesystems::Record;
using imager::filesystems::Resizer;
using nlohmann::json;

json strings(std::span<const std::string_view> list) {
    json out = json::array();
    for (const auto s : list) out.push_back(std::string(s));
    return out;
}

json commands(std::span<const Command> list) {
    json out = json::array();
    for (const auto& c : list) out.push_back({{"line", std::string(c.line)}, {"worst_exit", c.worst_exit}});
    return out;
}

std::string resizer_name(Resizer r) {
    switch (r) {
    case Resizer::tools: return "tools";
    case Resizer::remake: return "remake";
    case Resizer::header: return "header";
    case Resizer::none: break;
    }
    return "none";
}

json record_json(const Record& r) {
    return {{"name", std::string(r.name)},
            {"title", std::string(r.title)},
            {"blkid_types", strings(r.blkid_types)},
            {"used_blocks", r.used_blocks != nullptr},
            {"mount", {{"readers", strings(r.kernel_readers)},
                       {"writer", std::string(r.kernel_writer)},
                       {"read_only_retry", std::string(r.read_only_retry)}}},
            {"resize", {{"how", resizer_name(r.resizer)},
                        {"fixed_because", std::string(r.fixed_because)},
                        {"shrink", commands(r.shrink_commands)},
                        {"grow", commands(r.grow_commands)},
                        {"grow_mounted", r.grow_mounted},
                        {"minimum", std::string(r.minimum_command.line)}}},
            {"media", {{"packages", strings(r.media_packages)},
                       {"programs", strings(r.media_programs)},
                       {"modules", strings(r.media_modules)}}},
            {"checker", {{"line", std::string(r.checker.line)}, {"clean", std::string(r.checker_clean)}}}};
}

// "resize2fs", "mkfs.fat, mcopy": the tools a record's resizing runs, by name.
std::string resize_words(const Record& r) {
    switch (r.resizer) {
    case Resizer::tools: {
        std::string tools;
        for (const auto& c : r.grow_commands) {
            const std::string tool = imager::filesystems::words(c, "")[0];
            if (tool != "e2fsck") tools += (tools.empty() ? "" : ", ") + tool;
        }
        return "shrinks and grows (" + tools + ")";
    }
    case Resizer::remake: {
        std::string tools;
        for (const auto program : r.media_programs) {
            const auto file = program.substr(0, program.find(' '));
            tools += (tools.empty() ? "" : ", ") + std::string(file.substr(file.rfind('/') + 1));
        }
        return "shrinks and grows (made again: " + tools + ")";
    }
    case Resizer::header: return "shrinks and grows (its header)";
    case Resizer::none: break;
    }
    if (r.can_grow()) {  // its grow commands without their placeholders: "btrfs filesystem resize max"
        std::string tools;
        for (const auto& c : r.grow_commands) {
            std::string tool;
            for (const auto& word : imager::filesystems::words(c, "{}", 0, "{}"))
                if (!word.starts_with('{')) tool += (tool.empty() ? "" : " ") + word;
            tools += (tools.empty() ? "" : ", ") + tool;
        }
        return "grows to fill a larger disk (" + tools + (r.grow_mounted ? ", mounted" : "") + "); " +
               std::string(r.fixed_because);
    }
    return "keeps its size: " + std::string(r.fixed_because);
}

}  // namespace

int run_filesystems(bool as_json) {
    const auto all = imager::filesystems::all();
    if (as_json) {
        json out = json::array();
        for (const auto& r : all) out.push_back(record_json(r));
        std::cout << out.dump(2) << '\n';
        return exit_ok;
    }
    std::cout << std::left << std::setw(18) << "FILESYSTEM" << std::setw(13) << "CAPTURED" << "ON A NEW SIZE\n";
    for (const auto& r : all)
        std::cout << std::setw(18) << r.title << std::setw(13) << (r.used_blocks ? "used blocks" : "every byte")
                  << resize_words(r) << '\n';
    return exit_ok;
}

}  // namespace cli
