// The network store form and its screen; see network_store.hpp.
#include "network_store.hpp"

#include "image_picker.hpp"
#include "imager/image_discovery.hpp"
#include "imager/store_access.hpp"
#include "network_settings.hpp"
#include "terminal.hpp"

#include <curses.h>

#include <algorithm>
#include <functional>
#include <thread>

namespace recovery {

const std::array<StoreKind, 6>& store_kinds() {
    static constexpr const char* kServerHint =
        "The server's name or IP address; add :PORT when it is not the usual one (files:8445).";
    static constexpr const char* kUserHint = "Empty when the server asks for none.";
    static constexpr const char* kCredentials = "user name and password";
    static const std::array<StoreKind, 6> kinds{{
        {.scheme = "nfs", .label = "NFS: a Unix or NAS export (v3 or v4)", .server_label = "Server",
         .server_hint = kServerHint, .folder_label = "Export and folder",
         .folder_hint = "The export and the folder in it, e.g. /srv/images/lab.", .user_label = "User",
         .user_hint = "", .password_label = "Password", .credentials = kCredentials, .has_user = false},
        {.scheme = "smb", .label = "SMB: a Windows or Samba share", .server_label = "Server",
         .server_hint = kServerHint, .folder_label = "Share and folder",
         .folder_hint = "The share and the folder in it, e.g. images/lab.", .user_label = "User",
         .user_hint = "Empty for a guest; DOMAIN\\user for a domain account.", .password_label = "Password",
         .credentials = kCredentials},
        {.scheme = "ssh", .label = "SSH: a server's files over SFTP", .server_label = "Server",
         .server_hint = kServerHint, .folder_label = "Folder",
         .folder_hint = "The folder on the server, e.g. /home/ann/images.",
         .user_label = "User", .user_hint = kUserHint, .password_label = "Password",
         .credentials = "user name and password (and the server's key)"},
        {.scheme = "https", .label = "HTTPS: a web server (WebDAV to write)", .server_label = "Server",
         .server_hint = kServerHint, .folder_label = "Folder",
         .folder_hint = "The folder's path on the web server, e.g. /images.", .user_label = "User",
         .user_hint = kUserHint, .password_label = "Password", .credentials = kCredentials},
        {.scheme = "http", .label = "HTTP: a web server, not encrypted", .server_label = "Server",
         .server_hint = kServerHint, .folder_label = "Folder",
         .folder_hint = "The folder's path on the web server, e.g. /images.", .user_label = "User",
         .user_hint = kUserHint, .password_label = "Password", .credentials = kCredentials},
        {.scheme = "s3", .label = "S3: an object store (AWS, MinIO, Ceph...)", .server_label = "Endpoint",
         .server_hint = "The service's address, e.g. https://s3.lan:9000 (https:// when left out); empty for AWS.",
         .folder_label = "Bucket and folder",
         .folder_hint = "The bucket and the folder (prefix) in it, e.g. backups/office.",
         .user_label = "Access key",
         .user_hint = "The access key ID (an identifier, shown in the address); empty for a public bucket.",
         .password_label = "Secret key", .credentials = "access key and secret key", .has_region = true},
    }};
    return kinds;
}

NetworkStoreForm::NetworkStoreForm() { password_.set_masked(true); }

TextField& NetworkStoreForm::field(StoreField which) {
    switch (which) {
        case StoreField::server: return server_;
        case StoreField::folder: return folder_;
        case StoreField::user: return user_;
        case StoreField::region: return region_;
        default: return password_;
    }
}

const TextField& NetworkStoreForm::field(StoreField which) const {
    return const_cast<NetworkStoreForm*>(this)->field(which);
}

void NetworkStoreForm::set_kind(std::string_view scheme) {
    for (std::size_t i = 0; i < store_kinds().size(); ++i)
        if (scheme == store_kinds()[i].scheme) kind_ = i;
}

bool NetworkStoreForm::shown(StoreField field) const {
    if (field == StoreField::user || field == StoreField::password) return kind().has_user;
    if (field == StoreField::region) return kind().has_region;
    return true;
}

void NetworkStoreForm::move_focus(bool down) {
    constexpr StoreField order[] = {StoreField::kind,     StoreField::server, StoreField::folder,
                                    StoreField::user,     StoreField::password, StoreField::region,
                                    StoreField::connect,  StoreField::network};
    constexpr int count = 8;
    int at = static_cast<int>(std::find(order, order + count, focus_) - order);
    do {
        at = std::clamp(at + (down ? 1 : -1), 0, count - 1);
    } while (!shown(order[at]));
    focus_ = order[at];
}

FormKey NetworkStoreForm::handle_key(int key) {
    if (key == kKeyEsc) return FormKey::cancelled;
    if (key == KEY_UP || key == KEY_BTAB) {
        move_focus(false);
        return FormKey::changed;
    }
    if (key == KEY_DOWN || key == kKeyTab) {
        move_focus(true);
        return FormKey::changed;
    }
    if (focus_ == StoreField::connect) return is_enter_key(key) ? FormKey::connect : FormKey::ignored;
    if (focus_ == StoreField::network) return is_enter_key(key) ? FormKey::network_settings : FormKey::ignored;
    if (focus_ == StoreField::kind) {
        const std::size_t n = store_kinds().size();
        if (key == KEY_LEFT || key == KEY_RIGHT || key == ' ') {
            kind_ = (kind_ + (key == KEY_LEFT ? n - 1 : 1)) % n;
            return FormKey::changed;
        }
        if (is_enter_key(key)) {
            move_focus(true);
            return FormKey::changed;
        }
        return FormKey::ignored;
    }
    switch (field(focus_).handle_key(key)) {
        case FieldKey::submitted: move_focus(true); return FormKey::changed;
        case FieldKey::changed: return FormKey::changed;
        case FieldKey::cancelled: return FormKey::cancelled;
        case FieldKey::ignored: break;
    }
    return FormKey::ignored;
}

namespace {

bool is_s3(const StoreKind& kind) { return std::string_view(kind.scheme) == "s3"; }

}  // namespace

std::string NetworkStoreForm::address() const {
    const std::string user = kind().has_user ? user_.text() : "";
    if (!is_s3(kind())) return imager::store::address_of({kind().scheme, server_.text(), folder_.text(), user});
    // s3://BUCKET/folder: the URL's host is the bucket, the service is the endpoint.
    std::string folder(trimmed(folder_.text()));
    folder.erase(0, folder.find_first_not_of('/'));
    const auto slash = folder.find('/');
    const std::string bucket = folder.substr(0, slash);
    return imager::store::address_of(
        {kind().scheme, bucket, slash == std::string::npos ? std::string() : folder.substr(slash), user});
}

std::string NetworkStoreForm::endpoint() const {
    std::string typed(trimmed(server_.text()));
    if (typed.empty() || typed.find("://") != std::string::npos) return typed;
    return "https://" + typed;
}

std::string NetworkStoreForm::region() const { return std::string(trimmed(region_.text())); }

std::string NetworkStoreForm::missing() const {
    if (is_s3(kind())) {
        if (folder_.text().find_first_not_of("/ ") == std::string::npos)
            return "Type the bucket's name (and the folder in it, if the images are not at its top).";
        return {};  // no endpoint is AWS's own
    }
    if (server_.text().find_first_not_of(' ') == std::string::npos) return "Type the server's name or address.";
    if (std::string(kind().scheme) == "smb" && folder_.text().find_first_not_of("/ ") == std::string::npos)
        return "Type the share's name (and the folder in it, if the images are not at its top).";
    return {};
}

namespace {

// What the form remembers between visits in one run of the wizard.
NetworkStoreForm& remembered_form() {
    static NetworkStoreForm form;
    return form;
}

std::string field_help(const NetworkStoreForm& form) {
    switch (form.focus()) {
        case StoreField::kind: return "Left/Right: the kind of server the images are on.";
        case StoreField::server: return form.kind().server_hint;
        case StoreField::folder: return form.kind().folder_hint;
        case StoreField::user: return form.kind().user_hint;
        case StoreField::password: return "Shown as stars; kept in memory only: never written to a log or the image.";
        case StoreField::region:
            return "The region the service signs for, e.g. eu-west-1 (for AWS the bucket's); empty: us-east-1.";
        case StoreField::connect: return "Enter: connect and list the images found in that folder.";
        case StoreField::network:
            return "Enter: this machine's network settings: ask DHCP again, or type an address.";
    }
    return {};
}

// S3's service, which its address does not name: "https://s3.lan:9000, region us-east-1".
std::string service_text(const NetworkStoreForm& form) {
    return (form.endpoint().empty() ? std::string("AWS") : form.endpoint()) + ", region " +
           (form.region().empty() ? std::string("us-east-1") : form.region());
}

constexpr int kLabelWidth = 19;

void draw_form(Terminal& terminal, NetworkStoreForm& form, std::string_view title, const std::string& network) {
    draw_frame(terminal, title, "Up/Down: move  Left/Right: kind  Enter: next / Connect  Esc: back");
    const int width = std::max(terminal.cols() - kLabelWidth - 2, 10);
    int y = kContentTop + 1;
    auto label = [&](StoreField which, std::string text) {
        const bool focused = form.focus() == which;
        draw_row(terminal, y, 0, Row{(focused ? "> " : "  ") + text, Style::plain, focused}, kLabelWidth);
    };
    label(StoreField::kind, "Kind");
    draw_text(terminal, y++, kLabelWidth + 1, std::string("< ") + form.kind().label + " >", Style::heading, width);
    const std::pair<StoreField, std::string> fields[] = {{StoreField::server, form.kind().server_label},
                                                         {StoreField::folder, form.kind().folder_label},
                                                         {StoreField::user, form.kind().user_label},
                                                         {StoreField::password, form.kind().password_label},
                                                         {StoreField::region, "Region"}};
    for (const auto& [which, name] : fields) {
        if (which == StoreField::region && !form.kind().has_region) continue;
        label(which, name);
        if (!form.kind().has_user && (which == StoreField::user || which == StoreField::password)) {
            draw_text(terminal, y++, kLabelWidth + 1, "(not used by NFS)", Style::note, width);
            continue;
        }
        if (form.focus() == which) {
            draw_text_field(terminal, form.field(which), y++, kLabelWidth + 1, std::min(width, 48));
        } else {
            int unused = 0;
            draw_text(terminal, y++, kLabelWidth + 1, form.field(which).visible(std::min(width, 48), unused), Style::plain, width);
        }
    }
    ++y;
    const bool on_connect = form.focus() == StoreField::connect;
    draw_row(terminal, y++, 2, Row{on_connect ? ">[ Connect ]<" : " [ Connect ] ", Style::plain, on_connect}, 13);
    label(StoreField::network, "Network");
    draw_text(terminal, y++, kLabelWidth + 1, network, Style::plain, width);
    ++y;
    draw_text(terminal, y++, 0, "Address: " + form.address(), Style::note);
    if (form.kind().has_region) draw_text(terminal, y++, 0, "Service: " + service_text(form), Style::note);
    y += draw_wrapped(terminal, y, 0, field_help(form), terminal.cols() - 1, 2, Style::note) + 1;
    const int rows_left = terminal.rows() - 1 - y;
    std::string status;  // text from servers made printable, line by line
    for (const auto& line : wrap_text(form.status(), terminal.cols() - 1)) status += printable(line) + "\n";
    if (!status.empty()) status.pop_back();
    if (!status.empty() && rows_left > 0)
        draw_wrapped(terminal, y, 0, status, terminal.cols() - 1, rows_left,
                     form.status_is_problem() ? Style::warning : Style::plain);
}

// Lets the stores use what the form holds: the typed password, and the
// person's yes to an SSH host key never seen (asked on this thread only; the
// key is then remembered for the server, so the restore's thread never asks).
void hand_to_stores(Terminal& terminal, const NetworkStoreForm& form) {
    imager::store::Access access = imager::store::access();
    access.password = form.kind().has_user ? form.password() : std::string();
    if (form.kind().has_region) {
        access.endpoint = form.endpoint();
        access.region = form.region();
    }
    access.confirm_host_key = [&terminal, ui = std::this_thread::get_id()](const std::string& question) {
        if (std::this_thread::get_id() != ui) return false;
        const auto yes = ask_yes_no(terminal, "An SSH server not seen before", question, "Trust it", "No");
        return yes && *yes;
    };
    imager::store::configure(std::move(access));
}

// An error of a store as the form shows it: the message, and what to do in
// the wizard's words (the core's hint when it names no command-line option).
std::string connection_problem(const imager::Error& error, const StoreKind& kind) {
    std::string text = "Could not connect: " + error.message();
    if (error.code == imager::Errc::permission)
        return text + "\nCheck the " + kind.credentials + ", then Connect again.";
    if (!error.hint.empty() && error.hint.find("--") == std::string::npos) text += "\n" + error.hint;
    return text + "\nCorrect the server or folder and Connect again; Esc goes back.";
}

}  // namespace

namespace {

// The form until Connect lists a folder and `connected` accepts it (returns
// what the caller wants from there); nullopt on Esc or a pending signal.
std::optional<std::string> run_form(
    Terminal& terminal, const std::string& title,
    const std::function<std::optional<std::string>(const imager::discovery::ImageCatalog&, const std::string&)>& connected) {
    NetworkStoreForm& form = remembered_form();
    NetworkWatch network;
    const auto draw = [&] { draw_form(terminal, form, title, network_summary(network.state())); };
    for (;;) {
        const auto key = next_key(terminal, draw, [&] { return network.refresh(); });
        if (!key) return std::nullopt;
        switch (form.handle_key(*key)) {
            case FormKey::cancelled: return std::nullopt;
            case FormKey::ignored:
            case FormKey::changed: continue;
            case FormKey::network_settings:
                run_network_settings(terminal);
                if (terminal.pending_signal() != 0) return std::nullopt;
                network.refresh(true);
                continue;
            case FormKey::connect: break;
        }
        if (const std::string missing = form.missing(); !missing.empty()) {
            form.set_status(missing, true);
            continue;
        }
        const std::string address = form.address();
        show_message(terminal, title, "Connecting to " + printable(address) + " and looking for images...");
        hand_to_stores(terminal, form);
        const auto catalog = imager::discovery::list_images({address});
        if (terminal.pending_signal() != 0) return std::nullopt;
        if (!catalog) {
            form.set_status(connection_problem(catalog.error(), form.kind()), true);
            continue;
        }
        std::size_t images = 0;
        for (const auto& machine : catalog->machines) images += machine.images.size();
        form.set_status("Connected to " + address + ": " + std::to_string(images) + " image(s) found.", false);
        if (auto chosen = connected(*catalog, address)) return chosen;
        if (terminal.pending_signal() != 0) return std::nullopt;
    }
}

}  // namespace

std::optional<std::string> choose_network_image(Terminal& terminal, std::string_view title) {
    return run_form(terminal, std::string(title) + " on a network store",
                    [&](const imager::discovery::ImageCatalog& catalog, const std::string& address) {
                        return pick_store_image(terminal, catalog, title, address);
                    });
}

std::optional<std::string> choose_network_folder(Terminal& terminal, std::string_view title) {
    return run_form(terminal, std::string(title),
                    [](const imager::discovery::ImageCatalog&, const std::string& address) {
                        return std::optional<std::string>(address);
                    });
}

}  // namespace recovery
