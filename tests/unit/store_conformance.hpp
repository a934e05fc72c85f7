// The contract of imager/src/store/store.hpp, checked against one store:
// every store implementation's test calls check_store_contract() with a
// fresh, empty directory of that store (a local temp dir; a share or bucket
// a test server holds). `leftovers` says what the store's medium holds in
// that directory besides committed objects (for local files: any name at
// all), so that "nothing is left" is judged on the medium, not only through
// the interface under test.
#pragma once

#include "imager/store_access.hpp"
#include "store/store.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace store_conformance {

using imager::store::Store;
using Bytes = std::vector<std::byte>;

// Sets the run's store access (credentials, trust) for a scope, then clears it.
struct AccessScope {
    explicit AccessScope(imager::store::Access a) { imager::store::configure(std::move(a)); }
    ~AccessScope() { imager::store::configure({}); }
    AccessScope(const AccessScope&) = delete;
    AccessScope& operator=(const AccessScope&) = delete;
};

inline Bytes noise(std::size_t size, unsigned seed) {
    std::mt19937 random(seed);
    Bytes b(size);
    for (auto& x : b) x = static_cast<std::byte>(random());
    return b;
}

inline Bytes read_whole(const Store& store, const std::string& name) {
    auto reader = store.open(name);
    INFO((reader ? std::string() : reader.error().message()));
    REQUIRE(reader.has_value());
    Bytes b(static_cast<std::size_t>((*reader)->size()));
    REQUIRE((*reader)->read_at(0, b).has_value());
    return b;
}

inline std::vector<std::string> listed(const Store& store, const std::string& dir) {
    auto objects = store.list(dir);
    REQUIRE(objects.has_value());
    std::vector<std::string> names;
    for (const auto& o : *objects) names.push_back(o.name);
    return names;
}

// Writes `data` as `name` in pieces of `piece` bytes and commits it.
inline void put(Store& store, const std::string& name, const Bytes& data, std::size_t piece = 100'000) {
    auto w = store.create(name);
    REQUIRE(w.has_value());
    for (std::size_t at = 0; at < data.size(); at += piece)
        REQUIRE((*w)->append(std::span(data).subspan(at, std::min(piece, data.size() - at))).has_value());
    REQUIRE((*w)->commit().has_value());
}

inline void check_not_there(const Store& store, const std::string& dir, const std::string& name) {
    auto there = store.exists(name);
    REQUIRE(there.has_value());
    CHECK_FALSE(*there);
    auto reader = store.open(name);
    REQUIRE_FALSE(reader.has_value());
    CHECK(reader.error().code == imager::Errc::not_found);
    CHECK_THAT(reader.error().message(), Catch::Contains(store.describe(name)));
    const auto names = listed(store, dir);
    CHECK(std::ranges::find(names, name) == names.end());
}

// Whether the store has folders of its own (files, WebDAV, SFTP, NFS, SMB),
// or only names with '/' in them (S3): then a folder exists once an object
// is in it, and listing one with nothing in it is empty, not an error.
enum class Folders { real, implied_by_names };

