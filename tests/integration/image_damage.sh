#!/bin/bash
# Damaged, truncated, incomplete, foreign and newer images (issue 3). Offsets
# come from lib/lbimage.py, which parses the image by docs/FORMAT.md.
#   1. one flipped byte in each region: volume header, header, manifest, each
#      chunk (zstd and stored), the index, the trailer: `verify` exits 3 and
#      names the region (a chunk by number and source offset); `restore` onto
#      junk exits non-zero and writes nothing (structure) or nothing from the
#      damaged chunk's source offset on (chunk), says which (nothing written,
#      or how far it got and that the target holds part of the image), and
#      removes a target file it created;
#   2. truncation at many points, including exactly at chunk boundaries and
#      just before the trailer: exit 3, nothing written;
#   3. split images: a missing first-middle / middle / last volume, swapped
#      volumes, a foreign volume (another capture of the same source), an extra
#      volume, a damaged volume header, a volume cut short (as an interrupted
#      copy leaves it): exit 3 naming the volume;
#   4. a newer format version in the header, a volume header or the trailer,
#      and an unknown required feature bit, each re-sealed with XXH3-128:
#      exit 9 naming the version needed; an unknown optional bit is accepted;
#   5. files that are not images: exit 3.
#   usage: image_damage.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init damage "${1:-}"
need_tools cmp jq python3 sha256sum truncate dd

MiB=$((1 << 20))
N=$((14 * MiB + 333))
put() { head -c "$3" "$4" | dd of="$1" bs=1M seek="$2" oflag=seek_bytes conv=notrunc status=none; }
yes 'a line of compressible text for the damage test, 0123456789' | head -c $((4 * MiB)) >"$WORK/text"

# records: 0 zstd [0,4M) | 1 stored [4M,8M) | 2 zeros [8M,8M+256K) |
#          3 zstd [8M+256K,12M) | 4 stored [12M,N)
src=$WORK/source.bin
truncate -s "$N" "$src"
put "$src" 0 $((4 * MiB)) "$WORK/text"
put "$src" $((4 * MiB)) $((4 * MiB)) /dev/urandom
put "$src" $((8 * MiB + 256 * 1024)) $((4 * MiB - 256 * 1024)) "$WORK/text"
put "$src" $((12 * MiB)) $((N - 12 * MiB)) /dev/urandom

base=$WORK/base.lbi
lb_ok "capture" capture "$src" "$base" || die "capture failed"
lbimage layout "$base" >"$WORK/layout.json" || die "lbimage cannot parse the image"
L() { jq -r "$1" "$WORK/layout.json"; }
check "the image has the expected records: zstd stored zeros zstd stored" \
    [ "$(L '[.records[].kind] | join(" ")')" = "zstd stored zeros zstd stored" ]
say "image $(fsize "$base") bytes; manifest at $(L .manifest.file_offset) ($(L .manifest.size) B), index at $(L .index.file_offset), trailer at $(L .trailer.file_offset)"

junk "$WORK/junk" "$N"
junk_sha=$(sha "$WORK/junk")
T=$WORK/target.bin

# fresh_target: $T holds the junk again (copied only when it was changed).
T_CLEAN=0
fresh_target() {
    [ "$T_CLEAN" -eq 1 ] && return
    cp "$WORK/junk" "$T"
    T_CLEAN=1
}
# restore_untouched WHAT IMAGE: restore onto junk fails and writes nothing.
restore_untouched() {
    fresh_target
    lb restore --yes "$2" "$T"
    if [ "$(sha "$T")" != "$junk_sha" ]; then
        T_CLEAN=0
        bad "$1: restore exited $RC and changed the target"
    elif [ "$RC" -eq 0 ]; then
        bad "$1: restore exited 0"
    else
        ok "$1: restore exits $RC and the target is untouched"
    fi
}

# damaged_verify WHAT IMAGE REGEX: verify exits 3 naming the damage.
damaged_verify() {
    lb verify "$2"
    if [ "$RC" -ne 3 ]; then
        bad "$1: verify exited $RC, expected 3"
        show_err
    elif ! grep -q -E -i -- "$3" "$ERR"; then
        bad "$1: verify exits 3 but its message does not match /$3/"
        show_err
    else
        ok "$1: verify exits 3: $(head -n1 "$ERR" | cut -c1-150)"
    fi
}

