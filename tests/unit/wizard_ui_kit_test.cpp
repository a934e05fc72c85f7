// The screen kit's models: wrapping, the list's cursor and scrolling, the
// dialog's box and buttons, the text field, the progress bar. No terminal.
#include "../../recovery/ui_kit.hpp"

#include <catch2/catch.hpp>

// Only the KEY_* codes; no ncurses calls here.
#define NCURSES_NOMACROS
#include <curses.h>

#include <string>
#include <vector>

using recovery::DialogKey;
using recovery::DialogModel;
using recovery::FieldKey;
using recovery::ListItem;
using recovery::ListKey;
using recovery::ListMenu;
using recovery::TextField;

namespace {

std::vector<std::string> texts(const std::vector<recovery::Row>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.text);
    return out;
}

ListMenu numbered(int count, int height) {
    std::vector<ListItem> items;
    for (int i = 0; i < count; ++i) items.push_back({"item " + std::to_string(i)});
    ListMenu list(std::move(items));
    list.set_height(height);
    return list;
}

}  // namespace

TEST_CASE("wrap_text breaks at spaces, keeps newlines and cuts long words", "[wizard][ui_kit]") {
    CHECK(recovery::wrap_text("the quick brown fox jumps", 10) ==
          std::vector<std::string>{"the quick", "brown fox", "jumps"});
    CHECK(recovery::wrap_text("one\n\ntwo", 10) == std::vector<std::string>{"one", "", "two"});
    CHECK(recovery::wrap_text("abcdefghijkl xy", 5) == std::vector<std::string>{"abcde", "fghij", "kl xy"});
    CHECK(recovery::wrap_text("", 5) == std::vector<std::string>{""});
    CHECK(recovery::wrap_text("caf\xc3\xa9", 10) == std::vector<std::string>{"caf??"});
    for (const auto& line : recovery::wrap_text(std::string(200, 'x') + " y z", 7)) CHECK(line.size() <= 7);
}

TEST_CASE("trimmed drops the spaces and tabs around what was typed", "[wizard][ui_kit]") {
    CHECK(recovery::trimmed(" \t10.0.2.15/24 ") == "10.0.2.15/24");
    CHECK(recovery::trimmed("a b") == "a b");
    CHECK(recovery::trimmed("   ").empty());
    CHECK(recovery::trimmed("").empty());
}

TEST_CASE("the frame's title and hint rows fit the width", "[wizard][ui_kit]") {
    CHECK(recovery::title_row("Restore", 80).text == " Restore");
    CHECK(recovery::title_row("Restore", 80).style == recovery::Style::title);
    CHECK(recovery::hint_row(std::string(100, 'k'), 80).text.size() == 80);
    CHECK(recovery::content_height(24) == 22);
}

TEST_CASE("the list's cursor moves, pages and scrolls", "[wizard][ui_kit]") {
    ListMenu list = numbered(30, 5);
    CHECK(list.cursor() == 0u);
    CHECK(texts(list.rows(80)) == std::vector<std::string>{"> item 0", "  item 1", "  item 2", "  item 3", "  item 4"});
    CHECK(list.rows(80)[0].selected);
    CHECK(list.handle_key(KEY_UP) == ListKey::ignored);
    CHECK(list.handle_key(KEY_DOWN) == ListKey::moved);
    CHECK(list.cursor() == 1u);
    CHECK(list.handle_key(KEY_NPAGE) == ListKey::moved);
    CHECK(list.cursor() == 5u);
    CHECK(list.scroll() == 1u);
    CHECK(list.rows(80).back().text == "> item 5");
    CHECK(list.handle_key(KEY_END) == ListKey::moved);
    CHECK(list.cursor() == 29u);
    CHECK(list.scroll() == 25u);
    CHECK(list.position_text() == "26-30/30");
    CHECK(list.handle_key(KEY_DOWN) == ListKey::ignored);
    CHECK(list.handle_key(KEY_PPAGE) == ListKey::moved);
    CHECK(list.cursor() == 25u);
    CHECK(list.handle_key(KEY_HOME) == ListKey::moved);
    CHECK(list.cursor() == 0u);
    CHECK(list.scroll() == 0u);
    CHECK(list.handle_key('\n') == ListKey::chosen);
    CHECK(list.handle_key(27) == ListKey::cancelled);
    CHECK(numbered(3, 5).position_text().empty());
}

TEST_CASE("the list's cursor skips headings and scrolls them back into view", "[wizard][ui_kit]") {
    ListMenu list({{"Machine A", recovery::Style::heading, false},
                   {"image 1"},
                   {"image 2"},
                   {"Machine B", recovery::Style::heading, false},
                   {"image 3"}});
    list.set_height(3);
    CHECK(list.cursor() == 1u);
    CHECK(list.handle_key(KEY_DOWN) == ListKey::moved);
    CHECK(list.handle_key(KEY_DOWN) == ListKey::moved);
    CHECK(list.cursor() == 4u);  // over the heading
    CHECK(texts(list.rows(80)) == std::vector<std::string>{"  image 2", "  Machine B", "> image 3"});
    CHECK(list.handle_key(KEY_HOME) == ListKey::moved);
    CHECK(list.cursor() == 1u);
    CHECK(list.scroll() == 0u);  // the first heading shows again
    list.move_to(3);
    CHECK(list.cursor() == 4u);

    ListMenu only_notes({{"nothing here", recovery::Style::note, false}});
    CHECK_FALSE(only_notes.cursor().has_value());
    CHECK(only_notes.handle_key('\n') == ListKey::ignored);
    CHECK(texts(only_notes.rows(80)) == std::vector<std::string>{"  nothing here"});
}

