// The Restore flow's steps and the words of its dialogs. Every check that
// protects a disk is the core's (plan, then again before the first write);
// this model only decides what the person sees and when the core is asked.
#include "restore_flow.hpp"

#include <algorithm>
#include <iterator>

namespace recovery {

namespace {

using imager::Errc;
using imager::devices::human_size;

bool under(const std::string& path, const std::string& mountpoint) {
    if (mountpoint.empty()) return false;
    if (mountpoint == "/") return true;
    return path.size() > mountpoint.size() && path.compare(0, mountpoint.size(), mountpoint) == 0 &&
           path[mountpoint.size()] == '/';
}

// The disk whose mount point is the longest prefix of `image`: the one it is
// read from. (Every disk matches "/" on a live system; the deepest mount wins.)
int disk_holding(const std::vector<TargetChoice>& targets, const std::string& image) {
    int best = -1;
    std::size_t best_length = 0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& d = targets[i].disk;
        std::vector<std::string> points = d.mountpoints;
        for (const auto& p : d.partitions) points.insert(points.end(), p.mountpoints.begin(), p.mountpoints.end());
        for (const auto& m : points)
            if (under(image, m) && m.size() + 1 > best_length) {
                best = static_cast<int>(i);
                best_length = m.size() + 1;
            }
    }
    return best;
}

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

// What to do after an error the core gave no hint for.
std::string default_hint(Errc code) {
    switch (code) {
        case Errc::damaged_image: return "The image is damaged: restore another version, or verify this one from the start screen.";
        case Errc::io: return "A disk did not read or write: the target or the disk holding the image may be failing. The log has the details.";
        case Errc::permission: return "Lifeboat needs to run as root to write to disks.";
        case Errc::not_found: return "The image or the disk is gone: was a disk unplugged? Look at the list again.";
        case Errc::unsupported: return "This image needs a newer Lifeboat: start the computer from a newer rescue disk.";
        default: return "The log has the details.";
    }
}

// A refusal in the sizes screen's words: what is wrong, then what to do.
std::string with_hint(const imager::Error& e) { return e.message() + (e.hint.empty() ? "" : "\n" + e.hint); }

// The bytes after the last partition of `l` on a disk of `disk_bytes` that stay in none.
std::uint64_t unused_after_partitions(const imager::disk::DiskLayout& l, std::uint64_t disk_bytes) {
    if (l.partitions.empty()) return 0;
    const auto g = imager::disk::table_geometry(l.label, disk_bytes, l.logical_sector_size);
    std::uint64_t end = 0;  // one past the last partition's last sector
    for (const auto& p : l.partitions) end = std::max(end, p.end_sector + 1);
    return g.last_usable >= end ? (g.last_usable + 1 - end) * l.logical_sector_size : 0;
}

}  // namespace

bool is_target_refusal(Errc code) {
    switch (code) {
        case Errc::target_refused:
        case Errc::target_in_use:
        case Errc::target_holds_image:
        case Errc::sector_size_mismatch:
        case Errc::target_is_boot_medium:
        case Errc::target_changed:
        case Errc::no_space: return true;
        default: return false;
    }
}