# --- 1. a flipped byte in each structure --------------------------------
flip_case() {  # REGION-REGEX FILE-OFFSET WHAT
    local copy=$WORK/flip.lbi
    cp "$base" "$copy"
    lbimage flip "$copy" "$2"
    damaged_verify "$3 (byte $2 flipped)" "$copy" "$1"
    lb info "$copy"
    check "$3 (byte $2 flipped): info exits 3 (got $RC)" [ "$RC" -eq 3 ]
    restore_untouched "$3 (byte $2 flipped)" "$copy"
}
h=$(L .header.file_offset) m=$(L .manifest.file_offset) ms=$(L .manifest.size)
ix=$(L .index.file_offset) tr=$(L .trailer.file_offset)
for at in 0 20 40 50 63; do flip_case 'volume header' "$at" "volume header"; done
for at in 0 32 48 56 100 250 255; do flip_case 'image header' $((h + at)) "header +$at"; done
# A flipped byte in a version field is damage too (the seal does not match),
# not an image from "format version 254": FORMAT.md checks the hash before
# the version ("Checks a reader makes": magic, hash, version).
flip_case 'volume header' 8 "volume header version field"
flip_case 'image header' $((h + 8)) "header version field"
flip_case 'trailer' $(($(fsize "$base") - 128 + 8)) "trailer version field"
for at in 0 $((ms / 2)) $((ms - 1)); do flip_case 'manifest' $((m + at)) "manifest +$at"; done
for at in 0 30 $((48 + 16)) $((48 * 2 + 40)) $(($(L .index.size) - 1)); do flip_case 'index' $((ix + at)) "index +$at"; done
for at in 0 20 40 64 90 127; do flip_case 'trailer' $((tr + at)) "trailer +$at"; done

# A damaged chunk: named by number and source offset; restore writes nothing
# from that source offset on (earlier chunks may have been written), and says
# whether it wrote anything and how far it got.
chunk_case() {  # RECORD-INDEX BYTE-WITHIN-STORED
    local i=$1 within=$2 copy=$WORK/chunk.lbi off foff ordinal kind
    off=$(L ".records[$i].offset") foff=$(L ".records[$i].file_offset") kind=$(L ".records[$i].kind")
    ordinal=$(L "[.records[:$i][] | select(.kind != \"zeros\")] | length")
    local what="chunk record $i ($kind, source offset $off, byte +$within)"
    cp "$base" "$copy"
    lbimage flip "$copy" $((foff + within))
    # The number is the record's place in the index or among the data chunks.
    damaged_verify "$what" "$copy" "chunk ($i|$ordinal)\\b.*0x$(printf %x "$off")"
    fresh_target
    T_CLEAN=0
    lb restore --yes "$copy" "$T"
    if [ "$RC" -eq 0 ]; then
        bad "$what: restore exited 0"
        return
    fi
    ok "$what: restore exits $RC"
    err_has "$what: restore names the chunk and its source offset" "chunk ($i|$ordinal)\\b.*0x$(printf %x "$off")"
    if same_tail "$T" "$WORK/junk" "$off"; then
        ok "$what: nothing written from source offset $off on"
    else
        bad "$what: the target changed at or after source offset $off"
        cmp "$T" "$WORK/junk" -i "$off" | head -n 2 | sed 's/^/     | /'
    fi
    # And it says which: the target as it was, or part of the image in it.
    if [ "$(sha "$T")" = "$junk_sha" ]; then
        err_has "$what: says nothing was written" "nothing was written: .* is as it was"
    else
        err_has "$what: says how far the restore got" "the restore stopped after writing [0-9.]+ [KMG]?i?B of"
        err_has "$what: says the target holds part of the image" "holds part of the image.*cannot be used until a restore finishes"
    fi
}
for i in $(L '.records[] | select(.kind != "zeros") | .i'); do
    size=$(L ".records[$i].stored_size")
    chunk_case "$i" $((size / 2))
    if [ "$(L ".records[$i].kind")" = zstd ]; then
        chunk_case "$i" 0                # the frame's magic number
        chunk_case "$i" $((size - 1))    # zstd's own checksum
    else
        chunk_case "$i" 0
    fi
done

# A restore that creates its target file and then meets a damaged chunk
# removes the file it created, as it does when it refuses the target: a
# half-restored file under the name asked for would pass for a good one.
copy=$WORK/chunk.lbi
cp "$base" "$copy"
# (The middle of the stored frame: a flip there always changes what it holds.)
lbimage flip "$copy" $(($(L '.records[3].file_offset') + $(L '.records[3].stored_size') / 2))
rm -f "$WORK/created.bin"
lb restore "$copy" "$WORK/created.bin"
check "damaged chunk, restore to a missing file: exit 3 (got $RC)" [ "$RC" -eq 3 ]
if [ -e "$WORK/created.bin" ]; then
    bad "damaged chunk, restore to a missing file: the half-restored file it created is left behind ($(fsize "$WORK/created.bin") bytes)"
