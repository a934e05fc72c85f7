// The MBR and its EBR chain (disk/mbr_raw.hpp): mbr::read_table over the
// disk at 512 and at 4096-byte sectors (fuzz::ZeroExtendedSource, a
// MemorySource with zeros past the input), then disk::read_layout on a file
// of it. Input: a flags byte (unused; the same inputs as gpt_fuzz), then a
// fuzz::SizedInput (4-byte size in sectors, the disk's first bytes). A
// table read_table returns must hold what mbr_raw.hpp promises: every record
// inside the disk and not empty, logical partitions and EBRs inside the
// extended partition, no two partitions overlapping, numbers as Linux gives
// them (primaries 1-4, logicals from 5 in chain order).
#include "disk/mbr_raw.hpp"
#include "disk_support.hpp"

namespace {

namespace mbr = imager::disk::mbr;

void check_table(const imager::Result<mbr::Table>& t, std::uint64_t sectors, unsigned ss) {
    const std::string who = "mbr::read_table at " + std::to_string(ss);
    fuzz::check(t, who);
    if (!t) return;
    const mbr::Record* extended = nullptr;
    int next_logical = 5;
    for (const auto& r : t->records) {
        const std::string what = who + ": partition " + std::to_string(r.number);
        if (r.sectors == 0 || r.start >= sectors || r.sectors > sectors - r.start) fuzz::fail(what + " is not inside the disk");
        if (r.kind == "extended") extended = &r;
        if (r.kind == "logical") {
            if (r.number != next_logical++) fuzz::fail(what + " is numbered out of chain order");
            if (extended == nullptr || r.start < extended->start || r.start + r.sectors > extended->start + extended->sectors)
                fuzz::fail(what + " is not inside the extended partition");
        } else if (r.number < 1 || r.number > 4) {
            fuzz::fail(what + " is a primary numbered outside 1-4");
        }
    }
    for (std::size_t i = 0; i < t->records.size(); ++i)
        for (std::size_t j = 0; j < i; ++j) {
            const auto &a = t->records[i], &b = t->records[j];
            if (a.kind == "extended" || b.kind == "extended") continue;  // a container, holding the logicals
            if (a.start < b.start + b.sectors && b.start < a.start + a.sectors)
                fuzz::fail(who + ": partitions " + std::to_string(a.number) + " and " + std::to_string(b.number) + " overlap");
        }
    for (const std::uint64_t ebr : t->ebrs)
        if (ebr >= sectors || extended == nullptr || ebr < extended->start || ebr >= extended->start + extended->sectors)
            fuzz::fail(who + ": an EBR lies outside the extended partition");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const fuzz::SizedInput disk = fuzz::disk_input(data + 1, size - 1);
    for (const unsigned ss : {512u, 4096u}) {
        fuzz::ZeroExtendedSource source(disk);
        check_table(mbr::read_table(source, ss), disk.size / ss, ss);
    }
    fuzz::run_read_layout(disk);
    return 0;
}
