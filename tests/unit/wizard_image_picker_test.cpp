// The image picker's lines (grouped by machine, verified marks, unusable
// files apart, Browse..., Network image store...; a store's own images
// without those two) and the file browser over a real temporary folder.
#include "../../recovery/image_picker.hpp"

#include <catch2/catch.hpp>

#define NCURSES_NOMACROS
#include <curses.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using imager::discovery::ImageCatalog;
using imager::discovery::ImageEntry;
using imager::discovery::MachineImages;
using recovery::FileBrowserModel;
using recovery::ImagePickerModel;

namespace {

ImageEntry image(std::string path, std::string created, std::string verified = {}, std::string note = {}) {
    ImageEntry e;
    e.path = std::move(path);
    e.readable = true;
    e.created = std::move(created);
    e.verified = std::move(verified);
    e.note = std::move(note);
    e.size_on_disk = 3 * 1024 * 1024;
    return e;
}

std::vector<std::string> texts(const recovery::ListMenu& list) {
    std::vector<std::string> out;
    for (const auto& item : list.items()) out.push_back(item.text);
    return out;
}

}  // namespace

TEST_CASE("the picker groups images by machine and lists unusable files apart", "[wizard][image_picker]") {
    ImageCatalog catalog;
    catalog.machines.push_back({"office-pc", "Samsung SSD", "S123", {image("/run/lifeboat/sdb1/lifeboat/new.lbi", "2026-11-24T19:05:00Z", "2026-11-25T08:00:00Z", "before update"), image("/run/lifeboat/sdb1/lifeboat/old.lbi", "2026-10-01T07:00:00Z")}});
    ImageEntry bad;
    bad.path = "/run/lifeboat/sdb1/broken.lbi";
    bad.problem = "incomplete: no trailer";
    catalog.unreadable.push_back(bad);

    ImagePickerModel model(catalog);
    CHECK(texts(model.list()) == std::vector<std::string>{
              "office-pc  Samsung SSD (serial S123)",
              "  2026-11-24 19:05  3.0 MiB  verified 2026-11-25  new.lbi  \"before update\"",
              "  2026-10-01 07:00  3.0 MiB  old.lbi",
              "Cannot be used:",
              "  /run/lifeboat/sdb1/broken.lbi: incomplete: no trailer",
              "Browse... (open an image file on any mounted disk)",
              "Network image store... (NFS, SMB, SSH, HTTP, S3)"});
    CHECK(model.image_count() == 2);
    CHECK(model.selected_path() == "/run/lifeboat/sdb1/lifeboat/new.lbi");  // the newest, under its heading
    CHECK(model.list().handle_key(KEY_DOWN) == recovery::ListKey::moved);
    CHECK(model.selected_path() == "/run/lifeboat/sdb1/lifeboat/old.lbi");
    CHECK(model.list().handle_key(KEY_DOWN) == recovery::ListKey::moved);  // over the unusable lines
    CHECK(model.browse_selected());
    CHECK_FALSE(model.network_selected());
    CHECK(model.selected_path().empty());
    CHECK(model.list().handle_key(KEY_DOWN) == recovery::ListKey::moved);
    CHECK(model.network_selected());
    CHECK_FALSE(model.browse_selected());
    CHECK(model.selected_path().empty());
}

TEST_CASE("a network store's images are listed without Browse or another store", "[wizard][image_picker]") {
    ImageCatalog catalog;
    catalog.machines.push_back({"lab-3", "", "", {image("smb://files/images/lab/pc.lbi", "2026-12-01T10:00:00Z")}});
    ImagePickerModel model(catalog, "smb://files/images/lab");
    CHECK(texts(model.list()) == std::vector<std::string>{"lab-3", "  2026-12-01 10:00  3.0 MiB  pc.lbi"});
    CHECK(model.selected_path() == "smb://files/images/lab/pc.lbi");
    CHECK(model.list().handle_key(KEY_DOWN) == recovery::ListKey::ignored);
    CHECK_FALSE(model.browse_selected());
    CHECK_FALSE(model.network_selected());

    ImagePickerModel empty(ImageCatalog{}, "nfs://nas/srv/images");
    CHECK(texts(empty.list()) == std::vector<std::string>{"No images were found in nfs://nas/srv/images."});
    CHECK_FALSE(empty.list().cursor().has_value());
}

TEST_CASE("with no images the picker says so and offers Browse", "[wizard][image_picker]") {
    ImagePickerModel model(ImageCatalog{});
    CHECK(texts(model.list()).front() == "No images were found on this machine's disks.");
    CHECK(model.browse_selected());
    CHECK(recovery::short_date("") == "date unknown");
}

TEST_CASE("the file browser lists folders first, goes up and chooses a file", "[wizard][image_picker]") {
    namespace fs = std::filesystem;
    const fs::path root = fs::temp_directory_path() / ("lifeboat-browser-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "lifeboat");
    std::ofstream(root / "lifeboat" / "pc.lbi") << "0123456789";
    std::ofstream(root / "a-file.txt") << "x";

    FileBrowserModel model((root / "missing" / "deeper").string());  // falls back to the nearest folder
    CHECK(model.directory() == root.string());
    CHECK(texts(model.list()) == std::vector<std::string>{"../", "lifeboat/", "a-file.txt  (1 B)"});
    model.list().move_to(1);
    CHECK_FALSE(model.enter().has_value());
    CHECK(model.directory() == (root / "lifeboat").string());
    CHECK(texts(model.list()) == std::vector<std::string>{"../", "pc.lbi  (10 B)"});
    model.list().move_to(1);
    CHECK(model.enter() == (root / "lifeboat" / "pc.lbi").string());
    model.list().move_to(0);
    CHECK_FALSE(model.enter().has_value());
    CHECK(model.directory() == root.string());
    CHECK(model.list().cursor() == 1u);  // back on the folder it came from
    fs::remove_all(root);
}
