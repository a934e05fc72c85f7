// imager::printable (imager/text.hpp): what of an image's or a disk's text
// reaches a terminal as it is, and what as a \xNN escape.
#include "imager/text.hpp"

#include <catch2/catch.hpp>

#include <string>

using imager::complete_prefix;
using imager::printable;

TEST_CASE("text: control characters are escaped, other UTF-8 kept", "[text]") {
    CHECK(printable("root") == "root");
    CHECK(printable("\x1b[2J\x1b]0;pwned\x07") == "\\x1b[2J\\x1b]0;pwned\\x07");  // clear, retitle
    CHECK(printable("a\nb\tc\rd") == "a\\x0ab\\x09c\\x0dd");
    CHECK(printable("a\nb\tc\rd", true) == "a\nb\tc\rd");
    CHECK(printable("del\x7f") == "del\\x7f");
    CHECK(printable("Daten \xc3\xa4\xe2\x82\xac\xf0\x9f\x92\xbe") == "Daten \xc3\xa4\xe2\x82\xac\xf0\x9f\x92\xbe");
    // C1 controls as UTF-8 (U+009B is CSI on terminals that take C1): escaped byte by byte.
    CHECK(printable("x\xc2\x9b" "31m") == "x\\xc2\\x9b31m");
    CHECK(printable("\xc2\xa0") == "\xc2\xa0");  // U+00A0, the first after C1, is text
    // Not UTF-8: a stray continuation, an overlong form, a surrogate, past U+10FFFF, cut short.
    CHECK(printable("\x80") == "\\x80");
    CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");
    CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");
    CHECK(printable("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
    CHECK(printable("ok\xe2\x82") == "ok\\xe2\\x82");
    CHECK(printable(std::string("nul\0here", 8)) == "nul\\x00here");
}

TEST_CASE("text: a stream holds back only an unfinished sequence at its end", "[text]") {
    CHECK(complete_prefix("abc") == 3);
    CHECK(complete_prefix("ab\xe2\x82") == 2);       // two of three bytes of the euro sign
    CHECK(complete_prefix("ab\xe2\x82\xac") == 5);   // complete
    CHECK(complete_prefix("ab\xf0") == 2);
    CHECK(complete_prefix("ab\x80") == 3);           // a stray continuation: nothing to wait for
    CHECK(complete_prefix("\x1b") == 1);
    CHECK(complete_prefix("") == 0);
}
