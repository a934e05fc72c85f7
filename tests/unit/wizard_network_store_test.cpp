// The wizard's network store form (recovery/network_store.hpp): moving
// between lines, the kinds (S3's own lines among them), the address it builds
// (parsed back by the stores' own URL parser, no password in it), the masked
// password, what is missing, the Network line.
#include "../../recovery/network_store.hpp"

#include "store/access.hpp"
#include "store/url.hpp"

#include <catch2/catch.hpp>

#define NCURSES_NOMACROS
#include <curses.h>

#include <cstdlib>
#include <string>

using recovery::FormKey;
using recovery::NetworkStoreForm;
using recovery::StoreField;

namespace {

void type(NetworkStoreForm& form, const std::string& text) {
    for (const char c : text) REQUIRE(form.handle_key(static_cast<unsigned char>(c)) == FormKey::changed);
}

}  // namespace

TEST_CASE("the form walks its lines with Enter and ends on Connect", "[wizard][network_store]") {
    NetworkStoreForm form;
    CHECK(form.focus() == StoreField::kind);
    CHECK(std::string(form.kind().scheme) == "smb");  // what an office's file server most often is
    CHECK(form.handle_key('\n') == FormKey::changed);
    CHECK(form.focus() == StoreField::server);
    type(form, "files");
    CHECK(form.handle_key('\n') == FormKey::changed);
    type(form, "images/lab 3");
    CHECK(form.handle_key('\n') == FormKey::changed);
    type(form, "OFFICE\\ann");
    CHECK(form.handle_key('\n') == FormKey::changed);
    CHECK(form.focus() == StoreField::password);
    type(form, "s3cr,et");
    CHECK(form.handle_key('\n') == FormKey::changed);
    CHECK(form.focus() == StoreField::connect);
    CHECK(form.handle_key('x') == FormKey::ignored);
    CHECK(form.handle_key('\n') == FormKey::connect);

    CHECK(form.password() == "s3cr,et");
    int cursor = 0;
    CHECK(form.field(StoreField::password).visible(10, cursor) == "*******___");
    CHECK(cursor == 7);
    CHECK(form.missing().empty());
    const std::string address = form.address();
    CHECK(address == "smb://OFFICE;ann@files/images/lab%203");
    CHECK(address.find("s3cr") == std::string::npos);
    const auto url = imager::store::parse_url(address);
    REQUIRE(url);
    CHECK(url->domain == "OFFICE");
    CHECK(url->user == "ann");
    CHECK(url->host == "files");
    CHECK(url->path == "/images/lab 3");
}

TEST_CASE("the kinds cycle with Left and Right, and NFS skips user and password", "[wizard][network_store]") {
    NetworkStoreForm form;
    CHECK(form.handle_key(KEY_LEFT) == FormKey::changed);
    CHECK(std::string(form.kind().scheme) == "nfs");
    CHECK(form.handle_key(KEY_LEFT) == FormKey::changed);
    CHECK(std::string(form.kind().scheme) == "s3");  // round to the last
    CHECK(form.handle_key(KEY_LEFT) == FormKey::changed);
    CHECK(std::string(form.kind().scheme) == "http");
    CHECK(form.handle_key(KEY_RIGHT) == FormKey::changed);
    CHECK(form.handle_key(KEY_RIGHT) == FormKey::changed);
    CHECK(std::string(form.kind().scheme) == "nfs");
    CHECK(std::string(form.kind().folder_label) == "Export and folder");
    CHECK(form.handle_key(KEY_DOWN) == FormKey::changed);
    type(form, "10.0.2.2:2049");
    CHECK(form.handle_key(recovery::kKeyTab) == FormKey::changed);
    type(form, "/srv/images/");
    CHECK(form.handle_key(KEY_DOWN) == FormKey::changed);
    CHECK(form.focus() == StoreField::connect);  // no user or password for NFS
    CHECK(form.handle_key(KEY_UP) == FormKey::changed);
    CHECK(form.focus() == StoreField::folder);
    CHECK(form.address() == "nfs://10.0.2.2:2049/srv/images");
    CHECK(form.handle_key(KEY_UP) == FormKey::changed);
    CHECK(form.handle_key(KEY_UP) == FormKey::changed);
    CHECK(form.handle_key(KEY_UP) == FormKey::changed);  // stays on the first line
    CHECK(form.focus() == StoreField::kind);
    CHECK(form.handle_key(recovery::kKeyEsc) == FormKey::cancelled);
}

