// The GPT (disk/gpt_raw.hpp): gpt::read_table over the disk at 512 and at
// 4096-byte sectors (fuzz::ZeroExtendedSource, a MemorySource with zeros
// past the input), then disk::read_layout on a file of it. Input: a flags
// byte, then a fuzz::SizedInput (4-byte size in sectors, the disk's first
// bytes). Unless flag bit 0 is set, the CRC-32s of both headers and both
// entry arrays are computed again for both sector sizes, from the fields as
// they are, so the fuzzer reaches the checks behind them. A table read_table
// returns must hold what gpt_raw.hpp promises: headers and entries inside
// the disk, entries inside the usable area, in number order, not overlapping.
#include "disk/gpt_raw.hpp"
#include "disk_support.hpp"

namespace {

namespace gpt = imager::disk::gpt;

void fix_header(fuzz::Bytes& d, std::uint64_t lba, unsigned ss) {
    if (lba > d.size() / ss || lba * ss + ss > d.size()) return;
    const std::span<std::byte> h = std::span(d).subspan(static_cast<std::size_t>(lba * ss), ss);
    if (std::memcmp(h.data(), "EFI PART", 8) != 0) return;
    const std::uint64_t entries_at = fuzz::get_le(h, 72, 8), count = fuzz::get_le(h, 80, 4), size = fuzz::get_le(h, 84, 4);
    const std::uint64_t bytes = count * size;  // both < 2^32: no overflow
    if (entries_at <= d.size() / ss && bytes <= d.size() && entries_at * ss <= d.size() - bytes) {
        const auto crc = gpt::crc32(std::span(d).subspan(static_cast<std::size_t>(entries_at * ss), static_cast<std::size_t>(bytes)));
        fuzz::put_le(h, 88, 4, crc);
    }
    const std::uint64_t header_size = fuzz::get_le(h, 12, 4);
    if (header_size < 92 || header_size > ss) return;
    fuzz::put_le(h, 16, 4, 0);
    fuzz::put_le(h, 16, 4, gpt::crc32(h.first(static_cast<std::size_t>(header_size))));
}

void fix_crcs(fuzz::Bytes& d, unsigned ss) {
    fix_header(d, 1, ss);
    if (d.size() >= 2 * std::size_t{ss}) fix_header(d, fuzz::get_le(d, ss + 32, 8), ss);
}

void check_table(const imager::Result<gpt::Table>& t, std::uint64_t sectors, unsigned ss) {
    const std::string who = "gpt::read_table at " + std::to_string(ss);
    fuzz::check(t, who);
    if (!t) return;
    for (const gpt::Header* h : {&t->primary, &t->backup})
        if (h->my_lba >= sectors || h->entries_lba >= sectors || h->first_usable > h->last_usable ||
            h->last_usable >= sectors)
            fuzz::fail(who + ": a header it accepted lies outside the disk");
    for (std::size_t i = 0; i < t->entries.size(); ++i) {
        const gpt::Entry& e = t->entries[i];
        const std::string what = who + ": entry " + std::to_string(e.number);
        if (e.first_lba > e.last_lba || e.first_lba < t->primary.first_usable || e.last_lba > t->primary.last_usable)
            fuzz::fail(what + " is not inside the usable area");
        if (i > 0 && e.number <= t->entries[i - 1].number) fuzz::fail(what + " is out of number order");
        for (std::size_t j = 0; j < i; ++j)
            if (e.first_lba <= t->entries[j].last_lba && t->entries[j].first_lba <= e.last_lba)
                fuzz::fail(what + " overlaps entry " + std::to_string(t->entries[j].number));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    fuzz::SizedInput disk = fuzz::disk_input(data + 1, size - 1);
    if (!(data[0] & 1))
        for (const unsigned ss : {512u, 4096u}) fix_crcs(disk.bytes, ss);
    if (disk.bytes.size() >= 512) (void)gpt::has_protective_mbr(std::span(disk.bytes).first(512));
    for (const unsigned ss : {512u, 4096u}) {
        fuzz::ZeroExtendedSource source(disk);
        check_table(gpt::read_table(source, ss), disk.size / ss, ss);
    }
    fuzz::run_read_layout(disk);
    return 0;
}
