// Shared by the fuzz targets of tests/fuzz (docs/FUZZING.md): a scratch
// directory of the process's own, images put together and sealed with the
// format's own encoders (format::encode, format::hash128) so that the fuzzer
// gets past the hashes to the checks behind them, the run of every command a
// person can point at an image file, a source of zeros past the input for
// filesystems and disks larger than the input, and the checks of what the
// parsers promise. A broken promise aborts (a finding), as a crash does.
// Nothing here trusts the input: every offset and size read from it is
// bounded before use, so a finding is always in the code under test.
#pragma once

#include "format/image_stream.hpp"
#include "format/layout.hpp"
#include "fs/used_blocks.hpp"
#include "imager/image_discovery.hpp"
#include "imager/image_ops.hpp"
#include "imager/progress.hpp"
#include "imager/result.hpp"
#include "io/block_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#ifndef LIFEBOAT_SOURCE_DIR
#error "LIFEBOAT_SOURCE_DIR must name the source tree (tests/fuzz/CMakeLists.txt sets it)"
#endif

namespace fuzz {

namespace format = imager::format;
using Bytes = std::vector<std::byte>;

inline constexpr std::size_t kVol = format::kVolumeHeaderSize;

inline Bytes to_bytes(const std::uint8_t* data, std::size_t size) {
    const auto* b = reinterpret_cast<const std::byte*>(data);
    return Bytes(b, b + size);
}

inline std::uint64_t get_le(std::span<const std::byte> b, std::size_t at, std::size_t width) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width && at + i < b.size(); ++i)
        v |= std::to_integer<std::uint64_t>(b[at + i]) << (8 * i);
    return v;
}

inline void put_le(std::span<std::byte> b, std::size_t at, std::size_t width, std::uint64_t v) {
    for (std::size_t i = 0; i < width && at + i < b.size(); ++i) b[at + i] = static_cast<std::byte>(v >> (8 * i));
}

// A promise of the code under test did not hold: report it as a crash.
[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "\n==lifeboat-fuzz== invariant broken: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

// An error must say what happened (the CLI prints it), and "internal" means
// a bug (docs/ARCHITECTURE.md): neither may come from a hostile input.
inline void check_error(const imager::Error& e, std::string_view where) {
    if (e.context.empty()) fail(std::string(where) + " failed with an empty message");
    if (e.code == imager::Errc::internal) fail(std::string(where) + " failed as internal: " + e.message());
}
template <class T>
void check(const imager::Result<T>& r, std::string_view where) {
    if (!r) check_error(r.error(), where);
}

// ---------------------------------------------------------------- files

// A directory of this process's own, in $LIFEBOAT_FUZZ_SCRATCH (run-target.sh
// and bench/fuzz.sh make one under /dev/shm and remove it afterwards, a crash
// included) or else under /dev/shm (memory, no disk wear), $TMPDIR or /tmp;
// emptied for each input, removed when the process exits normally.
class Scratch {
public:
    static Scratch& get() {
        static Scratch s;
        return s;
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    [[nodiscard]] const std::string& dir() const { return dir_; }
    [[nodiscard]] std::string path(std::string_view name) const { return dir_ + "/" + std::string(name); }
    // A file that does not exist, for a restore target. Not under /dev/shm:
    // restore takes a missing target under /dev/ for a device that is not there.
    [[nodiscard]] const std::string& missing_file() const { return missing_; }
    void clear() const {
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) std::filesystem::remove_all(e.path(), ec);
    }

private:
    Scratch() {
        const auto env = [](const char* name) -> std::string {
            const char* v = std::getenv(name);
            return v && *v ? v : "";
        };
        const std::string tmp = env("TMPDIR").empty() ? "/tmp" : env("TMPDIR");
        for (const std::string& parent : {env("LIFEBOAT_FUZZ_SCRATCH"), std::string("/dev/shm"), tmp}) {
            if (parent.empty()) continue;
            std::string templ = parent + "/lifeboat-fuzz-" + std::to_string(::getpid()) + "-XXXXXX";
            if (::mkdtemp(templ.data()) != nullptr) {
                dir_ = templ;
                break;
            }
        }
        if (dir_.empty()) fail("no scratch directory");
        missing_ = tmp + "/lifeboat-fuzz-" + std::to_string(::getpid()) + "-restored.img";
    }
    std::string dir_;
    std::string missing_;
};

inline void write_file(const std::string& path, std::span<const std::byte> bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("cannot create " + path);
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) fail("cannot write " + path);
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

// A sparse file of `size` bytes beginning with `bytes` (size >= bytes.size()).
inline void write_sparse_file(const std::string& path, std::span<const std::byte> bytes, std::uint64_t size) {
    write_file(path, bytes);
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) fail("cannot size " + path);
}

