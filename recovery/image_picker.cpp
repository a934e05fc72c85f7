// The image picker and the file browser; see image_picker.hpp.
#include "image_picker.hpp"

#include "imager/devices.hpp"
#include "network_store.hpp"
#include "terminal.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace recovery {

using imager::discovery::ImageCatalog;
using imager::discovery::ImageEntry;
using imager::discovery::MachineImages;

namespace {

// A folder with more entries than this is shown cut: browsing must not stall.
constexpr std::size_t kMaxBrowserEntries = 5000;

std::string parent_of(const std::string& directory) {
    const auto slash = directory.rfind('/');
    if (slash == std::string::npos || slash == 0) return "/";
    return directory.substr(0, slash);
}

std::string joined(const std::string& directory, const std::string& name) {
    return directory == "/" ? "/" + name : directory + "/" + name;
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string short_date(std::string_view iso) {
    if (iso.size() < 16) return "date unknown";
    return std::string(iso.substr(0, 10)) + " " + std::string(iso.substr(11, 5));
}

std::string image_line(const ImageEntry& entry) {
    std::string line = short_date(entry.created) + "  " + imager::devices::human_size(entry.size_on_disk);
    if (!entry.verified.empty()) line += "  verified " + entry.verified.substr(0, std::min<std::size_t>(10, entry.verified.size()));
    line += "  " + file_name(entry.path);
    if (!entry.note.empty()) line += "  \"" + entry.note + "\"";
    return printable(line);
}

std::string machine_line(const MachineImages& machine) {
    std::string line = machine.host.empty() ? "unknown machine" : machine.host;
    if (!machine.source_model.empty()) line += "  " + machine.source_model;
    if (!machine.source_serial.empty()) line += " (serial " + machine.source_serial + ")";
    return printable(line);
}

ImagePickerModel::ImagePickerModel(const ImageCatalog& catalog, std::string store) {
    std::vector<ListItem> items;
    auto add = [&](ListItem item, std::string path = {}) {
        items.push_back(std::move(item));
        paths_.push_back(std::move(path));
    };
    for (const MachineImages& machine : catalog.machines) {
        add({machine_line(machine), Style::disk, false});
        for (const ImageEntry& entry : machine.images) {
            add({"  " + image_line(entry), Style::plain, true}, entry.path);
            ++image_count_;
        }
    }
    if (image_count_ == 0)
        add({store.empty() ? "No images were found on this machine's disks."
                           : "No images were found in " + printable(store) + ".",
             Style::note, false});
    if (!catalog.unreadable.empty()) {
        add({"Cannot be used:", Style::heading, false});
        for (const ImageEntry& entry : catalog.unreadable)
            add({"  " + printable(entry.path + ": " + entry.problem), Style::note, false});
    }
    if (store.empty()) {
        browse_line_ = items.size();
        add({"Browse... (open an image file on any mounted disk)", Style::plain, true});
        network_line_ = items.size();
        add({kNetworkStoreLine, Style::plain, true});
    }
    list_.set_items(std::move(items));
}

std::string ImagePickerModel::selected_path() const {
    const auto at = list_.cursor();
    return at ? paths_[*at] : std::string();
}

bool ImagePickerModel::browse_selected() const { return browse_line_ && list_.cursor() == browse_line_; }

bool ImagePickerModel::network_selected() const { return network_line_ && list_.cursor() == network_line_; }

FileBrowserModel::FileBrowserModel(std::string start) {
    while (start.size() > 1 && start.back() == '/') start.pop_back();
    while (start != "/" && !is_directory(start)) start = parent_of(start);
    open(std::move(start));
}

void FileBrowserModel::open(std::string directory) {
    directory_ = std::move(directory);
    entries_.clear();
    problem_.clear();
    if (directory_ != "/") entries_.push_back({"..", true, 0});
    std::vector<BrowserEntry> folders;
    std::vector<BrowserEntry> files;
    if (DIR* dir = ::opendir(directory_.c_str())) {
        std::size_t seen = 0;
        while (const dirent* d = ::readdir(dir)) {
            const std::string name = d->d_name;
            if (name == "." || name == "..") continue;
            if (++seen > kMaxBrowserEntries) {
                problem_ = "only the first " + std::to_string(kMaxBrowserEntries) + " entries are shown";
                break;
            }
            struct stat st {};
            if (::stat(joined(directory_, name).c_str(), &st) != 0) continue;  // a dangling link
            if (S_ISDIR(st.st_mode)) folders.push_back({name, true, 0});
            else if (S_ISREG(st.st_mode)) files.push_back({name, false, static_cast<std::uint64_t>(st.st_size)});
        }
        ::closedir(dir);
    } else {
        problem_ = "this folder cannot be read (" + std::string(std::strerror(errno)) + "); choose another";
    }
    auto by_name = [](const BrowserEntry& a, const BrowserEntry& b) { return a.name < b.name; };
    std::sort(folders.begin(), folders.end(), by_name);
    std::sort(files.begin(), files.end(), by_name);
    entries_.insert(entries_.end(), folders.begin(), folders.end());
    entries_.insert(entries_.end(), files.begin(), files.end());
    std::vector<ListItem> items;
    for (const auto& e : entries_)
        items.push_back({e.directory ? printable(e.name) + "/"
                                     : printable(e.name) + "  (" + imager::devices::human_size(e.size) + ")",
                         e.directory ? Style::disk : Style::plain, true});
    if (entries_.empty()) items.push_back({"(empty folder)", Style::note, false});
    list_.set_items(std::move(items));
}

std::optional<std::string> FileBrowserModel::enter() {
    const auto at = list_.cursor();
    if (!at || *at >= entries_.size()) return std::nullopt;
    const BrowserEntry entry = entries_[*at];
    if (!entry.directory) return joined(directory_, entry.name);
    const std::string came_from = file_name(directory_);
    open(entry.name == ".." ? parent_of(directory_) : joined(directory_, entry.name));
    // Going up puts the cursor on the folder we came from.
    if (entry.name == "..")
        for (std::size_t i = 0; i < entries_.size(); ++i)
            if (entries_[i].directory && entries_[i].name == came_from) list_.move_to(i);
    return std::nullopt;
}

namespace {

constexpr int kRowsBelowList = 2;  // a blank row and the detail line

void draw_picker(Terminal& terminal, ImagePickerModel& model, std::string_view title) {
    draw_frame(terminal, title, "Up/Down: move  Enter: choose  Esc: back");
    model.list().set_height(content_height(terminal.rows()) - kRowsBelowList);
    draw_list(terminal, model.list(), kContentTop);
    const std::string path = model.selected_path();
    const std::string detail = !path.empty()               ? "File: " + path
                             : model.browse_selected()  ? "Look for an image file yourself, folder by folder."
                             : model.network_selected() ? "Images on a file server, a NAS or a web server."
                                                        : std::string();
    draw_text(terminal, terminal.rows() - 2, 0, detail, Style::note);
    if (const auto where = model.list().position_text(); !where.empty())
        draw_text(terminal, terminal.rows() - 1, std::max(terminal.cols() - static_cast<int>(where.size()) - 1, 0), where,
                  Style::status);
}

void draw_browser(Terminal& terminal, FileBrowserModel& model, std::string_view title) {
    draw_frame(terminal, title, "Up/Down: move  Enter: open folder / choose file  Esc: back");
    draw_text(terminal, kContentTop, 0, "Folder: " + model.directory(), Style::heading);
    model.list().set_height(content_height(terminal.rows()) - 1 - kRowsBelowList);
    draw_list(terminal, model.list(), kContentTop + 1);
    draw_text(terminal, terminal.rows() - 2, 0,
              model.problem().empty() ? "Images end in .lbi; the first volume of a split image is the one to choose."
                                      : "Note: " + model.problem(),
              Style::note);
}

}  // namespace

std::optional<std::string> browse_for_file(Terminal& terminal, std::string_view title, std::string start) {
    FileBrowserModel model(std::move(start));
    const auto draw = [&] { draw_browser(terminal, model, title); };
    for (;;) {
        const auto key = next_key(terminal, draw);
        if (!key) return std::nullopt;
        switch (model.list().handle_key(*key)) {
            case ListKey::cancelled: return std::nullopt;
            case ListKey::chosen:
                if (auto file = model.enter()) return file;
                break;
            case ListKey::moved:
            case ListKey::ignored: break;
        }
    }
}

namespace {

std::optional<std::string> run_picker(Terminal& terminal, ImagePickerModel& model, std::string_view title) {
    const auto draw = [&] { draw_picker(terminal, model, title); };
    for (;;) {
        const auto key = next_key(terminal, draw);
        if (!key) return std::nullopt;
        switch (model.list().handle_key(*key)) {
            case ListKey::cancelled: return std::nullopt;
            case ListKey::chosen: {
                std::optional<std::string> chosen;
                if (model.browse_selected()) chosen = browse_for_file(terminal, title);
                else if (model.network_selected()) chosen = choose_network_image(terminal, title);
                else return model.selected_path();
                if (chosen) return chosen;
                if (terminal.pending_signal() != 0) return std::nullopt;
                break;
            }
            case ListKey::moved:
            case ListKey::ignored: break;
        }
    }
}

}  // namespace

std::optional<std::string> pick_image(Terminal& terminal, const ImageCatalog& catalog, std::string_view title) {
    ImagePickerModel model(catalog);
    return run_picker(terminal, model, title);
}

std::optional<std::string> pick_store_image(Terminal& terminal, const ImageCatalog& catalog, std::string_view title,
                                            const std::string& store) {
    ImagePickerModel model(catalog, store);
    return run_picker(terminal, model, title);
}

}  // namespace recovery
