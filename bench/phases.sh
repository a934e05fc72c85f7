#!/usr/bin/env bash
# Where Lifeboat's capture and restore time goes: a diagnosis to run after
# `BENCH_KEEP=1 bench/capture_restore.sh`, on the source it left in BENCH_DIR.
# Prints, per run (page cache dropped first unless marked "cached"):
#   - capture --no-verify and capture (verify) with --threads 1 and 2, and verify alone,
#     with user/system CPU seconds and minor page faults (fresh buffer memory);
#   - zstd -T1 / -T2 over the used blocks (how well the compressor itself scales);
#   - restore --threads 1 and 2, and how long its final fsync takes (strace -T, when present);
#   - the size cost of independent frames: the used blocks cut into 4, 8 and 16 MiB pieces,
#     each compressed alone, against one zstd stream.
# usage: bench/phases.sh          (as root; env LIFEBOAT, BENCH_DIR, BENCH_LEVEL as for capture_restore.sh)
set -euo pipefail

W=${BENCH_DIR:-/var/tmp/lifeboat-bench}
LEVEL=${BENCH_LEVEL:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
LIFEBOAT=${LIFEBOAT:-$ROOT/build/release/lifeboat}
SRC=$W/source.ext4
USED=$W/used.bin
die() { echo "phases.sh: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "run as root"
[[ -f $SRC && -f $USED ]] || die "no source in $W: run BENCH_KEEP=1 bench/capture_restore.sh first"
[[ -x $LIFEBOAT ]] || die "no lifeboat binary at $LIFEBOAT: set LIFEBOAT"

# Same scheduling as capture_restore.sh: a session of our own at nice -20.
if [[ -z ${BENCH_SESSION:-} ]]; then BENCH_SESSION=1 exec setsid -w "$BASH" "$0" "$@"; fi
[[ -w /proc/$$/autogroup ]] && echo -20 >"/proc/$$/autogroup"
renice -n -20 -p $$ >/dev/null

IMG=$W/phases.lifeboat
TGT=$W/phases.target
SIZE=$(stat -c %s "$SRC")
trap 'rm -f "$IMG" "$TGT" /tmp/lifeboat-phases.strace; rm -rf "$W/phases.split"' EXIT
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
FMT='%e s wall, %U user + %S sys CPU s, %R minor faults, max RSS %M KiB'
t() {  # label command...: run after dropping the page cache
    local label=$1; shift
    drop
    /usr/bin/time -f "  $(printf '%-44s' "$label") $FMT" "$@" >/dev/null 2>"$W/phases.err" || { cat "$W/phases.err"; die "$label failed"; }
    grep -v '^captured\|^restored\|^verified\|^[^ ]' "$W/phases.err" || true
}

echo "== phases on $SRC ($(du -h --apparent-size "$USED" | cut -f1) used), $("$LIFEBOAT" --version), zstd level $LEVEL"
for th in 1 2; do
    rm -f "$IMG"; t "capture --no-verify --threads $th" "$LIFEBOAT" capture --progress none --no-verify --threads "$th" --level "$LEVEL" "$SRC" "$IMG"
    rm -f "$IMG"; t "capture (verify) --threads $th" "$LIFEBOAT" capture --progress none --threads "$th" --level "$LEVEL" "$SRC" "$IMG"
    t "verify --threads $th (image read from disk)" "$LIFEBOAT" verify --progress none --threads "$th" "$IMG"
    cat "$IMG" >/dev/null
    /usr/bin/time -f "  $(printf '%-44s' "verify --threads $th (image cached)") $FMT" \
        "$LIFEBOAT" verify --progress none --threads "$th" "$IMG" >/dev/null
done
t "zstd -T1 over the used blocks" zstd -q -T1 -"$LEVEL" -c "$USED"
t "zstd -T2 over the used blocks" zstd -q -T2 -"$LEVEL" -c "$USED"

for th in 1 2; do
    rm -f "$TGT"; fallocate -l "$SIZE" "$TGT"
    t "restore --threads $th" "$LIFEBOAT" restore --yes --progress none --threads "$th" "$IMG" "$TGT"
done
if command -v strace >/dev/null; then
    rm -f "$TGT"; fallocate -l "$SIZE" "$TGT"; drop
    start=$(date +%s%N)
    strace -f -qq -e trace=fsync -T -o /tmp/lifeboat-phases.strace \
        "$LIFEBOAT" restore --yes --progress none "$IMG" "$TGT" >/dev/null 2>&1
    end=$(date +%s%N)
    echo "  restore under strace: $(( (end - start) / 1000000 )) ms in all, of which the final fsync:" \
         "$(grep -o '<[0-9.]*>' /tmp/lifeboat-phases.strace | tr -d '<>' | awk '{ s += $1 } END { printf "%d ms", s * 1000 }')"
fi

echo "  size of independent frames (zstd -$LEVEL, each piece alone) vs one stream:"
one=$(zstd -q -T0 -"$LEVEL" -c "$USED" | wc -c)
echo "    one stream:              $one bytes"
mkdir -p "$W/phases.split"
for mib in 4 8 16; do
    rm -f "$W/phases.split"/*
    split -b "${mib}M" "$USED" "$W/phases.split/p"
    zstd -q -"$LEVEL" --rm "$W/phases.split"/p*
    sum=$(cat "$W/phases.split"/*.zst | wc -c)
    echo "    $(printf '%2d' "$mib") MiB pieces:           $sum bytes ($(awk -v a="$sum" -v b="$one" 'BEGIN { printf "%+.3f%%", 100 * (a - b) / b }'))"
done
rm -f "$W/phases.err"
