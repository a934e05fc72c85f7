// ext2/3/4 through libext2fs: the block bitmap says which blocks are in use.
// libext2fs reads through a small io_manager over io::BlockSource, so a
// partition is read by offset on the whole disk and tests use image files.
// libext2fs reports failures as com_err codes; we turn them into Errors and
// never call com_err() itself, which would print.
#include "fs/parse.hpp"

#include <ext2fs/ext2fs.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <string>

namespace imager::fs::detail {

namespace {

constexpr std::string_view name_prefix = "lifeboat-source:";

// What one open is about: the source, and the last read error in our terms
// (libext2fs only keeps its own error code).
struct Context {
    io::BlockSource* source = nullptr;
    io_manager manager = nullptr;  // every channel must point back at it
    std::optional<Error> read_error;
};

// The channel libext2fs holds; `channel` is first so the two convert.
struct SourceChannel {
    struct_io_channel channel{};
    Context* context = nullptr;
    std::string name;
};

// libext2fs hands open() only a name, and we keep no global state, so the
// name carries the Context's address.
Context* context_from_name(const char* name) {
    const std::string_view text(name ? name : "");
    if (!text.starts_with(name_prefix)) return nullptr;
    std::uintptr_t value = 0;
    const char* first = text.data() + name_prefix.size();
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(first, last, value, 16);
    if (ec != std::errc{} || end != last || value == 0) return nullptr;
    return reinterpret_cast<Context*>(value);
}

SourceChannel* owner(io_channel channel) {
    return static_cast<SourceChannel*>(channel->private_data);
}

errcode_t source_close(io_channel channel) {
    if (channel == nullptr || channel->magic != EXT2_ET_MAGIC_IO_CHANNEL) return EXT2_ET_MAGIC_IO_CHANNEL;
    if (--channel->refcount > 0) return 0;
    delete owner(channel);
    return 0;
}

errcode_t source_set_blksize(io_channel channel, int blksize) {
    if (blksize <= 0) return EINVAL;
    channel->block_size = blksize;
    return 0;
}

errcode_t source_read_blk64(io_channel channel, unsigned long long block, int count, void* data) {
    Context& ctx = *owner(channel)->context;
    // A negative count is a byte count, as in unix_io.
    const std::uint64_t bs = static_cast<unsigned>(channel->block_size);
    const std::uint64_t bytes = count < 0 ? static_cast<std::uint64_t>(-static_cast<std::int64_t>(count))
                                          : static_cast<std::uint64_t>(count) * bs;
    if (bs != 0 && block > ctx.source->size() / bs) return EXT2_ET_SHORT_READ;
    auto s = ctx.source->read_at(block * bs, std::span(static_cast<std::byte*>(data), bytes));
    if (s) return 0;
    try {
        ctx.read_error = s.error();
    } catch (...) {  // nothing may unwind through libext2fs's C frames
    }
    return EXT2_ET_SHORT_READ;
}

errcode_t source_read_blk(io_channel channel, unsigned long block, int count, void* data) {
    return source_read_blk64(channel, block, count, data);
}

errcode_t refuse_write(io_channel, unsigned long, int, const void*) { return EROFS; }
errcode_t refuse_write64(io_channel, unsigned long long, int, const void*) { return EROFS; }
errcode_t nothing_to_flush(io_channel) { return 0; }

errcode_t source_open(const char* name, int flags, io_channel* out) {
    Context* ctx = context_from_name(name);
    if (ctx == nullptr || out == nullptr) return EXT2_ET_BAD_DEVICE_NAME;
    if ((flags & IO_FLAG_RW) != 0) return EROFS;
    auto* sc = new (std::nothrow) SourceChannel;
    if (sc == nullptr) return EXT2_ET_NO_MEMORY;
    sc->context = ctx;
    try {
        sc->name = name;
    } catch (...) {  // nothing may unwind through libext2fs's C frames
        delete sc;
        return EXT2_ET_NO_MEMORY;
    }
    io_channel channel = &sc->channel;
    channel->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    channel->manager = ctx->manager;
    channel->name = sc->name.data();
    channel->block_size = 1024;
    channel->refcount = 1;
    channel->private_data = sc;
    *out = channel;
    return 0;
}

struct_io_manager make_manager() {
    struct_io_manager m{};
    m.magic = EXT2_ET_MAGIC_IO_MANAGER;
    m.name = "Lifeboat BlockSource I/O manager";
    m.open = source_open;
    m.close = source_close;
    m.set_blksize = source_set_blksize;
    m.read_blk = source_read_blk;
    m.write_blk = refuse_write;
    m.flush = nothing_to_flush;
    m.read_blk64 = source_read_blk64;
    m.write_blk64 = refuse_write64;
    return m;
}

// com_err's own lookup needs a table registered in global state; the ext2
// table is constant data we can index directly.
std::string describe(errcode_t code) {
    const error_table& t = et_ext2_error_table;
    if (code >= t.base && code < t.base + t.n_msgs) return t.msgs[code - t.base];
    if (code > 0 && code < 4096) return std::strerror(static_cast<int>(code));
    return "libext2fs error " + std::to_string(code);
}

// libext2fs sizes its group tables from the superblock; check the numbers
// against the source first so a hostile superblock cannot ask for gigabytes.
Status check_superblock(io::BlockSource& source) {
    auto sb = read_bytes(source, 1024, 1024);
    if (!sb) return std::unexpected(sb.error());
    const auto b = std::span<const std::byte>(*sb);
    if (le16(b, 0x38) != EXT2_SUPER_MAGIC) return std::unexpected(bad_fs("ext", source, "no ext2/3/4 superblock"));
    const std::uint32_t log_bs = le32(b, 0x18);
    if (log_bs > 6) return std::unexpected(bad_fs("ext", source, "block size out of range"));
    const std::uint64_t bs = 1024ULL << log_bs;
    std::uint64_t blocks = le32(b, 0x04);
    if ((le32(b, 0x60) & EXT4_FEATURE_INCOMPAT_64BIT) != 0) blocks |= std::uint64_t{le32(b, 0x150)} << 32;
    if (blocks == 0 || blocks > source.size() / bs)
        return std::unexpected(bad_fs("ext", source, "the superblock's block count does not fit the source"));
    // The kernel's geometry checks: libext2fs trusts these and overruns its
    // bitmap buffers when they lie (found by fuzzing).
    const bool bigalloc = (le32(b, 0x64) & EXT4_FEATURE_RO_COMPAT_BIGALLOC) != 0;
    const std::uint32_t log_cluster = le32(b, 0x1C);
    const std::uint64_t per_group = bigalloc ? le32(b, 0x24) : le32(b, 0x20);  // clusters or blocks
    if (le32(b, 0x14) != (bs == 1024 && !bigalloc ? 1U : 0U))
        return std::unexpected(bad_fs("ext", source, "first data block out of range"));
    if (bigalloc ? (log_cluster < log_bs || log_cluster > log_bs + 16) : log_cluster != log_bs)
        return std::unexpected(bad_fs("ext", source, "cluster size out of range"));
    if (le32(b, 0x20) < 256 || per_group > bs * 8 || le32(b, 0x28) == 0 || le32(b, 0x28) > bs * 8)
        return std::unexpected(bad_fs("ext", source, "blocks or inodes per group out of range"));
    return {};
}

Result<std::vector<Extent>> bitmap_extents(ext2_filsys fs) {
    const std::uint64_t bs = fs->blocksize;
    const blk64_t first = fs->super->s_first_data_block;
    const blk64_t last = ext2fs_blocks_count(fs->super) - 1;
    ExtentBuilder out;
    // The boot block and superblock, even where the bitmap starts after them.
    out.add(0, std::max<std::uint64_t>(first * bs, 2048));
    blk64_t pos = first;
    while (pos <= last) {
        blk64_t set = 0;
        if (ext2fs_find_first_set_block_bitmap2(fs->block_map, pos, last, &set) != 0) break;
        blk64_t clear = last + 1;
        if (ext2fs_find_first_zero_block_bitmap2(fs->block_map, set, last, &clear) != 0) clear = last + 1;
        if (clear <= set) return std::unexpected(make_error(Errc::internal, "ext block bitmap scan did not advance"));
        out.add(set * bs, (clear - set) * bs);
        pos = clear;
    }
    return out.take();
}

}  // namespace

Result<UsedMap> ext_used_extents(io::BlockSource& source) {
    if (auto s = check_superblock(source); !s) return std::unexpected(s.error());
    struct_io_manager manager = make_manager();
    Context ctx{&source, &manager, std::nullopt};
    char name[64];
    std::snprintf(name, sizeof name, "%.*s%jx", static_cast<int>(name_prefix.size()), name_prefix.data(),
                  static_cast<std::uintmax_t>(reinterpret_cast<std::uintptr_t>(&ctx)));

    ext2_filsys fs = nullptr;
    errcode_t err = ext2fs_open2(name, nullptr, EXT2_FLAG_64BITS, 0, 0, &manager, &fs);
    if (err == 0) err = ext2fs_read_block_bitmap(fs);
    if (err != 0) {
        if (fs != nullptr) ext2fs_close_free(&fs);
        if (ctx.read_error) return std::unexpected(*ctx.read_error);
        return std::unexpected(bad_fs("ext", source, describe(err)));
    }
    // Blocks a pending journal replay would allocate are not in the on-disk
    // bitmap yet; copying by that bitmap would lose their data.
    if (ext2fs_has_feature_journal_needs_recovery(fs->super)) {
        ext2fs_close_free(&fs);
        return std::unexpected(bad_fs("ext", source, "the journal needs recovery (not cleanly unmounted)"));
    }
    const std::uint32_t unit = static_cast<std::uint32_t>(EXT2_CLUSTER_SIZE(fs->super));
    auto extents = bitmap_extents(fs);
    ext2fs_close_free(&fs);
    if (!extents) return std::unexpected(extents.error());
    return finish(std::move(*extents), unit, source);
}

}  // namespace imager::fs::detail
