#!/bin/bash
# Raw capture and restore (issue 3): a source that is no filesystem is stored
# whole, its zero runs as holes, and restored byte for byte.
#   1. random data with zero runs (at the start, across a chunk boundary, a
#      lone 4 KiB zero block) and an odd tail; a second source ending in an
#      odd-length zero run;
#   2. restored over junk into a file of the same size, onto a loop device, into
#      a LARGER file (first N bytes equal, the rest untouched), with --discard;
#   3. a SMALLER target is refused with exit 5 and keeps its sha256;
#   4. a missing target file is created (no prompt, stdin is not a terminal).
#   usage: image_roundtrip_raw.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
# shellcheck disable=SC2154  # loop variables are set by attach (lib/common.sh)
source "$(dirname "$0")/lib/common.sh"
lb_init roundtrip-raw "${1:-}"
need_tools losetup cmp jq python3 sha256sum truncate dd
need_loop

MiB=$((1 << 20))
N=$((20 * MiB + 1234))   # not a multiple of 512, let alone 4096

# put FILE OFFSET BYTES SOURCE: writes BYTES bytes of SOURCE at OFFSET.
put() {
    head -c "$3" "$4" | dd of="$1" bs=1M seek="$2" oflag=seek_bytes conv=notrunc status=none
}
# text BYTES: compressible data (not all zeros).
text() { yes 'lifeboat raw stream, compressible line 0123456789' | head -c "$1"; }

src=$WORK/source.bin
truncate -s "$N" "$src"                                   # [0, 64K) stays zeros
put "$src" $((64 << 10)) $((6 * MiB - (64 << 10))) /dev/urandom
text $((2 * MiB)) >"$WORK/text"; put "$src" $((3 * MiB)) $((2 * MiB)) "$WORK/text"
# [6M, 10M + 8K) stays zeros: a run across the 8 MiB chunk boundary
put "$src" $((10 * MiB + 8192)) $((6 * MiB - 8192)) /dev/urandom
dd if=/dev/zero of="$src" bs=4096 seek=$((12 * MiB / 4096)) count=1 conv=notrunc status=none  # a lone zero block
text $((4 * MiB)) >"$WORK/text"; put "$src" $((16 * MiB)) $((4 * MiB)) "$WORK/text"
put "$src" $((20 * MiB)) 1234 /dev/urandom               # the odd tail
[ "$(fsize "$src")" -eq "$N" ] || die "the source is $(fsize "$src") bytes, not $N"
src_sha=$(sha "$src")

img=$WORK/raw.lbi
lb_ok "capture" capture "$src" "$img" || die "capture failed"
ok "capture of $N bytes: image $(fsize "$img") bytes"

# --- the manifest and the record totals ---------------------------------
lb_ok "info --json" info --json "$img" || die "info failed"
cp "$OUT" "$WORK/info.json"
j() { jq -r "$1" "$WORK/info.json"; }
check "manifest kind is raw (got $(j .manifest.source.kind))" [ "$(j .manifest.source.kind)" = raw ]
check "one stream of kind raw with filesystem null" \
    [ "$(j '[.manifest.streams[] | .kind + ":" + (.filesystem|tostring)] | join(",")')" = "raw:null" ]
check "source.size and stream size are $N" \
    [ "$(j .manifest.source.size)/$(j '.manifest.streams[0].size')" = "$N/$N" ]
data=$(j .image.data_bytes) zeros=$(j .image.zero_bytes)
check "data_bytes + zero_bytes = $N (got $data + $zeros)" [ $((data + zeros)) -eq "$N" ]
# Zero runs >= 64 KiB: [0,64K) and [6M,10M+8K); the lone 4 KiB block stays data.
check "zero runs stored as holes: zero_bytes = $((64 * 1024 + 4 * MiB + 8192)) (got $zeros)" \
    [ "$zeros" -eq $((64 * 1024 + 4 * MiB + 8192)) ]
check "image ($(fsize "$img")) smaller than the source ($N): zero runs and text compress" \
    [ "$(fsize "$img")" -lt $((N - 4 * MiB)) ]
lbimage layout "$img" >"$WORK/layout.json" || die "lbimage cannot parse $img"
check "the index holds zstd, stored and zero records" \
    [ "$(jq -r '[.records[].kind] | unique | join(",")' "$WORK/layout.json")" = "stored,zeros,zstd" ]
