// The Verify flow's steps and the words of its result. The checking is the
// core's; this model decides what the person sees and what they can do next.
#include "verify_flow.hpp"

#include "imager/devices.hpp"

namespace recovery {

namespace {

using imager::Errc;
using imager::devices::human_size;

std::string chunk_count(std::uint64_t chunks) {
    return std::to_string(chunks) + (chunks == 1 ? " chunk" : " chunks");
}

}  // namespace

VerifyOutcome verify_outcome(const std::string& image, const imager::Result<imager::VerifyReport>& result) {
    VerifyOutcome o;
    o.image = image;
    if (result) {
        o.kind = VerifyOutcome::Kind::whole;
        o.report = *result;
        o.headline = "The image is whole.";
        o.detail = "Every chunk checked: " + chunk_count(result->chunks) + ", " + human_size(result->data_bytes) +
                   " of data, all as they were captured.";
        o.what_to_do = "It can be used to restore.";
        o.mark = result->marked ? "Recorded as verified: the image lists show the date."
                 : result->mark_problem.empty()
                     ? std::string()
                     : "Whole, but this could not be noted for the image lists (they will not show "
                       "it as verified): " + result->mark_problem + ".";
        return o;
    }
    o.error = result.error();
    // The core's message names what is wrong: the damaged chunk with its
    // source offset and the volume file it is stored in, or the missing volume.
    o.detail = result.error().message();
    switch (result.error().code) {
        case Errc::damaged_image:
            o.kind = VerifyOutcome::Kind::damaged;
            o.headline = "The image is damaged.";
            o.what_to_do =
                "Do not restore from this image: a restore stops at the damaged part and leaves the disk "
                "unusable. Verify another copy of it (on another disk) and restore from that one, or capture "
                "the system again while it still starts.";
            break;
        case Errc::cancelled:
            o.kind = VerifyOutcome::Kind::cancelled;
            o.headline = "Verification stopped.";
            o.detail = "Nothing was changed. The image was not checked to the end, so whether it is whole is "
                       "not known.";
            o.what_to_do = "Verify it again and let it finish before restoring from it.";
            break;
        case Errc::not_found:
            o.kind = VerifyOutcome::Kind::failed;
            o.headline = "The image could not be read.";
            o.what_to_do = "Its files are gone or were renamed: check that the disk holding it is still "
                           "plugged in, then choose it again from the list.";
            break;
        case Errc::unsupported:
            o.kind = VerifyOutcome::Kind::failed;
            o.headline = "This Lifeboat cannot read the image.";
            o.what_to_do = result.error().hint.empty()
                               ? "Use the Lifeboat version that made it (or a newer one)."
                               : result.error().hint;
            break;
        default:
            o.kind = VerifyOutcome::Kind::failed;
            o.headline = "The image could not be checked.";
            o.what_to_do = result.error().hint.empty()
                               ? "The disk holding it may be failing: copy the image elsewhere if you can and "
                                 "verify the copy; the log has the details."
                               : result.error().hint;
            break;
    }
    return o;
}

VerifyFlow::VerifyFlow(VerifyCore& core, Clock clock) : core_(core), clock_(clock ? std::move(clock) : steady_seconds) {}

void VerifyFlow::open() {
    catalog_ = core_.find_images();
    step_ = VerifyStep::choose_image;
}

void VerifyFlow::choose_image(const std::string& path) {
    if (step_ != VerifyStep::choose_image) return;
    image_ = path;
    progress_.start(clock_(), "verify");
    step_ = VerifyStep::running;
    core_.start(path, *this);
}

void VerifyFlow::on_progress(const imager::ProgressUpdate& update) {
    if (step_ != VerifyStep::running && step_ != VerifyStep::cancel_confirm) return;
    progress_.update(update, clock_());
}

void VerifyFlow::on_note(std::string_view message) {
    if (step_ == VerifyStep::running || step_ == VerifyStep::cancel_confirm) progress_.note(message);
}

void VerifyFlow::on_finished(const imager::Result<imager::VerifyReport>& result) {
    if (step_ != VerifyStep::running && step_ != VerifyStep::cancel_confirm) return;
    outcome_ = verify_outcome(image_, result);
    outcome_.log_path = core_.log_path();
    step_ = VerifyStep::result;
}

void VerifyFlow::request_cancel() {
    if (step_ == VerifyStep::running && !progress_.cancelling) step_ = VerifyStep::cancel_confirm;
}

std::string VerifyFlow::cancel_question() {
    return "Stop verifying? Verifying only reads the image: nothing has been changed and stopping changes "
           "nothing. But whether the image is whole will not be known until it is verified to the end.";
}

void VerifyFlow::confirm_cancel() {
    if (step_ != VerifyStep::cancel_confirm) return;
    progress_.cancelling = true;
    step_ = VerifyStep::running;
    core_.cancel();
}

void VerifyFlow::keep_going() {
    if (step_ == VerifyStep::cancel_confirm) step_ = VerifyStep::running;
}

void VerifyFlow::back() {
    switch (step_) {
        case VerifyStep::choose_image: step_ = VerifyStep::closed; break;
        case VerifyStep::running: request_cancel(); break;
        case VerifyStep::cancel_confirm: keep_going(); break;
        case VerifyStep::result: open(); break;
        case VerifyStep::closed: break;
    }
}

}  // namespace recovery