TEST_CASE("text without choices scrolls with the keys and stays where it was scrolled to", "[wizard][ui_kit]") {
    std::vector<ListItem> lines;
    for (int i = 0; i < 30; ++i) lines.push_back({"line " + std::to_string(i), recovery::Style::plain, false});
    ListMenu text(std::move(lines));
    text.set_height(10);
    CHECK(text.handle_key(KEY_UP) == ListKey::ignored);
    CHECK(text.handle_key(KEY_NPAGE) == ListKey::moved);
    text.set_height(10);  // every draw sets the height again
    CHECK(text.scroll() == 9u);
    CHECK(text.handle_key(KEY_END) == ListKey::moved);
    text.set_height(10);
    CHECK(text.scroll() == 20u);
    CHECK(text.position_text() == "21-30/30");
    CHECK(text.rows(80).back().text == "  line 29");
    text.set_height(25);  // a taller screen shows more, never past the end
    CHECK(text.scroll() == 5u);
    CHECK(text.handle_key(KEY_HOME) == ListKey::moved);
    CHECK(text.scroll() == 0u);
}

TEST_CASE("a dialog's buttons move with Left/Right/Tab, Esc picks cancel", "[wizard][ui_kit]") {
    DialogModel dialog("Stop the restore?", "The disk will be left partly overwritten.", {"Stop", "Keep going"}, 1, 1);
    CHECK(dialog.selected() == 1u);
    CHECK(dialog.buttons_line() == " [ Stop ]   >[ Keep going ]<");
    CHECK(dialog.handle_key(KEY_LEFT) == DialogKey::moved);
    CHECK(dialog.selected() == 0u);
    CHECK(dialog.handle_key(9) == DialogKey::moved);
    CHECK(dialog.selected() == 1u);
    CHECK(dialog.handle_key(KEY_RIGHT) == DialogKey::moved);  // wraps
    CHECK(dialog.selected() == 0u);
    CHECK(dialog.handle_key('x') == DialogKey::ignored);
    CHECK(dialog.handle_key('\r') == DialogKey::chosen);
    CHECK(dialog.selected() == 0u);
    CHECK(dialog.handle_key(27) == DialogKey::chosen);
    CHECK(dialog.selected() == 1u);
}

TEST_CASE("a dialog's box wraps its text inside a border and fits the screen", "[wizard][ui_kit]") {
    DialogModel dialog("sdb cannot be used", std::string(300, 'a') + " the end", {"OK"});
    const auto lines = dialog.box_lines(24, 80);
    REQUIRE(lines.size() >= 5);
    CHECK(lines.front().rfind("+- sdb cannot be used -", 0) == 0);
    CHECK(lines.back().front() == '+');
    for (const auto& line : lines) {
        CHECK(line.size() == lines.front().size());
        CHECK(line.size() <= 76);
    }
    CHECK(lines[lines.size() - 2].find(">[ OK ]<") != std::string::npos);
    CHECK(lines[lines.size() - 4].find("the end") != std::string::npos);

    // Too much text for a small screen: cut, and says so.
    DialogModel long_one("t", std::string(2000, 'b'), {"OK"});
    const auto small = long_one.box_lines(12, 40);
    CHECK(small.size() <= 12);
    CHECK(small[small.size() - 4].find("...") != std::string::npos);
}

TEST_CASE("the text field edits printable ASCII up to its length", "[wizard][ui_kit]") {
    TextField field(4);
    CHECK(field.handle_key('s') == FieldKey::changed);
    CHECK(field.handle_key('d') == FieldKey::changed);
    CHECK(field.handle_key(KEY_LEFT) == FieldKey::changed);
    CHECK(field.handle_key('x') == FieldKey::changed);
    CHECK(field.text() == "sxd");
    CHECK(field.handle_key(KEY_BACKSPACE) == FieldKey::changed);
    CHECK(field.text() == "sd");
    CHECK(field.handle_key(KEY_END) == FieldKey::changed);
    CHECK(field.handle_key('b') == FieldKey::changed);
    CHECK(field.handle_key('c') == FieldKey::changed);
    CHECK(field.handle_key('d') == FieldKey::ignored);  // full
    CHECK(field.text() == "sdbc");
    CHECK(field.handle_key(127) == FieldKey::changed);
    CHECK(field.text() == "sdb");
    CHECK(field.handle_key(0x1b5) == FieldKey::ignored);  // not a character
    CHECK(field.handle_key('\n') == FieldKey::submitted);
    CHECK(field.handle_key(27) == FieldKey::cancelled);
    int column = -1;
    CHECK(field.visible(6, column) == "sdb___");
    CHECK(column == 3);

    TextField scrolled(64, "abcdefghij");
    CHECK(scrolled.visible(5, column) == "ghij_");
    CHECK(column == 4);
    TextField cleaned(64, "a\tb\xc3");
    CHECK(cleaned.text() == "ab");
}

TEST_CASE("the progress bar is exactly its width and rounds down", "[wizard][ui_kit]") {
    CHECK(recovery::progress_bar_text(0.0, 20) == "[.............]   0%");
    CHECK(recovery::progress_bar_text(0.5, 20) == "[######.......]  50%");
    CHECK(recovery::progress_bar_text(0.999, 20) == "[############.]  99%");
    CHECK(recovery::progress_bar_text(1.0, 21) == "[##############] 100%");
    CHECK(recovery::progress_bar_text(7.0, 21) == recovery::progress_bar_text(1.0, 21));
    CHECK(recovery::progress_bar_text(-1.0, 20) == recovery::progress_bar_text(0.0, 20));
    CHECK(recovery::progress_bar_text(0.5, 2).size() == 8u);
}
