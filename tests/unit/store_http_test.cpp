// The HTTP(S)/WebDAV store against the store contract (store_conformance.hpp)
// and a real nginx started by the test, judged on the folder nginx serves;
// then what a person meets: TLS trust, credentials, servers that are not there.
#include "store/access.hpp"
#include "store/http_store.hpp"
#include "store/location.hpp"
#include "store_conformance.hpp"
#include "web_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace {

using imager::Errc;
using imager::store::locate;
using test_support::WebServer;
using test_support::WebServerOptions;

// Every file below the served folder, as store names ("/images/pc.lbi").
std::vector<std::string> served(const WebServer& server, const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::recursive_directory_iterator(server.root() / dir.substr(1)))
        if (e.is_regular_file()) names.push_back("/" + std::filesystem::relative(e.path(), server.root()).string());
    std::ranges::sort(names);
    return names;
}

WebServerOptions tls() {
    WebServerOptions o;
    o.tls = true;
    return o;
}

WebServerOptions basic_auth(std::string user, std::string password) {
    WebServerOptions o;
    o.user = std::move(user);
    o.password = std::move(password);
    return o;
}

WebServerOptions no_webdav() {
    WebServerOptions o;
    o.webdav = false;
    return o;
}

imager::store::Access trusting(std::string ca_file) {
    imager::store::Access a;
    a.ca_file = std::move(ca_file);
    return a;
}

imager::store::Access credentials_in(std::string file) {
    imager::store::Access a;
    a.credentials_file = std::move(file);
    return a;
}

using store_conformance::AccessScope;

}  // namespace

TEST_CASE("http store: keeps the store contract against nginx with WebDAV, judged on the served folder", "[store]") {
    WebServer server;
    std::filesystem::create_directories(server.root() / "images");
    auto where = locate(server.url("/images/pc.lbi"));
    REQUIRE(where.has_value());
    CHECK_FALSE(where->local);
    CHECK(where->name == "/images/pc.lbi");
    store_conformance::check_store_contract(*where->store, "/images", [&] { return served(server, "/images"); });
}

TEST_CASE("http store: https checks the certificate against the system's and --ca's authorities", "[store]") {
    WebServer server(tls());
    test_support::write_file(server.root() / "pc.lbi", "image bytes");
    {
        auto where = locate(server.url("/pc.lbi"));
        REQUIRE(where.has_value());
        auto reader = where->store->open(where->name);
        REQUIRE_FALSE(reader.has_value());
        CHECK(reader.error().code == Errc::permission);
        CHECK_THAT(reader.error().message(), Catch::StartsWith("open " + server.url("/pc.lbi") +
                                                              ": the TLS certificate of 127.0.0.1:" +
                                                              std::to_string(server.port()) + " is not trusted"));
        CHECK_THAT(reader.error().hint, Catch::Contains("--ca FILE"));
    }
    AccessScope scope(trusting(server.ca_file()));
    auto where = locate(server.url("/pc.lbi"));
    REQUIRE(where.has_value());
    CHECK(store_conformance::read_whole(*where->store, where->name) ==
          store_conformance::Bytes(reinterpret_cast<const std::byte*>("image bytes"),
                                   reinterpret_cast<const std::byte*>("image bytes") + 11));
}

