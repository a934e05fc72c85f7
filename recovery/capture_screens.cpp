// The Capture screens: one function per step of CaptureFlow, drawn with the
// screen kit (ui_kit.hpp). The flow decides; these draw it and turn keys into
// its calls. The real core (CaptureCoreAdapter) mounts the destinations and
// runs the capture on a worker whose events are delivered between key polls.
#include "capture_screens.hpp"

#include "capture_core_adapter.hpp"
#include "capture_flow.hpp"
#include "flow_screens.hpp"
#include "network_store.hpp"
#include "progress_view.hpp"
#include "terminal.hpp"
#include "ui_kit.hpp"

#include <curses.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace recovery {

namespace {

using imager::devices::human_size;

constexpr const char* kListHint = "Up/Down: move  Enter: choose  Esc: back";
constexpr std::size_t kNotesShown = 3;

std::string disk_row(const SourceChoice& c) {
    const auto& d = c.disk;
    std::string row = d.path + "  " + human_size(d.size) + "  " + imager::devices::transport_name(d.transport);
    if (!d.table_type.empty()) row += "  " + d.table_type;
    if (!d.model.empty()) row += "  " + d.model;
    if (!c.why_not.empty()) row += "  (cannot be captured)";
    return row;
}

std::string part_line(const imager::devices::Partition& p) {
    std::string line = "  " + std::to_string(p.number) + "  " + (p.filesystem ? p.filesystem->type : std::string("-"));
    if (p.filesystem && !p.filesystem->label.empty()) line += "  " + p.filesystem->label;
    return line + "  " + human_size(p.size);
}

std::string destination_row(const DestinationChoice& c, bool picked) {
    const auto& d = c.destination;
    std::string row = d.name + "  " + d.filesystem + (d.label.empty() ? "" : "  " + d.label) + "  " +
                      human_size(d.free_bytes) + " free of " + human_size(d.size_bytes);
    if (picked) row += "  [picked]";
    else if (!c.why_not.empty()) row += "  (no room)";
    return row;
}

class CaptureScreens {
public:
    CaptureScreens(Terminal& terminal, CaptureCoreAdapter& core, CaptureFlow& flow)
        : t_(terminal), core_(core), flow_(flow) {}

    ScreenExit run() {
        for (;;) {
            std::optional<ScreenExit> exit;
            switch (flow_.step()) {
                case CaptureStep::choose_source: exit = choose_source(); break;
                case CaptureStep::choose_destination: exit = choose_destination(); break;
                case CaptureStep::name_and_note: exit = name_and_note(); break;
                case CaptureStep::level: exit = level(); break;
                case CaptureStep::summary: exit = summary(); break;
                case CaptureStep::running:
                case CaptureStep::cancel_confirm: exit = running(); break;
                case CaptureStep::dialog: exit = dialog(); break;
                case CaptureStep::result: exit = result(); break;
                case CaptureStep::closed: return ScreenExit::back;
            }
            if (exit) return *exit;
        }
    }

private:
    std::optional<ScreenExit> choose_source() {
        ListMenu list;
        std::vector<ListItem> items;
        for (const auto& s : flow_.sources()) items.push_back({disk_row(s), Style::disk, true});
        if (items.empty())
            items.push_back({flow_.disks_problem().empty() ? "No disks found." : flow_.disks_problem(), Style::note, false});
        list.set_items(items);
        const auto draw = [&] {
            draw_frame(t_, "Capture: choose the disk to capture", kListHint);
            draw_text(t_, kContentTop, 0, "Which disk should the image be taken of?", Style::heading);
            const int detail_rows = 7;
            list.set_height(content_height(t_.rows()) - 2 - detail_rows);
            draw_list(t_, list, kContentTop + 1);
            int y = kContentTop + 2 + list.height();
            if (const auto at = list.cursor(); at && *at < flow_.sources().size()) {
                const auto& s = flow_.sources()[*at];
                for (std::size_t i = 0; i < s.disk.partitions.size() && i < 3; ++i)
                    draw_text(t_, y++, 0, part_line(s.disk.partitions[i]), Style::partition);
                if (!s.why_not.empty()) y += draw_wrapped(t_, y, 0, "Cannot be captured: " + s.why_not, t_.cols(), 2, Style::warning);
                else if (!s.warning.empty()) y += draw_wrapped(t_, y, 0, s.warning, t_.cols(), 2, Style::warning);
            }
        };
        for (;;) {
            const auto key = next_key(t_, draw);
            if (!key) return ScreenExit::signal;
            switch (list.handle_key(*key)) {
                case ListKey::cancelled: flow_.back(); return std::nullopt;
                case ListKey::chosen:
                    if (const auto at = list.cursor(); at && *at < flow_.sources().size()) {
                        show_message(t_, "Capture", "Reading " + flow_.sources()[*at].disk.name +
                                                         " and looking for somewhere to write the image...");
                        flow_.choose_source(flow_.sources()[*at].disk.path);
                        return std::nullopt;
                    }
                    break;
                default: break;
            }
        }
    }

