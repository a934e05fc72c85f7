// The Capture flow's steps and the words of its dialogs. The core decides
// what a capture stores and how big it can get; this model decides what the
// person sees, which destination is offered, and when the core is asked.
#include "capture_flow.hpp"

#include <algorithm>
#include <cctype>

namespace recovery {

namespace {

using imager::Errc;
using imager::devices::human_size;

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

// "sdc1 (ext4, BACKUP)", or the network store's folder URL
std::string destination_title(const CaptureDestination& d) {
    if (!d.store.empty()) return d.store;
    std::string text = d.name + " (" + d.filesystem;
    if (!d.label.empty()) text += ", " + d.label;
    return text + ")";
}

// What to do after an error the core gave no hint for.
std::string default_hint(Errc code) {
    switch (code) {
        case Errc::no_space: return "Free space on the destination, or choose another one with more room.";
        case Errc::io: return "A disk did not read or write: the source or the destination may be failing. The log has the details.";
        case Errc::permission: return "Lifeboat needs to run as root to read disks.";
        case Errc::not_found: return "The disk is gone: was it unplugged? Choose the source again.";
        case Errc::damaged_image: return "The image did not pass its check: capture again, to another destination if it happens again.";
        case Errc::cancelled: return "Nothing was kept. Capture again when you are ready.";
        default: return "The log has the details.";
    }
}


}  // namespace

std::optional<std::size_t> pick_destination(const std::vector<DestinationChoice>& choices, std::string& reason) {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < choices.size(); ++i) {
        const auto& c = choices[i];
        if (!c.why_not.empty() || !c.has_room) continue;
        if (!best || c.destination.free_bytes > choices[*best].destination.free_bytes) best = i;
    }
    reason.clear();
    if (!best) return best;
    const auto& d = choices[*best].destination;
    std::size_t usable = 0;
    for (const auto& c : choices) usable += c.why_not.empty() && c.has_room ? 1 : 0;
    reason = destination_title(d) + ": " + human_size(d.free_bytes) + " free, " +
             (usable > 1 ? "the most of any other disk" : "the only other disk with room");
    return best;
}