inline void check_store_contract(Store& store, const std::string& dir,
                                 const std::function<std::vector<std::string>()>& leftovers,
                                 Folders folders = Folders::real) {
    const std::string name = dir + "/pc.lbi";
    const Bytes data = noise(3'000'017, 1);  // not a multiple of any block size

    SECTION("nothing is visible until commit; then exactly the bytes appended") {
        auto w = store.create(name);
        REQUIRE(w.has_value());
        REQUIRE((*w)->append(std::span(data).first(1'000'000)).has_value());
        check_not_there(store, dir, name);
        REQUIRE((*w)->append(std::span(data).subspan(1'000'000)).has_value());
        check_not_there(store, dir, name);
        REQUIRE((*w)->commit().has_value());
        CHECK(read_whole(store, name) == data);
        auto there = store.exists(name);
        REQUIRE(there.has_value());
        CHECK(*there);
        auto objects = store.list(dir);
        REQUIRE(objects.has_value());
        REQUIRE(objects->size() == 1);
        CHECK(objects->front().name == name);
        CHECK(objects->front().size == data.size());
        CHECK(leftovers() == std::vector<std::string>{name});
    }

    SECTION("an abandoned or dropped writer leaves nothing, and its name stays free") {
        {
            auto w = store.create(name);
            REQUIRE(w.has_value());
            REQUIRE((*w)->append(data).has_value());
            (*w)->abandon();
            (*w)->abandon();  // twice is harmless
        }
        {
            auto w = store.create(dir + "/dropped.lbi");
            REQUIRE(w.has_value());
            REQUIRE((*w)->append(data).has_value());
        }  // destroyed without commit
        check_not_there(store, dir, name);
        check_not_there(store, dir, dir + "/dropped.lbi");
        CHECK(leftovers().empty());
        put(store, name, data);
        CHECK(read_whole(store, name) == data);
    }

    SECTION("what a killed writer left is never listed, and a new create of the name clears it") {
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            auto w = store.create(name);
            if (!w || !(*w)->append(data)) ::_exit(1);
            ::_exit(0);  // no destructor runs: as if killed
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        check_not_there(store, dir, name);
        const Bytes small = noise(1000, 2);
        put(store, name, small);
        CHECK(read_whole(store, name) == small);
        CHECK(leftovers() == std::vector<std::string>{name});
    }

    SECTION("commit replaces an object as one step; a reader opened before keeps the old bytes or fails") {
        const Bytes old_data = noise(500'000, 3);
        put(store, name, old_data);
        auto before = store.open(name);
        REQUIRE(before.has_value());
        auto w = store.create(name);
        REQUIRE(w.has_value());
        REQUIRE((*w)->append(data).has_value());
        CHECK(read_whole(store, name) == old_data);  // not yet
        REQUIRE((*w)->commit().has_value());
        CHECK(read_whole(store, name) == data);
        Bytes seen(old_data.size());
        if ((*before)->read_at(0, seen)) CHECK(seen == old_data);
        CHECK(listed(store, dir) == std::vector<std::string>{name});
    }

    SECTION("read_at fills the buffer from any offset; past the end is damage, in words") {
        put(store, name, data);
        auto reader = store.open(name);
        REQUIRE(reader.has_value());
        REQUIRE((*reader)->size() == data.size());
        for (const std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, data.size() - 10}) {
            Bytes part(10);
            REQUIRE((*reader)->read_at(at, part).has_value());
            CHECK(std::equal(part.begin(), part.end(), data.begin() + static_cast<std::ptrdiff_t>(at)));
        }
        Bytes empty;
        CHECK((*reader)->read_at(data.size(), empty).has_value());
        Bytes across(20);
        auto past = (*reader)->read_at(data.size() - 10, across);
        REQUIRE_FALSE(past.has_value());
        CHECK(past.error().code == imager::Errc::damaged_image);
        CHECK_THAT(past.error().message(), Catch::Contains(store.describe(name)));
        CHECK_FALSE(past.error().hint.empty());
    }

    SECTION("several threads read one reader at once") {
        put(store, name, data);
        auto reader = store.open(name);
        REQUIRE(reader.has_value());
        std::vector<int> wrong(4, 0);
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < wrong.size(); ++t)
            threads.emplace_back([&, t] {
                std::mt19937 random(t);
                Bytes part(65'536);
                for (int i = 0; i < 50; ++i) {
                    const std::size_t at = random() % (data.size() - part.size());
                    if (!(*reader)->read_at(at, part) ||
                        !std::equal(part.begin(), part.end(), data.begin() + static_cast<std::ptrdiff_t>(at)))
                        ++wrong[t];
                }
            });
        for (auto& t : threads) t.join();
        CHECK(wrong == std::vector<int>(4, 0));
    }

    SECTION("list names committed objects in the directory, sorted; remove takes one away, twice is fine") {
        put(store, dir + "/b.lbi", noise(10, 4));
        put(store, dir + "/a.lbi", noise(20, 5));
        put(store, dir + "/a.lbi.002", noise(30, 6));
        auto open_writer = store.create(dir + "/c.lbi");  // in progress: not listed
        REQUIRE(open_writer.has_value());
        REQUIRE((*open_writer)->append(noise(40, 7)).has_value());
        auto objects = store.list(dir);
        REQUIRE(objects.has_value());
        REQUIRE(objects->size() == 3);
        CHECK((*objects)[0].name == dir + "/a.lbi");
        CHECK((*objects)[0].size == 20);
        CHECK((*objects)[1].name == dir + "/a.lbi.002");
        CHECK((*objects)[2].name == dir + "/b.lbi");
        CHECK((*objects)[2].size == 10);
        REQUIRE(store.remove(dir + "/a.lbi").has_value());
        REQUIRE(store.remove(dir + "/a.lbi").has_value());
        CHECK(listed(store, dir) == std::vector<std::string>{dir + "/a.lbi.002", dir + "/b.lbi"});
        (*open_writer)->abandon();
        CHECK(leftovers() == std::vector<std::string>{dir + "/a.lbi.002", dir + "/b.lbi"});
    }

    SECTION("a directory that is not there is not found, in words (or, without folders, empty)") {
        auto objects = store.list(dir + "/nowhere");
        if (folders == Folders::implied_by_names) {
            REQUIRE(objects.has_value());
            CHECK(objects->empty());
            put(store, dir + "/nowhere/pc.lbi", noise(100, 8));  // a new "folder" is a new name
            CHECK(listed(store, dir + "/nowhere") == std::vector<std::string>{dir + "/nowhere/pc.lbi"});
            CHECK(listed(store, dir).empty());  // not directly in dir
            return;
        }
        REQUIRE_FALSE(objects.has_value());
        CHECK(objects.error().code == imager::Errc::not_found);
        CHECK_THAT(objects.error().message(), Catch::Contains("nowhere"));
        auto w = store.create(dir + "/nowhere/pc.lbi");
        REQUIRE_FALSE(w.has_value());
        CHECK(w.error().code == imager::Errc::not_found);
    }
}

}  // namespace store_conformance
