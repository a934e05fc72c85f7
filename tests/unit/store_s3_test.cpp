// The S3 store against the store contract (store_conformance.hpp) and a real
// S3-compatible service started by the test (s3_server.hpp: Swift's s3api,
// which checks Signature V4), judged by s3cmd: the bucket's objects and its
// unfinished multipart uploads are the medium's "leftovers". Then what a
// person meets: a wrong secret, a missing bucket, a bucket name that is not
// one, an endpoint that is not an address, a key without its secret.
#include "store/location.hpp"
#include "s3_server.hpp"
#include "store_conformance.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace {

using imager::Errc;
using imager::store::locate;
using store_conformance::AccessScope;
using test_support::S3Server;

// One service for every run of a test case's body (Catch runs it once per
// section; Swift takes seconds to start): each run gets a folder of its own.
S3Server& service() {
    static S3Server server("lifeboat");
    return server;
}

// "/run-1/pc.lbi" for each object under `dir` and each unfinished upload there, as s3cmd sees them.
std::vector<std::string> on_the_service(const S3Server& server, const std::string& dir) {
    const std::string bucket = "s3://lifeboat";
    std::vector<std::string> names;
    std::istringstream objects(server.s3cmd_output("ls " + bucket + dir + "/"));
    for (std::string line; std::getline(objects, line);)
        if (const auto at = line.find(bucket + "/"); at != std::string::npos) names.push_back(line.substr(at + bucket.size()));
    std::istringstream uploads(server.s3cmd_output("multipart " + bucket));
    for (std::string line; std::getline(uploads, line);)
        if (const auto at = line.find("\t" + bucket + dir + "/"); at != std::string::npos) {
            const std::string key = line.substr(at + 1 + bucket.size());
            names.push_back(key.substr(0, key.find('\t')));
        }
    std::ranges::sort(names);
    return names;
}

}  // namespace

TEST_CASE("s3 store: keeps the store contract against Swift's s3api, judged by s3cmd", "[store]") {
    LIFEBOAT_SKIP_UNLESS_ROOT("an S3 service in a network namespace");
    S3Server& server = service();
    static int run = 0;
    const std::string dir = "/run-" + std::to_string(++run);
    imager::store::Access access;
    access.credentials_file = server.credentials();
    AccessScope scope(access);
    auto where = locate("s3://lifeboat" + dir + "/pc.lbi");
    INFO((where ? "" : where.error().message()));
    REQUIRE(where.has_value());
    CHECK_FALSE(where->local);
    CHECK(where->name == dir + "/pc.lbi");
    CHECK(where->store->describe(where->name) == "s3://lifeboat" + dir + "/pc.lbi");
    store_conformance::check_store_contract(*where->store, dir, [&] { return on_the_service(server, dir); },
                                            store_conformance::Folders::implied_by_names);
}

TEST_CASE("s3 store: a wrong secret, a missing bucket, a bad name or endpoint, in words", "[store]") {
    LIFEBOAT_SKIP_UNLESS_ROOT("an S3 service in a network namespace");
    S3Server& server = service();
    test_support::TempDir dir("s3-creds");
    const auto creds = [&](const std::string& text) {
        test_support::write_file(dir.path() / "creds", text);
        imager::store::Access access;
        access.credentials_file = (dir.path() / "creds").string();
        return access;
    };
    {
        AccessScope scope(creds("user = test:tester\npassword = not-it-42\nendpoint = " + server.endpoint() + "\n"));
        auto where = locate("s3://lifeboat/office/pc.lbi");
        REQUIRE(where.has_value());
        auto objects = where->store->list("/office");
        REQUIRE_FALSE(objects.has_value());
        CHECK(objects.error().code == Errc::permission);
        CHECK(objects.error().message() == "list s3://lifeboat/office: " + server.endpoint() +
                                               " refused the access key or secret (SignatureDoesNotMatch)");
        CHECK_THAT(objects.error().message() + objects.error().hint, !Catch::Contains("not-it-42"));
        auto writer = where->store->create("/office/pc.lbi");
        REQUIRE_FALSE(writer.has_value());
        CHECK(writer.error().code == Errc::permission);
    }
    {
        AccessScope scope(creds("user = test:tester\npassword = testing\nendpoint = " + server.endpoint() + "\n"));
        auto where = locate("s3://no-such-bucket/pc.lbi");
        REQUIRE(where.has_value());
        auto objects = where->store->list("/");
        REQUIRE_FALSE(objects.has_value());
        CHECK(objects.error().code == Errc::not_found);
        CHECK_THAT(objects.error().message(), Catch::Contains("the bucket no-such-bucket does not exist"));
        auto bad = locate("s3://Not_A_Bucket/pc.lbi");
        REQUIRE_FALSE(bad.has_value());
        CHECK(bad.error().code == Errc::invalid_argument);
    }
    {
        AccessScope scope(creds("user = test:tester\npassword = testing\nendpoint = ftp://127.0.0.1/\n"));
        auto where = locate("s3://lifeboat/pc.lbi");
        REQUIRE_FALSE(where.has_value());
        CHECK_THAT(where.error().message(), Catch::Contains("S3 endpoint is not an http:// or https:// address"));
    }
    {
        AccessScope scope(creds("user = test:tester\nendpoint = " + server.endpoint() + "\n"));
        auto where = locate("s3://lifeboat/pc.lbi");
        REQUIRE_FALSE(where.has_value());
        CHECK(where.error().code == Errc::permission);
        CHECK_THAT(where.error().message(), Catch::Contains("an access key needs its secret"));
    }
}
