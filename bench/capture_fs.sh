#!/usr/bin/env bash
# Capture benchmark of one filesystem (issue 22: XFS and btrfs): lifeboat
# capture --no-verify against partclone.FS -c | zstd -T0 (Clonezilla's
# pipeline), on the same filesystem, in one run, at the same zstd level on all
# cores. A benchmark, not a test: it prints numbers and judges the target
# (capture at least 1.5x as fast, image no larger) in words; it fails only on
# a wrong result.
#
# usage: bench/capture_fs.sh xfs|btrfs [SIZE_GIB]     (as root; SIZE_GIB defaults to 2)
#
# Environment:
#   LIFEBOAT=PATH   the lifeboat binary (default: build/release/lifeboat)
#   BENCH_DIR=DIR   working directory, needs about 2.5 x SIZE_GIB free (default /var/tmp/lifeboat-bench-FS)
#   BENCH_RUNS=N    runs of each contender; the best is reported (default 2)
#   BENCH_LEVEL=N   zstd level for both (default 3)
#
# The source: mkfs.FS's defaults on a file of SIZE_GIB GiB, filled through a
# loop mount with a proportional sample of /usr's regular files (about 60% of
# SIZE), then unmounted. Before every timed command the page cache is dropped;
# every command ends with an fsync of what it wrote. Both images are checked
# after, untimed: each restored onto a junk-free target, the checker the
# filesystem's record names clean (`lifeboat filesystems --json`) and every
# file's sha256 equal to the source's.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
FS=${1:-}
SIZE_GIB=${2:-2}
RUNS=${BENCH_RUNS:-2}
LEVEL=${BENCH_LEVEL:-3}
W=${BENCH_DIR:-/var/tmp/lifeboat-bench-$FS}
LIFEBOAT=${LIFEBOAT:-$TOP/build/release/lifeboat}
die() { echo "capture_fs: $*" >&2; exit 1; }
case $FS in
xfs) mkfs=(mkfs.xfs -q -L bench) ;;
btrfs) mkfs=(mkfs.btrfs -q -f -L bench) ;;
*) die "usage: bench/capture_fs.sh xfs|btrfs [SIZE_GIB]" ;;
esac
[ "$(id -u)" = 0 ] || die "run as root (loop mounts, dropping the page cache)"
for t in "${mkfs[0]}" partclone."$FS" zstd losetup sha256sum jq; do
    command -v "$t" >/dev/null || die "$t is missing (bench/install-deps, tools/install-deps)"
done
[ -x "$LIFEBOAT" ] || die "no lifeboat binary at $LIFEBOAT"
checker=$("$LIFEBOAT" filesystems --json | jq -r --arg fs "$FS" '.[] | select(.name == $fs) | .checker.line')
[ -n "$checker" ] || die "lifeboat's $FS record names no checker"
# check FILE: the record's checker on FILE.
check() { local words; read -r -a words <<<"${checker//\{device\}/$1}"; "${words[@]}" >>"$LOG" 2>&1; }
mkdir -p "$W" "$W/mnt"
SRC=$W/source.img LOG=$W/log.txt
: >"$LOG"
cleanup() { mountpoint -q "$W/mnt" && umount "$W/mnt"; true; }
trap cleanup EXIT

# ---------------------------------------------------------------- the data
rm -f "$SRC"
truncate -s "${SIZE_GIB}G" "$SRC"
"${mkfs[@]}" "$SRC" >>"$LOG" 2>&1
mount -o loop "$SRC" "$W/mnt"
want=$((SIZE_GIB * 1024 * 1024 * 1024 * 60 / 100))
find /usr -xdev -type f -size -32M -printf '%s\t%P\n' | LC_ALL=C sort -t$'\t' -k2 >"$W/all.txt"
total=$(awk -F'\t' '{ s += $1 } END { print s }' "$W/all.txt")
awk -F'\t' -v total="$total" -v want="$want" '{ seen += $1; if (kept < want * seen / total) { kept += $1; print $2 } }' \
    "$W/all.txt" >"$W/list.txt"
