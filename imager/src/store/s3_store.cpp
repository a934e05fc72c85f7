#include "store/s3_store.hpp"

#include "store/access.hpp"
#include "store/http_reader.hpp"
#include "store/listings.hpp"
#include "store/streaming_writer.hpp"
#include "store/url.hpp"

#include <curl/curl.h>

#include <algorithm>

namespace imager::store {

namespace {

using net::Reply;
using net::Request;
using net::Session;

constexpr const char* kPayloadHash = "x-amz-content-sha256: UNSIGNED-PAYLOAD";
constexpr int kMaxListPages = 1000;

std::string key_of(const std::string& name) { return name.starts_with('/') ? name.substr(1) : name; }

std::string xml_escaped(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else out += c;
    }
    return out;
}

bool valid_bucket(const std::string& bucket) {
    return bucket.size() >= 3 && bucket.size() <= 63 &&
           bucket.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
}

// A new object as a multipart upload, its parts streamed as the image is written.
class S3Writer final : public StreamingWriter {
public:
    S3Writer(std::shared_ptr<const S3Store> store, std::string name, std::string upload)
        : StreamingWriter("write " + store->describe(name)), store_(std::move(store)), name_(std::move(name)),
          upload_(std::move(upload)) {
        start();
    }
    ~S3Writer() override { stop(); }

private:
    Status transfer() override {
        const std::string what = "write " + store_->describe(name_);
        std::string part;
        for (unsigned number = 1;; ++number) {
            part.resize(S3Store::kPartSize);
            std::size_t filled = 0;
            bool end = false;
            while (filled < part.size()) {
                const auto n = next(std::as_writable_bytes(std::span(part)).subspan(filled));
                if (!n) return std::unexpected(make_error(Errc::cancelled, what + ": cancelled"));
                if (*n == 0) {
                    end = true;
                    break;
                }
                filled += *n;
            }
            if (filled == 0 && number > 1) return {};  // the stream ended on a part's boundary
            if (number > S3Store::kMaxParts)
                return std::unexpected(make_error(
                    Errc::no_space, what + ": an object holds at most " + std::to_string(S3Store::kMaxParts) + " parts of " +
                                        std::to_string(S3Store::kPartSize >> 20) + " MiB",
                    "capture with --split 300G: each volume is an object of its own"));
            part.resize(filled);
            Request put = store_->request("PUT", name_, "partNumber=" + std::to_string(number) + "&uploadId=" +
                                                            percent_encoded(upload_));
            put.headers.push_back("Content-Type: application/octet-stream");
            put.body = std::move(part);  // retried whole when the failure is transient
            const std::string step = what + " (part " + std::to_string(number) + ")";
            auto reply = store_->session().perform(put, step);
            part = std::move(put.body);
            if (!reply) return std::unexpected(reply.error());
            if (reply->status / 100 != 2) return std::unexpected(store_->answer_error(*reply, step));
            const std::string etag = reply->headers["etag"];
            if (etag.empty())
                return std::unexpected(make_error(Errc::io, step + ": the service gave the part no ETag",
                                                  "use a service that implements S3's multipart upload"));
            etags_.push_back(etag);
            if (end) return {};
        }
    }

    Status publish() override {
        std::string body = "<CompleteMultipartUpload>";
        for (std::size_t i = 0; i < etags_.size(); ++i)
            body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + xml_escaped(etags_[i]) +
                    "</ETag></Part>";
        body += "</CompleteMultipartUpload>";
        Request complete = store_->request("POST", name_, "uploadId=" + percent_encoded(upload_));
        complete.headers.push_back("Content-Type: application/xml");
        complete.body = std::move(body);
        complete.retry = false;  // completed, but its answer lost: the upload is gone, a retry would say so
        const std::string what = "complete the upload of " + store_->describe(name_);
        auto reply = store_->session().perform(complete, what);
        if (!reply) return std::unexpected(reply.error());
        if (reply->status / 100 != 2) return std::unexpected(store_->answer_error(*reply, what));
        // S3 may answer 200 and still fail, with an <Error> in the body.
        auto answer = parse_xml_answer(reply->body, "Part");
        if (!answer || answer->top.contains("Code")) return std::unexpected(store_->answer_error(*reply, what));
        return {};
    }

