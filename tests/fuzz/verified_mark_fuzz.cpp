// The verified mark (ops/verified_mark.hpp, docs/FORMAT.md "Verified mark"):
// the small JSON file beside an image that the wizard's lists read to say
// "verified <date>"; whoever can write the image's folder can write it.
// Input: the mark's bytes, exactly. They go to parse_verified_mark (against
// a fixed identity, the one fuzz_tool's mark-seed writes) and is_utc_time,
// and, as the file .fuzz.lbi.verified, to read_verified_mark, which must
// stop at a few KiB. A date either gives back must be a real UTC time.
#include "fuzz_support.hpp"
#include "ops/verified_mark.hpp"

namespace {

const imager::ops::ImageIdentity kIdentity{"1f223344-5566-4788-99aa-bbccddeeff01", 54130, 1795000000};

void check_date(const std::string& date, const char* who) {
    if (!date.empty() && !imager::ops::is_utc_time(date)) fuzz::fail(std::string(who) + " gave back '" + date + "'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)imager::ops::is_utc_time(text);
    check_date(imager::ops::parse_verified_mark(text, kIdentity), "parse_verified_mark");

    fuzz::Scratch::get().clear();
    const std::string image = fuzz::Scratch::get().path("fuzz.lbi");
    fuzz::write_file(imager::ops::verified_mark_path(image), fuzz::to_bytes(data, size));
    check_date(imager::ops::read_verified_mark(image, kIdentity), "read_verified_mark");
    return 0;
}
