// The start screen's lines, cursor and scrolling; see start_screen_model.hpp.
#include "start_screen_model.hpp"

#include "imager/version.hpp"

// Only for the KEY_* codes; the pseudo-function macros would clash with names here.
#define NCURSES_NOMACROS
#include <curses.h>

#include <algorithm>
#include <string_view>
#include <utility>

namespace recovery {

using imager::devices::Device;
using imager::devices::Partition;

namespace {

// Columns, sized so a disk's size and its partitions' sizes line up at 80 cells.
constexpr std::size_t kMarkWidth = 2;  // "> " before the selected line
constexpr std::size_t kPathWidth = 16;
constexpr std::size_t kModelWidth = 28;
constexpr std::size_t kSizeWidth = 10;
constexpr std::size_t kBusWidth = 6;
constexpr std::size_t kFsWidth = 9;
constexpr std::size_t kLabelWidth = 26;
constexpr int kEsc = 27;
// Below this the layout cannot show a title, a heading, one line and the status.
constexpr int kMinRows = 4;
constexpr int kMinCols = 20;

// Left-aligned in width cells; cut when longer if cut is set.
std::string left(std::string_view s, std::size_t width, bool cut = true) {
    std::string out = printable(s);
    if (out.size() > width && cut) out.resize(width);
    if (out.size() < width) out.append(width - out.size(), ' ');
    return out;
}

std::string right(std::string_view s, std::size_t width) {
    std::string out = printable(s);
    return out.size() >= width ? out : std::string(width - out.size(), ' ') + out;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string without_trailing_spaces(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

std::string fitted(std::string s, int cols) {
    if (cols >= 0 && s.size() > static_cast<std::size_t>(cols)) s.resize(static_cast<std::size_t>(cols));
    return without_trailing_spaces(std::move(s));
}

// What a partition is for, in the last column: where it is in use, else its type.
std::string partition_use(const Partition& p) {
    if (!p.mountpoints.empty()) return "mounted " + p.mountpoints.front();
    if (p.swap_active) return "swap in use";
    if (auto name = imager::devices::partition_type_name(p.type); !name.empty()) return name;
    return p.name.empty() ? p.type : p.name;
}

// The lines under a disk that has no partitions to list.
std::vector<std::string> notes_for(const Device& d) {
    if (!d.probe_error.empty()) return {"    cannot read: " + d.probe_error};
    if (d.filesystem) {
        Partition whole;
        whole.size = d.size;
        whole.filesystem = d.filesystem;
        whole.name = "whole disk";
        std::string line = partition_line(whole);
        line.replace(4, 3, "  -");  // no partition number
        return {line};
    }
    if (!d.table_type.empty()) return {"    " + d.table_type + " partition table with no partitions"};
    return {"    empty: no partition table, no filesystem"};
}

std::vector<ListLine> build_lines(const std::vector<Device>& devices, const std::string& load_error) {
    std::vector<ListLine> lines;
    if (!load_error.empty()) lines.push_back({"Cannot list the disks: " + load_error, Style::note, -1, -1});
    else if (devices.empty()) lines.push_back({"No disks found.", Style::note, -1, -1});
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const Device& d = devices[i];
        const int di = static_cast<int>(i);
        lines.push_back({disk_line(d), Style::disk, di, -1});
        for (std::size_t p = 0; p < d.partitions.size(); ++p)
            lines.push_back({partition_line(d.partitions[p]), Style::partition, di, static_cast<int>(p)});
        if (d.partitions.empty())
            for (auto& note : notes_for(d)) lines.push_back({std::move(note), Style::note, di, -1});
    }
    return lines;
}

std::string heading_text() {
    return std::string(kMarkWidth, ' ') + left("Disk", kPathWidth) + ' ' + left("Model", kModelWidth) + ' ' +
           right("Size", kSizeWidth) + "  " + left("Bus", kBusWidth) + ' ' + "Table";
}

}  // namespace

std::string disk_line(const Device& d) {
    std::string extras = d.table_type.empty() ? "-" : d.table_type;
    if (d.in_use()) extras += " in use";
    if (d.read_only) extras += " read-only";
    return left(d.path, kPathWidth, false) + ' ' + left(or_dash(d.model), kModelWidth) + ' ' +
           right(imager::devices::human_size(d.size), kSizeWidth) + "  " +
           left(imager::devices::transport_name(d.transport), kBusWidth) + ' ' + extras;
}

std::string partition_line(const Partition& p) {
    const std::string fs = p.filesystem ? or_dash(p.filesystem->type) : "-";
    const std::string label = p.filesystem ? or_dash(p.filesystem->label) : "-";
    return without_trailing_spaces("    " + right(std::to_string(p.number), 3) + "  " + left(fs, kFsWidth) + ' ' +
                                   left(label, kLabelWidth) + ' ' + right(imager::devices::human_size(p.size), kSizeWidth) +
                                   "  " + printable(partition_use(p)));
}

StartScreenModel::StartScreenModel(std::vector<Device> devices, std::string load_error)
    : devices_(std::move(devices)), lines_(build_lines(devices_, printable(load_error))) {}

void StartScreenModel::resize(int rows, int cols) {
    rows_ = std::max(rows, 1);
    cols_ = std::max(cols, 1);
    keep_selection_visible();
}

std::size_t StartScreenModel::list_rows() const {
    return rows_ >= kMinRows ? static_cast<std::size_t>(rows_ - 3) : 1;
}

const Device* StartScreenModel::selected_device() const {
    if (selection_ >= lines_.size() || lines_[selection_].device < 0) return nullptr;
    return &devices_[static_cast<std::size_t>(lines_[selection_].device)];
}

const std::vector<ActionLine>& start_actions() {
    static const std::vector<ActionLine> actions{
        {StartAction::restore, "Restore a system image", "put an image back onto a disk"},
        {StartAction::capture, "Capture a system image", "save a whole disk into an image file"},
        {StartAction::verify, "Verify an image", "check that every part of an image is whole"},
        {StartAction::browse_disks, "Browse disks", "the disks and partitions (changes nothing)"},
        {StartAction::shell, "Shell", "a command line; type exit to come back"},
        {StartAction::reboot, "Reboot", "restart the machine"},
        {StartAction::power_off, "Power off", "switch the machine off"},
    };
    return actions;
}

void StartScreenModel::show_disks() { mode_ = Mode::disks; }

void StartScreenModel::show_actions() { mode_ = Mode::actions; }

void StartScreenModel::select_action(StartAction action) {
    for (std::size_t i = 0; i < start_actions().size(); ++i)
        if (start_actions()[i].action == action) action_ = i;
}

KeyResult StartScreenModel::handle_action_key(int key) {
    const std::size_t count = start_actions().size();
    const std::size_t before = action_;
    switch (key) {
        case 'q': case 'Q': case kEsc: return KeyResult::quit;
        case KEY_UP: case 'k': action_ = action_ > 0 ? action_ - 1 : 0; break;
        case KEY_DOWN: case 'j': action_ = std::min(action_ + 1, count - 1); break;
        case KEY_HOME: case KEY_PPAGE: action_ = 0; break;
        case KEY_END: case KEY_NPAGE: action_ = count - 1; break;
        case '\n': case '\r': case KEY_ENTER: return KeyResult::action;
        default:
            if (key >= '1' && key < '1' + static_cast<int>(count)) {
                action_ = static_cast<std::size_t>(key - '1');
                return KeyResult::action;
            }
            return KeyResult::ignored;
    }
    return before == action_ ? KeyResult::ignored : KeyResult::changed;
}

KeyResult StartScreenModel::handle_key(int key) {
    if (mode_ == Mode::actions) {
        const KeyResult result = handle_action_key(key);
        // Browse disks is a mode of this screen, not a flow of its own.
        if (result == KeyResult::action && chosen_action() == StartAction::browse_disks) {
            show_disks();
            return KeyResult::changed;
        }
        return result;
    }
    if (key == 'q' || key == 'Q' || key == kEsc) {
        show_actions();
        return KeyResult::changed;
    }
    const auto before = std::pair{selection_, scroll_};
    const std::size_t last = lines_.empty() ? 0 : lines_.size() - 1;
    switch (key) {
        case KEY_UP: case 'k': move_to(selection_ > 0 ? selection_ - 1 : 0); break;
        case KEY_DOWN: case 'j': move_to(std::min(selection_ + 1, last)); break;
        case KEY_HOME: case 'g': move_to(0); break;
        case KEY_END: case 'G': move_to(last); break;
        case KEY_NPAGE: case ' ': page(true); break;
        case KEY_PPAGE: case 'b': page(false); break;
        default: return KeyResult::ignored;
    }
    return before == std::pair{selection_, scroll_} ? KeyResult::ignored : KeyResult::changed;
}

void StartScreenModel::move_to(std::size_t line) {
    selection_ = line;
    keep_selection_visible();
}

// A page key moves the window and the cursor together by one window height.
void StartScreenModel::page(bool down) {
    if (lines_.empty()) return;
    const std::size_t step = list_rows();
    const std::size_t max_scroll = lines_.size() > step ? lines_.size() - step : 0;
    if (down) {
        scroll_ = std::min(scroll_ + step, max_scroll);
        selection_ = std::min(selection_ + step, lines_.size() - 1);
    } else {
        scroll_ = scroll_ > step ? scroll_ - step : 0;
        selection_ = selection_ > step ? selection_ - step : 0;
    }
    keep_selection_visible();
}

void StartScreenModel::keep_selection_visible() {
    const std::size_t window = list_rows();
    if (selection_ >= lines_.size()) selection_ = lines_.empty() ? 0 : lines_.size() - 1;
    if (selection_ < scroll_) scroll_ = selection_;
    if (selection_ >= scroll_ + window) scroll_ = selection_ - window + 1;
    const std::size_t max_scroll = lines_.size() > window ? lines_.size() - window : 0;
    scroll_ = std::min(scroll_, max_scroll);
}

std::string StartScreenModel::status_text() const {
    if (mode_ == Mode::actions)
        return std::string("Lifeboat ") + imager::version + "  Up/Down: move  Enter: choose  1-7: choose  q: quit";
    std::string status = std::string("Lifeboat ") + imager::version + "  Up/Down: move  PgUp/PgDn: scroll  Esc: back";
    if (lines_.size() > list_rows()) {
        const std::size_t end = std::min(scroll_ + list_rows(), lines_.size());
        const std::string where = std::to_string(scroll_ + 1) + "-" + std::to_string(end) + "/" +
                                  std::to_string(lines_.size());
        const auto width = static_cast<std::size_t>(cols_);
        if (status.size() + 2 + where.size() <= width)
            status += std::string(width - status.size() - where.size(), ' ') + where;
    }
    return status;
}

// The actions, then a blank row, then the disks' lines as far as they fit
// (the last row saying how many more Browse disks would show).
std::vector<Row> StartScreenModel::action_rows() const {
    std::vector<Row> out(static_cast<std::size_t>(rows_));
    out[0] = {fitted(std::string("Lifeboat ") + imager::version + ": rescue and restore disks", cols_), Style::title,
              false};
    std::size_t r = 2;
    const auto last_content = static_cast<std::size_t>(rows_ - 2);
    const auto& actions = start_actions();
    for (std::size_t i = 0; i < actions.size() && r <= last_content; ++i, ++r) {
        const bool selected = i == action_;
        const std::string label = std::to_string(i + 1) + ". " + actions[i].label;
        out[r] = {fitted((selected ? "> " : "  ") + left(label, 26) + "  " + actions[i].explanation, cols_), Style::plain,
                  selected};
    }
    ++r;
    if (r > last_content) return out;
    const std::string count = std::to_string(devices_.size()) + (devices_.size() == 1 ? " disk" : " disks");
    out[r++] = {fitted("Disks on this machine (" + count + ")", cols_), Style::heading, false};
    const std::size_t room = r <= last_content ? last_content - r + 1 : 0;
    for (std::size_t i = 0; i < lines_.size() && i < room; ++i, ++r) {
        const bool more_follow = i + 1 == room && lines_.size() > room;
        const std::string text = more_follow ? "  ... " + std::to_string(lines_.size() - i) +
                                                   " more lines: choose Browse disks to see them all"
                                             : "  " + lines_[i].text;
        out[r] = {fitted(text, cols_), more_follow ? Style::note : lines_[i].style, false};
    }
    return out;
}

std::vector<Row> StartScreenModel::rows() const {
    std::vector<Row> out(static_cast<std::size_t>(rows_));
    if (rows_ < kMinRows || cols_ < kMinCols) {
        out.front() = {fitted("Lifeboat: terminal too small", cols_), Style::status, false};
        return out;
    }
    if (mode_ == Mode::actions) {
        out = action_rows();
        out.back() = {fitted(status_text(), cols_), Style::status, false};
        return out;
    }
    const std::string count = std::to_string(devices_.size()) + (devices_.size() == 1 ? " disk" : " disks");
    out[0] = {fitted("Restore wizard: disks on this machine (" + count + ")", cols_), Style::title, false};
    out[1] = {fitted(heading_text(), cols_), Style::heading, false};
    for (std::size_t r = 0; r < list_rows() && scroll_ + r < lines_.size(); ++r) {
        const ListLine& line = lines_[scroll_ + r];
        const bool selected = scroll_ + r == selection_;
        out[2 + r] = {fitted((selected ? "> " : "  ") + line.text, cols_), line.style, selected};
    }
    out.back() = {fitted(status_text(), cols_), Style::status, false};
    return out;
}

}  // namespace recovery