    void discard() noexcept override {
        Request abort = store_->request("DELETE", name_, "uploadId=" + percent_encoded(upload_));
        (void)store_->session().perform(abort, "abort the upload of " + store_->describe(name_));
    }

    std::shared_ptr<const S3Store> store_;
    std::string name_;
    std::string upload_;
    std::vector<std::string> etags_;
};

}  // namespace

Result<std::shared_ptr<S3Store>> S3Store::open(const StoreUrl& url) {
    if (!valid_bucket(url.host) || !url.port.empty())
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "the s3:// address does not name a bucket: s3://BUCKET/path/pc.lbi",
                                          "a bucket's name is 3 to 63 lower-case letters, digits, '.' and '-'; "
                                          "the service's address goes in --endpoint URL (docs/STORES.md)"));
    auto credentials = credentials_for(url);
    if (!credentials) return std::unexpected(credentials.error());
    if (credentials->user.empty() != credentials->password.empty())
        return std::unexpected(make_error(Errc::permission, "s3://" + url.host + ": an access key needs its secret, and a secret its key",
                                          "give both: user = ACCESS KEY and password = SECRET in --credentials FILE, or "
                                          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (docs/STORES.md)"));
    const std::string region = credentials->region.empty() ? "us-east-1" : credentials->region;
    const std::string endpoint_text =
        credentials->endpoint.empty() ? "https://s3." + region + ".amazonaws.com" : credentials->endpoint;
    auto endpoint = looks_like_url(endpoint_text) ? parse_url(endpoint_text)
                                                  : Result<StoreUrl>(std::unexpected(make_error(Errc::invalid_argument, "")));
    if (!endpoint || (endpoint->scheme != "http" && endpoint->scheme != "https") || endpoint->path != "/" ||
        !endpoint->user.empty())
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "the S3 endpoint is not an http:// or https:// address of a server alone",
                                          "give it as --endpoint https://SERVER[:PORT] (docs/STORES.md)"));
    auto session = Session::open_signed(*endpoint, std::move(*credentials), "aws:amz:" + region + ":s3");
    if (!session) return std::unexpected(session.error());
    return std::shared_ptr<S3Store>(new S3Store(std::move(*session), url.host));
}

Request S3Store::request(std::string method, const std::string& name, std::string query) const {
    Request r;
    r.method = std::move(method);
    r.path = "/" + bucket_ + name;
    r.query = std::move(query);
    r.headers = {kPayloadHash};
    return r;
}

Error S3Store::answer_error(const Reply& reply, const std::string& what) const {
    std::string code;
    if (auto answer = parse_xml_answer(reply.body, ""); answer && answer->top.contains("Code"))
        code = answer->top["Code"];
    const std::string service = session_->url().origin();
    if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || (code.empty() && reply.status == 403))
        return make_error(Errc::permission,
                          what + ": " + service + " refused the access key or secret" +
                              (code.empty() ? " (HTTP 403)" : " (" + code + ")"),
                          "check them: user = ACCESS KEY and password = SECRET in --credentials FILE, or "
                          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (docs/STORES.md)");
    if (code == "AccessDenied")
        return make_error(Errc::permission, what + ": the access key may not do this (AccessDenied)",
                          "give the key the right to read, write and list the bucket (its policy)");
    if (code == "NoSuchBucket")
        return make_error(Errc::not_found, what + ": the bucket " + bucket_ + " does not exist at " + service,
                          "create it, or check the bucket's name and --endpoint");
    if (code == "RequestTimeTooSkewed")
        return make_error(Errc::invalid_argument, what + ": this machine's clock is too far from the service's",
                          "set the date and time (date -s 'YYYY-MM-DD HH:MM:SS', in UTC), then run the command again");
    if (code == "NoSuchUpload")
        return make_error(Errc::io, what + ": the service no longer has the upload (NoSuchUpload)",
                          "something aborted it on the service; capture again");
    Error e = session_->status_error(reply, what);
    if (!code.empty()) e.context += " (" + code + ")";
    return e;
}