TEST_CASE("http store: credentials come from a file or the environment, never from the URL, and never show", "[store]") {
    WebServer server(basic_auth("ann", "s3cret-Pa55"));
    test_support::write_file(server.root() / "pc.lbi", "image bytes");
    const std::string url = server.url("/pc.lbi");

    auto with_password = locate("http://ann:s3cret-Pa55@127.0.0.1:" + std::to_string(server.port()) + "/pc.lbi");
    REQUIRE_FALSE(with_password.has_value());
    CHECK(with_password.error().code == Errc::invalid_argument);
    CHECK(with_password.error().message() == "the http:// address holds a password");
    CHECK_THAT(with_password.error().message() + with_password.error().hint, !Catch::Contains("s3cret"));

    auto none = locate(url);
    REQUIRE(none.has_value());
    auto refused = none->store->open(none->name);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == Errc::permission);
    CHECK(refused.error().message() == "open " + url + ": " + server.url() + " refused the user name or password (HTTP 401)");

    test_support::TempDir secrets("creds");
    test_support::write_file(secrets.path() / "wrong", "user = ann\npassword = nope\n");
    test_support::write_file(secrets.path() / "right", "# the office NAS\nuser = ann\npassword = s3cret-Pa55\n");
    {
        AccessScope scope(credentials_in((secrets.path() / "wrong").string()));
        auto where = locate(url);
        REQUIRE(where.has_value());
        auto reader = where->store->open(where->name);
        REQUIRE_FALSE(reader.has_value());
        CHECK(reader.error().code == Errc::permission);
        CHECK_THAT(reader.error().message() + reader.error().hint, !Catch::Contains("nope"));
    }
    {
        AccessScope scope(credentials_in((secrets.path() / "right").string()));
        auto where = locate(url);
        REQUIRE(where.has_value());
        CHECK(store_conformance::read_whole(*where->store, where->name).size() == 11);
    }
    {
        ::setenv("LIFEBOAT_PASSWORD", "s3cret-Pa55", 1);
        auto where = locate("http://ann@127.0.0.1:" + std::to_string(server.port()) + "/pc.lbi");
        ::unsetenv("LIFEBOAT_PASSWORD");
        REQUIRE(where.has_value());
        CHECK(store_conformance::read_whole(*where->store, where->name).size() == 11);
    }
    {
        test_support::write_file(secrets.path() / "bad", "user = ann\ns3cret-Pa55\n");
        AccessScope scope(credentials_in((secrets.path() / "bad").string()));
        auto where = locate(url);
        REQUIRE_FALSE(where.has_value());
        CHECK(where.error().message() == "line 2 of the credentials file " + (secrets.path() / "bad").string() +
                                             " is not 'user = ...', 'password = ...', 'key = ...', 'endpoint = ...' or 'region = ...'");
    }
    {
        int asked = 0;
        imager::store::Access prompting;
        prompting.ask_password = [&](const std::string& prompt) -> std::optional<std::string> {
            ++asked;
            CHECK(prompt == "Password for ann at " + server.url() + ": ");
            return "s3cret-Pa55";
        };
        AccessScope scope(std::move(prompting));
        ::setenv("LIFEBOAT_USER", "ann", 1);
        auto where = locate(url);
        ::unsetenv("LIFEBOAT_USER");
        REQUIRE(where.has_value());
        CHECK(store_conformance::read_whole(*where->store, where->name).size() == 11);
        CHECK(asked == 1);
    }
}

TEST_CASE("http store: a server that is not there, or refuses, is said in words", "[store]") {
    const int port = test_support::free_loopback_port();
    auto where = locate("http://127.0.0.1:" + std::to_string(port) + "/pc.lbi");
    REQUIRE(where.has_value());
    auto reader = where->store->open(where->name);
    REQUIRE_FALSE(reader.has_value());
    CHECK(reader.error().message() == "open http://127.0.0.1:" + std::to_string(port) +
                                          "/pc.lbi: 127.0.0.1:" + std::to_string(port) +
                                          " cannot be reached or refused the connection");
    CHECK_THAT(reader.error().hint, Catch::Contains("service is running"));

    // .onion names are never sent to a DNS server (RFC 7686; c-ares refuses them): no traffic leaves.
    auto unknown = locate("http://no-such-host.onion/pc.lbi");
    REQUIRE(unknown.has_value());
    auto lookup = unknown->store->open(unknown->name);
    REQUIRE_FALSE(lookup.has_value());
    CHECK(lookup.error().code == Errc::not_found);
    CHECK(lookup.error().message() ==
          "open http://no-such-host.onion/pc.lbi: the server no-such-host.onion is not known (its name does not resolve)");

    WebServer plain(no_webdav());
    test_support::write_file(plain.root() / "pc.lbi", "image bytes");
    auto readonly = locate(plain.url("/pc.lbi"));
    REQUIRE(readonly.has_value());
    CHECK(store_conformance::read_whole(*readonly->store, readonly->name).size() == 11);
    auto writer = readonly->store->create("/new.lbi");
    REQUIRE_FALSE(writer.has_value());
    CHECK(writer.error().code == Errc::unsupported);
    CHECK_THAT(writer.error().hint, Catch::Contains("WebDAV"));
}