Dialog refusal_dialog(const imager::Error& error, const imager::devices::Device& target,
                      const imager::discovery::ImageContents& contents) {
    const std::string disk = target.name.empty() ? target.path : target.name;
    Dialog d;
    d.code = error.code;
    d.back_to = RestoreStep::choose_target;
    d.title = disk + " cannot be used";
    switch (error.code) {
        case Errc::target_in_use:
            d.reason = "Something on " + disk + " is in use: a partition is mounted or used as swap.";
            d.what_to_do = "Choose another disk, or open the Shell, unmount it and try again.";
            break;
        case Errc::target_holds_image:
            d.reason = "The image is stored on " + disk + ": restoring onto it would overwrite the image while reading it.";
            d.what_to_do = "Choose another disk, or copy the image to another disk first.";
            break;
        case Errc::sector_size_mismatch:
            d.reason = disk + " uses " + std::to_string(target.logical_sector_size) +
                       "-byte sectors; the image was taken from a disk with " +
                       std::to_string(contents.manifest.source.logical_sector_size) + "-byte sectors.";
            d.what_to_do =
                "Choose a disk with " + std::to_string(contents.manifest.source.logical_sector_size) + "-byte sectors.";
            break;
        case Errc::target_is_boot_medium:
            d.reason = disk + " is the disk Lifeboat started from.";
            d.what_to_do = "Choose the computer's own disk.";
            break;
        case Errc::target_changed:
            d.reason = disk + " is not the disk you chose: its size or serial number changed (was a disk unplugged or swapped?).";
            d.what_to_do = "Look at the list of disks again and choose again.";
            break;
        case Errc::no_space:
            d.reason = disk + " (" + human_size(target.size) + ") is too small for this image, which needs " +
                       human_size(needed_size(contents)) + ".";
            d.what_to_do = "Choose a disk of at least " + human_size(needed_size(contents)) + ".";
            break;
        case Errc::target_refused:
            d.reason = "Lifeboat will not write to " + disk + ".";
            d.what_to_do = "Choose another disk.";
            break;
        default:
            d.title = "The restore cannot start";
            d.reason = error.message();
            d.what_to_do = error.hint.empty() ? default_hint(error.code) : error.hint;
            d.back_to = RestoreStep::image_contents;
            break;
    }
    // The core's words too: they name the mount, the sizes, the device node.
    if (d.back_to == RestoreStep::choose_target) d.reason += "\n(" + error.message() + ")";
    return d;
}

std::uint64_t needed_size(const imager::discovery::ImageContents& contents) {
    return imager::fit_image(contents.manifest, 0, {}).needed_bytes;
}

std::optional<std::size_t> suggest_target(const std::vector<TargetChoice>& targets,
                                          const imager::discovery::ImageContents& contents, std::string& reason) {
    const auto& serial = contents.entry.source_serial;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        if (!serial.empty() && t.same_serial && !t.holds_image && !t.disk.read_only) {
            reason = "It is the disk this image was taken from (serial " + serial + ").";
            return i;
        }
    }
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        if (!t.big_enough || t.holds_image || t.disk.read_only) continue;
        if (!best || t.disk.size < targets[*best].disk.size) best = i;
    }
    reason = best ? "It is the smallest disk with room for the image (" + human_size(needed_size(contents)) + ")."
                  : "No disk has room for the image (" + human_size(needed_size(contents)) + ").";
    return best;
}

RestoreFlow::RestoreFlow(RestoreCore& core, Clock clock)
    : core_(core), clock_(clock ? std::move(clock) : Clock(steady_seconds)) {}

void RestoreFlow::open() {
    catalog_ = core_.find_images();
    step_ = RestoreStep::choose_image;
}

void RestoreFlow::show_dialog(Dialog d) {
    dialog_ = std::move(d);
    step_ = RestoreStep::dialog;
}

void RestoreFlow::choose_image(const std::string& path) {
    for (const auto& bad : catalog_.unreadable)
        if (bad.path == path) {
            show_dialog({"This image cannot be used", path + ": " + bad.problem,
                         "Choose another version. A damaged or unfinished image cannot be restored.",
                         Errc::damaged_image, RestoreStep::choose_image});
            return;
        }
    auto contents = core_.read_contents(path);
    if (!contents) {
        const auto& e = contents.error();
        show_dialog({"This image cannot be used", e.message(), e.hint.empty() ? default_hint(e.code) : e.hint, e.code,
                     RestoreStep::choose_image});
        return;
    }
    contents_ = std::move(*contents);
    step_ = RestoreStep::image_contents;
}

void RestoreFlow::load_targets() {
    targets_.clear();
    suggested_.reset();
    auto disks = core_.list_disks();
    if (!disks) {
        suggestion_reason_ = "The disks could not be listed: " + disks.error().message();
        return;
    }
    // A disk smaller than the image needs may still take it once its filesystems
    // shrink: measured (seconds, once per image) rather than guessed, when a
    // disk could take it with every filesystem shrunk to what it uses (a small
    // USB stick cannot: no need to measure). Should the measuring fail, the
    // marks are estimates and the plan says what is wrong.
    const std::uint64_t needed = needed_size(contents_);
    std::map<int, std::uint64_t> used_only;
    for (const auto& p : imager::image_partitions(contents_.manifest)) used_only[p.number] = p.used;
    if (can_choose_sizes() && std::ranges::any_of(*disks, [&](const auto& d) {
            return d.size < needed && imager::fit_image(contents_.manifest, d.size, options(true), used_only).fits;
        }))
        (void)measure_minimums();
    for (auto& d : *disks) {
        // A loop over a disk (the wizard's own mounts) is that disk's bytes again, never a target.
        if (d.backed_by_device) continue;
        TargetChoice t;
        t.big_enough = imager::fit_image(contents_.manifest, d.size, options(true), measured_minimums()).fits;
        t.same_serial = !d.serial.empty() && d.serial == contents_.entry.source_serial;
        t.disk = std::move(d);
        targets_.push_back(std::move(t));
    }
    if (const int holder = disk_holding(targets_, contents_.entry.path); holder >= 0)
        targets_[static_cast<std::size_t>(holder)].holds_image = true;
    suggested_ = suggest_target(targets_, contents_, suggestion_reason_);
}

