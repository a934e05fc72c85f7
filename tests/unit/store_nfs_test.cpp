// The NFS store against the store contract (store_conformance.hpp) and a real
// nfs-ganesha started by the test (nfs_server.hpp), judged on the folder it
// exports; then how the export and the ports are found, and the errors a
// person meets: a path no export holds, a server that is not there, options
// Lifeboat does not take.
#include "store/location.hpp"
#include "nfs_server.hpp"
#include "store_conformance.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace {

using imager::Errc;
using imager::store::locate;
using test_support::NfsServer;

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().string());
    std::ranges::sort(names);
    return names;
}

}  // namespace

TEST_CASE("nfs store: keeps the store contract against nfs-ganesha, judged on the exported folder", "[store]") {
    LIFEBOAT_SKIP_UNLESS_ROOT("an NFS server in a network namespace");
    NfsServer server;
    std::filesystem::create_directories(server.root() / "images");
    auto where = locate(server.url("/images/pc.lbi"));
    INFO((where ? "" : where.error().message()));
    REQUIRE(where.has_value());
    CHECK_FALSE(where->local);
    const std::string dir = (server.root() / "images").string();
    CHECK(where->name == dir + "/pc.lbi");
    CHECK(where->store->describe(where->name) == "nfs://127.0.0.1" + dir + "/pc.lbi");
    store_conformance::check_store_contract(*where->store, dir, [&] { return files_in(dir); });
}

TEST_CASE("nfs store: the export is found above the image's folder, ports from the portmapper or the address",
          "[store]") {
    LIFEBOAT_SKIP_UNLESS_ROOT("an NFS server in a network namespace");
    NfsServer server(20048);
    std::filesystem::create_directories(server.root() / "a" / "b");
    test_support::write_file(server.root() / "a" / "b" / "pc.lbi", "image bytes");
    auto deep = locate(server.url("/a/b/pc.lbi"));
    INFO((deep ? "" : deep.error().message()));
    REQUIRE(deep.has_value());
    CHECK(store_conformance::read_whole(*deep->store, deep->name).size() == 11);

    auto outside = locate("nfs://127.0.0.1/elsewhere/pc.lbi");
    REQUIRE_FALSE(outside.has_value());
    CHECK(outside.error().code == Errc::not_found);
    CHECK_THAT(outside.error().hint, Catch::Contains("showmount -e 127.0.0.1"));

    // Without the portmapper only an address that names both ports still works.
    test_support::run("pkill -KILL -x rpcbind");
    const std::string path = server.root().string() + "/a/b/pc.lbi";
    auto by_ports = locate("nfs://127.0.0.1:2049" + path + "?mountport=20048");
    INFO((by_ports ? "" : by_ports.error().message()));
    REQUIRE(by_ports.has_value());
    CHECK(store_conformance::read_whole(*by_ports->store, by_ports->name).size() == 11);
    auto no_portmapper = locate(server.url("/a/b/pc.lbi"));
    REQUIRE_FALSE(no_portmapper.has_value());
    CHECK(no_portmapper.error().code == Errc::io);
    CHECK_THAT(no_portmapper.error().message(), Catch::Contains("127.0.0.1 cannot be reached"));
    CHECK_THAT(no_portmapper.error().hint, Catch::Contains("rpcbind"));
}

TEST_CASE("nfs store: a server that is not there, and options Lifeboat does not take, are said in words",
          "[store]") {
    LIFEBOAT_SKIP_UNLESS_ROOT("an NFS server in a network namespace");
    NfsServer server;
    server.stop();
    auto refused = locate(server.url("/pc.lbi"));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == Errc::io);
    CHECK_THAT(refused.error().message(), Catch::Contains("127.0.0.1 cannot be reached"));

    auto unknown = locate("nfs://lifeboat-test-no-such-host.onion/export/pc.lbi");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().code == Errc::not_found);
    CHECK_THAT(unknown.error().message(), Catch::Contains("lifeboat-test-no-such-host.onion is not known"));

    auto v4 = locate("nfs://127.0.0.1/export/pc.lbi?version=4");
    REQUIRE_FALSE(v4.has_value());
    CHECK(v4.error().code == Errc::unsupported);
    auto odd = locate("nfs://127.0.0.1/export/pc.lbi?readahead=1");
    REQUIRE_FALSE(odd.has_value());
    CHECK(odd.error().code == Errc::invalid_argument);
    CHECK_THAT(odd.error().message(), Catch::Contains("readahead=1"));
    auto query_elsewhere = locate("http://127.0.0.1/pc.lbi?x=1");
    REQUIRE_FALSE(query_elsewhere.has_value());
    CHECK(query_elsewhere.error().code == Errc::invalid_argument);
}