inline Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot read " + path);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Bytes out(chars.size());
    std::memcpy(out.data(), chars.data(), chars.size());
    return out;
}

// The golden images of tests/data (never changed, so a finding made on one
// reproduces anywhere): 0 golden-v1.lbi (ext4), 1 golden-v1-raw.lbi (all
// three record kinds).
inline const Bytes& golden(unsigned which) {
    static const Bytes images[2] = {read_file(LIFEBOAT_SOURCE_DIR "/tests/data/golden-v1.lbi"),
                                    read_file(LIFEBOAT_SOURCE_DIR "/tests/data/golden-v1-raw.lbi")};
    return images[which % 2];
}

// ---------------------------------------------------------------- images

// Every seal of a logical stream (header at 0, trailer at its end) computed
// again from the fields as they are now: the manifest and index hashes where
// the header and trailer say those lie (left alone where that is outside the
// stream), the header's, the trailer's copy of it, and the trailer's own.
inline void reseal_logical(std::span<std::byte> s) {
    if (s.size() < format::kHeaderSize + format::kTrailerSize) return;
    const auto seal = [&](std::size_t at, std::uint64_t from, std::uint64_t length) {
        if (from > s.size() || length > s.size() - from) return;
        const auto h = format::hash128(s.subspan(static_cast<std::size_t>(from), static_cast<std::size_t>(length)));
        std::memcpy(s.data() + at, h.data(), h.size());
    };
    seal(72, get_le(s, 56, 8), get_le(s, 64, 8));
    seal(240, 0, 240);
    const std::size_t t = s.size() - format::kTrailerSize;
    seal(t + 72, get_le(s, t + 32, 8), get_le(s, t + 40, 8));
    seal(t + 88, 0, format::kHeaderSize);
    seal(t + 112, t, 112);
}

inline void reseal_volume_header(std::span<std::byte> file) {
    if (file.size() < kVol) return;
    const auto h = format::hash128(file.first(48));
    std::memcpy(file.data() + 48, h.data(), h.size());
}

// A single-volume image file: its volume header and its logical stream.
inline void reseal_image_file(std::span<std::byte> file) {
    reseal_volume_header(file);
    if (file.size() > kVol) reseal_logical(file.subspan(kVol));
}

// A well-formed single-volume image (a golden one) cut at the boundaries its
// header and trailer give. Only for trusted images: nothing is checked.
struct ImageParts {
    Bytes volume_header;  // 64 bytes
    Bytes header;         // 256 bytes
    Bytes manifest;
    Bytes chunks;         // from the manifest's end to the index
    Bytes index;
    Bytes trailer;        // 128 bytes
};

inline ImageParts split_image(const Bytes& file) {
    const std::span<const std::byte> s(file);
    const std::size_t manifest_at = kVol + get_le(s, kVol + 56, 8);
    const std::size_t manifest_end = manifest_at + get_le(s, kVol + 64, 8);
    const std::size_t t = file.size() - format::kTrailerSize;
    const std::size_t index_at = kVol + get_le(s, t + 32, 8);
    const auto cut = [&](std::size_t from, std::size_t to) { return Bytes(file.begin() + from, file.begin() + to); };
    return {cut(0, kVol), cut(kVol, kVol + format::kHeaderSize), cut(manifest_at, manifest_end),
            cut(manifest_end, index_at), cut(index_at, t), cut(t, file.size())};
}

