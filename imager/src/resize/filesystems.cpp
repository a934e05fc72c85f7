#include "resize/filesystems.hpp"

#include "fs/used_blocks.hpp"
#include "imager/devices.hpp"
#include "imager/programs.hpp"
#include "io/block_source.hpp"
#include "io/external_tool.hpp"
#include "resize/partition_view.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace imager::resize {

namespace {

constexpr std::uint64_t kMiB = 1u << 20;
// The least FAT32 (65,525 clusters of 512 bytes, its FATs, reserved sectors)
// and FAT16 (4,085 clusters, and room) Lifeboat makes.
constexpr std::uint64_t kLeastFat32 = 34 * kMiB;
constexpr std::uint64_t kLeastFat16 = 8 * kMiB;

// "TOOL exited with N (its last line)".
Error tool_failed(const std::vector<std::string>& command, const Result<int>& rc, const std::string& output) {
    std::string why = command[0] + (rc ? " exited with " + std::to_string(*rc) : " did not run: " + rc.error().message());
    const std::size_t end = output.find_last_not_of("\n ");
    if (end != std::string::npos) {
        const std::size_t newline = output.rfind('\n', end);
        const std::size_t begin = newline == std::string::npos ? 0 : newline + 1;
        why += " (" + output.substr(begin, end - begin + 1) + ")";
    }
    return make_error(Errc::io, why);
}

// Runs a tool; exit codes up to `worst` pass. Its output.
Result<std::string> run_tool(const std::vector<std::string>& command, int worst = 0,
                             const std::vector<std::string>& env = {}) {
    std::string output;
    auto rc = io::run_program_output(command, output, env);
    if (!rc || *rc > worst) return std::unexpected(tool_failed(command, rc, output));
    return output;
}

// The number after `prefix` in a tool's output.
std::optional<std::uint64_t> number_after(const std::string& output, const std::string& prefix) {
    const auto at = output.find(prefix);
    if (at == std::string::npos) return std::nullopt;
    const char* p = output.c_str() + at + prefix.size();
    while (*p == ' ') ++p;
    char* end = nullptr;
    const auto n = std::strtoull(p, &end, 10);
    if (end == p) return std::nullopt;
    return n;
}

unsigned le16(std::span<const std::byte> b, std::size_t at) {
    return std::to_integer<unsigned>(b[at]) | std::to_integer<unsigned>(b[at + 1]) << 8;
}
std::uint32_t le32(std::span<const std::byte> b, std::size_t at) { return le16(b, at) | le16(b, at + 2) << 16; }

// The offsets of a FAT or NTFS boot sector's copies within its volume of
// `size` bytes, the sector itself (0) first: NTFS's after the volume's last
// sector (mkntfs) or on the partition's last (ntfsresize), FAT32's at the
// sector its BPB names (usually 6).
std::vector<std::uint64_t> boot_sector_copies(std::span<const std::byte> sector, const std::string& type,
                                              std::uint64_t size) {
    const unsigned bytes_per_sector = le16(sector, 11);
    std::vector<std::uint64_t> copies{0};
    if (type == "ntfs") {
        const std::uint64_t total = le32(sector, 40) | std::uint64_t{le32(sector, 44)} << 32;
        if (total * bytes_per_sector < size) copies.push_back(total * bytes_per_sector);
        if (size - bytes_per_sector != total * bytes_per_sector) copies.push_back(size - bytes_per_sector);
    } else if (le16(sector, 22) == 0 && le16(sector, 50) != 0 && le16(sector, 50) != 0xffff) {
        copies.push_back(std::uint64_t{le16(sector, 50)} * bytes_per_sector);
    }
    return copies;
}

// A tool's failure on a view: the view's own error (a damaged chunk) says more than the tool's EIO.
Error view_or(const PartitionView& view, Error e) { return view.failure().value_or(std::move(e)); }

// A view's first sector: a FAT's boot sector.
Result<std::vector<std::byte>> first_sector(const PartitionView& view) {
    std::vector<std::byte> sector(512);
    auto file = io::open_source(view.path());
    if (!file) return std::unexpected(view_or(view, file.error()));
    if (auto s = (*file)->read_at(0, sector); !s) return std::unexpected(view_or(view, s.error()));
    return sector;
}

// ext and NTFS: its tools shrink the filesystem into the partition, through
// a view whose part past the new end is read from the image.
Result<std::string> shrink_in_view(const Resize& job, const filesystems::Record& record) {
    auto view = PartitionView::open(job.image, job.stream.id, TargetWindow{job.target, job.offset, job.size});
    if (!view) return std::unexpected(view.error());
    std::string last;
    for (const auto& step : record.shrink_commands) {
        const auto command = filesystems::words(step, (*view)->path(), job.size);
        if (auto out = run_tool(command, step.worst_exit); !out) return std::unexpected(view_or(**view, out.error()));
        last = command[0];
    }
    if (auto why = (*view)->failure()) return std::unexpected(*why);
    return "shrunk by " + last + "; " + devices::human_size((*view)->overflow_bytes()) +
           " it wrote past the new end were held in memory";
}

// FAT: made again at the new size by mkfs.fat (same FAT type, volume id,
// label, sector size, boot code) and every file copied into it by mcopy from
// a view of the image, with its times and attributes.
Result<std::string> remake_fat(const Resize& job) {
    auto view = PartitionView::open(job.image, job.stream.id, std::nullopt);
    if (!view) return std::unexpected(view.error());
    auto read = first_sector(**view);
    if (!read) return std::unexpected(read.error());
    const std::vector<std::byte>& boot = *read;
    const bool fat32 = le16(boot, 22) == 0;
    const unsigned bytes_per_sector = le16(boot, 11);
    char volume_id[16];
    std::snprintf(volume_id, sizeof volume_id, "%08X", le32(boot, fat32 ? 67 : 39));
    auto loop = io::LoopDevice::attach(job.target, job.offset, job.size);
    if (!loop) return std::unexpected(loop.error());
    std::vector<std::string> mkfs{"mkfs.fat", "-F", fat32 ? "32" : "16", "-i", volume_id, "-S",
                                  std::to_string(bytes_per_sector), "-h", std::to_string(job.offset / job.sector_size)};
    const std::string label = job.stream.filesystem ? job.stream.filesystem->label : "";
    if (!label.empty()) mkfs.insert(mkfs.end(), {"-n", label});
    mkfs.push_back(loop->path());
    if (auto out = run_tool(mkfs); !out) return std::unexpected(out.error());

    // The boot code and the jump and OEM name before the BPB, into the new boot sector and its FAT32 copy.
    auto fresh = io::open_source(loop->path());
    if (!fresh) return std::unexpected(fresh.error());
    auto sink = io::open_sink(loop->path());
    if (!sink) return std::unexpected(sink.error());
    const std::size_t code = fat32 ? 90 : 62;
    std::vector<std::byte> made(512);
    if (auto s = (*fresh)->read_at(0, made); !s) return std::unexpected(s.error());
    for (const auto at : boot_sector_copies(made, "vfat", job.size)) {
        if (auto s = (*fresh)->read_at(at, made); !s) return std::unexpected(s.error());
        std::copy_n(boot.begin(), 11, made.begin());
        std::copy(boot.begin() + static_cast<std::ptrdiff_t>(code), boot.begin() + 510,
                  made.begin() + static_cast<std::ptrdiff_t>(code));
        if (auto s = (*sink)->write_at(at, made); !s) return std::unexpected(s.error());
    }
    if (auto s = (*sink)->sync(); !s) return std::unexpected(s.error());

    // mtools reads its drives from a file named by MTOOLSRC.
    ::mkdir("/run/lifeboat", 0755);
    char rc_path[] = "/run/lifeboat/mtoolsrc.XXXXXX";
    const int fd = ::mkstemp(rc_path);
    if (fd < 0) return std::unexpected(sys_error("make a file in /run/lifeboat", errno));
    const std::string rc = "mtools_skip_check=1\ndrive a: file=\"" + (*view)->path() + "\"\ndrive b: file=\"" +
                           loop->path() + "\"\n";
    const bool written = ::write(fd, rc.data(), rc.size()) == static_cast<ssize_t>(rc.size());
    ::close(fd);
    struct Remove {
        const char* path;
        ~Remove() { ::unlink(path); }
    } remove{rc_path};
    if (!written) return std::unexpected(sys_error(std::string("write ") + rc_path, EIO));
    const std::vector<std::string> env{std::string("MTOOLSRC=") + rc_path};
    // Its root holds nothing but perhaps a label: nothing to copy.
    auto listing = run_tool({"mdir", "-a", "-b", "a:/"}, 1, env);
    if (!listing) return std::unexpected(view_or(**view, listing.error()));
    if (listing->find_first_not_of(" \n") != std::string::npos)
        if (auto out = run_tool({"mcopy", "-s", "-p", "-m", "-n", "-Q", "a:/", "b:/"}, 0, env); !out)
            return std::unexpected(view_or(**view, out.error()));
    if (auto why = (*view)->failure()) return std::unexpected(*why);
    if (auto s = loop->flush(); !s) return std::unexpected(s.error());
    return std::string("made again by mkfs.fat at its new size, its files copied by mcopy");
}

Status set_swap_size(const std::string& target, std::uint64_t offset, std::uint64_t size) {
    auto source = io::open_source(target);
    if (!source) return std::unexpected(source.error());
    std::vector<std::byte> header(std::min<std::uint64_t>(size, fs::kSwapHeaderBytes));
    if (auto s = (*source)->read_at(offset, header); !s) return s;
    if (auto pages = fs::grow_swap_header(header, size); !pages) return std::unexpected(pages.error());
    auto sink = io::open_sink(target);
    if (!sink) return std::unexpected(sink.error());
    if (auto s = (*sink)->write_at(offset, header); !s) return s;
    return (*sink)->sync();
}

}  // namespace