    std::optional<ScreenExit> choose_destination() {
        ListMenu list;
        std::vector<ListItem> items;
        for (std::size_t i = 0; i < flow_.destinations().size(); ++i)
            items.push_back({destination_row(flow_.destinations()[i], flow_.suggested_destination() == i), Style::partition, true});
        const std::size_t network_line = items.size();
        items.push_back({kNetworkStoreLine, Style::plain, true});
        list.set_items(items, flow_.suggested_destination().value_or(network_line));
        const auto& e = flow_.estimate();
        const std::string title = "Capture " + flow_.source().name + ": where to write the image";
        const auto draw = [&] {
            draw_frame(t_, title, kListHint);
            int y = kContentTop;
            y += draw_wrapped(t_, y, 0, "The image will be about " + human_size(e.estimated_image_bytes) + " (at most " +
                                            human_size(e.max_image_bytes) + ").", t_.cols(), 1);
            y += draw_wrapped(t_, y, 0,
                              flow_.suggested_destination() ? "Picked: " + flow_.suggestion_reason()
                                                            : "No other disk has room: a network store may.",
                              t_.cols(), 2, Style::heading);
            const int problems = static_cast<int>(std::min<std::size_t>(flow_.destination_problems().size(), 3));
            list.set_height(content_height(t_.rows()) - (y - kContentTop) - 1 - (problems > 0 ? problems + 1 : 0));
            draw_list(t_, list, y + 1);
            y += 2 + list.height();
            if (problems > 0) {
                draw_text(t_, y++, 0, "Not usable:", Style::note);
                for (int i = 0; i < problems; ++i) draw_text(t_, y++, 2, flow_.destination_problems()[static_cast<std::size_t>(i)], Style::note);
            }
        };
        for (;;) {
            const auto key = next_key(t_, draw);
            if (!key) return ScreenExit::signal;
            switch (list.handle_key(*key)) {
                case ListKey::cancelled: flow_.back(); return std::nullopt;
                case ListKey::chosen:
                    if (list.cursor() == network_line) {
                        if (auto folder = choose_network_folder(t_, title + " on a network store"))
                            flow_.choose_store(*folder);
                        else if (t_.pending_signal() != 0)
                            return ScreenExit::signal;
                    } else if (const auto at = list.cursor()) {
                        flow_.choose_destination(*at);
                    }
                    return std::nullopt;
                default: break;
            }
        }
    }