inline Bytes join_image(const ImageParts& p) {
    Bytes out;
    for (const Bytes* part : {&p.volume_header, &p.header, &p.manifest, &p.chunks, &p.index, &p.trailer})
        out.insert(out.end(), part->begin(), part->end());
    return out;
}

// The trailer fields that follow from where the parts lie: index offset,
// size and record count, logical size, one volume.
inline void fit_trailer(ImageParts& p) {
    const std::uint64_t index_at = format::kHeaderSize + p.manifest.size() + p.chunks.size();
    put_le(p.trailer, 32, 8, index_at);
    put_le(p.trailer, 40, 8, p.index.size());
    put_le(p.trailer, 48, 8, p.index.size() / format::kRecordSize);
    put_le(p.trailer, 56, 8, index_at + p.index.size() + format::kTrailerSize);
    put_le(p.trailer, 64, 4, 1);
}

inline constexpr format::Uuid kFuzzUuid = {std::byte{0x1f}, std::byte{0x22}, std::byte{0x33}, std::byte{0x44},
                                           std::byte{0x55}, std::byte{0x66}, std::byte{0x47}, std::byte{0x88},
                                           std::byte{0x99}, std::byte{0xaa}, std::byte{0xbb}, std::byte{0xcc},
                                           std::byte{0xdd}, std::byte{0xee}, std::byte{0xff}, std::byte{0x01}};

// A complete logical stream, every seal valid: header, `manifest`, the
// chunks (each record's stored bytes, in order; stored_offset and
// stored_size are set here for data records), the index and the trailer.
// Records are written in the order given, as a forger would.
struct Chunk {
    format::IndexRecord record;
    Bytes stored;  // empty for a zero record
};

inline Bytes build_logical(std::string_view manifest, std::vector<Chunk> chunks, std::uint32_t volume_count = 1) {
    const auto manifest_bytes = std::as_bytes(std::span(manifest.data(), manifest.size()));
    format::Header h;
    h.image_uuid = kFuzzUuid;
    h.manifest_size = manifest.size();
    h.manifest_hash = format::hash128(manifest_bytes);
    const auto header = format::encode(h);
    Bytes out(header.begin(), header.end());
    out.insert(out.end(), manifest_bytes.begin(), manifest_bytes.end());
    Bytes index;
    for (Chunk& c : chunks) {
        if (c.record.kind != format::RecordKind::zeros) {
            c.record.stored_offset = out.size();
            c.record.stored_size = static_cast<std::uint32_t>(c.stored.size());
            out.insert(out.end(), c.stored.begin(), c.stored.end());
        }
        const auto r = format::encode(c.record);
        index.insert(index.end(), r.begin(), r.end());
    }
    format::Trailer t;
    t.image_uuid = kFuzzUuid;
    t.index_offset = out.size();
    t.index_size = index.size();
    t.record_count = chunks.size();
    t.index_hash = format::hash128(index);
    t.header_hash = format::hash128(header);
    t.volume_count = volume_count;
    out.insert(out.end(), index.begin(), index.end());
    t.logical_size = out.size() + format::kTrailerSize;
    const auto trailer = format::encode(t);
    out.insert(out.end(), trailer.begin(), trailer.end());
    return out;
}

// The logical stream cut into volume files of these payload sizes (the last
// takes the rest), each with its own sealed volume header.
inline std::vector<Bytes> split_volumes(std::span<const std::byte> logical, std::span<const std::uint64_t> payloads,
                                        const format::Uuid& uuid = kFuzzUuid) {
    std::vector<Bytes> files;
    std::uint64_t at = 0;
    for (std::size_t i = 0; i <= payloads.size(); ++i) {
        const std::uint64_t left = logical.size() - at;
        const std::uint64_t n = i < payloads.size() ? std::min(payloads[i], left) : left;
        format::VolumeHeader v;
        v.number = static_cast<std::uint32_t>(i + 1);
        v.image_uuid = uuid;
        v.logical_offset = at;
        const auto head = format::encode(v);
        Bytes file(head.begin(), head.end());
        file.insert(file.end(), logical.begin() + static_cast<std::ptrdiff_t>(at),
                    logical.begin() + static_cast<std::ptrdiff_t>(at + n));
        files.push_back(std::move(file));
        at += n;
    }
    return files;
}

