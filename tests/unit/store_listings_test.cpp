// S3's answers as the S3 store reads them (store/listings.hpp): a
// ListObjectsV2 page, its pagination, and keys a hostile service might send;
// an <Error>'s code. (WebDAV and SFTP listings are judged against their real
// servers in store_http_test.cpp and store_sftp_test.cpp; every parser is fuzzed.)
#include "store/listings.hpp"

#include <catch2/catch.hpp>

using imager::store::parse_s3_listing;
using imager::store::parse_xml_answer;

TEST_CASE("an S3 listing page: the objects directly in the folder, sorted, and the way to the next page", "[store]") {
    const std::string page = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>lifeboat</Name><Prefix>images/</Prefix>
<IsTruncated>true</IsTruncated><NextContinuationToken>tok/en+1=</NextContinuationToken>
<Contents><Key>images/pc.lbi.002</Key><Size>4000</Size></Contents>
<Contents><Key>images/pc.lbi</Key><Owner><ID>x</ID></Owner><Size>31629216</Size></Contents>
<Contents><Key>images/old/deeper.lbi</Key><Size>12</Size></Contents>
<Contents><Key>imagesX/elsewhere.lbi</Key><Size>12</Size></Contents>
<Contents><Key>images/</Key><Size>0</Size></Contents>
<Contents><Key>images/no-size.lbi</Key></Contents>
<Contents><Key>images/huge.lbi</Key><Size>99999999999999999999999</Size></Contents>
<Contents><Key>images/minus.lbi</Key><Size>-1</Size></Contents>
<CommonPrefixes><Prefix>images/old/</Prefix></CommonPrefixes></ListBucketResult>)";
    auto parsed = parse_s3_listing(page, "/images");
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->objects.size() == 2);
    CHECK(parsed->objects[0].name == "/images/pc.lbi");
    CHECK(parsed->objects[0].size == 31629216);
    CHECK(parsed->objects[1].name == "/images/pc.lbi.002");
    CHECK(parsed->truncated);
    CHECK(parsed->next_token == "tok/en+1=");

    auto top = parse_s3_listing("<ListBucketResult><IsTruncated>false</IsTruncated>"
                                "<Contents><Key>pc.lbi</Key><Size>5</Size></Contents>"
                                "<Contents><Key>images/pc.lbi</Key><Size>5</Size></Contents></ListBucketResult>",
                                "/");
    REQUIRE(top.has_value());
    REQUIRE(top->objects.size() == 1);
    CHECK(top->objects[0].name == "/pc.lbi");
    CHECK_FALSE(top->truncated);

    CHECK_FALSE(parse_s3_listing("<ListBucketResult><Contents>", "/images").has_value());  // cut short
}

TEST_CASE("an S3 error's code, and the id of a new upload", "[store]") {
    auto error = parse_xml_answer("<?xml version='1.0'?><Error><Code>SignatureDoesNotMatch</Code>"
                                  "<Message>The request signature we calculated does not match</Message></Error>",
                                  "");
    REQUIRE(error.has_value());
    CHECK(error->top["Code"] == "SignatureDoesNotMatch");
    auto started = parse_xml_answer("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                                    "<UploadId>Njg1MD</UploadId></InitiateMultipartUploadResult>",
                                    "Part");
    REQUIRE(started.has_value());
    CHECK(started->top["UploadId"] == "Njg1MD");
    auto uploads = parse_xml_answer("<ListMultipartUploadsResult><Upload><Key>a/pc.lbi</Key><UploadId>1</UploadId></Upload>"
                                    "<Upload><Key>a/other.lbi</Key><UploadId>2</UploadId></Upload></ListMultipartUploadsResult>",
                                    "Upload");
    REQUIRE(uploads.has_value());
    REQUIRE(uploads->records.size() == 2);
    CHECK(uploads->records[1]["Key"] == "a/other.lbi");
    CHECK(uploads->records[1]["UploadId"] == "2");
    CHECK_FALSE(parse_xml_answer("not xml at all", "").has_value());
}
