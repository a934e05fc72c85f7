// `lifeboat list`: the images in each folder named, found and grouped the way
// the wizard's Restore finds them on a disk (discovery::find_images: the
// folder, its lifeboat/ folder and one level below), each machine's newest
// first: the history versions an administrator picks from. Unreadable files
// that look like images are listed apart, with the reason.
#include "list_command.hpp"

#include "app.hpp"
#include "exit_codes.hpp"
#include "imager/devices.hpp"
#include "imager/image_discovery.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace cli {

namespace {

using imager::devices::human_size;
using imager::discovery::ImageEntry;
using nlohmann::json;

json entry_json(const ImageEntry& e) {
    json j = {{"path", e.path}, {"readable", e.readable}};
    if (!e.readable) {
        j["problem"] = e.problem;
        return j;
    }
    j.update({{"created", e.created},
              {"host", e.host},
              {"note", e.note},
              {"whole_disk", e.whole_disk},
              {"source", {{"model", e.source_model}, {"serial", e.source_serial}, {"size", e.source_size}}},
              {"bytes", e.size_on_disk},
              {"volumes", e.volumes},
              {"verified", e.verified.empty() ? json(nullptr) : json(e.verified)}});
    return j;
}

std::string entry_line(const ImageEntry& e) {
    std::string line = "  " + (e.created.empty() ? std::string("(no date)           ") : e.created) + "  " + e.path +
                       "  " + (e.whole_disk ? "whole disk " : "") + human_size(e.source_size) + " source, " +
                       human_size(e.size_on_disk) + " in " + std::to_string(e.volumes) +
                       (e.volumes == 1 ? " file" : " files");
    line += e.verified.empty() ? ", not verified" : ", verified " + e.verified;
    if (!e.note.empty()) line += "\n      " + e.note;
    return line;
}

}  // namespace

int run_list(const ListOptions& options) {
    std::vector<std::string> places = options.places;
    if (places.empty()) places.push_back(".");
    const auto listed = imager::discovery::list_images(places);
    if (!listed) return report(listed.error());
    const auto& catalog = *listed;
    if (options.json) {
        json machines = json::array();
        for (const auto& m : catalog.machines) {
            json images = json::array();
            for (const auto& e : m.images) images.push_back(entry_json(e));
            machines.push_back({{"host", m.host},
                                {"source_model", m.source_model},
                                {"source_serial", m.source_serial},
                                {"images", images}});
        }
        json unreadable = json::array();
        for (const auto& e : catalog.unreadable) unreadable.push_back(entry_json(e));
        // ASCII with \u escapes: valid JSON that no terminal takes for a control sequence.
        std::cout << json{{"machines", machines}, {"unreadable", unreadable}}.dump(
                         2, ' ', true, json::error_handler_t::replace)
                  << '\n';
        return exit_ok;
    }
    if (catalog.machines.empty() && catalog.unreadable.empty()) {
        std::cout << "no Lifeboat images in " << places.front() << (places.size() > 1 ? " and the others" : "")
                  << "\n";
        return exit_ok;
    }
    for (const auto& m : catalog.machines) {
        std::cout << (m.host.empty() ? std::string("(no host name)") : m.host);
        if (!m.source_model.empty() || !m.source_serial.empty())
            std::cout << " (" << m.source_model << (m.source_serial.empty() ? "" : " serial " + m.source_serial) << ")";
        std::cout << ": " << m.images.size() << (m.images.size() == 1 ? " image" : " images") << ", newest first\n";
        for (const auto& e : m.images) std::cout << entry_line(e) << "\n";
    }
    if (!catalog.unreadable.empty()) {
        std::cout << "Unreadable: " << catalog.unreadable.size() << "\n";
        for (const auto& e : catalog.unreadable) {
            // The problem usually names the file already.
            const bool named = e.problem.starts_with(e.path + ": ");
            std::cout << "  " << e.path << ": " << (named ? e.problem.substr(e.path.size() + 2) : e.problem) << "\n";
        }
    }
    return exit_ok;
}

}  // namespace cli
