// Where an image's volume files live: a store of named objects. The volumes
// layer (format/volumes.*) writes and reads every image through this
// interface and nothing else, so an image on a network share or an object
// store behaves as one on a local disk. Local files are one implementation
// (local_store.*); each network kind is to be another (issue 19).
//
// The contract every implementation keeps, and tests/unit/store_conformance.hpp
// checks for each of them:
//  - Names are '/'-separated paths, as a person writes them; describe()
//    turns one into text for messages, never with a credential in it.
//  - create(name) starts a new object. Nothing of it is visible under `name`
//    (open, exists, list) until commit() returns success: a reader sees the
//    object that was there before, or nothing, or the whole new one. What is
//    in progress may be visible under another name that list() never shows
//    (a local NAME.partial, an unfinished multipart upload), and is removed
//    by abandon().
//  - append() adds bytes at the end. After a failed append the writer is
//    only good for abandon().
//  - commit() makes every appended byte durable (on the medium, not in a
//    cache) and visible under the name, replacing an object of that name as
//    one step. After a failed commit nothing new is visible under the name.
//  - abandon() removes what was written and never fails; a writer destroyed
//    without commit() abandons itself. A later create() of the same name
//    also removes what an abandoned or killed writer left.
//  - open(name) gives a reader of the object's bytes as they were at open
//    (once the object is replaced, a store that cannot keep them fails the
//    read instead of mixing old and new); read_at() is safe from several
//    threads at once and fills the whole buffer or fails. A missing object
//    is Errc::not_found; bytes that are not there (a read past the end, an
//    object cut short) are damage.
//  - list(dir) names the committed objects directly in `dir`, never one in
//    progress; remove(name) of a missing object succeeds. A `dir` that is
//    not there is Errc::not_found, and so is a create() in it; except in a
//    store whose folders are only '/' in names (S3): there a folder is there
//    once an object is in it, and an empty one lists as empty.
//  - Every error says what was being done to which object (describe()) and
//    carries a hint when there is something a person can do.
#pragma once

#include "imager/result.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace imager::store {

// The name an object in progress may have in stores that cannot hide it
// otherwise (files, WebDAV, SFTP): NAME.partial, never listed, removed by the
// next create() of NAME.
inline constexpr const char* kPartialSuffix = ".partial";

class ObjectWriter {
public:
    virtual ~ObjectWriter() = default;
    [[nodiscard]] virtual Status append(std::span<const std::byte> data) = 0;
    [[nodiscard]] virtual Status commit() = 0;
    virtual void abandon() noexcept = 0;
};

class ObjectReader {
public:
    virtual ~ObjectReader() = default;
    [[nodiscard]] virtual std::uint64_t size() const = 0;
    [[nodiscard]] virtual Status read_at(std::uint64_t offset, std::span<std::byte> buffer) const = 0;
};

struct ObjectInfo {
    std::string name;  // the full name, as create() and open() take it
    std::uint64_t size = 0;
};

class Store {
public:
    virtual ~Store() = default;
    [[nodiscard]] virtual std::string describe(const std::string& name) const = 0;
    [[nodiscard]] virtual Result<std::unique_ptr<ObjectWriter>> create(const std::string& name) = 0;
    [[nodiscard]] virtual Result<std::unique_ptr<ObjectReader>> open(const std::string& name) const = 0;
    [[nodiscard]] virtual Result<bool> exists(const std::string& name) const = 0;
    [[nodiscard]] virtual Result<std::vector<ObjectInfo>> list(const std::string& dir) const = 0;
    [[nodiscard]] virtual Status remove(const std::string& name) = 0;
};

}  // namespace imager::store
