// The NFS store against the store contract (store_conformance.hpp) and a real
// nfs-ganesha started by the test (nfs_server.hpp), judged on the folder it
// exports; then how the export and the ports are found, and the errors a
// person meets: a path no export holds, a server that is not there, options
// Lifeboat does not take.
#include "store/location.hpp"
#include "nfs_server.hpp"
#include "store_conformance.hpp"

#include <catch2/catch.hpp>

#include <sys/utsname.h>

#include <filesystem>
#include <fstream>

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

// Whether this kernel has an NFSv4 client, built in or as a module.
bool kernel_has_nfs4() {
    std::ifstream filesystems("/proc/filesystems");
    for (std::string line; std::getline(filesystems, line);)
        if (line.ends_with("\tnfs4")) return true;
    struct utsname u {};
    ::uname(&u);
    return std::filesystem::exists(std::string("/lib/modules/") + u.release + "/kernel/fs/nfs");
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

    // NFSv4 is the kernel's client: this machine's kernel has none, the rescue
    // kernel has (tests/boot/nfs_store.sh).
    auto v4 = locate("nfs://127.0.0.1/export/pc.lbi?version=4");
    REQUIRE_FALSE(v4.has_value());
    if (kernel_has_nfs4()) {
        CHECK(v4.error().code == Errc::io);
        CHECK_THAT(v4.error().message(), Catch::Contains("127.0.0.1 cannot be reached"));
    } else {
        CHECK(v4.error().code == Errc::unsupported);
        CHECK_THAT(v4.error().message(), Catch::Contains("this system's kernel has no NFSv4 client"));
    }
    auto v4_as_user = locate("nfs://127.0.0.1/export/pc.lbi?version=4.1&uid=1000");
    REQUIRE_FALSE(v4_as_user.has_value());
    CHECK(v4_as_user.error().code == Errc::invalid_argument);
    CHECK_THAT(v4_as_user.error().message(), Catch::Contains("uid=1000"));
    auto v5 = locate("nfs://127.0.0.1/export/pc.lbi?version=5");
    REQUIRE_FALSE(v5.has_value());
    CHECK(v5.error().code == Errc::unsupported);
    CHECK_THAT(v5.error().hint, Catch::Contains("?version=4"));
    auto odd = locate("nfs://127.0.0.1/export/pc.lbi?readahead=1");
    REQUIRE_FALSE(odd.has_value());
    CHECK(odd.error().code == Errc::invalid_argument);
    CHECK_THAT(odd.error().message(), Catch::Contains("readahead=1"));
    auto query_elsewhere = locate("http://127.0.0.1/pc.lbi?x=1");
    REQUIRE_FALSE(query_elsewhere.has_value());
    CHECK(query_elsewhere.error().code == Errc::invalid_argument);
}
