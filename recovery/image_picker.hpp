// Choosing an image: the catalog that image discovery found, grouped by
// machine (host, source disk model and serial), each image with its date,
// size, note and "verified <date>" when a verification found it whole; the
// files that cannot be used listed apart with their problem; "Browse..."
// which opens a file browser over every mounted filesystem (from
// /run/lifeboat, ".." goes up, Enter on a file chooses it); and "Network
// image store..." (network_store.hpp). The models are pure
// (tests/unit/wizard_image_picker_test.cpp); pick_image() draws them.
// Called by the Restore screens and the Verify screens.
#pragma once

#include "imager/image_discovery.hpp"
#include "ui_kit.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recovery {

class Terminal;

// The catalog as list lines; each selectable line is an image, "Browse..." or
// "Network image store...". The catalog of a network store (`store` is its
// address) has neither of those two lines.
class ImagePickerModel {
public:
    explicit ImagePickerModel(const imager::discovery::ImageCatalog& catalog, std::string store = {});
    [[nodiscard]] ListMenu& list() { return list_; }
    [[nodiscard]] const ListMenu& list() const { return list_; }
    // The image under the cursor, or "" on the other lines.
    [[nodiscard]] std::string selected_path() const;
    [[nodiscard]] bool browse_selected() const;
    [[nodiscard]] bool network_selected() const;
    [[nodiscard]] std::size_t image_count() const { return image_count_; }

private:
    ListMenu list_;
    std::vector<std::string> paths_;  // per list line; "" for headings, Browse and Network
    std::optional<std::size_t> browse_line_;
    std::optional<std::size_t> network_line_;
    std::size_t image_count_ = 0;
};

// One image's line: "2026-11-24 19:00  1.2 GiB  verified 2026-11-25  note".
[[nodiscard]] std::string image_line(const imager::discovery::ImageEntry& entry);
// A machine's heading: "host  Model (serial)".
[[nodiscard]] std::string machine_line(const imager::discovery::MachineImages& machine);
// "2026-11-24T19:05:00Z" -> "2026-11-24 19:05"; unknown stays "date unknown".
[[nodiscard]] std::string short_date(std::string_view iso);

// A folder's contents for browsing: ".." (unless at /), folders, then files.
struct BrowserEntry {
    std::string name;
    bool directory = false;
    std::uint64_t size = 0;
};

class FileBrowserModel {
public:
    // Opens `start`, or its nearest existing parent folder.
    explicit FileBrowserModel(std::string start);
    // Enter on the line under the cursor: a folder opens (returns nullopt),
    // a file returns its full path.
    [[nodiscard]] std::optional<std::string> enter();
    void open(std::string directory);
    [[nodiscard]] const std::string& directory() const { return directory_; }
    [[nodiscard]] const std::vector<BrowserEntry>& entries() const { return entries_; }
    [[nodiscard]] const std::string& problem() const { return problem_; }  // the folder could not be read
    [[nodiscard]] ListMenu& list() { return list_; }
    [[nodiscard]] const ListMenu& list() const { return list_; }

private:
    std::string directory_;
    std::vector<BrowserEntry> entries_;
    std::string problem_;
    ListMenu list_;
};

// Shows the picker; returns the chosen image's path, nullopt on Esc (or when
// a signal is pending: the caller checks terminal.pending_signal()).
[[nodiscard]] std::optional<std::string> pick_image(Terminal& terminal, const imager::discovery::ImageCatalog& catalog,
                                                    std::string_view title);

// The picker over the images found on the network store at `store` (its
// address): the chosen image's URL, nullopt on Esc.
[[nodiscard]] std::optional<std::string> pick_store_image(Terminal& terminal,
                                                          const imager::discovery::ImageCatalog& catalog,
                                                          std::string_view title, const std::string& store);

// The file browser alone (what "Browse..." opens), from `start`.
[[nodiscard]] std::optional<std::string> browse_for_file(Terminal& terminal, std::string_view title,
                                                         std::string start = "/run/lifeboat");

}  // namespace recovery