std::string default_image_name(const std::string& host, const std::string& date) {
    std::string name = host.empty() ? std::string("lifeboat") : host;
    for (auto& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
    if (name.size() > 40) name.resize(40);
    return date.empty() ? name : name + "-" + date;
}

std::string image_name_problem(const std::string& name) {
    if (name.empty()) return "Type a name for the image.";
    if (name.size() > 64) return "The name is too long: 64 characters at most.";
    if (name.front() == '.') return "The name cannot start with a dot.";
    for (const char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
            return "Use only letters, digits, '.', '-' and '_' in the name (no spaces or '/').";
    return {};
}

CaptureFlow::CaptureFlow(CaptureCore& core, Clock clock) : core_(core), clock_(std::move(clock)) {
    if (!clock_) clock_ = steady_seconds;
}

void CaptureFlow::open() {
    step_ = CaptureStep::choose_source;
    sources_.clear();
    disks_problem_.clear();
    auto disks = core_.list_disks();
    if (!disks) {
        disks_problem_ = "The disks could not be listed (" + disks.error().message() +
                         "). Press Esc and try again; the log has the details.";
        return;
    }
    const std::string boot = core_.boot_device();
    for (auto& d : *disks) {
        // A loop over a disk (the wizard's own mounts) is that disk's bytes again, never a source.
        if (d.backed_by_device) continue;
        SourceChoice c{std::move(d), {}, {}};
        if (!boot.empty() && (c.disk.path == boot || c.disk.name == boot))
            c.why_not = "Lifeboat started from this disk; capture the computer's own disks.";
        else if (c.disk.size == 0)
            c.why_not = "This disk is empty (no medium): insert one and look again.";
        else if (!c.disk.probe_error.empty())
            c.why_not = "Its contents cannot be read (" + c.disk.probe_error + "): it may be failing.";
        else if (c.disk.in_use())
            c.warning = "Something on it is mounted: files that change during the capture may be inconsistent.";
        sources_.push_back(std::move(c));
    }
}

void CaptureFlow::choose_source(const std::string& disk_path) {
    const auto it = std::ranges::find(sources_, disk_path, [](const SourceChoice& c) { return c.disk.path; });
    if (it == sources_.end()) {
        show_dialog({"Disk not found", disk_path + " is not in the list of disks.",
                     "Choose a disk from the list; if one was unplugged, go back and look again.",
                     CaptureStep::choose_source});
        return;
    }
    if (!it->why_not.empty()) {
        show_dialog({it->disk.name + " cannot be captured", it->why_not, "Choose another disk.", CaptureStep::choose_source});
        return;
    }
    source_ = it->disk;
    auto estimate = core_.estimate(source_.path);
    if (!estimate) {
        const auto& e = estimate.error();
        show_dialog({"Cannot read " + source_.name, e.message(),
                     e.hint.empty() ? default_hint(e.code) : e.hint, CaptureStep::choose_source});
        return;
    }
    estimate_ = std::move(*estimate);
    load_destinations();
}

void CaptureFlow::load_destinations() {
    destination_problems_.clear();
    auto found = core_.find_destinations(source_.path, destination_problems_);
    destinations_.clear();
    for (auto& d : found) {
        DestinationChoice c{std::move(d), false, {}};
        c.has_room = c.destination.free_bytes >= estimate_.max_image_bytes;
        if (c.destination.disk == source_.path)
            c.why_not = "It is on the disk being captured.";
        else if (!c.has_room)
            c.why_not = "Only " + human_size(c.destination.free_bytes) + " free; the image may need up to " +
                        human_size(estimate_.max_image_bytes) + ".";
        destinations_.push_back(std::move(c));
    }
    suggested_ = pick_destination(destinations_, suggestion_reason_);
    if (suggested_) {
        step_ = CaptureStep::choose_destination;
        return;
    }
    // Back to the destinations, where a network store is still offered.
    const std::string need = human_size(estimate_.max_image_bytes);
    if (destinations_.empty())
        show_dialog({"Nowhere to write the image",
                     "No other disk has a filesystem Lifeboat can write to.",
                     "Choose Network image store on the next screen, or plug in a USB disk with a filesystem "
                     "(ext4, FAT, exFAT or NTFS) and at least " + need + " free, then choose the source again.",
                     CaptureStep::choose_destination});
    else
        show_dialog({"No room for the image",
                     "The image of " + source_.name + " may need up to " + need + " (about " +
                         human_size(estimate_.estimated_image_bytes) +
                         " expected), and no filesystem on another disk has that much free.",
                     "Choose Network image store on the next screen, or plug in a disk with at least " + need +
                         " free (or free space on one), then choose the source again.",
                     CaptureStep::choose_destination});
}

void CaptureFlow::choose_destination(std::size_t index) {
    if (index >= destinations_.size()) return;
    const auto& c = destinations_[index];
    if (c.destination.disk == source_.path) {
        show_dialog({"Not on the disk being captured",
                     destination_title(c.destination) + " is on " + source_.name +
                         ", the disk being captured: the image would hold itself, half written.",
                     "Choose a filesystem on another disk, e.g. a USB disk.", CaptureStep::choose_destination});
        return;
    }
    if (!c.has_room) {
        show_dialog({"Not enough room on " + c.destination.name,
                     c.why_not + " Chunks that do not compress are stored as they are, so that much must be free.",
                     "Choose a destination with more free space, or free space on this one.",
                     CaptureStep::choose_destination});
        return;
    }
    use_destination(c.destination);
}

void CaptureFlow::choose_store(const std::string& folder_url) {
    CaptureDestination d;
    d.name = folder_url;
    d.filesystem = "network store";
    d.store = folder_url;
    use_destination(std::move(d));
}

void CaptureFlow::use_destination(CaptureDestination d) {
    destination_ = std::move(d);
    if (default_name_.empty()) default_name_ = default_image_name(core_.host_name(), core_.today());
    if (name_.empty()) name_ = default_name_;
    name_problem_.clear();
    step_ = CaptureStep::name_and_note;
}

std::string CaptureFlow::image_path_for(const std::string& name) const {
    // On a store the person chose the folder itself; on a disk, its lifeboat/ folder.
    const bool store = !destination_.store.empty();
    const std::string& folder = store ? destination_.store : destination_.mountpoint;
    return folder + (folder.ends_with('/') ? "" : "/") + (store ? "" : "lifeboat/") + name + ".lbi";
}

bool CaptureFlow::set_name_and_note(const std::string& name, const std::string& note) {
    const std::string wanted = trim(name);
    name_problem_ = image_name_problem(wanted);
    if (!name_problem_.empty()) return false;
    name_ = wanted;
    note_ = trim(note);
    if (core_.image_exists(image_path())) {
        show_dialog({"An image named " + name_ + " exists",
                     destination_.name + " already holds " + image_path() + " (or an unfinished copy of it).",
                     "Type another name, or choose another destination.", CaptureStep::name_and_note});
        return false;
    }
    level_problem_.clear();
    step_ = CaptureStep::level;
    return true;
}

bool CaptureFlow::set_level(int level) {
    if (level < 1 || level > 19) {
        level_problem_ = "The level must be 1 (fastest) to 19 (smallest); 3 is a good balance.";
        return false;
    }
    level_ = level;
    level_problem_.clear();
    step_ = CaptureStep::summary;
    return true;
}

std::vector<std::string> CaptureFlow::summary_lines() const {
    std::vector<std::string> lines;
    std::string source = "Source:      " + source_.name + ", " + human_size(source_.size);
    if (!source_.model.empty()) source += ", " + source_.model;
    lines.push_back(source);
    for (const auto& p : estimate_.parts) {
        if (p.role == imager::format::StreamRole::gap) continue;
        std::string line = "             " + imager::format::part_name(p.role, p.partition) + ": " +
                           (p.filesystem.empty() ? std::string("raw") : p.filesystem);
        if (!p.label.empty()) line += " '" + p.label + "'";
        line += ", " + human_size(p.used_bytes) + " used of " + human_size(p.size);
        lines.push_back(line);
    }
    lines.push_back("Used bytes:  " + human_size(estimate_.used_bytes) + " to read");
    lines.push_back("Image:       about " + human_size(estimate_.estimated_image_bytes) + " (at most " +
                    human_size(estimate_.max_image_bytes) + ")");
    lines.push_back("Destination: " + destination_title(destination_) + ", " +
                    (destination_.store.empty() ? human_size(destination_.free_bytes) + " free"
                                                : std::string("a network store (its free space is not known here)")));
    lines.push_back("File:        " + image_path());
    lines.push_back("Note:        " + (note_.empty() ? std::string("(none)") : note_));
    lines.push_back("Level:       " + std::to_string(level_) + " (1 fastest .. 19 smallest)");
    lines.push_back("Afterwards the image is read back and checked.");
    for (const auto& s : sources_)
        if (s.disk.path == source_.path && !s.warning.empty()) lines.push_back("Warning:     " + s.warning);
    return lines;
}

void CaptureFlow::start() {
    if (step_ != CaptureStep::summary) return;
    // Listed from a read-only mount: only now, and only this one, is made writable.
    if (auto writable = destination_.store.empty() ? core_.make_writable(destination_) : imager::Status{}; !writable) {
        const auto& e = writable.error();
        show_dialog({"Cannot write to " + destination_.name,
                     destination_title(destination_) + " could not be mounted for writing: " + e.message() +
                         ". Nothing was written.",
                     e.hint.empty() ? "Choose another destination; the log has the details." : e.hint,
                     CaptureStep::choose_destination});
        return;
    }
    imager::CaptureOptions o;
    o.source = source_.path;
    o.image = image_path();
    o.level = level_;
    o.note = note_;
    o.verify = true;
    progress_.start(clock_());
    step_ = CaptureStep::running;
    core_.start(o, *this);
}

void CaptureFlow::on_progress(const imager::ProgressUpdate& u) { progress_.update(u, clock_()); }

void CaptureFlow::on_note(std::string_view message) { progress_.note(message); }

void CaptureFlow::on_finished(const imager::Result<imager::CaptureReport>& result) {
    outcome_ = {};
    outcome_.image_path = image_path();
    outcome_.log_path = core_.log_path();
    progress_.finish(clock_());
    if (result) {
        outcome_.success = true;
        outcome_.report = *result;
        outcome_.ratio = result->image_bytes == 0
                             ? 0.0
                             : static_cast<double>(result->used_bytes) / static_cast<double>(result->image_bytes);
        if (!result->verified)
            outcome_.what_to_do = "The image is complete but was not checked: Verify it from the start screen.";
    } else {
        outcome_.error = result.error();
        outcome_.what_to_do = result.error().code == Errc::cancelled
                                  ? "The partial image was removed; nothing else changed. Capture again when you are ready."
                                  : !result.error().hint.empty() ? result.error().hint : default_hint(result.error().code);
    }
    step_ = CaptureStep::result;
}

void CaptureFlow::request_cancel() {
    if (step_ == CaptureStep::running && !progress_.cancelling) step_ = CaptureStep::cancel_confirm;
}

std::string CaptureFlow::cancel_question() const {
    if (progress_.step == "verify")
        return "The image is complete and being checked. Stopping now keeps it unchecked: you can verify it later "
               "from the start screen. Stop?";
    return "Stop the capture? The partial image on " + destination_.name +
           " will be removed; the source disk is not changed.";
}

void CaptureFlow::confirm_cancel() {
    if (step_ != CaptureStep::cancel_confirm) return;
    progress_.cancelling = true;
    step_ = CaptureStep::running;
    core_.cancel();
}

void CaptureFlow::keep_going() {
    if (step_ == CaptureStep::cancel_confirm) step_ = CaptureStep::running;
}

void CaptureFlow::show_dialog(CaptureDialog d) {
    dialog_ = std::move(d);
    step_ = CaptureStep::dialog;
}

void CaptureFlow::dismiss_dialog() {
    if (step_ != CaptureStep::dialog) return;
    step_ = dialog_.back_to;
    if (step_ == CaptureStep::choose_source) open();  // look again: a disk may have been plugged in
}

void CaptureFlow::close() {
    if (step_ == CaptureStep::result) step_ = CaptureStep::closed;
}

void CaptureFlow::back() {
    switch (step_) {
        case CaptureStep::choose_source: step_ = CaptureStep::closed; break;
        case CaptureStep::choose_destination: open(); break;
        case CaptureStep::name_and_note: step_ = CaptureStep::choose_destination; break;
        case CaptureStep::level: step_ = CaptureStep::name_and_note; break;
        case CaptureStep::summary: step_ = CaptureStep::level; break;
        case CaptureStep::cancel_confirm: step_ = CaptureStep::running; break;
        case CaptureStep::dialog: dismiss_dialog(); break;
        case CaptureStep::result: step_ = CaptureStep::closed; break;
        case CaptureStep::running:
        case CaptureStep::closed: break;
    }
}

}  // namespace recovery
