// The Restore screens: every step of RestoreFlow drawn with the screen kit
// over the real core (make_restore_core), the core's events delivered from
// the key loop. "Looking for images..." -> the image picker -> the image's
// contents -> the target (suggested, with why) -> the plan (image layout
// beside the target's resulting layout, what will be erased, the core's plan;
// G lets the last partition grow onto a larger disk; S opens the sizes
// screen: each partition's size in the image, on the target, the least it may
// have, a size typed for any of them, the layout that follows)
// -> typing the target's name -> progress (overall and per-partition bars,
// speed, elapsed, remaining, the step; Esc asks before cancelling) -> the
// result (success or the error and what to do, the disk's condition, the log)
// with Back / Reboot / Power off. Refusals are dialogs. Called by wizard.cpp.
// The screens' text is built by the functions below, unit-tested in
// tests/unit/wizard_restore_screens_test.cpp (plan_lines through the flow).
#pragma once

#include "restore_flow.hpp"
#include "screen_exit.hpp"
#include "ui_kit.hpp"

#include <string>
#include <vector>

namespace recovery {

class Terminal;

[[nodiscard]] ScreenExit run_restore_screens(Terminal& terminal);

// The image's contents, one line each: what it is, the layout, each part.
[[nodiscard]] std::vector<ListItem> contents_lines(const imager::discovery::ImageContents& contents);
// One disk as a target: name, size, model, and marks (suggested, too small,
// holds the image, the disk the image was taken from).
[[nodiscard]] std::string target_line(const TargetChoice& choice, bool suggested);
// The plan: image layout beside the target's resulting layout (two columns
// of width/2), what will be erased on the target, then the core's plan text.
[[nodiscard]] std::vector<ListItem> plan_lines(const RestoreFlow& flow, int width);
// The sizes screen's table: its heading, a line per partition (number, its
// filesystem, size in the image and on the target, the least it may have,
// what becomes of it), then the line that uses these sizes.
[[nodiscard]] std::string size_heading(const RestoreFlow& flow);
[[nodiscard]] std::vector<ListItem> size_lines(const RestoreFlow& flow, const SizesView& view);
// What the sizes screen says of a partition under the cursor.
[[nodiscard]] std::string size_details(const SizeRow& row);

}  // namespace recovery
