// The Restore screens over RestoreFlow and the real core; see restore_screens.hpp.
#include "restore_screens.hpp"

#include "flow_screens.hpp"
#include "image_picker.hpp"
#include "imager/devices.hpp"
#include "restore_core_adapter.hpp"
#include "terminal.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

namespace recovery {

using imager::devices::human_size;
using imager::discovery::ImageContents;
using imager::format::Stream;

namespace {

constexpr std::size_t kNotesShown = 3;
constexpr std::uint64_t kMiB = 1 << 20;  // less room is alignment slack
constexpr int kFieldWidth = 24;

std::string part_name(const Stream& part) { return imager::format::part_name(part.role, part.partition); }

// "partition 2  ext4 "root"  87.0 MiB", with the used bytes when asked.
std::string part_text(const Stream& part, std::uint64_t size, bool with_used = true) {
    const auto& fs = part.filesystem;
    std::string line = part_name(part) + "  " + (fs ? fs->type : "raw");
    if (fs && !fs->label.empty()) line += " \"" + fs->label + "\"";
    line += "  " + human_size(size);
    if (with_used && fs && part.used_bytes > 0) line += " (" + human_size(part.used_bytes) + " used)";
    return printable(line);
}

// The parts a person restores: partitions, or the one filesystem or device; not the gaps.
std::vector<const Stream*> shown_parts(const ImageContents& c) {
    std::vector<const Stream*> parts;
    for (const auto& s : c.manifest.streams)
        if (s.role != imager::format::StreamRole::gap) parts.push_back(&s);
    return parts;
}

std::string table_name(const std::string& table) {
    if (table == "gpt") return "GPT";
    if (table == "msdos" || table == "dos") return "MBR (msdos)";
    return table;
}

// The width of the left one of two columns.
std::size_t column_width(int width) { return static_cast<std::size_t>(std::max(width / 2, 10)); }

// Two texts side by side, each in half the width.
std::string columns(const std::string& left_text, const std::string& right_text, int width) {
    const auto half = column_width(width);
    std::string line = left_text.substr(0, half - 1);
    line.resize(half, ' ');
    return line + right_text;
}

}  // namespace

std::vector<ListItem> contents_lines(const ImageContents& c) {
    std::vector<ListItem> lines;
    auto add = [&](std::string text, Style style = Style::plain) { lines.push_back({printable(text), style, false}); };
    const auto& e = c.entry;
    add("Image: " + e.path, Style::heading);
    add("Taken " + (e.created.empty() ? std::string("at an unknown date") : e.created.substr(0, 10) + " " +
                                                                           e.created.substr(11, 5) + " UTC") +
        (e.host.empty() ? "" : " on " + e.host));
    if (!e.source_model.empty() || !e.source_serial.empty())
        add("From the disk " + e.source_model + (e.source_serial.empty() ? "" : " (serial " + e.source_serial + ")") +
            (e.source_size ? ", " + human_size(e.source_size) : ""));
    add("Note: " + (e.note.empty() ? std::string("(none)") : e.note));
    add(std::string("Verified: ") + (e.verified.empty() ? "not yet (Verify an image checks it)"
                                                        : "every chunk whole on " + short_date(e.verified) + " UTC"));
    add("Size of the image file" + std::string(e.volumes > 1 ? "s" : "") + ": " + human_size(e.size_on_disk));
    add("");
    const auto& m = c.manifest;
    if (!m.disk) add("Layout: a single " + part_name(m.streams.front()), Style::heading);
    else add("Layout: " + table_name(m.disk->label) + " partition table, " + std::to_string(m.disk->logical_sector_size) +
             "-byte sectors", Style::heading);
    for (const auto* part : shown_parts(c)) add("  " + part_text(*part, part->size));
    add("");
    const auto parts = imager::image_partitions(m);
    if (std::ranges::any_of(parts, [](const auto& p) { return p.resizable && p.fixed_because.empty(); })) {
        add("A target disk needs at least " + human_size(needed_size(c)) + " with every partition at its size;");
        add("a smaller one may take it with filesystems shrunk (the list of disks says).");
    } else {
        add("A target disk needs at least " + human_size(needed_size(c)) + ".");
    }
    return lines;
}

std::string target_line(const TargetChoice& t, bool suggested) {
    const auto& d = t.disk;
    std::string line = d.name;
    line.resize(std::max<std::size_t>(line.size(), 10), ' ');
    std::string size = human_size(d.size);
    line += std::string(std::max<std::size_t>(10 - size.size(), 0), ' ') + size + "  " + (d.model.empty() ? "-" : d.model);
    std::vector<std::string> marks;
    if (suggested) marks.push_back("suggested");
    if (t.same_serial) marks.push_back("the image's own disk");
    if (t.holds_image) marks.push_back("holds the image");
    if (!t.big_enough) marks.push_back("too small");
    if (d.in_use()) marks.push_back("in use");
    if (d.read_only) marks.push_back("read-only");
    for (std::size_t i = 0; i < marks.size(); ++i) line += (i == 0 ? "  [" : ", ") + marks[i] + (i + 1 == marks.size() ? "]" : "");
    return printable(line);
}

std::vector<ListItem> plan_lines(const RestoreFlow& flow, int width) {
    std::vector<ListItem> lines;
    auto add = [&](std::string text, Style style = Style::plain) { lines.push_back({printable(text), style, false}); };
    const ImageContents& c = flow.contents();
    const auto& target = flow.target();
    add(columns("The image holds", target.name + " will hold", width), Style::heading);
    const std::string table = !c.manifest.disk ? "no partition table"
                                                : table_name(c.manifest.disk->label) + " partition table";
    add(columns(table, table + ", " + human_size(target.size), width));
    const Stream* grows = flow.part_to_grow();
    for (const auto* part : shown_parts(c)) {
        const std::uint64_t after = part->size + (flow.grow() && part == grows ? flow.room_to_grow() : 0);
        std::string right = "  " + part_text(*part, after, false);
        // Laid out again for a smaller disk (or --size): the plan below has the measured sizes.
        for (const auto& change : flow.fit().changes)
            if (part->role == imager::format::StreamRole::partition && change.number == part->partition &&
                (change.shrinks() || change.grows() || change.moves()))
                right = "  " + part_name(*part) + "  " + (change.shrinks() ? "shrinks" : change.grows() ? "grows" : "moves") +
                        ": see below";
        // The list's margin takes 2 columns; what does not fit keeps its name and size.
        if (column_width(width) + right.size() + 2 > static_cast<std::size_t>(width))
            right = "  " + part_name(*part) + "  " + human_size(after);
        add(columns("  " + part_text(*part, part->size, false), right, width));
    }
    if (const auto room = flow.unused_at_end(); room >= kMiB)
        add(columns("", "  unused: " + human_size(room) + " at the end", width));
    if (grows)
        add(flow.grow() ? "Press G to keep " + part_name(*grows) + " at its size in the image."
                        : "Press G to let " + part_name(*grows) + " grow to the end of " + target.name + ".",
            Style::heading);
    if (flow.can_choose_sizes()) add("Press S to choose the size of each partition.", Style::heading);
    add("");
    add("Everything on " + target.name + " (" + human_size(target.size) + (target.model.empty() ? "" : ", " + target.model) +
            ") will be erased:",
        Style::warning);
    if (target.partitions.empty()) {
        if (target.filesystem)
            add("  a " + target.filesystem->type + " filesystem" +
                (target.filesystem->label.empty() ? "" : " \"" + target.filesystem->label + "\"") + " on the whole disk",
                Style::warning);
        else add("  " + (target.table_type.empty() ? std::string("no partitions or filesystems were found on it")
                                                   : "an empty " + target.table_type + " partition table"),
                 Style::warning);
    }
    for (const auto& p : target.partitions) {
        std::string what = "  partition " + std::to_string(p.number) + "  " + human_size(p.size);
        if (p.filesystem) what += "  " + p.filesystem->type + (p.filesystem->label.empty() ? "" : " \"" + p.filesystem->label + "\"");
        add(what, Style::warning);
    }
    add("");
    add("What Lifeboat will do:", Style::heading);
    // Indented by 2 in a list whose margin takes 2 more: what is wider is cut off.
    for (const auto& line : wrap_text(flow.plan_text(), std::max(width - 4, 10))) add("  " + line);
    return lines;
}

namespace {

// "ext4 "root"" of partition `number`: its filesystem and label as the image has them.
std::string filesystem_text(const ImageContents& c, const imager::PartitionChange& part) {
    const Stream* s = c.manifest.partition_stream(part.number);
    if (!s || !s->filesystem) return "raw";
    return s->filesystem->type + (s->filesystem->label.empty() ? "" : " \"" + s->filesystem->label + "\"");
}

std::string size_columns(const std::string& number, const std::string& fs, const std::string& in_image,
                         const std::string& on_target, const std::string& least, const std::string& what) {
    char line[160];
    std::snprintf(line, sizeof line, "%3s  %-15.15s %10s %10s %10s  %s", number.c_str(), fs.c_str(),
                  in_image.c_str(), on_target.c_str(), least.c_str(), what.c_str());
    return line;
}

}  // namespace

std::string size_heading(const RestoreFlow& flow) {
    auto heading = "  " + size_columns("#", "Filesystem", "In image", "On " + flow.target().name, "At least", "");
    return heading.substr(0, heading.find_last_not_of(' ') + 1);
}

std::vector<ListItem> size_lines(const RestoreFlow& flow, const SizesView& view) {
    std::vector<ListItem> lines;
    for (const auto& row : view.rows) {
        const auto& p = row.part;
        std::vector<std::string> marks;
        if (row.chosen) marks.emplace_back("chosen");
        else if (!p.resizable) marks.emplace_back("fixed");
        if (p.new_size < p.old_size) marks.emplace_back("shrinks");
        if (p.new_size > p.old_size) marks.emplace_back("grows");
        if (p.moves() && view.refusal.empty()) marks.emplace_back("moves");
        std::string what;
        for (const auto& m : marks) what += (what.empty() ? "" : ", ") + m;
        lines.push_back({printable(size_columns(std::to_string(p.number), filesystem_text(flow.contents(), p),
                                                human_size(p.old_size), human_size(p.new_size),
                                                p.resizable ? human_size(p.minimum) : "-", what)),
                         Style::plain, true});
    }
    lines.push_back({"", Style::plain, false});
    lines.push_back({"Use these sizes and see the plan", Style::heading, true});
    return lines;
}

std::string size_details(const SizeRow& row) {
    const auto& p = row.part;
    std::string text = "Partition " + std::to_string(p.number) + ": ";
    if (!p.resizable) return printable(text + p.fixed_because + ": it keeps its " + human_size(p.old_size) + ".");
    text += "its filesystem uses " + human_size(p.used) + (p.minimum_measured ? "; " : "; about ") + human_size(p.minimum) +
            " is the least it can have.";
    if (!p.fixed_because.empty()) text += " Special (" + p.fixed_because + "): it keeps its size unless you choose one.";
    if (p.moves()) text += " It starts at " + human_size(p.new_start) + " (in the image: " + human_size(p.old_start) + ").";
    return printable(text);
}

namespace {

class RestoreScreens {
public:
    RestoreScreens(Terminal& terminal, RestoreFlow& flow, RestoreCoreAdapter& core)
        : terminal_(terminal), flow_(flow), core_(core) {}
    ScreenExit run();

private:
    // Each returns a ScreenExit when the screens end, else nullopt (the flow moved on).
    std::optional<ScreenExit> choose_image();
    // `on_key`, when given, sees other keys first; true: handled, the step is drawn anew.
    std::optional<ScreenExit> text_step(const std::string& title, std::vector<ListItem> lines, const std::string& hint,
                                        const std::function<void()>& on_enter,
                                        const std::function<bool(int)>& on_key = {});
    std::optional<ScreenExit> choose_target();
    std::optional<ScreenExit> sizes();
    std::optional<ScreenExit> confirm();
    std::optional<ScreenExit> running();
    std::optional<ScreenExit> dialog();
    std::optional<ScreenExit> result();
    void draw_progress();
    void draw_result(const DialogModel& buttons);
    bool deliver() { return core_.deliver_events() > 0; }
    [[nodiscard]] std::string image_name() const { return file_name(flow_.contents().entry.path); }

