// The store of an S3-compatible object service (store.hpp): AWS S3, MinIO,
// Ceph's RGW, OpenStack Swift's s3api. `s3://BUCKET/KEY`: the bucket is the
// URL's host, the key its path; requests go path-style (ENDPOINT/BUCKET/KEY)
// to the endpoint (--endpoint, the credentials file's `endpoint =`,
// AWS_ENDPOINT_URL, else AWS's for the region) and are signed with AWS
// Signature V4 by libcurl, with the access key and secret as a store's user
// and password (access.hpp); without them requests go unsigned (a public
// bucket). Payloads are sent UNSIGNED-PAYLOAD: the image's own chunk hashes
// judge its bytes, TLS the transport.
//  - A new object is a multipart upload: CreateMultipartUpload at create(),
//    parts of kPartSize uploaded as the stream goes (each retried as a whole
//    when the failure is transient), CompleteMultipartUpload at commit():
//    only then is the object visible, as one step. abandon() aborts the
//    upload; create() also aborts what an earlier writer of the same key
//    left unfinished.
//  - Reading: a HEAD for the size and ETag, then range GETs with If-Match
//    (http_reader.hpp). list() is ListObjectsV2 with the folder as prefix and
//    '/' as delimiter, page by page.
#pragma once

#include "store/curl_session.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace imager::store {

class S3Store final : public Store, public std::enable_shared_from_this<S3Store> {
public:
    // 32 MiB: 10000 parts (S3's most) make objects of up to 312 GiB; bigger
    // images are captured with --split.
    static constexpr std::size_t kPartSize = 32u << 20;
    static constexpr unsigned kMaxParts = 10000;

    // For `url` (s3://BUCKET/...): the endpoint, region and credentials resolved; connects only when used.
    static Result<std::shared_ptr<S3Store>> open(const StoreUrl& url);

    [[nodiscard]] std::string describe(const std::string& name) const override { return "s3://" + bucket_ + name; }
    [[nodiscard]] Result<std::unique_ptr<ObjectWriter>> create(const std::string& name) override;
    [[nodiscard]] Result<std::unique_ptr<ObjectReader>> open(const std::string& name) const override;
    [[nodiscard]] Result<bool> exists(const std::string& name) const override;
    [[nodiscard]] Result<std::vector<ObjectInfo>> list(const std::string& dir) const override;
    [[nodiscard]] Status remove(const std::string& name) override;

    // A request to the object `name` ("/folder/pc.lbi"; "" for the bucket
    // itself) with the query (encoded, its parameters in order) and the
    // payload hash header every request carries.
    [[nodiscard]] net::Request request(std::string method, const std::string& name, std::string query = {}) const;
    // The Error of an S3 answer outside 2xx: its <Code> in words (a wrong
    // secret, a missing bucket), else as any HTTP server's.
    [[nodiscard]] Error answer_error(const net::Reply& reply, const std::string& what) const;
    [[nodiscard]] const net::Session& session() const { return *session_; }

private:
    S3Store(std::shared_ptr<net::Session> session, std::string bucket)
        : session_(std::move(session)), bucket_(std::move(bucket)) {}
    // Aborts the unfinished uploads of `name`'s key; what cannot be aborted stays (never fails).
    void abort_unfinished(const std::string& name) const;

    std::shared_ptr<net::Session> session_;
    std::string bucket_;
};

}  // namespace imager::store