std::string why_fixed_size(const std::string& type) {
    if (type.empty()) return "Lifeboat does not know what it holds";
    const auto& record = filesystems::of_type(type);
    if (record.can_resize()) return "";
    return record.name == "other" ? "Lifeboat does not resize " + type : std::string(record.fixed_because);
}

Result<std::uint64_t> minimum_size(const format::ImageReader& image, const format::Stream& stream) {
    const std::string type = stream.filesystem ? stream.filesystem->type : "";
    if (!why_fixed_size(type).empty()) return std::unexpected(make_error(Errc::unsupported, why_fixed_size(type)));
    const auto& record = filesystems::of_type(type);
    if (record.resizer == filesystems::Resizer::header) return kMiB;  // swap: its header and a few pages
    auto view = PartitionView::open(image, stream.id, std::nullopt);
    if (!view) return std::unexpected(view.error());
    if (record.resizer == filesystems::Resizer::remake) {
        // FAT: what its clusters and FATs use now, a tenth more for the new FATs and a MiB; at least what its FAT type needs.
        auto boot = first_sector(**view);
        if (!boot) return std::unexpected(boot.error());
        const std::uint64_t least = le16(*boot, 22) == 0 ? kLeastFat32 : kLeastFat16;
        return std::max(least, stream.used_bytes + stream.used_bytes / 10 + kMiB);
    }
    const auto command = filesystems::words(record.minimum_command, (*view)->path());
    auto out = run_tool(command, record.minimum_command.worst_exit);
    if (!out) return std::unexpected(view_or(**view, out.error()));
    const auto number = number_after(*out, std::string(record.minimum_after));
    const std::uint64_t unit = record.minimum_in_blocks ? stream.filesystem->block_size : 1;
    if (!number || unit == 0) return std::unexpected(make_error(Errc::io, command[0] + " gave no minimum size"));
    return *number * unit;
}

