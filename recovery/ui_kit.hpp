// The wizard's screen kit: the widgets every screen draws with. Each widget
// is a small model (pure data + key handling, no terminal: unit-tested in
// tests/unit/wizard_ui_kit_test.cpp) with an ncurses draw function beside it.
//
//   Screen frame   title bar on row 0, content rows 1 .. rows-2, a hint line of
//                  keys on the last row. title_row()/hint_row() + draw_frame().
//   ListMenu       a scrolling list with a cursor (Up/Down/PgUp/PgDn/Home/End,
//                  Enter chooses, Esc cancels); lines that are not selectable
//                  (headings, notes) are skipped by the cursor. draw_list().
//   DialogModel    a centred box: title, wrapped text, buttons chosen with
//                  Left/Right/Tab and Enter; Esc picks the cancel button.
//                  run_dialog() shows one and waits for the answer.
//   TextField      one line of printable ASCII: Backspace, Delete, Left/Right,
//                  Home/End, a maximum length; masked ('*') for a password.
//                  draw_text_field().
//   progress_bar_text()  "[#######.......]  47%" for a fraction; draw_progress_bar().
//   wrap_text()    words wrapped to a width; explicit newlines kept.
//   wait_for_input()  polls Terminal::read_key() and runs the caller's
//                  background work between polls (e.g. deliver_events()), so
//                  a screen redraws on a key, a resize, new events, and returns
//                  at once when Ctrl+C/SIGTERM/SIGHUP is pending.
//   next_key()     the loop of a screen: draw, wait, redraw until a key.
//
// Legible without colour: the bars and the cursor line are reverse video
// (theme.hpp), the cursor line is also marked "> ", the chosen button ">[ X ]<".
// Everything drawn is printable ASCII (an initramfs console has no locale):
// printable() replaces the rest. Draw functions need ncurses running (a
// Terminal); they draw on stdscr and refresh_screen() shows the result.
// Used by start_screen.cpp, image_picker.cpp, restore_screens.cpp and the
// Capture and Verify screens.
#pragma once

#include "theme.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recovery {

class Terminal;

// Key codes the kit and the screens compare with, besides ncurses' KEY_*.
inline constexpr int kKeyEsc = 27;
inline constexpr int kKeyTab = 9;
[[nodiscard]] bool is_enter_key(int key);      // Enter, Return, KEY_ENTER
[[nodiscard]] bool is_backspace_key(int key);  // KEY_BACKSPACE, DEL (127), Ctrl+H

// One screen row, ready to draw.
struct Row {
    std::string text;
    Style style = Style::plain;
    bool selected = false;
};

// The last part of a path: "pc.lbi" of "/run/lifeboat/sdb1/pc.lbi".
[[nodiscard]] std::string file_name(std::string_view path);

// Text from disks and manifests shown safely: bytes outside printable ASCII become '?'.
[[nodiscard]] std::string printable(std::string_view text);
// Cut to at most width characters and without trailing spaces.
[[nodiscard]] std::string fit_to_width(std::string text, int width);
// What was typed into a field, without the spaces and tabs around it.
[[nodiscard]] std::string_view trimmed(std::string_view text);
// Words wrapped to lines of at most width characters; '\n' starts a new line
// (an empty line for "\n\n"); a word longer than width is cut across lines.
[[nodiscard]] std::vector<std::string> wrap_text(std::string_view text, int width);

// ---- Screen frame -----------------------------------------------------------

// The title bar (row 0) and the hint line (last row) of a screen cols wide.
[[nodiscard]] Row title_row(std::string_view title, int cols);
[[nodiscard]] Row hint_row(std::string_view hint, int cols);
// The content area between them: rows 1 .. 1 + content_height(rows) - 1.
inline constexpr int kContentTop = 1;
[[nodiscard]] int content_height(int rows);

// ---- Scrolling list ---------------------------------------------------------

struct ListItem {
    std::string text;
    Style style = Style::plain;
    bool selectable = true;  // false: a heading or a note the cursor skips
};