TEST_CASE("a user is percent-encoded and a typed password never reaches the address", "[wizard][network_store]") {
    NetworkStoreForm form;
    form.set_kind("https");
    form.field(StoreField::server).set_text(" files:8443 ");
    form.field(StoreField::user).set_text("ann:secret@x");
    form.field(StoreField::password).set_text("hunter2");
    CHECK(form.address() == "https://ann%3Asecret%40x@files:8443/");
    const auto url = imager::store::parse_url(form.address());
    REQUIRE(url);  // ':' in a user name is not a password
    CHECK(url->user == "ann:secret@x");
    CHECK(url->port == "8443");
    // A backslash is a domain for SMB only.
    form.field(StoreField::user).set_text("OFFICE\\ann");
    CHECK(form.address() == "https://OFFICE%5Cann@files:8443/");
}

TEST_CASE("connecting wants a server, and for SMB a share", "[wizard][network_store]") {
    NetworkStoreForm form;
    CHECK(form.missing() == "Type the server's name or address.");
    form.field(StoreField::server).set_text("files");
    CHECK(form.missing().find("share") != std::string::npos);
    form.field(StoreField::folder).set_text("/images");
    CHECK(form.missing().empty());
    form.set_kind("ssh");
    form.field(StoreField::folder).set_text("");
    CHECK(form.missing().empty());  // an SSH user's home folder
    CHECK(form.address() == "ssh://files/");
}

TEST_CASE("the password typed into the wizard wins over the environment", "[wizard][network_store]") {
    const imager::store::Access before = imager::store::access();
    ::setenv("LIFEBOAT_PASSWORD", "from-environment", 1);
    imager::store::Access typed;
    typed.password = "typed";
    imager::store::configure(typed);
    const auto url = imager::store::parse_url("smb://ann@files/images");
    REQUIRE(url);
    auto credentials = imager::store::credentials_for(*url);
    ::unsetenv("LIFEBOAT_PASSWORD");
    imager::store::configure(before);
    REQUIRE(credentials);
    CHECK(credentials->password == "typed");
    CHECK(credentials->user == "ann");
}

TEST_CASE("a confirmed SSH host key is remembered for its server only", "[wizard][network_store]") {
    imager::store::remember_host_key("files-test:2222", "SHA256:abc");
    CHECK(imager::store::remembered_host_key("files-test:2222") == "SHA256:abc");
    CHECK(imager::store::remembered_host_key("files-test:22").empty());
}

TEST_CASE("S3 names its lines for an object store and walks through the region", "[wizard][network_store]") {
    NetworkStoreForm form;
    for (int i = 0; i < 4; ++i) REQUIRE(form.handle_key(KEY_RIGHT) == FormKey::changed);  // SMB -> S3
    REQUIRE(std::string(form.kind().scheme) == "s3");
    CHECK(std::string(form.kind().label) == "S3: an object store (AWS, MinIO, Ceph...)");
    CHECK(std::string(form.kind().server_label) == "Endpoint");
    CHECK(std::string(form.kind().folder_label) == "Bucket and folder");
    CHECK(std::string(form.kind().user_label) == "Access key");
    CHECK(std::string(form.kind().password_label) == "Secret key");
    CHECK(form.kind().has_region);

    const StoreField walk[] = {StoreField::server, StoreField::folder,  StoreField::user,
                               StoreField::password, StoreField::region, StoreField::connect};
    for (const StoreField expected : walk) {
        REQUIRE(form.handle_key('\n') == FormKey::changed);
        CHECK(form.focus() == expected);
    }
    CHECK(form.handle_key(KEY_UP) == FormKey::changed);
    CHECK(form.focus() == StoreField::region);
    type(form, "eu-west-1 ");
    CHECK(form.region() == "eu-west-1");
    CHECK(form.field(StoreField::region).text() == "eu-west-1 ");

    // Every other kind skips the region line.
    form.set_kind("https");
    form.focus_on(StoreField::password);
    CHECK(form.handle_key(KEY_DOWN) == FormKey::changed);
    CHECK(form.focus() == StoreField::connect);
    CHECK(form.handle_key(KEY_UP) == FormKey::changed);
    CHECK(form.focus() == StoreField::password);
}