void S3Store::abort_unfinished(const std::string& name) const {
    const std::string key = key_of(name);
    Request find = request("GET", "", "prefix=" + percent_encoded(key) + "&uploads=");
    auto reply = session_->perform(find, "look for unfinished uploads of " + describe(name));
    if (!reply || reply->status != 200) return;
    auto answer = parse_xml_answer(reply->body, "Upload");
    if (!answer) return;
    for (auto& upload : answer->records) {
        if (upload["Key"] != key || upload["UploadId"].empty()) continue;
        Request abort = request("DELETE", name, "uploadId=" + percent_encoded(upload["UploadId"]));
        (void)session_->perform(abort, "abort an unfinished upload of " + describe(name));
    }
}

Result<std::unique_ptr<ObjectWriter>> S3Store::create(const std::string& name) {
    const std::string what = "write " + describe(name);
    if (key_of(name).empty() || name.ends_with('/'))
        return std::unexpected(make_error(Errc::invalid_argument, what + ": an image needs a name after the bucket",
                                          "write it as s3://BUCKET/folder/pc.lbi"));
    abort_unfinished(name);
    Request start = request("POST", name, "uploads=");
    start.headers.push_back("Content-Type: application/octet-stream");
    start.retry = false;  // a lost answer would leave an upload nobody knows; the next create() aborts it
    auto reply = session_->perform(start, what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status != 200) return std::unexpected(answer_error(*reply, what));
    auto answer = parse_xml_answer(reply->body, "Part");
    if (!answer || answer->top["UploadId"].empty())
        return std::unexpected(make_error(Errc::io, what + ": the service did not start a multipart upload",
                                          "use a service that implements S3's multipart upload"));
    return std::make_unique<S3Writer>(std::shared_ptr<const S3Store>(shared_from_this()), name,
                                      answer->top["UploadId"]);
}

Result<std::unique_ptr<ObjectReader>> S3Store::open(const std::string& name) const {
    const std::string what = "open " + describe(name);
    auto reply = session_->perform(request("HEAD", name), what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status != 200) return std::unexpected(answer_error(*reply, what));
    const std::string length = reply->headers["content-length"];
    if (length.empty() || length.size() > 19 || length.find_first_not_of("0123456789") != std::string::npos)
        return std::unexpected(make_error(Errc::io, what + ": the service does not say the object's size"));
    return open_http_reader(session_, "/" + bucket_ + name, describe(name), std::stoull(length),
                            {validator_of(*reply), kPayloadHash});
}

Result<bool> S3Store::exists(const std::string& name) const {
    const std::string what = "look for " + describe(name);
    auto reply = session_->perform(request("HEAD", name), what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status == 404) return false;
    if (reply->status / 100 == 2) return true;
    return std::unexpected(answer_error(*reply, what));
}

Result<std::vector<ObjectInfo>> S3Store::list(const std::string& dir) const {
    std::string folder = dir;
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    const std::string prefix = folder == "/" || folder.empty() ? "" : key_of(folder) + "/";
    const std::string what = "list " + describe(folder);
    std::vector<ObjectInfo> objects;
    std::string token;
    for (int pages = 0; pages < kMaxListPages; ++pages) {
        std::string query = token.empty() ? "" : "continuation-token=" + percent_encoded(token) + "&";
        query += "delimiter=%2F&list-type=2&prefix=" + percent_encoded(prefix);
        auto reply = session_->perform(request("GET", "", query), what);
        if (!reply) return std::unexpected(reply.error());
        if (reply->status != 200) return std::unexpected(answer_error(*reply, what));
        const auto page = parse_s3_listing(reply->body, folder);
        if (!page) return std::unexpected(make_error(Errc::io, what + ": " + page.error().context));
        objects.insert(objects.end(), page->objects.begin(), page->objects.end());
        if (!page->truncated) {
            std::ranges::sort(objects, {}, &ObjectInfo::name);
            return objects;
        }
        token = page->next_token;
        if (token.empty()) return std::unexpected(make_error(Errc::io, what + ": the service cut the listing short without a way on"));
    }
    return std::unexpected(make_error(Errc::io, what + ": more than " + std::to_string(kMaxListPages) + " pages of objects"));
}

Status S3Store::remove(const std::string& name) {
    const std::string what = "remove " + describe(name);
    auto reply = session_->perform(request("DELETE", name), what);
    if (!reply) return std::unexpected(reply.error());
    if (reply->status / 100 == 2 || reply->status == 404) return {};
    return std::unexpected(answer_error(*reply, what));
}

}  // namespace imager::store