    std::optional<ScreenExit> name_and_note() {
        TextField name(64, flow_.name());
        TextField note(200, flow_.note());
        bool on_note = false;
        const auto draw = [&] {
            draw_frame(t_, "Capture " + flow_.source().name + ": name and note",
                       "Tab: next field  Enter: continue  Esc: back");
            int y = kContentTop + 1;
            draw_text(t_, y, 0, "Name:", on_note ? Style::plain : Style::heading);
            draw_text_field(t_, name, y, 7, t_.cols() - 8);
            y += 2;
            draw_text(t_, y, 0, "Note:", on_note ? Style::heading : Style::plain);
            draw_text_field(t_, note, y, 7, t_.cols() - 8);
            y += 2;
            y += draw_wrapped(t_, y, 0,
                              "Saved as " + flow_.image_path_for(name.text()) +
                                  (flow_.destination().store.empty() ? " on " + flow_.destination().name : std::string()) + ".",
                              t_.cols(), 3);
            draw_wrapped(t_, y + 1, 0, "The note is stored in the image: what state the computer was in, why it was taken.",
                         t_.cols(), 2, Style::note);
            if (!flow_.name_problem().empty())
                draw_wrapped(t_, y + 4, 0, flow_.name_problem(), t_.cols(), 2, Style::warning);
        };
        for (;;) {
            const auto key = next_key(t_, draw);
            if (!key) return ScreenExit::signal;
            if (*key == kKeyTab || *key == KEY_DOWN || *key == KEY_UP) {
                on_note = !on_note;
                continue;
            }
            switch ((on_note ? note : name).handle_key(*key)) {
                case FieldKey::cancelled: flow_.back(); return std::nullopt;
                case FieldKey::submitted:
                    if (flow_.set_name_and_note(name.text(), note.text()) || flow_.step() != CaptureStep::name_and_note)
                        return std::nullopt;
                    on_note = false;
                    break;
                default: break;
            }
        }
    }

    std::optional<ScreenExit> level() {
        TextField field(2, std::to_string(flow_.level()));
        std::string problem;
        const auto draw = [&] {
            draw_frame(t_, "Capture " + flow_.source().name + ": compression level", "Enter: continue  Esc: back");
            int y = kContentTop + 1;
            draw_text(t_, y, 0, "Level (1-19):");
            draw_text_field(t_, field, y, 14, 4);
            y += 2;
            y += draw_wrapped(t_, y, 0,
                              "1 is fastest, 19 makes the smallest image but takes far longer. 3 suits most disks; "
                              "9 or more when the destination is short of space.",
                              t_.cols(), 4, Style::note);
            if (!problem.empty()) draw_wrapped(t_, y + 1, 0, problem, t_.cols(), 2, Style::warning);
        };
        for (;;) {
            const auto key = next_key(t_, draw);
            if (!key) return ScreenExit::signal;
            switch (field.handle_key(*key)) {
                case FieldKey::cancelled: flow_.back(); return std::nullopt;
                case FieldKey::submitted: {
                    int value = 0;
                    for (const char c : field.text()) value = (c >= '0' && c <= '9') ? value * 10 + (c - '0') : -100;
                    if (field.text().empty()) value = 0;
                    if (flow_.set_level(value)) return std::nullopt;
                    problem = flow_.level_problem();
                    break;
                }
                default: break;
            }
        }
    }

    std::optional<ScreenExit> summary() {
        const auto draw = [&] {
            draw_frame(t_, "Capture " + flow_.source().name + ": ready", "Enter: start the capture  Esc: back");
            int y = kContentTop + 1;
            const int last = kContentTop + content_height(t_.rows()) - 1;
            for (const auto& line : flow_.summary_lines()) {
                if (y > last) break;
                // Lines that fit keep their column alignment; wrapping would fold the spaces.
                if (static_cast<int>(line.size()) <= t_.cols()) draw_text(t_, y++, 0, line);
                else y += draw_wrapped(t_, y, 0, line, t_.cols(), last - y + 1);
            }
        };
        for (;;) {
            const auto key = next_key(t_, draw);
            if (!key) return ScreenExit::signal;
            if (*key == kKeyEsc) {
                flow_.back();
                return std::nullopt;
            }
            if (is_enter_key(*key)) {
                flow_.start();
                return std::nullopt;
            }
        }
    }