// "NAME", "NAME.002", ... written into the scratch directory; the first's path.
inline std::string write_volumes(const std::vector<Bytes>& files, std::string_view name = "fuzz.lbi") {
    const std::string image = Scratch::get().path(name);
    for (std::size_t i = 0; i < files.size(); ++i) {
        char suffix[16] = "";
        if (i > 0) std::snprintf(suffix, sizeof suffix, ".%03zu", i + 1);
        write_file(image + suffix, files[i]);
    }
    return image;
}

// No one is there to confirm: a dry run never asks, a real restore would stop.
struct NoPrompt final : imager::Prompt {
    bool confirm(std::string_view, std::string_view) override { return false; }
};

// Everything a person's commands run on an image file, the way they run it:
// `lifeboat info` (describe_image: format::ImageReader::open and the
// summary), the wizard's list and its screens (find_images, describe_entry,
// group_by_machine, read_contents), `lifeboat verify` (which writes or removes
// the verified mark, read again by describe_entry), and `lifeboat restore
// --dry-run` onto a new file: whole, one partition, grown. With the promises
// of docs/FORMAT.md: describe_image accepts exactly what the reader does, and
// an image that verifies also restores.
inline void run_image_commands(const std::string& image, std::uint64_t variant) {
    auto summary = imager::describe_image(image);
    check(summary, "describe_image");
    auto contents = imager::discovery::read_contents(image);
    check(contents, "read_contents");
    if (summary.has_value() != contents.has_value())
        fail("describe_image and read_contents disagree: " +
             (summary ? contents.error().message() : summary.error().message()));
    (void)imager::discovery::group_by_machine(imager::discovery::find_images({Scratch::get().dir()}));
    if (!summary) return;  // every later step opens the image the same way and stops there

    imager::SilentProgress quiet;
    imager::VerifyOptions vo;
    vo.image = image;
    vo.threads = 1 + static_cast<unsigned>(variant % 2);
    auto verified = imager::verify(vo, quiet);
    check(verified, "verify");
    const auto entry = imager::discovery::describe_entry(image);  // now with the mark, if any
    if (verified && !entry.readable) fail("an image that verifies is listed unreadable: " + entry.problem);

    NoPrompt no;
    imager::RestoreOptions ro;
    ro.image = image;
    ro.target = Scratch::get().missing_file();  // restore would create it
    ro.dry_run = true;
    ro.threads = 1;
    auto whole = imager::restore(ro, quiet, no);
    check(whole, "restore --dry-run");
    if (verified && !whole) fail("an image that verifies does not restore: " + whole.error().message());
    if (std::filesystem::exists(ro.target)) fail("a dry run created its target");

    ro.grow = true;
    check(imager::restore(ro, quiet, no), "restore --dry-run --grow");
    ro.grow = false;
    for (const auto& s : summary->manifest.streams) {
        if (s.partition <= 0) continue;
        ro.partition = s.partition;
        check(imager::restore(ro, quiet, no), "restore --dry-run --partition");
        if (variant % 3 != 0) break;  // most inputs: the first partition only
    }
    ro.partition = static_cast<int>(variant % 7);  // maybe none of them
    check(imager::restore(ro, quiet, no), "restore --dry-run --partition N");
}

