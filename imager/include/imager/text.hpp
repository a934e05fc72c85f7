// Text from an image or a disk (labels, partition names, notes, host names,
// file names) shown to a person. Such text may hold terminal control
// sequences (ESC [ 2 J clears the screen, OSC sequences retitle it, and some
// emulators do worse), so whatever shows it escapes them. The CLI's output
// passes through this escaping (cli/safe_output.hpp); the core escapes such
// text where it composes it into names and plans (format::part_title,
// RestorePlan::text), where a newline in a label would otherwise fake a line;
// the wizard draws only printable ASCII (recovery/ui_kit.cpp).
#pragma once

#include <string>
#include <string_view>

namespace imager {

// `text` with every control character (C0, DEL, and the C1 controls
// U+0080..U+009F), and every byte that is not part of valid UTF-8, written as
// \xNN; other UTF-8 is kept. With `keep_line_breaks`, '\n', '\r' and '\t' stay.
[[nodiscard]] std::string printable(std::string_view text, bool keep_line_breaks = false);

// How many leading bytes of `text` printable() can judge now: all but an
// unfinished UTF-8 sequence at the end (a stream that escapes as it goes
// keeps those until the rest comes).
[[nodiscard]] std::size_t complete_prefix(std::string_view text);

}  // namespace imager