bool resized_before_table(const std::string& type, bool shrinks) {
    return shrinks || filesystems::of_type(type).resizer == filesystems::Resizer::remake;
}

Result<std::string> resize_before_table(const Resize& job) {
    const std::string type = job.stream.filesystem ? job.stream.filesystem->type : "";
    const auto& record = filesystems::of_type(type);
    switch (record.resizer) {
    case filesystems::Resizer::header:
        if (auto s = set_swap_size(job.target, job.offset, job.size); !s) return std::unexpected(s.error());
        return std::string("a swap header for its new size");
    case filesystems::Resizer::remake: return remake_fat(job);
    case filesystems::Resizer::tools: return shrink_in_view(job, record);
    case filesystems::Resizer::none: break;
    }
    return std::unexpected(make_error(Errc::internal, "no way to resize " + type));
}

Status grow_swap(const std::string& target, std::uint64_t offset, std::uint64_t size) {
    return set_swap_size(target, offset, size);
}

Status update_hidden_sectors(const std::string& target, const std::string& type, std::uint64_t offset,
                             std::uint64_t size, std::uint64_t old_start_sector, std::uint64_t new_start_sector) {
    if (type != "ntfs" && type != "vfat") return {};
    auto source = io::open_source(target);
    if (!source) return std::unexpected(source.error());
    std::vector<std::byte> sector(512);
    if (auto s = (*source)->read_at(offset, sector); !s) return s;
    if (le32(sector, 28) != old_start_sector || new_start_sector > 0xffffffffu || le16(sector, 11) < 512) return {};
    const auto copies = boot_sector_copies(sector, type, size);
    auto sink = io::open_sink(target);
    if (!sink) return std::unexpected(sink.error());
    for (const auto at : copies) {
        std::vector<std::byte> copy(512);
        if (auto s = (*source)->read_at(offset + at, copy); !s) return s;
        if (std::memcmp(copy.data() + 3, sector.data() + 3, 8) != 0) continue;  // not a copy: its OEM name differs
        for (int i = 0; i < 4; ++i) copy[28 + static_cast<std::size_t>(i)] = std::byte(new_start_sector >> (8 * i));
        if (auto s = (*sink)->write_at(offset + at, copy); !s) return s;
    }
    return (*sink)->sync();
}

}  // namespace imager::resize