// The tail of every single-file image target: `file` written as the image,
// every seal computed again unless flags bit 0 is set, run through every command.
// The image read as `restore -` reads it, front to back: whether it is whole
// (every frame, chunk, the index and the trailer checked).
inline bool stream_whole(const std::string& image) {
    const int fd = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    format::BufferPool pool(format::kChunkSize, 2);
    auto stream = format::ImageStream::open(fd, "fuzz input");
    bool whole = stream.has_value();
    for (std::uint64_t number = 0; whole;) {
        auto next = (*stream)->next(pool);
        if (!next || !*next) {
            whole = next.has_value();
            break;
        }
        if ((*next)->record.kind != format::RecordKind::zeros)
            whole = (*stream)->unpack((*next)->record, std::move((*next)->stored), number++, pool).has_value();
    }
    ::close(fd);
    return whole;
}

inline void run_image_file(Bytes file, unsigned flags) {
    Scratch::get().clear();
    if (!(flags & 1)) reseal_image_file(file);
    const auto image = write_volumes({file});
    run_image_commands(image, flags);
    // A stream checks all a reader by the index checks, and the frames: whole as a stream, whole as a file.
    if (stream_whole(image)) {
        imager::SilentProgress quiet;
        auto verified = imager::verify(image, 1, quiet);
        if (!verified) fail("an image whole as a stream does not verify as a file: " + verified.error().message());
    }
}

// ---------------------------------------------------------------- disks

// The input of the filesystem and disk targets: a 4-byte little-endian size
// in 512-byte sectors (at most 2 TiB), then the first bytes of the
// filesystem or disk; the rest reads as zeros. So an input of a few KiB can
// be a 64 MiB FAT32 or a disk whose backup GPT lies far away, as mkfs and
// sgdisk made them.
struct SizedInput {
    std::uint64_t size = 0;  // >= bytes.size()
    Bytes bytes;
};

inline SizedInput sized_input(const std::uint8_t* data, std::size_t size) {
    SizedInput in;
    if (size < 4) return in;
    const std::uint64_t sectors = get_le(std::as_bytes(std::span(data, 4)), 0, 4);
    in.bytes = to_bytes(data + 4, size - 4);
    in.size = std::max<std::uint64_t>(sectors * 512, in.bytes.size());
    return in;
}

// `bytes`, then zeros up to `size`: a MemorySource that allocates only the bytes.
class ZeroExtendedSource final : public imager::io::BlockSource {
public:
    explicit ZeroExtendedSource(const SizedInput& in, std::string name = "fuzz-input")
        : bytes_(in.bytes), size_(in.size), name_(std::move(name)) {}
    [[nodiscard]] std::uint64_t size() const override { return size_; }
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] imager::Status read_at(std::uint64_t offset, std::span<std::byte> buffer) override {
        if (offset > size_ || buffer.size() > size_ - offset)
            return std::unexpected(imager::make_error(imager::Errc::io, "read " + name_ + " past its end"));
        if (buffer.empty()) return {};
        std::memset(buffer.data(), 0, buffer.size());
        if (offset < bytes_.size()) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), bytes_.size() - offset));
            std::memcpy(buffer.data(), bytes_.data() + offset, n);
        }
        return {};
    }

private:
    const Bytes& bytes_;
    std::uint64_t size_;
    std::string name_;
};

// What fs/used_blocks.hpp promises of a used-block map: extents sorted,
// non-overlapping, adjacent ones merged, none empty, all inside the source.
inline void check_used_map(const imager::Result<imager::fs::UsedMap>& map, std::uint64_t source_size,
                           std::string_view who) {
    check(map, who);
    if (!map) return;
    const auto& e = map->extents;
    for (std::size_t i = 0; i < e.size(); ++i) {
        const std::string at = std::string(who) + ": extent " + std::to_string(i) + " (" +
                               std::to_string(e[i].offset) + "+" + std::to_string(e[i].length) + ")";
        if (e[i].length == 0) fail(at + " is empty");
        if (e[i].offset > source_size || e[i].length > source_size - e[i].offset)
            fail(at + " ends past the source's " + std::to_string(source_size) + " bytes");
        if (i > 0 && e[i].offset <= e[i - 1].offset + e[i - 1].length)
            fail(at + " is out of order, overlaps or touches the one before");
    }
    if (map->used_bytes() > source_size) fail(std::string(who) + ": more used bytes than the source has");
}

}  // namespace fuzz