TEST_CASE("the S3 address is the bucket and folder with the access key, never the secret", "[wizard][network_store]") {
    NetworkStoreForm form;
    form.set_kind("s3");
    form.field(StoreField::server).set_text(" s3.lan:9000 ");
    form.field(StoreField::folder).set_text("/lifeboat-images/office/pc 1/");
    form.field(StoreField::user).set_text("test:tester");
    form.field(StoreField::password).set_text("testing-secret");
    CHECK(form.address() == "s3://test%3Atester@lifeboat-images/office/pc%201");
    CHECK(form.address().find("testing-secret") == std::string::npos);
    CHECK(form.endpoint() == "https://s3.lan:9000");  // https:// when no scheme is typed
    const auto url = imager::store::parse_url(form.address());
    REQUIRE(url);
    CHECK(url->scheme == "s3");
    CHECK(url->host == "lifeboat-images");  // the bucket
    CHECK(url->user == "test:tester");
    CHECK(url->path == "/office/pc 1");

    form.field(StoreField::server).set_text("http://127.0.0.1:8080");
    CHECK(form.endpoint() == "http://127.0.0.1:8080");
    form.field(StoreField::server).set_text("");
    CHECK(form.endpoint().empty());  // AWS's own, for the region
    form.field(StoreField::folder).set_text("backups");
    form.field(StoreField::user).set_text("");
    CHECK(form.address() == "s3://backups/");  // a bucket's top, no key: a public bucket
}

TEST_CASE("S3 wants a bucket but no endpoint, and the others a server", "[wizard][network_store]") {
    NetworkStoreForm form;
    form.set_kind("s3");
    CHECK(form.missing().find("bucket") != std::string::npos);
    form.field(StoreField::folder).set_text(" / ");
    CHECK(form.missing().find("bucket") != std::string::npos);
    form.field(StoreField::folder).set_text("backups/office");
    CHECK(form.missing().empty());  // no endpoint: AWS
    form.set_kind("http");
    CHECK(form.missing() == "Type the server's name or address.");
}

TEST_CASE("the endpoint and region typed into the wizard win over the environment", "[wizard][network_store]") {
    const imager::store::Access before = imager::store::access();
    ::setenv("AWS_REGION", "from-environment", 1);
    ::setenv("AWS_ENDPOINT_URL", "http://environment.invalid", 1);
    imager::store::Access typed;
    typed.endpoint = "https://s3.lan:9000";
    typed.region = "eu-west-1";
    typed.password = "typed-secret";
    imager::store::configure(typed);
    const auto url = imager::store::parse_url("s3://AKIAEXAMPLE@backups/office");
    REQUIRE(url);
    auto typed_credentials = imager::store::credentials_for(*url);
    typed.region.clear();  // none typed: the environment's, as before
    imager::store::configure(typed);
    auto untyped_credentials = imager::store::credentials_for(*url);
    ::unsetenv("AWS_REGION");
    ::unsetenv("AWS_ENDPOINT_URL");
    imager::store::configure(before);
    REQUIRE(typed_credentials);
    CHECK(typed_credentials->region == "eu-west-1");
    CHECK(typed_credentials->endpoint == "https://s3.lan:9000");
    CHECK(typed_credentials->user == "AKIAEXAMPLE");
    CHECK(typed_credentials->password == "typed-secret");
    REQUIRE(untyped_credentials);
    CHECK(untyped_credentials->region == "from-environment");
}

TEST_CASE("the Network line comes after Connect and opens the settings", "[wizard][network_store]") {
    NetworkStoreForm form;
    form.focus_on(StoreField::connect);
    CHECK(form.handle_key(KEY_DOWN) == FormKey::changed);
    CHECK(form.focus() == StoreField::network);
    CHECK(form.handle_key('x') == FormKey::ignored);
    CHECK(form.handle_key(KEY_DOWN) == FormKey::changed);
    CHECK(form.focus() == StoreField::network);  // the last line
    CHECK(form.handle_key('\r') == FormKey::network_settings);
    CHECK(form.handle_key(KEY_UP) == FormKey::changed);
    CHECK(form.focus() == StoreField::connect);
    // The password's Enter still leads to Connect (tests/boot/smb_store.sh types that way).
    form.focus_on(StoreField::password);
    CHECK(form.handle_key('\n') == FormKey::changed);
    CHECK(form.focus() == StoreField::connect);
}
