// The local-file store against the store contract (store_conformance.hpp),
// judged on the directory itself; and where an image location leads.
#include "store/local_store.hpp"
#include "store/location.hpp"
#include "store_conformance.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

TEST_CASE("local store: keeps the store contract, judged on the directory", "[store]") {
    test_support::TempDir t("store");
    imager::store::LocalStore store;
    // Every name in the directory, whatever it is (a NAME.partial included).
    const auto leftovers = [&] {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(t.path())) names.push_back(e.path().string());
        std::ranges::sort(names);
        return names;
    };
    store_conformance::check_store_contract(store, t.str(), leftovers);
}

TEST_CASE("local store of a folder (a mounted share): keeps the contract, names said as the share's", "[store]") {
    test_support::TempDir t("store");
    std::filesystem::create_directories(t.path() / "office");
    imager::store::LocalStore store(t.str(), "smb://files");
    // Every name in the folder, as the store names it ("/office/pc.lbi").
    const auto leftovers = [&] {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(t.path() / "office"))
            names.push_back("/office/" + e.path().filename().string());
        std::ranges::sort(names);
        return names;
    };
    store_conformance::check_store_contract(store, "/office", leftovers);
    // Past the bytes the writer of a share may be ahead of the server (8 MiB,
    // then it waits for them to be written): every byte still arrives.
    const auto big = store_conformance::noise(40u << 20, 7);
    store_conformance::put(store, "/office/big.lbi", big, 1u << 20);
    CHECK(store_conformance::read_whole(store, "/office/big.lbi") == big);
    auto missing = store.open("/office/none.lbi");
    REQUIRE_FALSE(missing.has_value());
    CHECK_THAT(missing.error().message(), Catch::Contains("smb://files/office/none.lbi") && !Catch::Contains(t.str()));
}

TEST_CASE("local store: only regular files are objects", "[store]") {
    test_support::TempDir t("store");
    imager::store::LocalStore store;
    std::filesystem::create_directory(t.path() / "dir.lbi");
    REQUIRE(::mkfifo((t.path() / "fifo.lbi").c_str(), 0600) == 0);
    for (const char* name : {"dir.lbi", "fifo.lbi"}) {
        auto reader = store.open((t.path() / name).string());
        REQUIRE_FALSE(reader.has_value());
        CHECK(reader.error().message() == (t.path() / name).string() + " is not a regular file");
    }
    CHECK(store.list(t.str())->empty());
}

TEST_CASE("image locations: a path is a local file, a URL with a password is refused, and stores still to come "
          "are said in words",
          "[store]") {
    auto local = imager::store::locate("/srv/images/pc.lbi");
    REQUIRE(local.has_value());
    CHECK(local->name == "/srv/images/pc.lbi");
    CHECK(local->local);
    CHECK(dynamic_cast<imager::store::LocalStore*>(local->store.get()) != nullptr);
    CHECK(imager::store::locate("images/a://b.lbi").has_value());  // a relative path with "://" further on

    for (const std::string url : {"smb://OFFICE;ann:s3cret@files/images/pc.lbi", "ssh://ann:s3cret@backup:2222/srv/pc.lbi",
                                  "https://ann:s3cret@example.test/pc.lbi"}) {
        auto r = imager::store::locate(url);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == imager::Errc::invalid_argument);
        const std::string scheme = url.substr(0, url.find("://"));
        CHECK(r.error().message() == "the " + scheme + ":// address holds a password");
        CHECK_THAT(r.error().message() + r.error().hint, !Catch::Contains("s3cret") && !Catch::Contains("ann"));
    }
    for (const std::string url : {"ftp://files/pc.lbi", "gopher://files/pc.lbi"}) {
        auto r = imager::store::locate(url);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == imager::Errc::unsupported);
        const std::string scheme = url.substr(0, url.find("://"));
        CHECK(r.error().message() == "images on network stores (" + scheme + "://) are not supported");
    }
}