void RestoreFlow::show_targets() {
    if (step_ != RestoreStep::image_contents) return;
    load_targets();
    step_ = RestoreStep::choose_target;
}

imager::RestoreOptions RestoreFlow::options(bool dry_run) const {
    auto o = options_with(sizes_);
    o.dry_run = dry_run;
    return o;
}

imager::RestoreOptions RestoreFlow::options_with(const std::map<int, std::uint64_t>& sizes) const {
    imager::RestoreOptions o;
    o.image = contents_.entry.path;
    o.target = target_.path;
    o.dry_run = true;
    o.assume_yes = true;  // the person typed the disk's name here, not at the core's prompt
    // The core refuses the disk if it is not the one shown (unplugged, swapped).
    o.expect_size = target_.size;
    o.expect_serial = target_.serial;
    o.grow = grow_;
    o.grow_control = "the G key";  // the plan's notes name what this screen offers, not the CLI's --grow
    o.sizes = sizes;
    o.size_control = "the sizes screen (S)";
    return o;
}

void RestoreFlow::choose_target(const std::string& disk_path) {
    if (step_ != RestoreStep::choose_target) return;
    const auto it = std::find_if(targets_.begin(), targets_.end(),
                                 [&](const TargetChoice& t) { return t.disk.path == disk_path; });
    if (it == targets_.end()) return;
    target_ = it->disk;
    grow_ = false;
    sizes_.clear();  // sizes chosen for another disk
    auto plan = core_.plan(options(true));
    if (!plan) {
        show_dialog(refusal_dialog(plan.error(), target_, contents_));
        return;
    }
    plan_text_ = std::move(*plan);
    step_ = RestoreStep::show_plan;
}

imager::TargetFit RestoreFlow::fit() const {
    return imager::fit_image(contents_.manifest, target_.size, options(true), measured_minimums());
}

const std::map<int, std::uint64_t>& RestoreFlow::measured_minimums() const {
    static const std::map<int, std::uint64_t> none;
    return minimums_of_ == contents_.entry.path ? minimums_ : none;
}

imager::Status RestoreFlow::measure_minimums() {
    if (minimums_of_ == contents_.entry.path) return {};
    auto measured = core_.measure_minimums(contents_.entry.path);
    if (!measured) return std::unexpected(measured.error());
    minimums_ = std::move(*measured);
    minimums_of_ = contents_.entry.path;
    return {};
}

const imager::format::Stream* RestoreFlow::part_to_grow() const {
    constexpr std::uint64_t kMiB = 1 << 20;  // less is alignment slack, not room
    const auto f = fit();
    if (f.last_partition == 0 || f.room_after_last < kMiB) return nullptr;
    return contents_.manifest.partition_stream(f.last_partition);
}

std::uint64_t RestoreFlow::room_to_grow() const { return part_to_grow() ? fit().room_after_last : 0; }

void RestoreFlow::toggle_grow() {
    if (step_ != RestoreStep::show_plan || (!grow_ && !part_to_grow())) return;
    grow_ = !grow_;
    auto plan = core_.plan(options(true));
    if (!plan) {
        grow_ = false;
        show_dialog(refusal_dialog(plan.error(), target_, contents_));
        return;
    }
    plan_text_ = std::move(*plan);
}

std::uint64_t RestoreFlow::unused_at_end() const {
    const auto f = fit();
    return f.layout ? unused_after_partitions(*f.layout, target_.size) : 0;
}

bool RestoreFlow::can_choose_sizes() const {
    return contents_.manifest.disk && !contents_.manifest.disk->partitions.empty();
}

