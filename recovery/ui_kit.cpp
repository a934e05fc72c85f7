// The screen kit's models and their ncurses drawing; see ui_kit.hpp.
#include "ui_kit.hpp"

#include "terminal.hpp"

#include <curses.h>

#include <algorithm>
#include <utility>

namespace recovery {

namespace {

constexpr int kMinBarWidth = 8;
constexpr int kDialogMargin = 2;  // cells kept free around a dialog box

bool is_bar(const Row& row) { return row.selected || row.style == Style::title || row.style == Style::status; }

}  // namespace

bool is_enter_key(int key) { return key == '\n' || key == '\r' || key == KEY_ENTER; }

bool is_backspace_key(int key) { return key == KEY_BACKSPACE || key == 127 || key == 8; }

std::string file_name(std::string_view path) {
    const auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

std::string_view trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string fit_to_width(std::string text, int width) {
    if (width >= 0 && text.size() > static_cast<std::size_t>(width)) text.resize(static_cast<std::size_t>(width));
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

std::vector<std::string> wrap_text(std::string_view text, int width) {
    const auto w = static_cast<std::size_t>(std::max(width, 1));
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = text.find('\n', start);
        const std::string paragraph = printable(text.substr(start, end == std::string_view::npos ? end : end - start));
        std::string line;
        std::size_t i = 0;
        bool any = false;
        while (i < paragraph.size()) {
            if (paragraph[i] == ' ') {
                ++i;
                continue;
            }
            std::size_t j = paragraph.find(' ', i);
            if (j == std::string::npos) j = paragraph.size();
            std::string word = paragraph.substr(i, j - i);
            i = j;
            if (!line.empty() && line.size() + 1 + word.size() > w) {
                lines.push_back(std::move(line));
                line.clear();
            }
            // A word wider than the line is cut into pieces of the width.
            while (word.size() > w) {
                if (!line.empty()) {
                    lines.push_back(std::move(line));
                    line.clear();
                }
                lines.push_back(word.substr(0, w));
                word.erase(0, w);
            }
            if (!word.empty()) line += (line.empty() ? "" : " ") + word;
            any = true;
        }
        if (!line.empty() || !any) lines.push_back(std::move(line));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return lines;
}

Row title_row(std::string_view title, int cols) { return {fit_to_width(" " + printable(title), cols), Style::title, false}; }

Row hint_row(std::string_view hint, int cols) { return {fit_to_width(" " + printable(hint), cols), Style::status, false}; }

int content_height(int rows) { return std::max(rows - 2, 1); }

// ---- ListMenu -------------------------------------------------------------------

void ListMenu::set_items(std::vector<ListItem> items, std::size_t cursor) {
    items_ = std::move(items);
    scroll_ = 0;
    move_to(cursor);
}

void ListMenu::set_height(int rows) {
    height_ = std::max(rows, 1);
    keep_cursor_visible();
}

bool ListMenu::any_selectable() const {
    return std::any_of(items_.begin(), items_.end(), [](const ListItem& i) { return i.selectable; });
}

std::optional<std::size_t> ListMenu::cursor() const {
    if (cursor_ < items_.size() && items_[cursor_].selectable) return cursor_;
    return std::nullopt;
}

void ListMenu::move_to(std::size_t index) {
    if (items_.empty()) {
        cursor_ = 0;
        scroll_ = 0;
        return;
    }
    index = std::min(index, items_.size() - 1);
    std::size_t found = index;
    while (found < items_.size() && !items_[found].selectable) ++found;
    if (found == items_.size()) {
        found = index;
        while (found > 0 && !items_[found].selectable) --found;
    }
    cursor_ = found;
    keep_cursor_visible();
}

// Moves over count selectable lines, stopping at either end.
void ListMenu::step(bool down, std::size_t count) {
    if (!any_selectable()) {
        // Nothing to select: the keys still scroll the text.
        const std::size_t max_scroll = items_.size() > static_cast<std::size_t>(height_) ? items_.size() - static_cast<std::size_t>(height_) : 0;
        scroll_ = down ? std::min(scroll_ + count, max_scroll) : (scroll_ > count ? scroll_ - count : 0);
        return;
    }
    std::size_t at = cursor_;
    std::size_t last_selectable = cursor_;
    for (std::size_t moved = 0; moved < count;) {
        if (down ? at + 1 >= items_.size() : at == 0) break;
        at = down ? at + 1 : at - 1;
        if (items_[at].selectable) {
            last_selectable = at;
            ++moved;
        }
    }
    cursor_ = last_selectable;
    // Headings just above the first choice scroll into view with it.
    if (!down && cursor_ == first_of_selectable()) scroll_ = 0;
    keep_cursor_visible();
}

std::size_t ListMenu::first_of_selectable() const {
    for (std::size_t i = 0; i < items_.size(); ++i)
        if (items_[i].selectable) return i;
    return 0;
}

void ListMenu::keep_cursor_visible() {
    const auto window = static_cast<std::size_t>(height_);
    // Text alone has no cursor to follow: its scroll is the reader's (step()).
    if (any_selectable()) {
        if (cursor_ < scroll_) scroll_ = cursor_;
        if (cursor_ >= scroll_ + window) scroll_ = cursor_ - window + 1;
    }
    const std::size_t max_scroll = items_.size() > window ? items_.size() - window : 0;
    scroll_ = std::min(scroll_, max_scroll);
}

ListKey ListMenu::handle_key(int key) {
    const auto before = std::pair{cursor_, scroll_};
    const auto page = static_cast<std::size_t>(std::max(height_ - 1, 1));
    switch (key) {
        case KEY_UP: step(false, 1); break;
        case KEY_DOWN: step(true, 1); break;
        case KEY_PPAGE: step(false, page); break;
        case KEY_NPAGE: step(true, page); break;
        case KEY_HOME: step(false, items_.size()); break;
        case KEY_END: step(true, items_.size()); break;
        case kKeyEsc: return ListKey::cancelled;
        default:
            if (is_enter_key(key)) return cursor() ? ListKey::chosen : ListKey::ignored;
            return ListKey::ignored;
    }
    return before == std::pair{cursor_, scroll_} ? ListKey::ignored : ListKey::moved;
}

std::vector<Row> ListMenu::rows(int width) const {
    std::vector<Row> out;
    const bool has_cursor = cursor().has_value();
    for (std::size_t r = 0; r < static_cast<std::size_t>(height_) && scroll_ + r < items_.size(); ++r) {
        const ListItem& item = items_[scroll_ + r];
        const bool selected = has_cursor && scroll_ + r == cursor_;
        out.push_back({fit_to_width((selected ? "> " : "  ") + printable(item.text), width), item.style, selected});
    }
    return out;
}

std::string ListMenu::position_text() const {
    if (items_.size() <= static_cast<std::size_t>(height_)) return {};
    const std::size_t end = std::min(scroll_ + static_cast<std::size_t>(height_), items_.size());
    return std::to_string(scroll_ + 1) + "-" + std::to_string(end) + "/" + std::to_string(items_.size());
}

// ---- DialogModel ----------------------------------------------------------------

DialogModel::DialogModel(std::string title, std::string text, std::vector<std::string> buttons,
                         std::size_t default_button, std::size_t cancel_button)
    : title_(std::move(title)), text_(std::move(text)), buttons_(std::move(buttons)) {
    if (buttons_.empty()) buttons_.push_back("OK");
    selected_ = std::min(default_button, buttons_.size() - 1);
    cancel_ = std::min(cancel_button, buttons_.size() - 1);
}

DialogKey DialogModel::handle_key(int key) {
    const std::size_t before = selected_;
    const std::size_t n = buttons_.size();
    switch (key) {
        case KEY_LEFT: case KEY_BTAB: selected_ = (selected_ + n - 1) % n; break;
        case KEY_RIGHT: case kKeyTab: selected_ = (selected_ + 1) % n; break;
        case kKeyEsc: selected_ = cancel_; return DialogKey::chosen;
        default:
            if (is_enter_key(key)) return DialogKey::chosen;
            return DialogKey::ignored;
    }
    return before == selected_ ? DialogKey::ignored : DialogKey::moved;
}

std::string DialogModel::buttons_line() const {
    std::string line;
    for (std::size_t i = 0; i < buttons_.size(); ++i) {
        if (i > 0) line += "  ";
        line += i == selected_ ? ">[ " + printable(buttons_[i]) + " ]<" : " [ " + printable(buttons_[i]) + " ] ";
    }
    return line;
}

std::vector<std::string> DialogModel::box_lines(int rows, int cols) const {
    const int max_width = std::max(cols - 2 * kDialogMargin, 12);
    const std::string buttons = buttons_line();
    // As wide as the text wants (up to 64 cells), never narrower than the buttons or the title.
    const int wanted = std::max({static_cast<int>(buttons.size()), static_cast<int>(title_.size()) + 6,
                                 std::min(static_cast<int>(text_.size()), 60), 30}) + 4;
    const int width = std::min(wanted, max_width);
    const int inner = width - 4;
    std::vector<std::string> text = wrap_text(text_, inner);
    const int max_text = std::max(rows - 2 * kDialogMargin - 4, 1);  // borders, blank, buttons
    if (static_cast<int>(text.size()) > max_text) {
        text.resize(static_cast<std::size_t>(max_text));
        std::string& last = text.back();
        if (last.size() + 3 > static_cast<std::size_t>(inner)) last.resize(static_cast<std::size_t>(inner - 3));
        last += "...";
    }
    auto framed = [&](const std::string& s) {
        std::string line = "| " + s;
        line.resize(static_cast<std::size_t>(width - 2), ' ');
        return line + " |";
    };
    std::vector<std::string> out;
    std::string top = "+- " + printable(title_) + " ";
    if (top.size() > static_cast<std::size_t>(width - 1)) top.resize(static_cast<std::size_t>(width - 1));
    top.resize(static_cast<std::size_t>(width - 1), '-');
    out.push_back(top + "+");
    for (const auto& line : text) out.push_back(framed(line));
    out.push_back(framed(""));
    std::string centred = buttons.size() < static_cast<std::size_t>(inner)
                              ? std::string((static_cast<std::size_t>(inner) - buttons.size()) / 2, ' ') + buttons
                              : buttons.substr(0, static_cast<std::size_t>(inner));
    out.push_back(framed(centred));
    out.push_back("+" + std::string(static_cast<std::size_t>(width - 2), '-') + "+");
    return out;
}

// ---- TextField ------------------------------------------------------------------

TextField::TextField(std::size_t max_length, std::string initial) : max_length_(std::max<std::size_t>(max_length, 1)) {
    set_text(std::move(initial));
}

void TextField::set_text(std::string text) {
    text_.clear();
    for (const char c : text)
        if (c >= 0x20 && c < 0x7f && text_.size() < max_length_) text_ += c;
    cursor_ = text_.size();
}

FieldKey TextField::handle_key(int key) {
    if (is_enter_key(key)) return FieldKey::submitted;
    if (key == kKeyEsc) return FieldKey::cancelled;
    const auto before = std::pair{text_, cursor_};
    if (is_backspace_key(key)) {
        if (cursor_ > 0) text_.erase(--cursor_, 1);
    } else if (key == KEY_DC) {
        if (cursor_ < text_.size()) text_.erase(cursor_, 1);
    } else if (key == KEY_LEFT) {
        if (cursor_ > 0) --cursor_;
    } else if (key == KEY_RIGHT) {
        if (cursor_ < text_.size()) ++cursor_;
    } else if (key == KEY_HOME) {
        cursor_ = 0;
    } else if (key == KEY_END) {
        cursor_ = text_.size();
    } else if (key >= 0x20 && key < 0x7f) {
        if (text_.size() < max_length_) text_.insert(cursor_++, 1, static_cast<char>(key));
    } else {
        return FieldKey::ignored;
    }
    return before == std::pair{text_, cursor_} ? FieldKey::ignored : FieldKey::changed;
}

std::string TextField::visible(int width, int& cursor_column) const {
    const auto w = static_cast<std::size_t>(std::max(width, 2));
    // Scrolled so the cursor (which may sit after the last character) fits.
    const std::size_t first = cursor_ >= w ? cursor_ - w + 1 : 0;
    std::string shown = masked_ ? std::string(std::min(text_.size() - std::min(first, text_.size()), w), '*')
                                : text_.substr(first, w);
    shown.resize(w, '_');
    cursor_column = static_cast<int>(cursor_ - first);
    return shown;
}

// ---- Progress bar ---------------------------------------------------------------

std::string progress_bar_text(double fraction, int width) {
    width = std::max(width, kMinBarWidth);
    if (!(fraction >= 0)) fraction = 0;  // NaN as well
    fraction = std::min(fraction, 1.0);
    const int percent = static_cast<int>(fraction * 100.0);
    std::string number = std::to_string(percent) + "%";
    number = std::string(4 - std::min<std::size_t>(number.size(), 4), ' ') + number;  // "  7%"
    const int inside = width - 2 - 1 - static_cast<int>(number.size());  // "[" "]" " " + number
    const int filled = static_cast<int>(fraction * inside);
    return "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(inside - filled), '.') + "] " + number;
}

// ---- Waiting --------------------------------------------------------------------

Input wait_for_input(Terminal& terminal, const std::function<bool()>& background) {
    for (;;) {
        if (terminal.pending_signal() != 0) return {InputKind::signal, 0};
        if (background && background()) return {InputKind::background, 0};
        const int key = terminal.read_key();
        if (terminal.pending_signal() != 0) return {InputKind::signal, 0};
        if (key == ERR) continue;  // the poll interval passed
        if (key == KEY_RESIZE) return {InputKind::resize, 0};
        return {InputKind::key, key};
    }
}

std::optional<int> next_key(Terminal& terminal, const std::function<void()>& draw,
                            const std::function<bool()>& background) {
    for (;;) {
        draw();
        refresh_screen();
        const Input input = wait_for_input(terminal, background);
        if (input.kind == InputKind::signal) return std::nullopt;
        if (input.kind == InputKind::key) return input.key;
    }
}

// ---- Drawing --------------------------------------------------------------------

void draw_row(Terminal& terminal, int y, int x, const Row& row, int width) {
    if (y < 0 || y >= terminal.rows() || x >= terminal.cols()) return;
    const int room = terminal.cols() - x;
    width = width < 0 ? room : std::min(width, room);
    if (width <= 0) return;
    std::string text = printable(row.text);
    if (is_bar(row) && text.size() < static_cast<std::size_t>(width)) text.resize(static_cast<std::size_t>(width), ' ');
    wattrset(stdscr, style_attributes(row.style, row.selected, terminal.colour()));
    // ERR for the bottom-right cell only means the cursor could not advance.
    (void)mvwaddnstr(stdscr, y, x, text.c_str(), width);
    wattrset(stdscr, A_NORMAL);
}

void draw_text(Terminal& terminal, int y, int x, std::string_view text, Style style, int width) {
    draw_row(terminal, y, x, Row{std::string(text), style, false}, width);
}

int draw_wrapped(Terminal& terminal, int y, int x, std::string_view text, int width, int max_rows, Style style) {
    int used = 0;
    for (const auto& line : wrap_text(text, width)) {
        if (used >= max_rows) break;
        draw_text(terminal, y + used, x, line, style, width);
        ++used;
    }
    return used;
}

void draw_frame(Terminal& terminal, std::string_view title, std::string_view hint) {
    werase(stdscr);
    draw_row(terminal, 0, 0, title_row(title, terminal.cols()));
    draw_row(terminal, terminal.rows() - 1, 0, hint_row(hint, terminal.cols()));
}

void draw_list(Terminal& terminal, const ListMenu& list, int top, int left, int width) {
    if (width < 0) width = terminal.cols() - left;
    const auto rows = list.rows(width);
    for (std::size_t r = 0; r < rows.size(); ++r) draw_row(terminal, top + static_cast<int>(r), left, rows[r], width);
}

void draw_dialog(Terminal& terminal, const DialogModel& dialog) {
    const auto lines = dialog.box_lines(terminal.rows(), terminal.cols());
    const int height = static_cast<int>(lines.size());
    const int width = lines.empty() ? 0 : static_cast<int>(lines.front().size());
    const int top = std::max((terminal.rows() - height) / 2, 0);
    const int left = std::max((terminal.cols() - width) / 2, 0);
    const int attributes = style_attributes(Style::dialog, false, terminal.colour());
    for (int i = 0; i < height; ++i) {
        wattrset(stdscr, attributes);
        (void)mvwaddnstr(stdscr, top + i, left, lines[static_cast<std::size_t>(i)].c_str(), terminal.cols() - left);
    }
    // The chosen button again in the cursor's attributes, so it stands out without colour too.
    const std::string buttons = dialog.buttons_line();
    const std::string& button_line = lines[static_cast<std::size_t>(height - 2)];
    const std::size_t at = button_line.find(">[ ");
    if (at != std::string::npos) {
        const std::size_t end = button_line.find(" ]<", at);
        const std::string chosen = button_line.substr(at, end == std::string::npos ? std::string::npos : end + 3 - at);
        wattrset(stdscr, style_attributes(Style::dialog, true, terminal.colour()));
        (void)mvwaddnstr(stdscr, top + height - 2, left + static_cast<int>(at), chosen.c_str(),
                         terminal.cols() - left - static_cast<int>(at));
    }
    wattrset(stdscr, A_NORMAL);
}

void draw_text_field(Terminal& terminal, const TextField& field, int y, int x, int width) {
    int cursor_column = 0;
    const std::string shown = field.visible(width, cursor_column);
    draw_row(terminal, y, x, Row{shown, Style::plain, false}, width);
    // The character under the cursor in reverse video: a visible cursor even where curs_set fails.
    const char under = shown[static_cast<std::size_t>(cursor_column)];
    wattrset(stdscr, A_REVERSE);
    (void)mvwaddch(stdscr, y, x + cursor_column, static_cast<chtype>(static_cast<unsigned char>(under)));
    wattrset(stdscr, A_NORMAL);
}

void draw_progress_bar(Terminal& terminal, int y, int x, int width, double fraction) {
    draw_text(terminal, y, x, progress_bar_text(fraction, width), Style::plain, width);
}

void refresh_screen() { wrefresh(stdscr); }

// ---- Ready-made screens ---------------------------------------------------------

void show_message(Terminal& terminal, std::string_view title, std::string_view message) {
    draw_frame(terminal, title, "Please wait");
    const int width = std::max(terminal.cols() - 4, 10);
    const auto lines = wrap_text(message, width);
    const int top = std::max(terminal.rows() / 2 - static_cast<int>(lines.size()) / 2, kContentTop);
    draw_wrapped(terminal, top, 2, message, width, content_height(terminal.rows()));
    refresh_screen();
}

std::optional<std::size_t> run_dialog(Terminal& terminal, DialogModel& dialog, const std::function<void()>& draw_behind,
                                      const std::function<bool()>& background) {
    const auto draw = [&] {
        if (draw_behind) draw_behind();
        else werase(stdscr);
        draw_dialog(terminal, dialog);
    };
    for (;;) {
        const auto key = next_key(terminal, draw, background);
        if (!key) return std::nullopt;
        if (dialog.handle_key(*key) == DialogKey::chosen) return dialog.selected();
    }
}

bool show_notice(Terminal& terminal, std::string title, std::string text, const std::function<void()>& draw_behind) {
    DialogModel dialog(std::move(title), std::move(text), {"OK"});
    return run_dialog(terminal, dialog, draw_behind).has_value();
}

std::optional<bool> ask_yes_no(Terminal& terminal, std::string title, std::string text, std::string yes, std::string no,
                               const std::function<void()>& draw_behind, const std::function<bool()>& background) {
    DialogModel dialog(std::move(title), std::move(text), {std::move(yes), std::move(no)}, 1, 1);
    const auto chosen = run_dialog(terminal, dialog, draw_behind, background);
    if (!chosen) return std::nullopt;
    return *chosen == 0;
}

}  // namespace recovery
