// Reading an object a web server serves at a path, by range requests: the
// HTTP(S) store's reader and the S3 store's (whose objects are served at
// /BUCKET/KEY). Every range is asked for with `headers`: a validator
// ("If-Match: ETAG" or "If-Unmodified-Since: DATE", from the HEAD at open,
// so an object
// replaced on the server fails the read instead of mixing old and new) and
// what else the store's requests carry; `shown` names the object in messages.
// A server that sends other bytes than asked is damage. Read ahead in parallel
// (read_ahead.hpp).
#pragma once

#include "store/curl_session.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace imager::store {

// The validator of a HEAD's answer: "If-Match: ETAG" (a strong ETag), else
// "If-Unmodified-Since: DATE", else "" (nothing to check with).
[[nodiscard]] std::string validator_of(const net::Reply& head);

[[nodiscard]] std::unique_ptr<ObjectReader> open_http_reader(std::shared_ptr<const net::Session> session,
                                                             std::string path, std::string shown,
                                                             std::uint64_t size, std::vector<std::string> headers);

}  // namespace imager::store
