// imager/programs.hpp: run_program's exit status, its output kept off the
// caller's terminal, what it writes to stderr kept when asked (the wizard's
// network settings show why `ip` failed), and a program that is not there.
#include "imager/programs.hpp"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("run_program keeps what a program writes to stderr only when asked", "[io][programs]") {
    std::string said = "left from before";
    const auto failed = imager::io::run_program(
        {"sh", "-c", "echo to-stdout; echo 'RTNETLINK answers: File exists' >&2; exit 2"}, &said);
    REQUIRE(failed);
    CHECK(*failed == 2);
    CHECK(said == "RTNETLINK answers: File exists\n");  // stdout is not kept

    const auto quiet = imager::io::run_program({"sh", "-c", "echo nobody sees this >&2; exit 0"});
    REQUIRE(quiet);
    CHECK(*quiet == 0);

    // A program that writes more than is kept still runs to its end.
    const auto chatty = imager::io::run_program({"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x >&2; exit 5"}, &said);
    REQUIRE(chatty);
    CHECK(*chatty == 5);
    CHECK(said.size() == 4096);
    CHECK(said == std::string(4096, 'x'));
}

TEST_CASE("run_program says a program that is not there is not found", "[io][programs]") {
    std::string said;
    const auto missing = imager::io::run_program({"lifeboat-no-such-program"}, &said);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == imager::Errc::not_found);
    CHECK(said.empty());
}
