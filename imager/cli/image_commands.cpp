// capture, restore, verify, info: options in, core call, a short report out.
#include "image_commands.hpp"

#include "app.hpp"
#include "exit_codes.hpp"
#include "imager/devices.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <optional>
#include <iostream>

namespace cli {

using imager::devices::human_size;
using imager::devices::parse_size;

namespace {

// How messages name an image: "-" is standard input.
std::string image_name(const std::string& image) { return image == "-" ? "standard input" : image; }

// "-" reads the image from standard input, which must be a pipe or a file, not the terminal.
std::optional<int> refuse_terminal_stream(const std::string& image) {
    if (image != "-" || !::isatty(STDIN_FILENO)) return std::nullopt;
    return cli::report(imager::make_error(imager::Errc::invalid_argument,
                                          "the image \"-\" is read from standard input, which is a terminal",
                                          "pipe the image in: udp-receiver ... | lifeboat restore --yes - /dev/sda"));
}


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
void print_layout(const imager::format::Manifest& m) {
    const auto& disk = *m.disk;
    const auto ss = disk.logical_sector_size;
    std::cout << "Disk        " << disk.label << " " << disk.disk_id << "  " << human_size(disk.size_bytes)
              << "  sectors " << ss << "\n";
    // Through std::cout, so that cli::SafeOutput escapes the names and labels.
    const auto row = [](auto... fields) {
        char line[512];
        std::snprintf(line, sizeof line, "  %-3s %-10s %-10s %-22s %-12s %-6s %-12s %-10s %s\n", fields...);
        std::cout << line;
    };
    row("#", "START", "SIZE", "TYPE", "NAME", "FS", "LABEL", "USED", "FLAGS");
    for (const auto& p : disk.partitions) {
        const auto* stream = m.partition_stream(p.number);
        const auto* fs = stream && stream->filesystem ? &*stream->filesystem : nullptr;
        const auto type = imager::devices::partition_type_name(p.type);
        std::string flags;
        for (const auto& f : p.flags) flags += (flags.empty() ? "" : ",") + f;
        row(std::to_string(p.number).c_str(), human_size(p.start_sector * ss).c_str(),
            human_size(p.sectors() * ss).c_str(), (type.empty() ? p.type : type).c_str(), p.name.c_str(),
            fs ? fs->type.c_str() : "-", fs ? fs->label.c_str() : "-", fs ? human_size(fs->used_bytes).c_str() : "-",
            flags.c_str());
    }
    if (m.bytes_left_out() > 0)
        std::cout << "Left out    " << human_size(m.bytes_left_out())
                  << " outside every partition (only what boot loaders and tables use there is stored; "
                     "capture --all-gaps keeps every byte)\n";
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
    progress.end_line();  // the bar never shares a line with what follows
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
    if (auto refused = refuse_terminal_stream(o.restore.image); refused) return *refused;
    o.restore.threads = o.threads;
    for (const auto& setting : o.sizes) {
        const auto equals = setting.find('=');
        int number = 0;
        std::uint64_t bytes = 0;
        if (equals != std::string::npos) {
            try {
                std::size_t used = 0;
                number = std::stoi(setting.substr(0, equals), &used);
                if (used != equals) number = 0;
            } catch (...) {
                number = 0;
            }
            bytes = parse_size(setting.substr(equals + 1));
        }
        if (number < 1 || number > 128 || bytes == 0 || o.restore.sizes.contains(number)) {
            std::cerr << "lifeboat: --size takes a partition's number and a size, once per partition, such as "
                         "2=20G, not '" << setting << "'\n";
            return exit_usage;
        }
        o.restore.sizes[number] = bytes;
    }
    CliProgress progress(progress_mode(o.progress));
    CliPrompt prompt;
    auto report = imager::restore(o.restore, progress, prompt);
    progress.end_line();  // the bar never shares a line with what follows
    if (!report) return cli::report(report.error());
    const auto& r = *report;
    if (o.restore.dry_run) {
        std::cout << r.plan << "Dry run: nothing was written.\n";
        return exit_ok;
    }
    std::cerr << "restored " << image_name(o.restore.image) << " onto " << o.restore.target << ": " << human_size(r.data_bytes)
              << " of data and " << human_size(r.zero_bytes) << " of zeros in " << fixed(r.seconds) << " s ("
              << rate(r.data_bytes + r.zero_bytes, r.seconds) << ")\n";
    return exit_ok;
}

int run_verify(const ImageCommandOptions& o) {
    if (auto refused = refuse_terminal_stream(o.image); refused) return *refused;
    CliProgress progress(progress_mode(o.progress));
    auto report = imager::verify(o.image, o.threads, progress);
    progress.end_line();  // the bar never shares a line with what follows
    if (!report) return cli::report(report.error());
    std::cout << image_name(o.image) << ": OK, " << report->chunks << " chunks, " << human_size(report->data_bytes)
              << " of data checked in " << fixed(report->seconds) << " s\n";
    return exit_ok;
}

int run_info(const ImageCommandOptions& o) {
    auto summary = imager::describe_image(o.image);
    if (!summary) return cli::report(summary.error());
    const auto& s = *summary;
    if (o.json) {
        // The manifest as stored (its nesting was bounded when the image was opened).
        const auto manifest = nlohmann::json::parse(s.manifest_json, nullptr, false);
        nlohmann::json out = {{"image",
                               {{"path", o.image}, {"uuid", s.uuid}, {"format_version", s.format_version},
                                {"volumes", s.volumes}, {"bytes", s.image_bytes}, {"records", s.records},
                                {"data_bytes", s.data_bytes}, {"zero_bytes", s.zero_bytes}}},
                              {"manifest", manifest}};
        // ASCII with \u escapes: valid JSON that no terminal takes for a control sequence.
        std::cout << out.dump(2, ' ', true, nlohmann::json::error_handler_t::replace) << '\n';
        return exit_ok;
    }
    const auto& m = s.manifest;
    std::cout << "Image       " << o.image << "  " << human_size(s.image_bytes) << " in " << s.volumes
              << (s.volumes == 1 ? " file" : " files") << "\n"
              << "Format      version " << s.format_version << ", image " << s.uuid << "\n"
              << "Created     " << m.created << " on " << m.host << " by " << m.tool << "\n";
    if (!m.note.empty()) std::cout << "Note        " << m.note << "\n";
    std::cout << "Source      " << m.source.path << "  " << human_size(m.source.size) << "  "
              << imager::format::source_kind_name(m.source.kind) << "\n";
    if (m.disk) print_layout(m);
    const auto& fs = m.streams.front().filesystem;
    if (!m.disk && fs)
        std::cout << "Filesystem  " << fs->type << "  label '" << fs->label << "'  uuid " << fs->uuid << "  block "
                  << fs->block_size << "  used " << human_size(fs->used_bytes) << "\n";
    std::cout << "Stored      " << s.records << " records: " << human_size(s.data_bytes) << " of data, "
              << human_size(s.zero_bytes) << " of zero runs\n";
    return exit_ok;
}

}  // namespace cli