else
    ok "damaged chunk, restore to a missing file: no file left behind"
fi

# --- 2. truncation --------------------------------------------------------
full=$(fsize "$base")
points="0 1 63 64 65 $((h + 255)) $((h + 256)) $((m + ms / 2)) $((ix + 47)) $((ix + 48)) $ix $tr $((tr + 1)) $((tr + 64)) $((full - 1))"
for i in $(L '.records[] | select(.kind != "zeros") | .i'); do
    foff=$(L ".records[$i].file_offset") size=$(L ".records[$i].stored_size")
    points+=" $foff $((foff + 1)) $((foff + size / 2)) $((foff + size - 1)) $((foff + size))"
done
for p in $(tr ' ' '\n' <<<"$points" | sort -n -u); do
    [ "$p" -lt "$full" ] || continue
    copy=$WORK/cut.lbi
    head -c "$p" "$base" >"$copy"
    damaged_verify "truncated to $p bytes" "$copy" 'trailer|incomplete|short|not a Lifeboat|volume header'
    restore_untouched "truncated to $p bytes" "$copy"
done

# --- 3. split images -------------------------------------------------------
split_dir=$WORK/split
mkdir -p "$split_dir" "$WORK/other"
simg=$split_dir/s.lbi
lb_ok "capture --split 1M" capture --split 1M "$src" "$simg" || die "split capture failed"
lb_ok "second capture --split 1M of the same source" capture --split 1M "$src" "$WORK/other/s.lbi" ||
    die "second split capture failed"
nv=$(info_get "$simg" .image.volumes)
check "the split image has $nv >= 5 volumes" [ "$nv" -ge 5 ]
last=$(printf '%s.%03d' "$simg" "$nv")
lb_ok "the intact split image verifies" verify "$simg" && ok "the intact split image verifies"

# split_case WHAT REGEX: runs verify and restore on $simg, then puts it back.
split_case() {
    damaged_verify "split: $1" "$simg" "$2"
    restore_untouched "split: $1" "$simg"
    rm -rf "$split_dir" && cp -r "$WORK/split.good" "$split_dir"
}
cp -r "$split_dir" "$WORK/split.good"
mv "$simg.002" "$WORK/"; split_case "volume 2 missing" "s\.lbi\.002"
mv "$simg.003" "$WORK/"; split_case "volume 3 missing" "s\.lbi\.003"
mv "$last" "$WORK/"; split_case "last volume ($nv) missing" "$(basename "$last" | sed 's/\./\\./g')"
mv "$simg.002" "$WORK/x" && mv "$simg.003" "$simg.002" && mv "$WORK/x" "$simg.003"
split_case "volumes 2 and 3 swapped" "s\.lbi\.00[23]"
cp "$WORK/other/s.lbi.002" "$simg.002"; split_case "foreign volume 2 (another capture)" "s\.lbi\.002"
cp "$WORK/other/s.lbi.003" "$simg.003"; split_case "foreign volume 3 (another capture)" "s\.lbi\.003"
cp "$WORK/other/s.lbi" "$simg"; split_case "foreign first volume" "s\.lbi\.002|s\.lbi"
extra=$(printf '%s.%03d' "$simg" $((nv + 1)))
cp "$WORK/other/$(basename "$last")" "$extra"; split_case "an extra volume $(basename "$extra")" "$(basename "$extra" | sed 's/\./\\./g')|volumes"
lbimage flip "$simg.003" 20; split_case "volume 3's header damaged" "s\.lbi\.003"
truncate -s -4096 "$simg.002"  # a copy to a stick cut short
damaged_verify "split: volume 2 cut short by 4096 bytes" "$simg" \
    "s\.lbi\.003 \(volume 3\) starts at byte [0-9]+ of the image, but the volumes before it hold [0-9]+ bytes"
