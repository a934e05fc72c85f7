// A network store's address as a person writes it ("https://ann@files:8443/images/pc.lbi"),
// split into its parts by libcurl's URL parser. A password in the URL is refused: it would
// show in the process list, the shell's history and every log that repeats the command.
#pragma once

#include "imager/result.hpp"
#include "imager/store_access.hpp"  // looks_like_url

#include <string>
#include <utility>
#include <vector>

namespace imager::store {

struct StoreUrl {
    std::string scheme;  // "http", "https", "ssh", "nfs", "smb", "s3"
    std::string user;    // may be empty; never a secret
    std::string domain;  // smb://DOMAIN;user@...; empty elsewhere
    std::string host;    // as written; an IPv6 address keeps its brackets
    std::string port;    // empty when the scheme's default
    std::string path;    // percent-decoded, starts with '/'
    std::string query;   // nfs:// only ("mountport=20048&uid=1000"); a '?' elsewhere is refused

    // "https://files:8443": the server, for messages and requests; no user.
    [[nodiscard]] std::string origin() const;
    // The query's options in order: "uid=1000&ro" -> {"uid", "1000"}, {"ro", ""}.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> options() const;
};

[[nodiscard]] Result<StoreUrl> parse_url(const std::string& where);

// The folder an object's name is in: "/images/pc.lbi" -> "/images", "/pc.lbi" -> "/".
[[nodiscard]] std::string folder_of(const std::string& name);

// Every byte but letters, digits and "-._~" as %XX (RFC 3986; what AWS
// Signature V4 wants of a query parameter's value too).
[[nodiscard]] std::string percent_encoded(const std::string& text);

// Percent-encodes each segment of a '/'-separated path for a request line.
[[nodiscard]] std::string encode_path(const std::string& path);

}  // namespace imager::store
