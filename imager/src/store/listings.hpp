// What a server says a folder holds, read from its answer: a WebDAV PROPFIND
// multistatus (XML, through expat), an SFTP long listing (OpenSSH's ls -l
// form) and S3's XML answers. A server is untrusted input like an image: these take any bytes,
// keep regular files directly in `folder` only, never a name with '/' or a
// size that is not a number, and are fuzzed (tests/fuzz/listings_fuzz.cpp).
#pragma once

#include "store/store.hpp"

#include <map>
#include <string_view>

namespace imager::store {

// `folder` is the listed folder's name ("/images"); the objects are named
// folder + "/" + file, sorted, NAME.partial left out.
[[nodiscard]] Result<std::vector<ObjectInfo>> parse_propfind(std::string_view xml, const std::string& folder);
[[nodiscard]] std::vector<ObjectInfo> parse_sftp_listing(std::string_view text, const std::string& folder);

// An S3 answer (ListObjectsV2, InitiateMultipartUpload, ListMultipartUploads,
// an <Error>): the text of each element that holds only text, by its local
// name: those inside a `record` element (Contents, Upload) one map per
// record, the others in `top` (IsTruncated, UploadId, Code). At most 100000
// records and 8 KiB of text per element.
struct XmlAnswer {
    std::map<std::string, std::string> top;
    std::vector<std::map<std::string, std::string>> records;
};
[[nodiscard]] Result<XmlAnswer> parse_xml_answer(std::string_view xml, const std::string& record);

// One page of an S3 ListObjectsV2 answer for `folder` ("/images", or "/" for
// the bucket's top): the objects directly in it (keys folder/NAME without a
// further '/', with a size that is a number), sorted; whether more pages
// follow and the token that asks for the next.
struct S3Page {
    std::vector<ObjectInfo> objects;
    bool truncated = false;
    std::string next_token;
};
[[nodiscard]] Result<S3Page> parse_s3_listing(std::string_view xml, const std::string& folder);

}  // namespace imager::store
