#include "store/http_reader.hpp"

#include "store/read_ahead.hpp"

namespace imager::store {

namespace {

using net::Request;
using net::Session;

class HttpReader final : public ObjectReader {
public:
    HttpReader(std::shared_ptr<const Session> session, std::string name, std::string shown, std::uint64_t size,
               std::vector<std::string> headers)
        : session_(std::move(session)), name_(std::move(name)), shown_(std::move(shown)), size_(size),
          headers_(std::move(headers)) {}

    std::uint64_t size() const override { return size_; }

    Status read_at(std::uint64_t offset, std::span<std::byte> buffer) const override {
        const std::string& where = shown_;
        if (offset > size_ || buffer.size() > size_ - offset)
            return std::unexpected(make_error(Errc::damaged_image, where + " is shorter than its image says",
                                              "the file on the server was cut short; use another copy"));
        if (buffer.empty()) return {};
        Request get;
        get.path = name_;
        get.into = buffer;
        get.headers = {"Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + buffer.size() - 1),
                       "Accept-Encoding: identity"};
        for (const auto& header : headers_)
            if (!header.empty()) get.headers.push_back(header);
        const std::string what = "read " + where + " at byte " + std::to_string(offset);
        auto reply = session_->perform(get, what);
        if (!reply) return std::unexpected(reply.error());
        if (reply->status == 200)
            return std::unexpected(make_error(Errc::unsupported, what + ": the server does not serve parts of files",
                                              "use a server that answers range requests (nginx, Apache, any WebDAV server)"));
        if (reply->status != 206) return std::unexpected(session_->status_error(*reply, what));
        const std::string expected = "bytes " + std::to_string(offset) + "-" +
                                     std::to_string(offset + buffer.size() - 1) + "/";
        if (!reply->headers["content-range"].starts_with(expected) || reply->received != buffer.size())
            return std::unexpected(make_error(Errc::damaged_image,
                                              what + ": the server sent other bytes than were asked for",
                                              "the file changed on the server, or something on the way alters it"));
        return {};
    }

private:
    std::shared_ptr<const Session> session_;
    std::string name_;
    std::string shown_;  // the object's name in messages
    std::uint64_t size_;
    std::vector<std::string> headers_;  // "If-Match: ..." or "If-Unmodified-Since: ...", and a store's own
};

}  // namespace

std::string validator_of(const net::Reply& head) {
    const auto header = [&](const char* name) {
        const auto it = head.headers.find(name);
        return it == head.headers.end() ? std::string() : it->second;
    };
    if (const std::string etag = header("etag"); !etag.empty() && !etag.starts_with("W/")) return "If-Match: " + etag;
    if (const std::string modified = header("last-modified"); !modified.empty()) return "If-Unmodified-Since: " + modified;
    return {};
}

std::unique_ptr<ObjectReader> open_http_reader(std::shared_ptr<const net::Session> session, std::string path,
                                               std::string shown, std::uint64_t size, std::vector<std::string> headers) {
    return std::make_unique<ReadAheadReader>(
        std::make_unique<HttpReader>(std::move(session), std::move(path), std::move(shown), size, std::move(headers)));
}

}  // namespace imager::store
