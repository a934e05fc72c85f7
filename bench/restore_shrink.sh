#!/bin/bash
# Restoring onto a smaller disk against restoring onto a disk of the source's
# size, the same image, in the same run (docs/PERFORMANCE.md, "Restore onto a
# smaller disk"). The source: a GPT disk of SIZE (ESP and an ext4 root filled
# with a copy of /usr to about a third). Two layouts of the same files:
#   low:  the files where mke2fs -d puts them (the start of the filesystem):
#         the shrink moves nothing but metadata;
#   high: a filler written first and deleted after the copy, so the files sit
#         at the filesystem's end and the shrink moves every one of them.
# Each image is restored ROUNDS times onto a file of the source's size and onto
# one of 60% of it, in turn; the best wall time of each is kept, with the
# restore's maximum RSS (/usr/bin/time) and the bytes the shrink held in memory.
#   bench/restore_shrink.sh [SIZE_MIB] [ROUNDS]     (root; build/release/lifeboat)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lb=${LIFEBOAT:-$top/build/release/lifeboat}
size=${1:-2048}
rounds=${2:-3}
work=$(mktemp -d /var/tmp/lifeboat-shrinkbench.XXXXXX)
loops=()
cleanup() {
    mountpoint -q "$work/mnt" && umount "$work/mnt"
    for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/mnt" "$work/usr"
MiB=$((1 << 20))
root_start=$((41 * MiB)) root_size=$(((size - 42) * MiB))

# A third of the root's size, from /usr (files under 20 MiB, in name order).
python3 - "$((root_size / 3))" "$work/usr" <<'PY'
import os, shutil, sys
budget, dest = int(sys.argv[1]), sys.argv[2]
for d, dirs, files in os.walk("/usr"):
    dirs.sort()
    for f in sorted(files):
        src = os.path.join(d, f)
        if os.path.islink(src) or not os.path.isfile(src) or os.path.getsize(src) > 20 << 20:
            continue
        budget -= os.path.getsize(src)
        if budget < 0:
            sys.exit(0)
        out = os.path.join(dest, os.path.relpath(src, "/usr"))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copy2(src, out)
PY
echo "data: $(du -sm "$work/usr" | cut -f1) MiB in $(find "$work/usr" -type f | wc -l) files"

make_disk() {  # LAYOUT FILE
    truncate -s $((size * MiB)) "$2"
    sgdisk -n1:1M:+40M -t1:ef00 -n2:41M:+$(((size - 42)))M -t2:8300 "$2" >/dev/null
    local esp root
    esp=$(losetup -f --show -o $MiB --sizelimit $((40 * MiB)) "$2") && loops+=("$esp")
    mkfs.vfat -F 32 -n ESP "$esp" >/dev/null
    losetup -d "$esp"
    root=$(losetup -f --show -o $root_start --sizelimit $root_size "$2") && loops+=("$root")
    if [ "$1" = low ]; then
        mkfs.ext4 -q -L root -d "$work/usr" "$root"
    else
        mkfs.ext4 -q -L root "$root"
        mount "$root" "$work/mnt"
        local avail data
        avail=$(df -B1 --output=avail "$work/mnt" | tail -n 1)
        data=$(du -sB1 "$work/usr" | cut -f1)
        head -c $((avail - data * 13 / 10 - 32 * MiB)) /dev/zero >"$work/mnt/filler"
        cp -a "$work/usr" "$work/mnt/usr"
        rm "$work/mnt/filler"
        umount "$work/mnt"
    fi
    losetup -d "$root"
}

best() { sort -n | head -n 1; }

for layout in low high; do
    make_disk "$layout" "$work/$layout.img"
    "$lb" capture --progress none "$work/$layout.img" "$work/$layout.lbi" 2>&1 | sed 's/^/  /'
    rm -f "$work/$layout.img"
    : >"$work/same.times" && : >"$work/small.times"
    for r in $(seq 1 "$rounds"); do
        for kind in same small; do
            t=$work/target.img
            rm -f "$t"
            if [ $kind = same ]; then truncate -s $((size * MiB)) "$t"; else truncate -s $((size * 6 / 10 * MiB)) "$t"; fi
            sync; echo 3 >/proc/sys/vm/drop_caches
            /usr/bin/time -f '%e %M' -o "$work/time" "$lb" restore --yes --progress none "$work/$layout.lbi" "$t" 2>"$work/err"
            cat "$work/time" >>"$work/$kind.times"
            [ $kind = small ] && grep -o '[0-9.]* [KMG]*i*B it wrote past the new end' "$work/err" | head -n 1 >"$work/held" || true
        done
    done
    same=$(cut -d' ' -f1 "$work/same.times" | best)
    small=$(cut -d' ' -f1 "$work/small.times" | best)
    printf '%-5s same size: %6.1f s (max RSS %s KiB)   60%%: %6.1f s (max RSS %s KiB, held %s)   ratio %.2f\n' \
        "$layout" "$same" "$(cut -d' ' -f2 "$work/same.times" | sort -n | tail -n 1)" \
        "$small" "$(cut -d' ' -f2 "$work/small.times" | sort -n | tail -n 1)" "$(cut -d' ' -f1-2 "$work/held")" \
        "$(echo "$small / $same" | bc -l)"
    [ -n "${KEEP:-}" ] && cp "$work/$layout.lbi" "$KEEP/$layout.lbi"
    rm -f "$work/$layout.lbi" "$work/target.img"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
