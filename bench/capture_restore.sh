#!/usr/bin/env bash
# Capture and restore benchmark (issue 3): Lifeboat against the tools users run
# today, on the same ext4 filesystem, in one run, at the same zstd level on all
# cores. A benchmark, not a test: it prints numbers and judges the targets in
# words; nothing fails on a slow result (only on a wrong one).
#
# usage: bench/capture_restore.sh [SIZE_GIB]        (as root; SIZE_GIB defaults to 2)
#
# Environment:
#   LIFEBOAT=PATH      the lifeboat binary (default: build/release/lifeboat, then any build/*/lifeboat)
#   BENCH_DIR=DIR      working directory, needs about 4.5 x SIZE_GIB free (default /var/tmp/lifeboat-bench)
#   BENCH_RUNS=N       runs of each contender; the best is reported (default 2)
#   BENCH_LEVEL=N      zstd level for every contender (default 3)
#   BENCH_FSARCHIVER=1 also time fsarchiver savefs (file level; loop-mounts the SOURCE read-only)
#   BENCH_KEEP=1       keep the source filesystem for the next run (rebuilt when SIZE changes)
#   BENCH_NICE=N       nice value of the benchmark's own session (autogroup), every contender alike
#                      (default -20, 0 = leave it): on a shared machine it keeps other jobs from
#                      taking the cores mid-run. Runs still scatter under load: compare per run.
#
# What it does (docs/PERFORMANCE.md explains and records the results):
#  1. builds SOURCE, an ext4 file system image of SIZE_GIB GiB, with mkfs.ext4 -d from a
#     proportional sample of the regular files under /usr (about 62% of SIZE in file data);
#  2. writes USED, the used blocks of SOURCE one after the other (bench/used_blocks.py reads
#     the block bitmap with dumpe2fs), the input of the bare-zstd limit;
#  3. per round, drops the page cache before every contender (each reads from disk), and times
#     (L = BENCH_LEVEL, the same for all):
#       capture  lifeboat capture (default: checks its image), lifeboat capture --no-verify,
#                partclone.ext4 -c -a0 | zstd -T0 -L (Clonezilla's pipeline), the same followed by
#                zstd -d | partclone.chkimg (Clonezilla's default checks the image after saving),
#                zstd -T0 -L over USED (the compression limit), the same followed by zstd -t (the
#                limit with a check), zstd -T0 -L over all of SOURCE (dd|zstd),
#                and cat USED > /dev/null (the read floor);
#       restore  lifeboat restore --yes, zstd -d | partclone.ext4 -r; each onto a freshly
#                preallocated target file (fallocate, same size), then checks it untimed with
#                e2fsck -fn and cmp against SOURCE, so the numbers are those of working restores;
#                and dd of USED onto such a target with an fsync (the write floor).
#     Every timed command ends with an fsync of what it wrote (sync FILE), so no contender
#     is timed while its data still sits in the page cache.
#  4. prints the table (best of BENCH_RUNS), lifeboat's maximum resident memory, and the targets.
set -euo pipefail

