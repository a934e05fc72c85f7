// Images on a network store (issue 19): "Network image store..." in the
// image picker (Restore and Verify) and among Capture's destinations opens a
// form that asks where (kind, server, share or folder, user, password:
// masked; for S3 the endpoint, bucket and folder, access key, secret key and
// region). Connect lists the images found there, which tests the connection:
// its error, with what to do, is shown on the form to correct. Restore and
// Verify then pick an image from the same picker, and its URL goes on through
// the flow like a path; Capture takes the folder's URL as its destination.
// The password goes to the stores through imager::store::Access (never into
// the URL, a log or the screen), as do S3's endpoint and region; an SSH host
// key never seen is shown for the person to confirm, once per server. The
// form's last line shows the machine's network and opens its settings
// (network_settings.hpp). The form is a pure model
// (tests/unit/wizard_network_store_test.cpp); the functions below draw it.
#pragma once

#include "ui_kit.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace recovery {

class Terminal;

// The line the image picker and Capture's destinations open the form with.
inline constexpr const char* kNetworkStoreLine = "Network image store... (NFS, SMB, SSH, HTTP, S3)";

struct StoreKind {
    const char* scheme;        // "smb"
    const char* label;         // "SMB: a Windows or Samba share"
    const char* server_label;  // "Server"; S3: "Endpoint" (the service, not the bucket)
    const char* server_hint;
    const char* folder_label;  // "Share and folder"
    const char* folder_hint;   // what the folder field wants, e.g. "images/lab"
    const char* user_label;    // "User"; S3: "Access key"
    const char* user_hint;
    const char* password_label;  // "Password"; S3: "Secret key"
    const char* credentials;     // what a refusal asks to check: "user name and password"
    bool has_user = true;        // NFS (AUTH_SYS) takes no user or password
    bool has_region = false;     // S3: the region requests are signed for
};

// NFS, SMB, SSH (SFTP), HTTPS, HTTP, S3, in the order the form cycles them.
[[nodiscard]] const std::array<StoreKind, 6>& store_kinds();

enum class StoreField { kind, server, folder, user, password, region, connect, network };
enum class FormKey { ignored, changed, connect, network_settings, cancelled };

class NetworkStoreForm : public FormStatus {
public:
    NetworkStoreForm();

    // Up/Down/Tab move between the lines (a field's Enter moves on too);
    // Left/Right on the kind line change the kind; Enter on Connect returns
    // connect, on the Network line network_settings; Esc cancelled. Keys on
    // a text field edit it. Lines the kind does not use are skipped.
    [[nodiscard]] FormKey handle_key(int key);

    [[nodiscard]] StoreField focus() const { return focus_; }
    void focus_on(StoreField field) { focus_ = field; }
    [[nodiscard]] const StoreKind& kind() const { return store_kinds()[kind_]; }
    void set_kind(std::string_view scheme);  // by scheme; unknown ones leave it
    [[nodiscard]] TextField& field(StoreField which);
    [[nodiscard]] const TextField& field(StoreField which) const;
    [[nodiscard]] const std::string& password() const { return password_.text(); }

    // The folder's URL, no password: "smb://ann@files/images/lab". For S3
    // the bucket is the folder line's first part and the access key (an
    // identifier, not a secret) the user: "s3://AKIA...@backups/office".
    [[nodiscard]] std::string address() const;
    // S3's service: the endpoint line as a URL ("https://" when no scheme
    // is typed), "" when empty (AWS's own, for the region); and the region.
    [[nodiscard]] std::string endpoint() const;
    [[nodiscard]] std::string region() const;
    // What must be filled in before connecting ("" when nothing).
    [[nodiscard]] std::string missing() const;

private:
    void move_focus(bool down);
    [[nodiscard]] bool shown(StoreField field) const;

    std::size_t kind_ = 1;  // SMB: what an office's file server most often is
    StoreField focus_ = StoreField::kind;
    TextField server_{253};
    TextField folder_{1024};
    TextField user_{256};
    TextField password_{256};
    TextField region_{64};
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
