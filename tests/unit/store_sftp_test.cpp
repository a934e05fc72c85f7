// The SFTP store against the store contract (store_conformance.hpp) and a
// real OpenSSH sshd started by the test, judged on the folder it serves; then
// host keys (pinned, unknown, confirmed, changed) and a key the server refuses.
#include "store/location.hpp"
#include "store/sftp_store.hpp"
#include "ssh_server.hpp"
#include "store_conformance.hpp"

#include "imager/store_access.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace {

using imager::Errc;
using imager::store::locate;
using test_support::SshServer;

using store_conformance::AccessScope;

imager::store::Access with_key(const SshServer& server, test_support::TempDir& dir, const std::string& key,
                               const std::string& host_key) {
    test_support::write_file(dir.path() / "creds", "key = " + key + "\n");
    imager::store::Access a;
    a.credentials_file = (dir.path() / "creds").string();
    a.host_key = host_key;
    (void)server;
    return a;
}

}  // namespace

TEST_CASE("sftp store: keeps the store contract against OpenSSH's sshd, judged on the served folder", "[store]") {
    SshServer server;
    test_support::TempDir creds("creds");
    AccessScope scope(with_key(server, creds, server.client_key(), server.host_key()));
    std::filesystem::create_directories(server.root() / "images");
    auto where = locate(server.url("/images/pc.lbi"));
    REQUIRE(where.has_value());
    CHECK_FALSE(where->local);
    const std::string dir = (server.root() / "images").string();
    CHECK(where->name == dir + "/pc.lbi");
    store_conformance::check_store_contract(*where->store, dir, [&] {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().string());
        std::ranges::sort(names);
        return names;
    });
}

TEST_CASE("sftp store: the host key is checked: pinned, confirmed by a person, or refused with its fingerprint",
          "[store]") {
    SshServer server;
    test_support::TempDir creds("creds");
    test_support::write_file(server.root() / "pc.lbi", "image bytes");
    const std::string url = server.url("/pc.lbi");
    const std::string at = "127.0.0.1:" + std::to_string(server.port());
    {
        AccessScope scope(with_key(server, creds, server.client_key(), ""));
        auto where = locate(url);
        REQUIRE(where.has_value());
        auto reader = where->store->open(where->name);
        REQUIRE_FALSE(reader.has_value());
        CHECK(reader.error().code == Errc::permission);
        CHECK(reader.error().message() == "open ssh://127.0.0.1:" + std::to_string(server.port()) +
                                              server.root().string() + "/pc.lbi: the host key of " + at + " (" +
                                              server.host_key() + ") is not known");
        CHECK_THAT(reader.error().hint, Catch::Contains("--host-key " + server.host_key()));
    }
    {
        AccessScope scope(with_key(server, creds, server.client_key(), "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        auto where = locate(url);
        REQUIRE(where.has_value());
        auto reader = where->store->open(where->name);
        REQUIRE_FALSE(reader.has_value());
        CHECK(reader.error().code == Errc::permission);
        CHECK_THAT(reader.error().message(),
                   Catch::EndsWith("the host key of " + at + " is " + server.host_key() +
                                   ", not SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    }
    {
        auto access = with_key(server, creds, server.client_key(), "");
        int asked = 0;
        access.confirm_host_key = [&](const std::string& question) {
            ++asked;
            CHECK_THAT(question, Catch::Contains(server.host_key()));
            return true;
        };
        AccessScope scope(std::move(access));
        auto where = locate(url);
        REQUIRE(where.has_value());
        CHECK(store_conformance::read_whole(*where->store, where->name).size() == 11);
        CHECK(asked == 1);
    }
    {
        AccessScope scope(with_key(server, creds, server.other_key(), server.host_key()));
        auto where = locate(url);
        REQUIRE(where.has_value());
        auto reader = where->store->open(where->name);
        REQUIRE_FALSE(reader.has_value());
        CHECK(reader.error().code == Errc::permission);
        CHECK_THAT(reader.error().message(), Catch::Contains("refused the user name, password or key"));
    }
    auto no_user = locate("ssh://127.0.0.1:" + std::to_string(server.port()) + "/pc.lbi");
    REQUIRE_FALSE(no_user.has_value());
    CHECK(no_user.error().code == Errc::invalid_argument);
}