SIZE_GIB=${1:-2}
RUNS=${BENCH_RUNS:-2}
LEVEL=${BENCH_LEVEL:-3}
W=${BENCH_DIR:-/var/tmp/lifeboat-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")

die() { echo "capture_restore.sh: $*" >&2; exit 1; }
[[ $SIZE_GIB =~ ^[0-9]+$ && $SIZE_GIB -ge 1 ]] || die "SIZE_GIB must be a whole number of GiB >= 1"
[[ $(id -u) == 0 ]] || die "run as root (it drops the page cache between runs)"

if [[ -z ${LIFEBOAT:-} ]]; then
    for c in "$ROOT/build/release/lifeboat" "$ROOT"/build/*/lifeboat; do
        [[ -x $c ]] && { LIFEBOAT=$c; break; }
    done
fi
[[ -n ${LIFEBOAT:-} && -x $LIFEBOAT ]] || die "no lifeboat binary: build the release preset or set LIFEBOAT"
for t in partclone.ext4 partclone.chkimg zstd mkfs.ext4 e2fsck dumpe2fs fallocate python3 cmp /usr/bin/time; do
    command -v "$t" >/dev/null || die "$t is missing: run bench/install-deps"
done

# The kernel groups tasks by session (sched_autogroup) and shares the CPU between the
# groups, so a nice value only counts inside our own group: the benchmark runs in a session
# of its own and gives that group (every contender alike) the nice value.
NICE=${BENCH_NICE:--20}
if [[ $NICE != 0 && -z ${BENCH_SESSION:-} ]]; then
    BENCH_SESSION=1 exec setsid -w "$BASH" "$0" "$@"
fi
if [[ $NICE != 0 ]]; then
    [[ -w /proc/$$/autogroup ]] && echo "$NICE" >"/proc/$$/autogroup"
    renice -n "$NICE" -p $$ >/dev/null
    ionice -c 2 -n 0 -p $$
fi

mkdir -p "$W"
SRC=$W/source.ext4
USED=$W/used.bin
SIZE_BYTES=$((SIZE_GIB << 30))
LOG=$W/log
: >"$LOG"

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
now_ns() { date +%s%N; }
fsize() { stat -c %s "$1"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# ---------------------------------------------------------------- the machine
machine() {
    local dev
    dev=$(findmnt -no SOURCE -T "$W" | head -1)
    echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')),"\
         "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r)"
    echo "disk:    $W on $dev ($(findmnt -no FSTYPE -T "$W" | head -1),"\
         "rotational=$(cat "/sys/block/$(basename "$dev")/queue/rotational" 2>/dev/null || echo '?'))"
    echo "tools:   $("$LIFEBOAT" --version), partclone $(partclone.ext4 -v 2>&1 | grep -o 'v[0-9.]*' | head -1),"\
         "zstd $(zstd -V | grep -o 'v[0-9.]*' | head -1), e2fsprogs $(mkfs.ext4 -V 2>&1 | head -1 | awk '{print $2}')"
    echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start; the benchmark runs at nice $(ps -o ni= -p $$ | tr -d ' ')"\
         "in $(cat /proc/$$/autogroup 2>/dev/null || echo 'no autogroup')"
}

# ---------------------------------------------------------------- the data
build_source() {
    if [[ -n ${BENCH_KEEP:-} && -f $SRC && -f $USED && $(fsize "$SRC") == "$SIZE_BYTES" ]]; then
        echo "source:  reusing $SRC (BENCH_KEEP)"
        return
    fi
    rm -f "$SRC" "$USED"
    local stage=$W/stage list=$W/files.txt target total
    rm -rf "$stage"
    mkdir -p "$stage"
    target=$((SIZE_BYTES * 62 / 100))
    # Every regular file of /usr in path order; keep a file whenever the bytes kept so far
    # fall below the wanted fraction of the bytes seen: a proportional sample of the whole tree.
    # Files over 32 MiB (a few toolkit blobs) are left out so that no single file skews the mix.
    find /usr -xdev -type f -size -32M -printf '%s\t%P\n' | LC_ALL=C sort -t$'\t' -k2 >"$W/all-files.txt"
    total=$(awk -F'\t' '{ s += $1 } END { print s }' "$W/all-files.txt")
    awk -F'\t' -v total="$total" -v want="$target" '
        { seen += $1; if (kept < want * seen / total) { kept += $1; print $2 } }' \
        "$W/all-files.txt" >"$list"
    echo "source:  copying $(wc -l <"$list") files ($(mib "$target") MiB wanted) of /usr's $(wc -l <"$W/all-files.txt")"
    tar -C /usr --no-recursion --verbatim-files-from -T "$list" -cf - 2>>"$LOG" | tar -C "$stage" -xf -
    truncate -s "$SIZE_BYTES" "$SRC"
    mkfs.ext4 -q -F -b 4096 -L bench -d "$stage" "$SRC" >>"$LOG" 2>&1
    rm -rf "$stage"
    e2fsck -fn "$SRC" >>"$LOG" 2>&1 || die "e2fsck finds the new source damaged (see $LOG)"
    python3 "$HERE/used_blocks.py" "$SRC" "$USED" >"$W/used.txt"
}

# ---------------------------------------------------------------- contenders
# Each cap_*/res_* function runs one contender; prep_* (untimed) clears what it writes.
IMG_LB=$W/image.lifeboat
IMG_PC=$W/image.pc.zst
OUT_ZU=$W/used.zst
OUT_DD=$W/whole.zst
OUT_FA=$W/image.fsa
TGT_LB=$W/target.lifeboat
TGT_PC=$W/target.partclone
TGT_WF=$W/target.floor

cap_lifeboat() {
    /usr/bin/time -f %M -o "$W/rss.$1" "$LIFEBOAT" capture --progress none --level "$LEVEL" "${@:2}" "$SRC" "$IMG_LB" >>"$LOG" 2>&1
    sync "$IMG_LB"
}
run_lb_verify() { cap_lifeboat lb_verify; }
run_lb_noverify() { cap_lifeboat lb_noverify --no-verify; }
run_partclone() {
    /usr/bin/time -f %M -o "$W/rss.partclone.pc" partclone.ext4 -c -a0 -z 10485760 -q -s "$SRC" -o - 2>>"$LOG" |
        /usr/bin/time -f %M -o "$W/rss.partclone.zstd" zstd -q -T0 -"$LEVEL" -c >"$IMG_PC"
    sync "$IMG_PC"
}
# Clonezilla's default: after saving, it checks the image is restorable (ocs-sr without -scs):
# the image decompressed into partclone.chkimg, which checks every block's checksum.
run_clonezilla() {
    run_partclone
    zstd -q -d -c "$IMG_PC" | partclone.chkimg -z 10485760 -s - >>"$LOG" 2>&1
}
run_zstd_used() { zstd -q -T0 -"$LEVEL" -c "$USED" >"$OUT_ZU"; sync "$OUT_ZU"; }
# The limit with a check: zstd -t decompresses the whole output and checks its checksums.
run_zstd_used_check() { run_zstd_used; zstd -q -t "$OUT_ZU"; }
run_dd_zstd() { zstd -q -T0 -"$LEVEL" -c "$SRC" >"$OUT_DD"; sync "$OUT_DD"; }
run_read_used() { cat "$USED" >/dev/null; }
run_fsarchiver() {
    local loop
    loop=$(losetup -f --show -r "$SRC")
    fsarchiver -o -j "$(nproc)" -Z "$LEVEL" savefs "$OUT_FA" "$loop" >>"$LOG" 2>&1 || { losetup -d "$loop"; return 1; }
    losetup -d "$loop"
    sync "$OUT_FA"
}
run_lb_restore() {
    /usr/bin/time -f %M -o "$W/rss.lb_restore" "$LIFEBOAT" restore --yes --progress none "$IMG_LB" "$TGT_LB" >>"$LOG" 2>&1
    sync "$TGT_LB"
}
run_write_floor() { dd if="$USED" of="$TGT_WF" bs=4M conv=notrunc,fsync status=none; }
run_pc_restore() {
    zstd -q -d -c "$IMG_PC" | partclone.ext4 -r -q -z 10485760 -s - -O "$TGT_PC" 2>>"$LOG"
    sync "$TGT_PC"
}

prep() {
    case $1 in
        lb_verify | lb_noverify) rm -f "$IMG_LB" "$IMG_LB".partial ;;
        partclone | clonezilla) rm -f "$IMG_PC" ;;
        zstd_used | zstd_used_check) rm -f "$OUT_ZU" ;;
        dd_zstd) rm -f "$OUT_DD" ;;
        fsarchiver) rm -f "$OUT_FA" ;;
        lb_restore) rm -f "$TGT_LB"; fallocate -l "$SIZE_BYTES" "$TGT_LB" ;;
        pc_restore) rm -f "$TGT_PC"; fallocate -l "$SIZE_BYTES" "$TGT_PC" ;;
        write_floor) rm -f "$TGT_WF"; fallocate -l "$SIZE_BYTES" "$TGT_WF" ;;
    esac
}