tar -C /usr --no-recursion --verbatim-files-from -T "$W/list.txt" -cf - 2>>"$LOG" | tar -C "$W/mnt" -xf -
(cd "$W/mnt" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) >"$W/source.sums"
sync -f "$W/mnt"
used=$(df -B1 --output=used "$W/mnt" | tail -1)
umount "$W/mnt"
check "$SRC" || die "$checker finds the new source damaged (see $LOG)"
echo "source:  $FS of ${SIZE_GIB} GiB, $((used >> 20)) MiB used (df), $(wc -l <"$W/list.txt") files; $(nproc) cores"
echo "tools:   $("$LIFEBOAT" --version), partclone $(partclone."$FS" -v 2>&1 | grep -o 'v[0-9.]*' | head -1), zstd $(zstd -V | grep -o 'v[0-9.]*' | head -1)"

# ---------------------------------------------------------------- contenders
IMG_LB=$W/image.lbi IMG_PC=$W/image.pc.zst
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
seconds() { local s=$EPOCHREALTIME; "$@"; echo "$EPOCHREALTIME - $s" | bc; }
cap_lb() {
    rm -f "$IMG_LB"*
    "$LIFEBOAT" capture --progress none --no-verify --level "$LEVEL" "$SRC" "$IMG_LB" >>"$LOG" 2>&1
    sync "$IMG_LB"
}
cap_pc() {
    partclone."$FS" -c -q -s "$SRC" -o - 2>>"$LOG" | zstd -q -T0 -"$LEVEL" -c >"$IMG_PC"
    sync "$IMG_PC"
}
best_lb=999999 best_pc=999999
for ((r = 1; r <= RUNS; r++)); do
    drop; t=$(seconds cap_lb); best_lb=$(echo "if ($t < $best_lb) $t else $best_lb" | bc)
    drop; t=$(seconds cap_pc); best_pc=$(echo "if ($t < $best_pc) $t else $best_pc" | bc)
    echo "run $r:   lifeboat $(printf %.2f "$best_lb") s best so far, partclone.$FS | zstd $(printf %.2f "$best_pc") s"
done

# ---------------------------------------------------------------- checks (untimed)
judge() {  # NAME: the restored target in $W/target.img against the source's files
    check "$W/target.img" || die "$1: $checker finds the restored target damaged"
    # btrfs: the kernel knows the source by the same id; forget it so the target is what mounts.
    [ "$FS" != btrfs ] || btrfs device scan --forget >>"$LOG" 2>&1
    mount -o loop,ro "$W/target.img" "$W/mnt"
    (cd "$W/mnt" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) >"$W/target.sums"
    umount "$W/mnt"
    cmp -s "$W/source.sums" "$W/target.sums" || die "$1: the restored files differ from the source's"
}
rm -f "$W/target.img"; truncate -s "${SIZE_GIB}G" "$W/target.img"
"$LIFEBOAT" restore --yes --progress none "$IMG_LB" "$W/target.img" >>"$LOG" 2>&1 || die "lifeboat restore failed"
judge lifeboat
rm -f "$W/target.img"; truncate -s "${SIZE_GIB}G" "$W/target.img"
zstd -q -d -c "$IMG_PC" | partclone."$FS" -r -q -s - -O "$W/target.img" >>"$LOG" 2>&1 || die "partclone restore failed"
judge partclone
rm -f "$W/target.img"

size_lb=$(du -cb "$IMG_LB"* | tail -1 | cut -f1) size_pc=$(stat -c %s "$IMG_PC")
ratio=$(echo "scale=2; $best_pc / $best_lb" | bc)
echo
printf '%-34s %8s %12s\n' "capture (best of $RUNS)" seconds "image MiB"
printf '%-34s %8.2f %12.1f\n' "lifeboat capture --no-verify" "$best_lb" "$(echo "scale=1; $size_lb / 1048576" | bc)"
printf '%-34s %8.2f %12.1f\n' "partclone.$FS -c | zstd -T0 -$LEVEL" "$best_pc" "$(echo "scale=1; $size_pc / 1048576" | bc)"
echo
echo "speed:   lifeboat is ${ratio}x partclone.$FS | zstd (target: 1.5x): $(echo "$ratio >= 1.5" | bc | sed 's/1/met/;s/0/not met/')"
echo "size:    lifeboat's image is $size_lb bytes, partclone's $size_pc (target: no larger): $([ "$size_lb" -le "$size_pc" ] && echo met || echo not met)"
echo "both restores judged: ${checker// \{device\}/} clean, every file's sha256 equal"