enum class ListKey { ignored, moved, chosen, cancelled };

class ListMenu {
public:
    ListMenu() = default;
    explicit ListMenu(std::vector<ListItem> items) { set_items(std::move(items)); }

    // Replaces the lines; the cursor goes to the first selectable line at or
    // after `cursor` (or before it when none follows).
    void set_items(std::vector<ListItem> items, std::size_t cursor = 0);
    // How many lines the list shows at once (at least 1).
    void set_height(int rows);
    [[nodiscard]] ListKey handle_key(int key);
    void move_to(std::size_t index);  // to that line, or the nearest selectable one

    [[nodiscard]] const std::vector<ListItem>& items() const { return items_; }
    // The line under the cursor; nullopt when no line is selectable.
    [[nodiscard]] std::optional<std::size_t> cursor() const;
    [[nodiscard]] std::size_t scroll() const { return scroll_; }
    [[nodiscard]] int height() const { return height_; }
    // height() rows (fewer when the list is shorter), "> " before the cursor
    // line, "  " before the others, each cut to width.
    [[nodiscard]] std::vector<Row> rows(int width) const;
    // "3-20/45" when the list is longer than it shows, else "".
    [[nodiscard]] std::string position_text() const;

private:
    void step(bool down, std::size_t count);
    void keep_cursor_visible();
    [[nodiscard]] bool any_selectable() const;
    [[nodiscard]] std::size_t first_of_selectable() const;

    std::vector<ListItem> items_;
    std::size_t cursor_ = 0;
    std::size_t scroll_ = 0;
    int height_ = 10;
};

// ---- Dialog -----------------------------------------------------------------

enum class DialogKey { ignored, moved, chosen };

class DialogModel {
public:
    // cancel_button: the button Esc chooses (usually the last, "Back" or "No").
    DialogModel(std::string title, std::string text, std::vector<std::string> buttons,
                std::size_t default_button = 0, std::size_t cancel_button = 0);

    [[nodiscard]] DialogKey handle_key(int key);
    [[nodiscard]] std::size_t selected() const { return selected_; }
    [[nodiscard]] const std::string& title() const { return title_; }
    [[nodiscard]] const std::vector<std::string>& buttons() const { return buttons_; }

    // The box for a screen of rows x cols: its lines, border included
    // ("+-- title --+", "| text |", "| >[ OK ]<  [ Back ] |", "+-----+").
    // The text is wrapped to fit; lines beyond the screen are cut, the last
    // one then ends with "...".
    [[nodiscard]] std::vector<std::string> box_lines(int rows, int cols) const;
    // The buttons' line as shown inside the box (the selected one ">[ X ]<").
    [[nodiscard]] std::string buttons_line() const;

private:
    std::string title_;
    std::string text_;
    std::vector<std::string> buttons_;
    std::size_t selected_;
    std::size_t cancel_;
};

// ---- Text field ---------------------------------------------------------------

// The outcome of a form's last action, shown under the form (a problem in
// the warning style until the next action).
class FormStatus {
public:
    void set_status(std::string status, bool problem) {
        status_ = std::move(status);
        status_is_problem_ = problem;
    }
    [[nodiscard]] const std::string& status() const { return status_; }
    [[nodiscard]] bool status_is_problem() const { return status_is_problem_; }

private:
    std::string status_;
    bool status_is_problem_ = false;
};

enum class FieldKey { ignored, changed, submitted, cancelled };

class TextField {
public:
    explicit TextField(std::size_t max_length = 64, std::string initial = {});
    [[nodiscard]] FieldKey handle_key(int key);
    [[nodiscard]] const std::string& text() const { return text_; }
    [[nodiscard]] std::size_t cursor() const { return cursor_; }
    void set_text(std::string text);
    // A password: shown as one '*' per character.
    void set_masked(bool masked) { masked_ = masked; }
    // What a field width cells wide shows (scrolled so the cursor is visible,
    // padded with '_' so an empty field can be seen without colour) and where
    // the cursor is within it.
    [[nodiscard]] std::string visible(int width, int& cursor_column) const;

private:
    std::string text_;
    std::size_t cursor_ = 0;
    std::size_t max_length_;
    bool masked_ = false;
};