# Restores must be working restores: the filesystem checker and a byte compare judge them.
check_restore() {
    local target=$1
    e2fsck -fn "$target" >>"$LOG" 2>&1 || die "e2fsck -fn finds $target damaged (see $LOG)"
    cmp -s "$SRC" "$target" || die "$target differs from the source"
}

# Sets CPU_NOW to the user + system CPU seconds of every child process waited for so far
# (the second line of bash's `times`, which must run in this shell, not in a subshell).
child_cpu() {
    times >"$W/times.txt"
    CPU_NOW=$(sed -n 2p "$W/times.txt" |
        awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); n += p[1] * 60 + p[2] } printf "%.3f", n }')
}

declare -A TIMES BEST CPU
time_one() {
    local name=$1 t0 t1 c0 c1 s
    prep "$name"
    drop_caches
    child_cpu
    c0=$CPU_NOW
    t0=$(now_ns)
    "run_$name" || die "$name failed (see $LOG)"
    t1=$(now_ns)
    child_cpu
    c1=$CPU_NOW
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
    TIMES[$name]="${TIMES[$name]:-}${TIMES[$name]:+ }$s"
    if [[ -z ${BEST[$name]:-} ]] || awk -v a="$s" -v b="${BEST[$name]}" 'BEGIN { exit !(a < b) }'; then
        BEST[$name]=$s
        CPU[$name]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
    fi
    case $name in
        lb_restore) check_restore "$TGT_LB" ;;
        pc_restore) check_restore "$TGT_PC" ;;
    esac
    printf '  %-12s %8s s   (load %s)\n' "$name" "$s" "$(cut -d' ' -f1 /proc/loadavg)"
}