    void draw_progress() {
        const auto& p = flow_.progress();
        draw_frame(t_, "Capturing " + flow_.source().name + " to " + flow_.destination().name,
                   p.cancelling ? "Stopping..." : "Esc: cancel");
        const int w = t_.cols();
        int y = kContentTop + 1;
        const std::string step = p.step.empty() ? "starting" : p.step == "verify" ? "2 of 2: checking the image"
                                                                                   : "1 of 2: capturing";
        draw_text(t_, y++, 0, "Step " + step, Style::heading);
        draw_text(t_, y++, 0, "Overall: " + human_size(p.done) + " of " + human_size(p.total));
        draw_progress_bar(t_, y++, 0, w, p.fraction());
        y++;
        if (!p.item.empty()) {
            draw_text(t_, y++, 0, "Now: " + p.item + ", " + human_size(p.item_done) + " of " + human_size(p.item_total));
            draw_progress_bar(t_, y++, 0, w, p.item_fraction());
            y++;
        }
        draw_text(t_, y++, 0, progress_numbers(p));
        draw_text(t_, y++, 0, "To: " + flow_.image_path(), Style::note);
        draw_notes(t_, y, 0, w, p.notes, kNotesShown);
    }

    std::optional<ScreenExit> running() {
        return run_progress_screen(t_, flow_, {"Stop the capture?", "Stop"}, [&] { draw_progress(); },
                                   [&] { return core_.deliver_events() > 0; });
    }

    std::optional<ScreenExit> dialog() {
        const auto* d = flow_.dialog();
        if (!show_flow_dialog(t_, d->title, d->reason, d->what_to_do)) return ScreenExit::signal;
        flow_.dismiss_dialog();
        return std::nullopt;
    }

    std::optional<ScreenExit> result() {
        const auto* o = flow_.outcome();
        std::vector<std::string> lines;
        std::string title;
        if (o->success) {
            title = "Capture finished";
            char ratio[32];
            std::snprintf(ratio, sizeof ratio, "%.1f:1", o->ratio);
            lines.push_back("The image is saved: " + o->image_path);
            lines.push_back("Size: " + human_size(o->report.image_bytes) + " from " + human_size(o->report.used_bytes) +
                            " used (" + ratio + ")");
            lines.push_back(o->report.verified ? "Verified: every chunk was read back and is whole."
                                               : "Not verified.");
        } else {
            title = o->error.code == imager::Errc::cancelled ? "Capture cancelled" : "Capture failed";
            lines.push_back(o->error.message());
        }
        if (!o->what_to_do.empty()) lines.push_back(o->what_to_do);
        lines.push_back("Log: " + (o->log_path.empty() ? std::string("(not written)") : o->log_path));
        DialogModel buttons = result_buttons();
        return result_exit(wait_for_button(t_, buttons, [&] {
            draw_frame(t_, title, "Left/Right/Tab: choose  Enter: do it");
            const int last = t_.rows() - 4;
            int y = kContentTop + 1;
            for (const auto& line : lines)
                if (y < last) y += draw_wrapped(t_, y, 0, line, t_.cols(), std::min(4, last - y)) + 1;
            draw_text(t_, t_.rows() - 3, 0, buttons.buttons_line(), Style::plain);
        }));
    }

    Terminal& t_;
    CaptureCoreAdapter& core_;
    CaptureFlow& flow_;
};

}  // namespace

ScreenExit run_capture_screens(Terminal& terminal) {
    show_message(terminal, "Capture a system image", "Looking for disks...");
    CaptureCoreAdapter core;
    CaptureFlow flow(core);
    flow.open();
    const ScreenExit exit = CaptureScreens(terminal, core, flow).run();
    if (core.running()) show_message(terminal, "Capture", "Stopping the capture and removing the partial image...");
    return exit;  // the adapter stops a running capture and unmounts the destinations
}

}  // namespace recovery
