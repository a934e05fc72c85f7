// The start screen as data. Two modes: `actions` (the default) lists what
// the wizard can do (Restore, Capture, Verify, Browse disks, Shell, Reboot,
// Power off) with a cursor, above as many of the disk lines as fit; `disks`
// (Browse disks) is the read-only disk list: the machine's disks with their
// partitions, one line each, a cursor over those lines and a scroll offset.
// No terminal I/O here: start_screen.cpp draws rows() with ncurses, and the
// unit tests read the same rows as text.
// Invariants: selection() < lines().size() unless there are no lines;
// the selected line is always inside the visible window
// [scroll(), scroll() + list_rows()); every row is printable ASCII and at
// most the screen width long.
#pragma once

#include "imager/devices.hpp"
#include "theme.hpp"
#include "ui_kit.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace recovery {

// One line of the disk list.
struct ListLine {
    std::string text;  // without the cursor mark, not cut to the width
    Style style = Style::note;
    int device = -1;     // index into devices(), -1 for none
    int partition = -1;  // index into that device's partitions, -1 for none
};

// action: the person chose chosen_action() (Enter, or its number key).
enum class KeyResult { ignored, changed, quit, action };

enum class StartAction { restore, capture, verify, browse_disks, shell, reboot, power_off };

struct ActionLine {
    StartAction action;
    const char* label;        // "Restore a system image"
    const char* explanation;  // beside it: what it does
};
// The actions in the order the screen lists them.
[[nodiscard]] const std::vector<ActionLine>& start_actions();

class StartScreenModel {
public:
    // devices as list_devices() returned them; load_error says why there are
    // none when discovery failed.
    explicit StartScreenModel(std::vector<imager::devices::Device> devices, std::string load_error = {});

    // The screen size in character cells; the layout follows it.
    void resize(int rows, int cols);

    // Takes an ncurses key code (KEY_DOWN, 'q', 27 for Esc, ...).
    [[nodiscard]] KeyResult handle_key(int key);

    // Exactly rows rows. Actions mode: title, the actions, the disks that
    // fit, the status line. Disks mode: title, column heading, the visible
    // part of the list, the status line.
    [[nodiscard]] std::vector<Row> rows() const;

    enum class Mode { actions, disks };
    [[nodiscard]] Mode mode() const { return mode_; }
    void show_disks();    // Browse disks
    void show_actions();  // back from Browse disks
    [[nodiscard]] StartAction chosen_action() const { return start_actions()[action_].action; }
    void select_action(StartAction action);

    [[nodiscard]] const std::vector<ListLine>& lines() const { return lines_; }
    [[nodiscard]] const std::vector<imager::devices::Device>& devices() const { return devices_; }
    [[nodiscard]] std::size_t selection() const { return selection_; }
    [[nodiscard]] std::size_t scroll() const { return scroll_; }
    // How many list lines fit between the heading and the status line.
    [[nodiscard]] std::size_t list_rows() const;
    // The disk under the cursor (also when a partition is selected), or nullptr.
    [[nodiscard]] const imager::devices::Device* selected_device() const;

private:
    void move_to(std::size_t line);
    void page(bool down);
    void keep_selection_visible();
    [[nodiscard]] std::string status_text() const;
    [[nodiscard]] KeyResult handle_action_key(int key);
    [[nodiscard]] std::vector<Row> action_rows() const;

    std::vector<imager::devices::Device> devices_;
    std::vector<ListLine> lines_;
    std::size_t selection_ = 0;
    std::size_t scroll_ = 0;
    int rows_ = 24;
    int cols_ = 80;
    Mode mode_ = Mode::actions;
    std::size_t action_ = 0;  // index into start_actions()
};

// The text of a disk's line and of its partitions' lines (exposed for tests).
[[nodiscard]] std::string disk_line(const imager::devices::Device& d);
[[nodiscard]] std::string partition_line(const imager::devices::Partition& p);

}  // namespace recovery