# ---------------------------------------------------------------- run
echo "== Lifeboat capture/restore benchmark: ext4 of $SIZE_GIB GiB, zstd level $LEVEL, best of $RUNS"
machine
build_source
read -r USED_BYTES USED_RANGES <"$W/used.txt"
echo "source:  $SRC, $SIZE_GIB GiB, $(mib "$USED_BYTES") MiB used ($(awk -v u="$USED_BYTES" -v s="$SIZE_BYTES" \
    'BEGIN { printf "%.0f", 100 * u / s }')%) in $USED_RANGES extents (dumpe2fs block bitmap)"
echo "cache:   the page cache is dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every run:"
echo "         each contender reads its input from disk; each ends with an fsync of what it wrote"

CAPTURE=(lb_verify lb_noverify partclone clonezilla zstd_used zstd_used_check dd_zstd read_used)
[[ -n ${BENCH_FSARCHIVER:-} ]] && command -v fsarchiver >/dev/null && CAPTURE+=(fsarchiver)
RESTORE=(lb_restore pc_restore write_floor)
for ((round = 1; round <= RUNS; round++)); do
    echo "round $round of $RUNS"
    for c in "${CAPTURE[@]}" "${RESTORE[@]}"; do time_one "$c"; done
done

KIND=$("$LIFEBOAT" info --json "$IMG_LB" | python3 -c \
    'import json, sys; s = json.load(sys.stdin)["manifest"]["streams"][0]; print(s["kind"], s.get("used_bytes", ""))')
