#include "store/url.hpp"

#include "imager/store_access.hpp"

#include <curl/curl.h>

#include <memory>

namespace imager::store {

namespace {

using UrlHandle = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

std::string part(CURLU* u, CURLUPart which, unsigned flags = 0) {
    char* text = nullptr;
    if (curl_url_get(u, which, &text, flags) != CURLUE_OK || text == nullptr) return {};
    std::string s = text;
    curl_free(text);
    return s;
}

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    return first == std::string::npos ? std::string() : s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

Error bad_url(const std::string& scheme, const std::string& why) {
    // Only the scheme is repeated: the rest may hold what should not be shown.
    return make_error(Errc::invalid_argument, "the " + scheme + ":// address is not valid: " + why,
                      "write it as " + scheme + "://server/path/image.lbi (docs/STORES.md)");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> StoreUrl::options() const {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (std::size_t at = 0; at < query.size();) {
        const std::size_t end = std::min(query.find('&', at), query.size());
        const std::string pair = query.substr(at, end - at);
        const std::size_t eq = pair.find('=');
        pairs.emplace_back(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
        at = end + 1;
    }
    return pairs;
}

std::string StoreUrl::origin() const { return scheme + "://" + host + (port.empty() ? "" : ":" + port); }

bool looks_like_url(const std::string& where) {
    const auto scheme_end = where.find("://");
    return scheme_end != std::string::npos && scheme_end > 0 && scheme_end < where.find('/');
}

Result<StoreUrl> parse_url(const std::string& where) {
    const std::string scheme = where.substr(0, where.find("://"));
    UrlHandle u(curl_url(), &curl_url_cleanup);
    if (!u) return std::unexpected(make_error(Errc::internal, "libcurl could not allocate a URL"));
    if (curl_url_set(u.get(), CURLUPART_URL, where.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        return std::unexpected(bad_url(scheme, "it cannot be read as a URL"));
    StoreUrl url;
    url.scheme = part(u.get(), CURLUPART_SCHEME);
    if (!part(u.get(), CURLUPART_PASSWORD).empty())
        return std::unexpected(make_error(
            Errc::invalid_argument, "the " + scheme + ":// address holds a password",
            "a password in a URL shows in the process list and in logs: remove it, and give it with "
            "--credentials FILE, the LIFEBOAT_PASSWORD environment variable, or at the prompt"));
    url.user = part(u.get(), CURLUPART_USER, CURLU_URLDECODE);
    if (const auto semicolon = url.user.find(';'); semicolon != std::string::npos) {
        url.domain = url.user.substr(0, semicolon);
        url.user.erase(0, semicolon + 1);
    }
    url.host = part(u.get(), CURLUPART_HOST);
    url.port = part(u.get(), CURLUPART_PORT);
    url.path = part(u.get(), CURLUPART_PATH, CURLU_URLDECODE);
    if (url.host.empty()) return std::unexpected(bad_url(scheme, "it names no server"));
    url.query = part(u.get(), CURLUPART_QUERY);
    if ((!url.query.empty() && url.scheme != "nfs") || !part(u.get(), CURLUPART_FRAGMENT).empty())
        return std::unexpected(bad_url(scheme, "an image's address has no '?' or '#' part"));
    if (url.path.empty()) url.path = "/";
    if (url.path.find('\0') != std::string::npos) return std::unexpected(bad_url(scheme, "its path holds a NUL byte"));
    return url;
}

std::string folder_of(const std::string& name) {
    const auto slash = name.rfind('/');
    return slash == std::string::npos || slash == 0 ? "/" : name.substr(0, slash);
}

std::string percent_encoded(const std::string& text) {
    std::string out;
    if (char* e = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()))) {
        out = e;
        curl_free(e);
    }
    return out;
}

std::string encode_path(const std::string& path) {
    std::string out;
    std::size_t at = 0;
    while (at <= path.size()) {
        const auto slash = path.find('/', at);
        out += percent_encoded(path.substr(at, slash == std::string::npos ? std::string::npos : slash - at));
        if (slash == std::string::npos) break;
        out += '/';
        at = slash + 1;
    }
    return out;
}

std::string address_of(const StorePlace& place) {
    std::string user = trimmed(place.user);
    std::string domain;
    if (const auto backslash = user.find('\\'); place.scheme == "smb" && backslash != std::string::npos) {
        domain = user.substr(0, backslash);
        user.erase(0, backslash + 1);
    }
    std::string folder = trimmed(place.folder);
    while (!folder.empty() && folder.front() == '/') folder.erase(0, 1);
    while (!folder.empty() && folder.back() == '/') folder.pop_back();
    std::string address = place.scheme + "://";
    if (!domain.empty()) address += percent_encoded(domain) + ";";
    if (!user.empty()) address += percent_encoded(user) + "@";
    return address + trimmed(place.server) + "/" + encode_path(folder);
}

}  // namespace imager::store
