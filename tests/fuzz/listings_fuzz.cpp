// What a network server says a folder holds (store/listings.hpp): a server is
// as untrusted as an image. Input: one flag byte (bit 0: an SFTP long
// listing; else bit 1: an S3 ListObjectsV2 page; else a WebDAV PROPFIND
// answer), then the answer's bytes. Every object a parser gives back must be
// a regular file directly in the folder: named folder + "/" + a file name
// without '/', in sorted order, and (but for S3, whose objects in progress
// have no name) never NAME.partial.
#include "fuzz_support.hpp"
#include "store/listings.hpp"

#include <algorithm>

namespace {

const std::string kFolder = "/images";

void check(const std::vector<imager::store::ObjectInfo>& objects, const char* who) {
    for (const auto& o : objects) {
        if (!o.name.starts_with(kFolder + "/")) fuzz::fail(std::string(who) + " gave " + o.name + ", outside the folder");
        const std::string file = o.name.substr(kFolder.size() + 1);
        if (file.empty() || file.find('/') != std::string::npos)
            fuzz::fail(std::string(who) + " gave " + o.name + ", not a file directly in the folder");
        if (o.name.ends_with(".partial") && std::string_view(who) != "parse_s3_listing")
            fuzz::fail(std::string(who) + " listed a partial object " + o.name);
    }
    if (!std::ranges::is_sorted(objects, {}, &imager::store::ObjectInfo::name)) fuzz::fail(std::string(who) + ": not sorted");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] & 1) {
        check(imager::store::parse_sftp_listing(text, kFolder), "parse_sftp_listing");
    } else if (data[0] & 2) {
        if (auto page = imager::store::parse_s3_listing(text, kFolder)) check(page->objects, "parse_s3_listing");
    } else if (auto objects = imager::store::parse_propfind(text, kFolder)) {
        check(*objects, "parse_propfind");
    }
    return 0;
}