read -r STREAM_KIND LB_USED <<<"$KIND"
echo "lifeboat image: stream kind \"$STREAM_KIND\", lifeboat's used bytes ${LB_USED:-?} (dumpe2fs: $USED_BYTES)"
[[ $STREAM_KIND == filesystem ]] || echo "WARNING: lifeboat stored the filesystem raw (no ext4 used-block map in this build)"

# ---------------------------------------------------------------- table
declare -A LABEL SIZE
LABEL=([lb_verify]="lifeboat capture (default: checked)" [lb_noverify]="lifeboat capture --no-verify"
    [partclone]="partclone.ext4 -c -a0 | zstd -T0 -$LEVEL"
    [clonezilla]="same, then zstd -d | partclone.chkimg (Clonezilla's default)" [zstd_used]="zstd -T0 -$LEVEL over used blocks (limit)"
    [zstd_used_check]="same, then zstd -t (the limit with a check)"
    [dd_zstd]="zstd -T0 -$LEVEL over whole device (dd|zstd)" [read_used]="cat used blocks > /dev/null (read floor)"
    [fsarchiver]="fsarchiver savefs -Z$LEVEL -j$(nproc)"
    [lb_restore]="lifeboat restore" [pc_restore]="zstd -d | partclone.ext4 -r"
    [write_floor]="dd used blocks > target, fsync (write floor)")
SIZE=([lb_verify]=$(fsize "$IMG_LB") [lb_noverify]=$(fsize "$IMG_LB") [partclone]=$(fsize "$IMG_PC") [clonezilla]=$(fsize "$IMG_PC")
    [zstd_used]=$(fsize "$OUT_ZU") [zstd_used_check]=$(fsize "$OUT_ZU") [dd_zstd]=$(fsize "$OUT_DD") [read_used]="" [lb_restore]="" [pc_restore]="" [write_floor]="")
[[ -f $OUT_FA ]] && SIZE[fsarchiver]=$(fsize "$OUT_FA")

median() { tr ' ' '\n' <<<"${TIMES[$1]}" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
row() {  # name reference-name
    local n=$1 ref=$2 b=${BEST[$1]} sz=${SIZE[$1]:-}
    awk -v label="${LABEL[$n]}" -v b="$b" -v all="${TIMES[$n]}" -v used="$USED_BYTES" -v sz="$sz" \
        -v ref="${BEST[$ref]}" -v refsz="${SIZE[lb_verify]}" -v cpu="${CPU[$n]}" -v med="$(median "$n")" 'BEGIN {
        printf "| %-44s | %7.2f | %6.2f | %-40s | %6.2f | %7.1f | %13s | %6s | %6.2f | %6s |\n", label, b, med, all, cpu, used / 1048576 / b,
            sz == "" ? "-" : sz, sz == "" ? "-" : sprintf("%.3f", used / sz), b / ref,
            sz == "" ? "-" : sprintf("%.3f", sz / refsz) }'
}
echo
echo "Capture ($(mib "$USED_BYTES") MiB used of $SIZE_GIB GiB; best of $RUNS; time and size relative to lifeboat capture, default)"
echo "| contender                                    |  best s | median | runs s                                   |  CPU s |   MiB/s |   image bytes |  ratio | x time | x size |"
echo "|----------------------------------------------|--------:|-------:|------------------------------------------|-------:|--------:|--------------:|-------:|-------:|-------:|"
for c in "${CAPTURE[@]}"; do row "$c" lb_verify; done
echo
echo "Restore (onto preallocated files; time relative to lifeboat restore; every restore passed e2fsck -fn and cmp)"
echo "| contender                                    |  best s | median | runs s                                   |  CPU s |   MiB/s |   image bytes |  ratio | x time | x size |"
echo "|----------------------------------------------|--------:|-------:|------------------------------------------|-------:|--------:|--------------:|-------:|-------:|-------:|"
for c in "${RESTORE[@]}"; do row "$c" lb_restore; done
echo "(ratio = used bytes / image bytes; MiB/s = used MiB / best seconds; CPU s = user + system seconds of the best run;
 x time = best seconds / lifeboat's best seconds, so > 1 means lifeboat is faster)"