check "image seals and hashes recomputed from docs/FORMAT.md match" lbimage check-seals "$img"

# --- same-size file over junk -------------------------------------------
t=$WORK/same.bin
junk "$t" "$N"
lb_ok "restore onto a same-size junk file" restore --yes "$img" "$t" &&
    check "same-size file: byte-identical (cmp)" same_bytes "$src" "$t"

t=$WORK/discard.bin
junk "$t" "$N"
lb_ok "restore --discard" restore --yes --discard "$img" "$t" &&
    check "restore --discard onto junk: byte-identical (cmp)" same_bytes "$src" "$t"

# --- a loop device over junk --------------------------------------------
# A loop device's size is a multiple of 512, so it is the N bytes rounded up.
L=$(((N + 4095) / 4096 * 4096))
t=$WORK/loop.bin
junk "$t" "$L"
cp "$t" "$WORK/loop.orig"
attach loop "$t"
if lb_ok "restore onto $loop" restore --yes "$img" "$loop"; then
    check "loop device: the first $N bytes are identical (cmp)" same_bytes "$src" "$loop" "$N"
    check "loop device: the $((L - N)) bytes after them are untouched" same_tail "$loop" "$WORK/loop.orig" "$N"
fi
detach "$loop"
check "loop backing file: the first $N bytes are identical after detaching" same_bytes "$src" "$t" "$N"

# --- a larger target ----------------------------------------------------
t=$WORK/larger.bin
junk "$t" $((N + 3 * MiB + 777))
cp "$t" "$WORK/larger.orig"
if lb_ok "restore onto a larger file" restore --yes "$img" "$t"; then
    check "larger target: the first $N bytes are identical" same_bytes "$src" "$t" "$N"
    check "larger target: the bytes after $N are untouched and the size kept" same_tail "$t" "$WORK/larger.orig" "$N"
fi

# --- a smaller target ---------------------------------------------------
t=$WORK/smaller.bin
junk "$t" $((N - 4096))
before=$(sha "$t")
lb_expect 5 "restore onto a file 4096 bytes too small is refused" restore --yes "$img" "$t"
err_has "the refusal says how much is needed" "$N|needs|too small|missing"
check "the smaller target's sha256 is unchanged" [ "$(sha "$t")" = "$before" ]
check "the smaller target's size is unchanged" [ "$(fsize "$t")" -eq $((N - 4096)) ]

attach small "$t"   # a too-small device too (rounded down to 512)
before=$(sha "$small")
lb_expect 5 "restore onto a too-small loop device is refused" restore --yes "$img" "$small"
check "the too-small loop device is unchanged" [ "$(sha "$small")" = "$before" ]
detach "$small"

# --- a missing target ---------------------------------------------------
t=$WORK/new.bin
lb_ok "restore to a missing file (no --yes, stdin not a terminal)" restore "$img" "$t" &&
    check "the created file is $N bytes and byte-identical" same_bytes "$src" "$t"
check "the created file is exactly $N bytes" [ "$(fsize "$t")" -eq "$N" ]
check "the source was not modified" [ "$(sha "$src")" = "$src_sha" ]

# --- a source ending in an odd-length zero run, with --threads 1 --------
src2=$WORK/source2.bin
N2=$((5 * MiB + 70001))
truncate -s "$N2" "$src2"
put "$src2" 0 $((5 * MiB)) /dev/urandom
text 12345 >"$WORK/text"; put "$src2" $((1 * MiB)) 12345 "$WORK/text"
if lb_ok "capture --threads 1 of a source ending in zeros" capture --threads 1 "$src2" "$WORK/zeros-tail.lbi"; then
    check "zero tail: the last record is a zero record of 70001 bytes" \
        [ "$(lbimage layout "$WORK/zeros-tail.lbi" | jq -r '.records[-1] | .kind + ":" + (.length|tostring)')" = "zeros:70001" ]
    t=$WORK/zeros-tail.bin
    junk "$t" "$N2"
    lb_ok "restore --threads 1 of the zero-tail image" restore --yes --threads 1 "$WORK/zeros-tail.lbi" "$t" &&
        check "zero tail over junk: byte-identical (the junk under the zero run is zeroed)" same_bytes "$src2" "$t"
fi

lb_finish
