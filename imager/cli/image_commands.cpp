// capture, restore, verify, info: options in, core call, a short report out.
#include "image_commands.hpp"

#include "app.hpp"
#include "exit_codes.hpp"
#include "imager/devices.hpp"
#include "imager/json_fields.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace cli {

using imager::devices::human_size;
using imager::json_fields::array;
using imager::json_fields::member;
using imager::json_fields::number;
using imager::json_fields::text;

namespace {

ProgressMode progress_mode(const std::string& text) {
    if (text == "json") return ProgressMode::json;
    if (text == "text") return ProgressMode::text;
    if (text == "none") return ProgressMode::none;
    return ProgressMode::automatic;
}

std::string rate(std::uint64_t bytes, double seconds) {
    return human_size(seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds) : 0) + "/s";
}

std::string fixed(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", value);
    return buf;
}

// The partition table of a whole-disk image, one partition a line.
void print_layout(const nlohmann::json& disk, const nlohmann::json& streams) {
    const auto ss = number(disk, "logical_sector_size", 512);
    std::cout << "Disk        " << text(disk, "label") << " " << text(disk, "disk_id") << "  "
              << human_size(number(disk, "size")) << "  sectors " << ss << "\n";
    std::printf("  %-3s %-10s %-10s %-22s %-12s %-6s %-12s %-10s %s\n", "#", "START", "SIZE", "TYPE", "NAME", "FS",
                "LABEL", "USED", "FLAGS");
    for (const auto& p : array(disk, "partitions")) {
        const auto partition = number(p, "number");
        nlohmann::json fs;
        for (const auto& s : streams)
            if (number(s, "partition") == partition) fs = member(s, "filesystem");
        const auto start = number(p, "start_sector");
        const auto sectors = number(p, "end_sector") - start + 1;
        const auto type_id = text(p, "type");
        const auto type = imager::devices::partition_type_name(type_id);
        std::string flags;
        for (const auto& f : array(p, "flags"))
            if (f.is_string()) flags += (flags.empty() ? "" : ",") + f.get<std::string>();
        const bool has_fs = fs.is_object();
        std::printf("  %-3llu %-10s %-10s %-22s %-12s %-6s %-12s %-10s %s\n",
                    static_cast<unsigned long long>(partition), human_size(start * ss).c_str(),
                    human_size(sectors * ss).c_str(), (type.empty() ? type_id : type).c_str(),
                    text(p, "name").c_str(), has_fs ? text(fs, "type").c_str() : "-",
                    has_fs ? text(fs, "label").c_str() : "-",
                    has_fs ? human_size(number(fs, "used_bytes")).c_str() : "-", flags.c_str());
    }
    std::cout << std::flush;
}

}  // namespace

int run_capture(ImageCommandOptions& o) {
    o.capture.threads = o.threads;
    o.capture.verify = !o.no_verify;
    if (!o.split.empty()) {
        o.capture.split = parse_size(o.split);
        if (o.capture.split == 0) {
            std::cerr << "lifeboat: --split takes a size such as 4000M or 2G, not '" << o.split << "'\n";
            return exit_usage;
        }
    }
    CliProgress progress(progress_mode(o.progress));
    auto report = imager::capture(o.capture, progress);
    if (!report) return cli::report(report.error());
    const auto& r = *report;
    std::cerr << "captured " << o.capture.source << " (" << r.filesystem << ", " << human_size(r.used_bytes)
              << " used of " << human_size(r.source_size) << ") into " << o.capture.image << ": "
              << human_size(r.image_bytes) << " in " << r.volumes << (r.volumes == 1 ? " file" : " files") << ", "
              << fixed(r.seconds) << " s (" << rate(r.used_bytes, r.seconds) << ")"
              << (r.verified ? ", verified" : ", not verified") << '\n';
    return exit_ok;
}

int run_restore(ImageCommandOptions& o) {
    o.restore.threads = o.threads;
    CliProgress progress(progress_mode(o.progress));
    CliPrompt prompt;
    auto report = imager::restore(o.restore, progress, prompt);
    if (!report) return cli::report(report.error());
    const auto& r = *report;
    if (o.restore.dry_run) {
        std::cout << r.plan << "Dry run: nothing was written.\n";
        return exit_ok;
    }
    std::cerr << "restored " << o.restore.image << " onto " << o.restore.target << ": " << human_size(r.data_bytes)
              << " of data and " << human_size(r.zero_bytes) << " of zeros in " << fixed(r.seconds) << " s ("
              << rate(r.data_bytes + r.zero_bytes, r.seconds) << ")\n";
    return exit_ok;
}

int run_verify(const ImageCommandOptions& o) {
    CliProgress progress(progress_mode(o.progress));
    auto report = imager::verify(o.image, o.threads, progress);
    if (!report) return cli::report(report.error());
    std::cout << o.image << ": OK, " << report->chunks << " chunks, " << human_size(report->data_bytes)
              << " of data checked in " << fixed(report->seconds) << " s\n";
    return exit_ok;
}

int run_info(const ImageCommandOptions& o) {
    auto summary = imager::describe_image(o.image);
    if (!summary) return cli::report(summary.error());
    const auto& s = *summary;
    auto manifest = nlohmann::json::parse(s.manifest_json, nullptr, false);
    if (o.json) {
        nlohmann::json out = {{"image",
                               {{"path", o.image}, {"uuid", s.uuid}, {"format_version", s.format_version},
                                {"volumes", s.volumes}, {"bytes", s.image_bytes}, {"records", s.records},
                                {"data_bytes", s.data_bytes}, {"zero_bytes", s.zero_bytes}}},
                              {"manifest", manifest}};
        std::cout << out.dump(2) << '\n';
        return exit_ok;
    }
    std::cout << "Image       " << o.image << "  " << human_size(s.image_bytes) << " in " << s.volumes
              << (s.volumes == 1 ? " file" : " files") << "\n"
              << "Format      version " << s.format_version << ", image " << s.uuid << "\n"
              << "Created     " << text(manifest, "created") << " on " << text(manifest, "host") << " by "
              << text(manifest, "tool") << "\n";
    if (!text(manifest, "note").empty()) std::cout << "Note        " << text(manifest, "note") << "\n";
    if (const auto& src = member(manifest, "source"); src.is_object())
        std::cout << "Source      " << text(src, "path") << "  " << human_size(number(src, "size")) << "  "
                  << text(src, "kind") << "\n";
    const auto& disk = member(manifest, "disk");
    if (disk.is_object()) print_layout(disk, array(manifest, "streams"));
    for (const auto& stream : array(manifest, "streams")) {
        const auto& fs = member(stream, "filesystem");
        if (fs.is_object() && !disk.is_object())
            std::cout << "Filesystem  " << text(fs, "type") << "  label '" << text(fs, "label") << "'  uuid "
                      << text(fs, "uuid") << "  block " << number(fs, "block_size") << "  used "
                      << human_size(number(fs, "used_bytes")) << "\n";
    }
    std::cout << "Stored      " << s.records << " records: " << human_size(s.data_bytes) << " of data, "
              << human_size(s.zero_bytes) << " of zero runs\n";
    return exit_ok;
}

}  // namespace cli