// ---- Progress bar -------------------------------------------------------------

// "[#########.........]  45%" exactly width characters (at least 8), fraction
// clamped to 0..1; the percentage is rounded down so 100% means finished.
[[nodiscard]] std::string progress_bar_text(double fraction, int width);

// ---- Waiting ------------------------------------------------------------------

enum class InputKind { key, resize, background, signal };
struct Input {
    InputKind kind = InputKind::key;
    int key = 0;  // for kind key
};
// Polls for a key (each read waits at most Terminal's poll interval, 200 ms).
// Before each poll, `background` (when given) runs; when it returns true
// (something changed, e.g. events were delivered), returns kind background
// so the caller redraws. KEY_RESIZE is kind resize; a pending signal is kind
// signal (the caller returns ScreenExit::signal).
[[nodiscard]] Input wait_for_input(Terminal& terminal, const std::function<bool()>& background = {});
// Draws with `draw` (then shows it) and waits for a key, drawing again after a
// resize or a background change: the loop every screen would repeat. nullopt
// when a signal is pending (the caller returns ScreenExit::signal).
[[nodiscard]] std::optional<int> next_key(Terminal& terminal, const std::function<void()>& draw,
                                          const std::function<bool()>& background = {});

// ---- Drawing (ncurses) --------------------------------------------------------

// Clears the screen and draws the title bar and the hint line.
void draw_frame(Terminal& terminal, std::string_view title, std::string_view hint);
// One line at (y, x), cut to width (to the screen's edge when width < 0); a
// bar style or selected row is padded to the full width so it shows without colour.
void draw_row(Terminal& terminal, int y, int x, const Row& row, int width = -1);
void draw_text(Terminal& terminal, int y, int x, std::string_view text, Style style = Style::plain, int width = -1);
// Lines wrapped to width from (y, x), at most max_rows; returns the rows used.
int draw_wrapped(Terminal& terminal, int y, int x, std::string_view text, int width, int max_rows,
                 Style style = Style::plain);
// The list at rows top .. top + list.height() - 1 (call list.set_height first).
void draw_list(Terminal& terminal, const ListMenu& list, int top, int left = 0, int width = -1);
// The dialog centred over what is on the screen.
void draw_dialog(Terminal& terminal, const DialogModel& dialog);
void draw_text_field(Terminal& terminal, const TextField& field, int y, int x, int width);
void draw_progress_bar(Terminal& terminal, int y, int x, int width, double fraction);
void refresh_screen();

// ---- Ready-made screens -------------------------------------------------------

// A screen with a title and a message in its middle, shown at once (no key
// awaited): "Looking for images...".
void show_message(Terminal& terminal, std::string_view title, std::string_view message);

// Shows the dialog over `draw_behind` (redrawn on a resize) until a button is
// chosen; returns its index, or nullopt when a signal is pending.
// `background` runs between polls like wait_for_input's.
[[nodiscard]] std::optional<std::size_t> run_dialog(Terminal& terminal, DialogModel& dialog,
                                                    const std::function<void()>& draw_behind = {},
                                                    const std::function<bool()>& background = {});
// A dialog with one button "OK"; false when a signal is pending.
bool show_notice(Terminal& terminal, std::string title, std::string text,
                 const std::function<void()>& draw_behind = {});
// A Yes/No question (No is the default and Esc); nullopt when a signal is pending.
[[nodiscard]] std::optional<bool> ask_yes_no(Terminal& terminal, std::string title, std::string text,
                                             std::string yes = "Yes", std::string no = "No",
                                             const std::function<void()>& draw_behind = {},
                                             const std::function<bool()>& background = {});

}  // namespace recovery