void RestoreFlow::choose_sizes() {
    if (step_ != RestoreStep::show_plan || !can_choose_sizes()) return;
    if (auto measured = measure_minimums(); !measured) {
        const auto& e = measured.error();
        show_dialog({"The partition sizes cannot be changed", e.message(), e.hint.empty() ? default_hint(e.code) : e.hint,
                     e.code, RestoreStep::show_plan});
        return;
    }
    draft_ = sizes_;
    size_problem_.clear();
    step_ = RestoreStep::sizes;
}

SizesView RestoreFlow::sizes_view() const {
    SizesView view;
    const auto f = imager::fit_image(contents_.manifest, target_.size, options_with(draft_), measured_minimums());
    for (auto& part : imager::image_partitions(contents_.manifest, measured_minimums())) {
        SizeRow row;
        row.chosen = draft_.contains(part.number);
        if (f.fits && f.layout) {
            const unsigned ss = f.layout->logical_sector_size;
            for (const auto& p : f.layout->partitions)
                if (p.number == part.number) {
                    part.new_start = p.start_sector * ss;
                    part.new_size = p.sectors() * ss;
                }
        } else if (row.chosen) {
            part.new_size = draft_.at(part.number);
        }
        row.part = std::move(part);
        view.rows.push_back(std::move(row));
    }
    if (!f.fits) {
        const imager::Error e = f.refusal ? *f.refusal
                                          : imager::make_error(imager::Errc::no_space, target_.name + " is too small");
        view.refusal = with_hint(e);
    } else if (f.layout) {
        view.unused = unused_after_partitions(*f.layout, target_.size);
    }
    return view;
}

bool RestoreFlow::set_size(int number, std::string_view typed) {
    if (step_ != RestoreStep::sizes) return false;
    const auto parts = imager::image_partitions(contents_.manifest, measured_minimums());
    const auto part = std::ranges::find(parts, number, &imager::PartitionChange::number);
    if (part == parts.end()) return false;
    const std::string text = trim(typed);
    const std::uint64_t bytes = imager::devices::parse_size(text);
    size_problem_.clear();
    if (!part->resizable)
        size_problem_ = part->what + " keeps its size (" + part->fixed_because + ").";
    else if (bytes == 0)
        size_problem_ = "\"" + text + "\" is not a size: type one such as 25G, 25600M or 30.5G.";
    else if (bytes < part->minimum)
        size_problem_ = part->what + " needs at least " + human_size(part->minimum) + " (its filesystem uses " +
                        human_size(part->used) + ").";
    else if (bytes > target_.size)
        size_problem_ = target_.name + " holds only " + human_size(target_.size) + ".";
    if (!size_problem_.empty()) return false;
    draft_[number] = bytes;
    return true;
}

void RestoreFlow::automatic_size(int number) {
    if (step_ != RestoreStep::sizes) return;
    draft_.erase(number);
    size_problem_.clear();
}

void RestoreFlow::use_sizes() {
    if (step_ != RestoreStep::sizes) return;
    if (const auto view = sizes_view(); !view.refusal.empty()) {
        size_problem_ = view.refusal;
        return;
    }
    const auto before = sizes_;
    sizes_ = draft_;
    auto plan = core_.plan(options(true));
    if (!plan) {
        sizes_ = before;
        const auto& e = plan.error();
        size_problem_ = with_hint(e);
        return;
    }
    plan_text_ = std::move(*plan);
    size_problem_.clear();
    step_ = RestoreStep::show_plan;
}

void RestoreFlow::accept_plan() {
    if (step_ != RestoreStep::show_plan) return;
    confirm_problem_.clear();
    step_ = RestoreStep::confirm;
}

bool RestoreFlow::type_confirmation(std::string_view typed) {
    if (step_ != RestoreStep::confirm) return false;
    const std::string word = trim(typed);
    if (word.empty() || (word != target_.name && word != target_.path)) {
        confirm_problem_ = (word.empty() ? std::string("Nothing was typed") : "\"" + word + "\" is not " + target_.name) +
                           ": type " + target_.name + " to erase it and restore, or press Esc to go back.";
        return false;
    }
    confirm_problem_.clear();
    progress_.start(clock_());
    written_ = 0;
    step_ = RestoreStep::running;
    core_.start(options(false), *this);
    return true;
}