check "split: volume 2 cut short: the hint names it" grep -q "s\.lbi\.002 or a volume before it is not as long" "$ERR"
restore_untouched "split: volume 2 cut short by 4096 bytes" "$simg"
rm -rf "$split_dir" && cp -r "$WORK/split.good" "$split_dir"
# A byte of volume 3's payload, inside a chunk that started in an earlier
# volume: named by its number and source offset.
lbimage layout "$simg" >"$WORK/split.json"
read -r ci coff < <(jq -r '(.volumes[2].start + 100) as $at | .records[]
    | select(.kind != "zeros" and .stored_offset <= $at and $at < .stored_offset + .stored_size)
    | "\(.i) \(.offset)"' "$WORK/split.json")
if [ -n "${ci:-}" ]; then
    lbimage flip "$simg.003" $((64 + 100))
    what="split: a chunk (record $ci, source offset $coff) damaged inside volume 3"
    damaged_verify "$what" "$simg" "chunk $ci\\b.*0x$(printf %x "$coff")"
    fresh_target
    T_CLEAN=0
    lb restore --yes "$simg" "$T"
    check "$what: restore exits non-zero (got $RC)" [ "$RC" -ne 0 ]
    check "$what: nothing written from source offset $coff on" same_tail "$T" "$WORK/junk" "$coff"
    rm -rf "$split_dir" && cp -r "$WORK/split.good" "$split_dir"
else
    bad "no chunk covers byte 100 of volume 3 (layout changed?)"
fi

# --- 4. newer versions and features ------------------------------------------
if lbimage has-xxh3; then
    newer_case() {  # WHAT PATCH-COMMAND ARGS...
        local what=$1 copy=$WORK/newer.lbi
        shift
        cp "$base" "$copy"
        lbimage "$@" || { bad "$what: lbimage $* failed"; return; }
        lb verify "$copy"
        if [ "$RC" -eq 9 ] && grep -q -E 'version 2' "$ERR"; then
            ok "$what: verify exits 9 naming version 2: $(head -n1 "$ERR" | cut -c1-120)"
        else
            bad "$what: verify exited $RC (expected 9, naming version 2)"
            show_err
        fi
        lb info "$copy"
        check "$what: info exits 9 (got $RC)" [ "$RC" -eq 9 ]
        fresh_target
        T_CLEAN=0
        lb restore --yes "$copy" "$T"
        check "$what: restore exits 9 (got $RC) and the target is untouched" \
            eval '[ "$RC" -eq 9 ] && [ "$(sha "$T")" = "$junk_sha" ]'
    }
    newer_case "header version 2" patch-header "$WORK/newer.lbi" 8 4 2
    newer_case "volume header version 2" patch-volume "$WORK/newer.lbi" 8 4 2
    newer_case "trailer version 2" patch-trailer "$WORK/newer.lbi" 8 4 2

    cp "$base" "$WORK/feature.lbi"
    lbimage patch-header "$WORK/feature.lbi" 16 8 0x20
    check "re-sealed patches are sound (lbimage check-seals)" lbimage check-seals "$WORK/feature.lbi"
    lb_expect 9 "an unknown required feature bit" verify "$WORK/feature.lbi"
    err_has "the refusal names features" 'feature'
    restore_untouched "unknown required feature bit" "$WORK/feature.lbi"

    cp "$base" "$WORK/optional.lbi"
    lbimage patch-header "$WORK/optional.lbi" 24 8 0x8000000000000001
    lb_expect 0 "an unknown optional feature bit is ignored by verify" verify "$WORK/optional.lbi"
    fresh_target
    T_CLEAN=0
    lb_ok "restore with an unknown optional feature bit" restore --yes "$WORK/optional.lbi" "$T" &&
        check "unknown optional feature bit: restore is byte-identical" same_bytes "$src" "$T"
else
    say "NOTE: no XXH3-128 (libxxhash0 or xxhsum): versions patched without re-sealing"
    cp "$base" "$WORK/newer.lbi"
    python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(72); f.write(bytes([2]))' "$WORK/newer.lbi"
    lb verify "$WORK/newer.lbi"
    check "header version 2, not re-sealed: exit 9 or 3 (got $RC)" eval '[ "$RC" -eq 9 ] || [ "$RC" -eq 3 ]'
fi

# --- 5. not an image ------------------------------------------------------
junk "$WORK/random.bin" $((1 * MiB))
: >"$WORK/empty.bin"
printf 'hello, I am not an image\n' >"$WORK/text.txt"
head -c 64 "$base" >"$WORK/volume-header-only.bin"
for f in random.bin empty.bin text.txt volume-header-only.bin; do
    lb_expect 3 "verify of a non-image ($f)" verify "$WORK/$f"
    lb_expect 3 "info of a non-image ($f)" info "$WORK/$f"
    restore_untouched "non-image $f" "$WORK/$f"
done
err_has "the message says it is not an image or is too short" 'not a Lifeboat image|too short|no volume header'

lb_finish
