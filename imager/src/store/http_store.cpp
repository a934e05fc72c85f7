#include "store/http_store.hpp"

#include "store/http_reader.hpp"
#include "store/listings.hpp"
#include "store/streaming_writer.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

namespace imager::store {

namespace {

using net::Reply;
using net::Request;
using net::Session;

// A new object streamed to the server by one PUT of NAME.partial, moved onto
// NAME when whole (streaming_writer.hpp runs the stream).
class HttpWriter final : public StreamingWriter {
public:
    HttpWriter(std::shared_ptr<Session> session, std::string name)
        : StreamingWriter("write " + session->describe(name + kPartialSuffix)),
          session_(std::move(session)), name_(std::move(name)), partial_(name_ + kPartialSuffix) {
        start();
    }
    ~HttpWriter() override { stop(); }

private:
    Status transfer() override {
        // A partial a dead writer left is replaced by this PUT, or removed by discard().
        const std::string what = "write " + session_->describe(partial_);
        CURL* h = session_->take();
        if (h == nullptr) return std::unexpected(make_error(Errc::internal, "libcurl could not start a transfer"));
        Reply reply;
        char detail[CURL_ERROR_SIZE] = "";
        const std::string url = session_->request_url(partial_);
        // libcurl asks "Expect: 100-continue" first: a server that wants
        // credentials (or refuses) says so before any byte of a body that
        // cannot be sent twice.
        curl_slist* headers = curl_slist_append(nullptr, "Expect: 100-continue");
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read);
        curl_easy_setopt(h, CURLOPT_READDATA, static_cast<StreamingWriter*>(this));
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, static_cast<StreamingWriter*>(this));
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 0L);  // progress() judges stalls
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, +[](char*, std::size_t s, std::size_t n, void*) { return s * n; });
        const CURLcode code = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
        curl_slist_free_all(headers);
        if (code == CURLE_OK) session_->give(h);
        else curl_easy_cleanup(h);
        if (code == CURLE_ABORTED_BY_CALLBACK && stalled())
            return std::unexpected(make_error(Errc::io,
                                              what + ": " + session_->url().host + " took nothing for " +
                                                  std::to_string(net::kStallSeconds) + " s",
                                              "check the server and the network, then capture again"));
        if (code == CURLE_ABORTED_BY_CALLBACK) return std::unexpected(make_error(Errc::cancelled, what + ": cancelled"));
        if (reply.status >= 300) return std::unexpected(session_->status_error(reply, what));
        if (code != CURLE_OK) return std::unexpected(session_->transfer_error(code, detail, what));
        if (reply.status / 100 != 2) return std::unexpected(session_->status_error(reply, what));
        return {};
    }

    Status publish() override {
        Request move;
        move.method = "MOVE";
        move.path = partial_;
        move.headers = {"Destination: " + session_->request_url(name_), "Overwrite: T"};
        move.retry = false;  // a MOVE that happened but whose answer was lost must not be repeated
        const std::string what = "move " + session_->describe(partial_) + " to its name";
        auto reply = session_->perform(move, what);
        if (reply && reply->status / 100 == 2) return {};
        return std::unexpected(reply ? session_->status_error(*reply, what) : reply.error());
    }

    void discard() noexcept override {
        Request del;
        del.method = "DELETE";
        del.path = partial_;
        (void)session_->perform(del, "remove " + session_->describe(partial_));
    }

    std::shared_ptr<Session> session_;
    std::string name_;
    std::string partial_;
};

}  // namespace

Result<std::unique_ptr<ObjectWriter>> HttpStore::create(const std::string& name) {
    // The folder must be there: a PUT into a missing one fails only after its whole body.
    Request look;
    look.method = "PROPFIND";
    const std::string folder = folder_of(name);
    look.path = folder == "/" ? folder : folder + "/";
    look.headers = {"Depth: 0"};
    const std::string what = "write " + describe(name);
    auto reply = session_->perform(look, what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status == 404)
        return std::unexpected(make_error(Errc::not_found, what + ": the folder " + describe(folder_of(name)) +
                                                               " does not exist on the server",
                                          "create it first, or choose another folder"));
    if (reply->status / 100 != 2) return std::unexpected(session_->status_error(*reply, what));
    return std::make_unique<HttpWriter>(session_, name);
}

Result<std::unique_ptr<ObjectReader>> HttpStore::open(const std::string& name) const {
    Request head;
    head.method = "HEAD";
    head.path = name;
    head.headers = {"Accept-Encoding: identity"};
    const std::string what = "open " + describe(name);
    auto reply = session_->perform(head, what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status != 200) return std::unexpected(session_->status_error(*reply, what));
    const std::string length = reply->headers["content-length"];
    if (length.empty() || length.find_first_not_of("0123456789") != std::string::npos || length.size() > 19)
        return std::unexpected(make_error(Errc::unsupported, what + ": the server does not say the file's size",
                                          "use a server that serves files with their length (nginx, Apache, WebDAV)"));
    return open_http_reader(session_, name, describe(name), std::stoull(length), {validator_of(*reply)});
}

Result<bool> HttpStore::exists(const std::string& name) const {
    Request head;
    head.method = "HEAD";
    head.path = name;
    const std::string what = "look for " + describe(name);
    auto reply = session_->perform(head, what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status == 404 || reply->status == 410) return false;
    if (reply->status / 100 == 2) return true;
    return std::unexpected(session_->status_error(*reply, what));
}

Result<std::vector<ObjectInfo>> HttpStore::list(const std::string& dir) const {
    std::string folder = dir;
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    Request find;
    find.method = "PROPFIND";
    find.path = folder == "/" ? "/" : folder + "/";
    find.headers = {"Depth: 1", "Content-Type: application/xml"};
    find.body = R"(<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><resourcetype/><getcontentlength/></prop></propfind>)";
    const std::string what = "list " + describe(folder);
    auto reply = session_->perform(find, what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status != 207) return std::unexpected(session_->status_error(*reply, what));

    auto objects = parse_propfind(reply->body, folder);
    if (!objects)
        return std::unexpected(make_error(Errc::io, what + ": " + objects.error().context));
    return objects;
}

Status HttpStore::remove(const std::string& name) {
    Request del;
    del.method = "DELETE";
    del.path = name;
    const std::string what = "remove " + describe(name);
    auto reply = session_->perform(del, what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status / 100 == 2 || reply->status == 404) return {};
    return std::unexpected(session_->status_error(*reply, what));
}

}  // namespace imager::store