void RestoreFlow::on_progress(const imager::ProgressUpdate& update) {
    if (step_ != RestoreStep::running && step_ != RestoreStep::cancel_confirm) return;
    progress_.update(update, clock_());
    if (update.step == "restore") written_ = std::max(written_, update.done);
}

void RestoreFlow::on_note(std::string_view message) {
    if (step_ == RestoreStep::running || step_ == RestoreStep::cancel_confirm)
        progress_.note(message);
}

std::string RestoreFlow::condition_after_failure(const imager::Error& e) const {
    const std::string disk = target_.name;
    if (is_target_refusal(e.code)) return "Nothing was written: " + disk + " is as it was.";
    // The core's account (what it wrote, what not, the table) over the wizard's estimate.
    if (!e.aftermath.empty()) return e.aftermath + ".";
    if (written_ == 0)
        return disk + " may already be partly overwritten. Its old contents cannot be trusted and it will not start "
                      "until a restore finishes.";
    return disk + " is partly overwritten (" + human_size(written_) + " of " + human_size(progress_.total) +
           " written): its old contents are partly gone and it will not start until a restore finishes. "
           "The partition table is written last, so no new partitions exist yet.";
}

void RestoreFlow::on_finished(const imager::Result<imager::RestoreReport>& result) {
    if (step_ != RestoreStep::running && step_ != RestoreStep::cancel_confirm) return;
    outcome_ = {};
    outcome_.log_path = core_.log_path();
    if (result) {
        outcome_.success = true;
        outcome_.report = *result;
        // What the plan screen said already (the core repeats its plan's notes) is not news.
        std::ranges::copy_if(progress_.notes, std::back_inserter(outcome_.notes),
                             [&](const std::string& n) { return plan_text_.find(n) == std::string::npos; });
        outcome_.disk_condition = target_.name + " now holds the system from " + contents_.entry.path + ".";
        step_ = RestoreStep::result;
        return;
    }
    const auto& e = result.error();
    // The core checks the target again right before its first write; a
    // refusal there wrote nothing and another disk can be chosen.
    if (is_target_refusal(e.code)) {
        load_targets();
        show_dialog(refusal_dialog(e, target_, contents_));
        return;
    }
    outcome_.error = e;
    outcome_.what_to_do = e.hint.empty() ? default_hint(e.code) : e.hint;
    outcome_.disk_condition = condition_after_failure(e);
    step_ = RestoreStep::result;
}

std::string RestoreFlow::cancel_question() const {
    const std::string disk = target_.name;
    if (written_ == 0)
        return "Stop the restore? Writing to " + disk + " has begun or is about to: if you stop now, its old "
               "contents may be partly overwritten and it will not start until a restore finishes.";
    return "Stop the restore? " + disk + " is partly overwritten (" + human_size(written_) + " of " +
           human_size(progress_.total) + "): if you stop now, it will not start until a restore finishes.";
}

void RestoreFlow::request_cancel() {
    if (step_ == RestoreStep::running && !progress_.cancelling) step_ = RestoreStep::cancel_confirm;
}

void RestoreFlow::confirm_cancel() {
    if (step_ != RestoreStep::cancel_confirm) return;
    progress_.cancelling = true;
    step_ = RestoreStep::running;
    core_.cancel();
}

void RestoreFlow::keep_going() {
    if (step_ == RestoreStep::cancel_confirm) step_ = RestoreStep::running;
}

void RestoreFlow::dismiss_dialog() {
    if (step_ != RestoreStep::dialog) return;
    if (dialog_.code == Errc::target_changed) load_targets();  // the list shown is out of date
    step_ = dialog_.back_to;
}

void RestoreFlow::back() {
    switch (step_) {
        case RestoreStep::choose_image: step_ = RestoreStep::closed; break;
        case RestoreStep::image_contents: step_ = RestoreStep::choose_image; break;
        case RestoreStep::choose_target: step_ = RestoreStep::image_contents; break;
        case RestoreStep::show_plan: step_ = RestoreStep::choose_target; break;
        case RestoreStep::sizes:
        case RestoreStep::confirm: step_ = RestoreStep::show_plan; break;
        case RestoreStep::cancel_confirm: step_ = RestoreStep::running; break;
        case RestoreStep::dialog: dismiss_dialog(); break;
        case RestoreStep::result: step_ = RestoreStep::closed; break;
        case RestoreStep::running:
        case RestoreStep::closed: break;
    }
}

}  // namespace recovery
