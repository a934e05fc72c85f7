// How each kind of text looks, shared by every screen so colour pairs are
// defined once. With colour where the terminal has it; without, attributes
// alone (reverse, bold) keep the bars and the cursor legible, and the screen
// models also mark the cursor line with "> " for terminals with neither.
// Called by terminal.cpp (init) and the screens (draw); needs ncurses running.
#pragma once

namespace recovery {

// plain: ordinary text; warning: what will be erased, errors; dialog: a dialog box.
enum class Style { title, heading, disk, partition, note, status, warning, dialog, plain };

// Defines the colour pairs; call once after start_color().
void init_theme();

// The ncurses attributes (colour pair included) for text of this style.
[[nodiscard]] int style_attributes(Style style, bool selected, bool colour);

}  // namespace recovery