echo
rss() { awk '{ printf "%.1f MiB", $1 / 1024 }' "$W/rss.$1"; }
echo "max RSS: lifeboat capture $(rss lb_verify) (checked) / $(rss lb_noverify) (--no-verify), restore $(rss lb_restore);"\
     "partclone $(rss partclone.pc) + zstd $(rss partclone.zstd) in capture"

# ---------------------------------------------------------------- targets
verdict() {  # description value comparison threshold
    if awk -v v="$2" -v t="$4" "BEGIN { exit !(v $3 t) }"; then echo "  met     $1"; else echo "  NOT MET $1"; fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a / b }'; }  # exact: verdicts compare this
two() { awk -v a="$1" 'BEGIN { printf "%.2f", a }'; }                       # shown
echo
echo "Targets as issue 3 words them (lifeboat stream kind: $STREAM_KIND), lifeboat capture as users run it (with its check):"
r=$(ratio "${BEST[partclone]}" "${BEST[lb_verify]}")
verdict "capture $(two "$r")x faster: ${LABEL[lb_verify]} vs ${LABEL[partclone]} (want >= 1.5x; medians: $(two "$(ratio "$(median partclone)" "$(median lb_verify)")")x)" "$r" '>=' 1.5
verdict "image ${SIZE[lb_verify]} bytes vs partclone|zstd ${SIZE[partclone]} ($(awk -v a="${SIZE[lb_verify]}" \
    -v b="${SIZE[partclone]}" 'BEGIN { printf "%+.2f%%", 100 * (a - b) / b }'); want no larger)" "${SIZE[lb_verify]}" '<=' "${SIZE[partclone]}"
r=$(ratio "${BEST[pc_restore]}" "${BEST[lb_restore]}")
verdict "restore $(two "$r")x faster than zstd -d|partclone (want >= 2x; medians: $(two "$(ratio "$(median pc_restore)" "$(median lb_restore)")")x)" "$r" '>=' 2
r=$(ratio "${BEST[lb_verify]}" "${BEST[zstd_used]}")
verdict "capture takes $(two "$r")x the bare-zstd limit: ${LABEL[lb_verify]} vs ${LABEL[zstd_used]} (want <= 1.10x; medians: $(two "$(ratio "$(median lb_verify)" "$(median zstd_used)")")x)" "$r" '<=' 1.10
echo "Like for like: each capture against the same job done by the other tools (with a check / without one):"
for pair in "lb_verify clonezilla" "lb_noverify partclone"; do
    read -r v ref <<<"$pair"
    r=$(ratio "${BEST[$ref]}" "${BEST[$v]}")
    verdict "capture $(two "$r")x faster: ${LABEL[$v]} vs ${LABEL[$ref]} (want >= 1.5x; medians: $(two "$(ratio "$(median $ref)" "$(median $v)")")x)" "$r" '>=' 1.5
done
for pair in "lb_verify zstd_used_check" "lb_noverify zstd_used"; do
    read -r v ref <<<"$pair"
    r=$(ratio "${BEST[$v]}" "${BEST[$ref]}")
    verdict "capture takes $(two "$r")x the limit: ${LABEL[$v]} vs ${LABEL[$ref]} (want <= 1.10x; medians: $(two "$(ratio "$(median $v)" "$(median $ref)")")x)" "$r" '<=' 1.10
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg); log: $LOG"

if [[ -z ${BENCH_KEEP:-} ]]; then
    rm -f "$IMG_LB" "$IMG_PC" "$OUT_ZU" "$OUT_DD" "$OUT_FA" "$TGT_LB" "$TGT_PC" "$TGT_WF" "$SRC" "$USED" "$W"/all-files.txt "$W"/files.txt "$W"/times.txt
fi
