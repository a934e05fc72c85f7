// A store's address split into its parts: the options of an nfs:// query.
#include "store/url.hpp"

#include <catch2/catch.hpp>

TEST_CASE("store URLs: an nfs:// address's options, in order, with or without a value", "[store]") {
    using Options = std::vector<std::pair<std::string, std::string>>;
    const auto url = imager::store::parse_url("nfs://nas/srv/images/pc.lbi?version=4.1&uid=1000&ro");
    REQUIRE(url.has_value());
    CHECK(url->options() == Options{{"version", "4.1"}, {"uid", "1000"}, {"ro", ""}});
    const auto plain = imager::store::parse_url("nfs://nas/srv/images/pc.lbi");
    REQUIRE(plain.has_value());
    CHECK(plain->options().empty());
    CHECK_FALSE(imager::store::parse_url("https://files/pc.lbi?x=1").has_value());  // a query only nfs:// takes
}
