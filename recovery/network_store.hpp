// Images on a network store (issue 19): "Network image store..." in the
// image picker (Restore and Verify) and among Capture's destinations opens a
// form that asks where (kind, server, share or folder, user, password:
// masked). Connect lists the images found there, which tests the connection:
// its error, with what to do, is shown on the form to correct. Restore and
// Verify then pick an image from the same picker, and its URL goes on through
// the flow like a path; Capture takes the folder's URL as its destination.
// The password goes to the stores through imager::store::Access (never into
// the URL, a log or the screen); an SSH host key never seen is shown for the
// person to confirm, once per server. The form is a pure model
// (tests/unit/wizard_network_store_test.cpp); the functions below draw it.
#pragma once

#include "ui_kit.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace recovery {

class Terminal;

struct StoreKind {
    const char* scheme;        // "smb"
    const char* label;         // "SMB: a Windows or Samba share"
    const char* folder_label;  // "Share and folder"
    const char* folder_hint;   // what the folder field wants, e.g. "images/lab"
    bool has_user = true;      // NFS (AUTH_SYS) takes no user or password
};

// NFS, SMB, SSH (SFTP), HTTPS, HTTP, in the order the form cycles them.
[[nodiscard]] const std::array<StoreKind, 5>& store_kinds();

enum class StoreField { kind, server, folder, user, password, connect };
enum class FormKey { ignored, changed, connect, cancelled };

class NetworkStoreForm {
public:
    NetworkStoreForm();

    // Up/Down/Tab move between the lines (a field's Enter moves on too);
    // Left/Right on the kind line change the kind; Enter on Connect returns
    // connect; Esc cancelled. Keys on a text field edit it.
    [[nodiscard]] FormKey handle_key(int key);

    [[nodiscard]] StoreField focus() const { return focus_; }
    void focus_on(StoreField field) { focus_ = field; }
    [[nodiscard]] const StoreKind& kind() const { return store_kinds()[kind_]; }
    void set_kind(std::string_view scheme);  // by scheme; unknown ones leave it
    [[nodiscard]] TextField& field(StoreField which);
    [[nodiscard]] const TextField& field(StoreField which) const;
    [[nodiscard]] const std::string& password() const { return password_.text(); }

    // The folder's URL, no password: "smb://ann@files/images/lab".
    [[nodiscard]] std::string address() const;
    // What must be filled in before connecting ("" when nothing).
    [[nodiscard]] std::string missing() const;

    // The last connection's outcome, shown under the form.
    void set_status(std::string status, bool problem) {
        status_ = std::move(status);
        status_is_problem_ = problem;
    }
    [[nodiscard]] const std::string& status() const { return status_; }
    [[nodiscard]] bool status_is_problem() const { return status_is_problem_; }

private:
    void move_focus(bool down);

    std::size_t kind_ = 1;  // SMB: what an office's file server most often is
    StoreField focus_ = StoreField::kind;
    TextField server_{253};
    TextField folder_{1024};
    TextField user_{256};
    TextField password_{256};
    std::string status_;
    bool status_is_problem_ = false;
};

// The form, Connect, and the images found there: the chosen image's URL, or
// nullopt on Esc (or when a signal is pending: the caller checks
// terminal.pending_signal()). The form keeps what was typed for the next time
// in this run of the wizard.
[[nodiscard]] std::optional<std::string> choose_network_image(Terminal& terminal, std::string_view title);

// The form for Capture: the folder's URL once Connect could list it (so it
// is there and readable with these credentials), nullopt on Esc.
[[nodiscard]] std::optional<std::string> choose_network_folder(Terminal& terminal, std::string_view title);

}  // namespace recovery