    Terminal& terminal_;
    RestoreFlow& flow_;
    RestoreCoreAdapter& core_;
    bool searched_ = false;
};

ScreenExit RestoreScreens::run() {
    for (;;) {
        std::optional<ScreenExit> exit;
        switch (flow_.step()) {
            case RestoreStep::choose_image: exit = choose_image(); break;
            case RestoreStep::image_contents:
                exit = text_step("Restore: what " + image_name() + " holds", contents_lines(flow_.contents()),
                                 "Enter: choose the disk to restore to  Up/Down: scroll  Esc: back",
                                 [&] { flow_.show_targets(); });
                break;
            case RestoreStep::choose_target: exit = choose_target(); break;
            case RestoreStep::show_plan: {
                const std::string title = "Restore: the plan for " + flow_.target().name;
                exit = text_step(title, plan_lines(flow_, terminal_.cols()),
                                 "Enter: continue  Up/Down/PgUp/PgDn: scroll  Esc: choose another disk",
                                 [&] { flow_.accept_plan(); },
                                 [&](int key) {
                                     if ((key == 's' || key == 'S') && flow_.can_choose_sizes()) {
                                         show_message(terminal_, "Restore: partition sizes",
                                                      "Measuring how small each filesystem can be (this reads "
                                                      "the image; nothing is written)...");
                                         flow_.choose_sizes();
                                         return true;
                                     }
                                     if ((key != 'g' && key != 'G') || !flow_.part_to_grow()) return false;
                                     show_message(terminal_, title, "Please wait...");
                                     flow_.toggle_grow();
                                     return true;
                                 });
                break;
            }
            case RestoreStep::sizes: exit = sizes(); break;
            case RestoreStep::confirm: exit = confirm(); break;
            case RestoreStep::running:
            case RestoreStep::cancel_confirm: exit = running(); break;
            case RestoreStep::dialog: exit = dialog(); break;
            case RestoreStep::result: exit = result(); break;
            case RestoreStep::closed: return ScreenExit::back;
        }
        if (exit) return *exit;
    }
}

std::optional<ScreenExit> RestoreScreens::choose_image() {
    if (!searched_) {
        show_message(terminal_, "Restore a system image",
                     "Looking for images...\n\nLifeboat is opening the filesystems on every disk (read-only) "
                     "and looking for images. This can take a few seconds.");
        flow_.open();
        searched_ = true;
    }
    const auto path = pick_image(terminal_, flow_.catalog(), "Restore: choose an image");
    if (terminal_.pending_signal() != 0) return ScreenExit::signal;
    if (!path) {
        flow_.back();
        return std::nullopt;
    }
    show_message(terminal_, "Restore a system image", "Reading " + *path + "...");
    flow_.choose_image(*path);
    return std::nullopt;
}

// A screen of text lines the person scrolls and leaves with Enter or Esc.
std::optional<ScreenExit> RestoreScreens::text_step(const std::string& title, std::vector<ListItem> lines,
                                                    const std::string& hint, const std::function<void()>& on_enter,
                                                    const std::function<bool(int)>& on_key) {
    ListMenu list(std::move(lines));
    auto draw = [&] {
        draw_frame(terminal_, title, hint);
        list.set_height(content_height(terminal_.rows()));
        draw_list(terminal_, list, kContentTop);
        if (const auto where = list.position_text(); !where.empty())
            draw_text(terminal_, terminal_.rows() - 1, terminal_.cols() - static_cast<int>(where.size()) - 1, where, Style::status);
    };
    for (;;) {
        const auto key = next_key(terminal_, draw);
        if (!key) return ScreenExit::signal;
        if (is_enter_key(*key)) {
            show_message(terminal_, title, "Please wait...");
            on_enter();
            return std::nullopt;
        }
        if (*key == kKeyEsc) {
            flow_.back();
            return std::nullopt;
        }
        if (on_key && on_key(*key)) return std::nullopt;
        (void)list.handle_key(*key);
    }
}

std::optional<ScreenExit> RestoreScreens::choose_target() {
    const auto& targets = flow_.targets();
    std::vector<ListItem> items;
    for (std::size_t i = 0; i < targets.size(); ++i)
        items.push_back({target_line(targets[i], flow_.suggested_target() == i), Style::plain, true});
    if (items.empty()) items.push_back({"No disks were found.", Style::note, false});
    ListMenu list;
    list.set_items(std::move(items), flow_.suggested_target().value_or(0));
    const std::string needed = "The image needs " + human_size(needed_size(flow_.contents())) + ".";
    auto draw = [&] {
        draw_frame(terminal_, "Restore: choose the disk to restore to (it will be erased)",
                   "Up/Down: move  Enter: see the plan (nothing is written yet)  Esc: back");
        const int reason_rows = 4;
        list.set_height(content_height(terminal_.rows()) - reason_rows);
        draw_list(terminal_, list, kContentTop);
        const int y = terminal_.rows() - 1 - reason_rows + 1;
        draw_text(terminal_, y, 0, needed, Style::plain);
        const std::string reason = flow_.suggested_target()
                                       ? "Suggested: " + targets[*flow_.suggested_target()].disk.name + ". " +
                                             flow_.suggestion_reason()
                                       : flow_.suggestion_reason();
        draw_wrapped(terminal_, y + 1, 0, reason, terminal_.cols(), reason_rows - 1, Style::note);
    };
    for (;;) {
        const auto key = next_key(terminal_, draw);
        if (!key) return ScreenExit::signal;
        switch (list.handle_key(*key)) {
            case ListKey::cancelled: flow_.back(); return std::nullopt;
            case ListKey::chosen:
                show_message(terminal_, "Restore", "Checking " + targets[*list.cursor()].disk.name +
                                                       " and planning the restore (nothing is written yet)...");
                flow_.choose_target(targets[*list.cursor()].disk.path);
                return std::nullopt;
            case ListKey::moved:
            case ListKey::ignored: break;
        }
    }
}

// The partitions and their sizes; Enter on one asks for its size in a field
// under the table, Enter on the last line plans with them.
std::optional<ScreenExit> RestoreScreens::sizes() {
    ListMenu list;
    std::optional<int> editing;  // the partition whose size is being typed
    TextField field(16);
    SizesView view = flow_.sizes_view();
    list.set_items(size_lines(flow_, view));
    const std::string title = "Restore: partition sizes on " + flow_.target().name + " (" + human_size(flow_.target().size) + ")";
    auto draw = [&] {
        draw_frame(terminal_, title,
                   editing ? "Type the size (25G, 25600M, 30.5G), then Enter  Esc: leave it as it was"
                           : "Up/Down: choose  Enter: set its size  A: automatic  Esc: back, sizes unchanged");
        const int width = terminal_.cols() - 4;
        const int below = 11;  // rows under the table: unused, details, the field, the problem
        draw_text(terminal_, kContentTop, 0, size_heading(flow_), Style::heading);
        list.set_height(std::max(content_height(terminal_.rows()) - 1 - below, 3));
        draw_list(terminal_, list, kContentTop + 1);
        int y = kContentTop + 1 + list.height() + 1;
        if (view.refusal.empty())
            draw_text(terminal_, y, 2, "Unused at the end of " + flow_.target().name + ": " + human_size(view.unused));
        y += 2;
        const auto at = list.cursor();
        if (at && *at < view.rows.size())
            y += draw_wrapped(terminal_, y, 2, size_details(view.rows[*at]), width, 3, Style::note);
        ++y;
        if (editing) {
            const std::string label = "New size of partition " + std::to_string(*editing) + ":";
            draw_text(terminal_, y, 2, label);
            draw_text_field(terminal_, field, y, 3 + static_cast<int>(label.size()), kFieldWidth);
            ++y;
        }
        const std::string& problem = !flow_.size_problem().empty() ? flow_.size_problem() : view.refusal;
        if (!problem.empty())
            draw_wrapped(terminal_, y, 2, problem, width, terminal_.rows() - 1 - y, Style::warning);
    };
    for (;;) {
        const auto key = next_key(terminal_, draw);
        if (!key) return ScreenExit::signal;
        const auto at = list.cursor();
        const bool on_row = at && *at < view.rows.size();
        if (editing) {
            switch (field.handle_key(*key)) {
                case FieldKey::cancelled: editing.reset(); break;
                case FieldKey::submitted:
                    if (flow_.set_size(*editing, field.text())) editing.reset();
                    break;
                case FieldKey::changed:
                case FieldKey::ignored: break;
            }
        } else if (*key == 'a' || *key == 'A') {
            if (on_row) flow_.automatic_size(view.rows[*at].part.number);
        } else {
            switch (list.handle_key(*key)) {
                case ListKey::cancelled: flow_.back(); return std::nullopt;
                case ListKey::chosen:
                    if (on_row && view.rows[*at].part.resizable) {
                        editing = view.rows[*at].part.number;
                        field.set_text({});
                    } else if (on_row) {
                        (void)flow_.set_size(view.rows[*at].part.number, {});  // says why it keeps its size
                    } else {
                        show_message(terminal_, title, "Planning the restore with these sizes (nothing is written yet)...");
                        flow_.use_sizes();
                        if (flow_.step() != RestoreStep::sizes) return std::nullopt;
                    }
                    break;
                case ListKey::moved:
                case ListKey::ignored: break;
            }
        }
        view = flow_.sizes_view();
        list.set_items(size_lines(flow_, view), list.cursor().value_or(0));
    }
}

std::optional<ScreenExit> RestoreScreens::confirm() {
    TextField field(32);
    const auto& target = flow_.target();
    auto draw = [&] {
        draw_frame(terminal_, "Restore: confirm", "Type the name, then Enter  Esc: back (nothing is written)");
        const int width = terminal_.cols() - 4;
        int y = kContentTop + 1;
        y += draw_wrapped(terminal_, y, 2,
                          "Everything on " + target.name + " (" + human_size(target.size) +
                              (target.model.empty() ? "" : ", " + target.model) + ") will be erased and replaced by " +
                              image_name() + ".",
                          width, 4, Style::warning);
        ++y;
        y += draw_wrapped(terminal_, y, 2, "To go ahead, type the disk's name: " + flow_.confirmation_word(), width, 2);
        ++y;
        draw_text(terminal_, y, 2, "Disk name:", Style::plain);
        draw_text_field(terminal_, field, y, 13, kFieldWidth);
        y += 2;
        if (!flow_.confirm_problem().empty()) draw_wrapped(terminal_, y, 2, flow_.confirm_problem(), width, 4, Style::warning);
    };
    for (;;) {
        const auto key = next_key(terminal_, draw);
        if (!key) return ScreenExit::signal;
        switch (field.handle_key(*key)) {
            case FieldKey::cancelled: flow_.back(); return std::nullopt;
            case FieldKey::submitted:
                if (flow_.type_confirmation(field.text())) return std::nullopt;
                field.set_text({});
                break;
            case FieldKey::changed:
            case FieldKey::ignored: break;
        }
    }
}

void RestoreScreens::draw_progress() {
    const ProgressView& p = flow_.progress();
    draw_frame(terminal_, "Restore: writing " + image_name() + " to " + flow_.target().name,
               p.cancelling ? "Stopping: waiting for the restore to reach a safe point..."
                            : "Esc: cancel (asks first)");
    const int width = terminal_.cols() - 4;
    const int bar = std::max(width - 10, 10);
    int y = kContentTop + 1;
    draw_text(terminal_, y++, 2, "Step: " + (p.step.empty() ? std::string("starting") : p.step), Style::heading);
    ++y;
    draw_text(terminal_, y, 2, "Overall");
    draw_progress_bar(terminal_, y++, 12, bar, p.fraction());
    draw_text(terminal_, y++, 12, human_size(p.done) + " of " + human_size(p.total));
    ++y;
    if (!p.item.empty()) {
        draw_text(terminal_, y, 2, "Part");
        draw_progress_bar(terminal_, y++, 12, bar, p.item_fraction());
        draw_text(terminal_, y++, 12, p.item + ": " + human_size(p.item_done) + " of " + human_size(p.item_total));
        ++y;
    }
    draw_text(terminal_, y++, 2, progress_numbers(p));
    ++y;
    if (p.cancelling)
        y += draw_wrapped(terminal_, y, 2, "Cancelling: the restore stops after the part it is writing.", width, 2,
                          Style::warning);
    draw_notes(terminal_, y, 2, width, p.notes, kNotesShown);
}

std::optional<ScreenExit> RestoreScreens::running() {
    return run_progress_screen(terminal_, flow_, {"Stop the restore?", "Stop the restore"}, [&] { draw_progress(); },
                               [&] { return deliver(); });
}

std::optional<ScreenExit> RestoreScreens::dialog() {
    const Dialog* d = flow_.dialog();
    if (!show_flow_dialog(terminal_, d->title, d->reason, d->what_to_do)) return ScreenExit::signal;
    flow_.dismiss_dialog();
    return std::nullopt;
}

void RestoreScreens::draw_result(const DialogModel& buttons) {
    const RestoreOutcome* o = flow_.outcome();
    const bool cancelled = !o->success && o->error.code == imager::Errc::cancelled;
    // Restored in full; only growing the filesystem, which was asked for, did not happen.
    const bool not_grown = !o->success && o->error.code == imager::Errc::resize_failed;
    draw_frame(terminal_,
               o->success  ? "Restore finished"
               : cancelled ? "Restore cancelled"
               : not_grown ? "Restore finished, not grown"
                           : "Restore failed",
               "Left/Right/Tab: choose  Enter: do it");
    const int width = terminal_.cols() - 4;
    const int last = terminal_.rows() - 4;
    int y = kContentTop + 1;
    auto para = [&](const std::string& text, Style style = Style::plain) {
        if (y < last) y += draw_wrapped(terminal_, y, 2, text, width, last - y, style) + 1;
    };
    if (o->success) {
        para("The restore finished: " + human_size(o->report.data_bytes) + " of data and " +
             human_size(o->report.zero_bytes) + " of zeros written in " + clock_text(o->report.seconds) + ".");
        para("Every chunk's checksum was checked as it was read from the image: the data written is the data captured.");
        para(o->disk_condition);
        for (const auto& note : o->notes) para(note);
        para("Remove the rescue disk and reboot to start the restored system.");
    } else {
        para((cancelled   ? "The restore was stopped. "
              : not_grown ? "The restore finished, but "
                          : "The restore failed: ") +
                 o->error.message(),
             Style::warning);
        para("Condition of " + flow_.target().name + ": " + o->disk_condition, Style::warning);
        if (!o->what_to_do.empty()) para("What to do: " + o->what_to_do);
    }
    para(o->log_path.empty() ? "No log could be written." : "Log: " + o->log_path + " (readable from Shell)");
    draw_text(terminal_, terminal_.rows() - 3, 2, buttons.buttons_line(), Style::plain);
}

std::optional<ScreenExit> RestoreScreens::result() {
    DialogModel buttons = result_buttons();
    const ScreenExit exit = result_exit(wait_for_button(terminal_, buttons, [&] { draw_result(buttons); }));
    if (exit != ScreenExit::back) return exit;
    flow_.back();
    return std::nullopt;
}

}  // namespace

ScreenExit run_restore_screens(Terminal& terminal) {
    auto core = make_restore_core();
    RestoreFlow flow(*core);
    RestoreScreens screens(terminal, flow, *core);
    const ScreenExit exit = screens.run();
    if (exit != ScreenExit::signal)
        show_message(terminal, "Restore", "Unmounting the filesystems Lifeboat opened...");
    return exit;  // the core's destructor waits for a running restore and unmounts
}

}  // namespace recovery
