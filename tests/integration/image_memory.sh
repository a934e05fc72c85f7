#!/bin/bash
# Memory stays bounded whatever the source size (docs/FORMAT.md, "Memory"):
# a 3 GiB source (sparse, with 384 MiB of random data in 48 pieces spread
# through it and 64 MiB of compressible text) is captured, verified and
# restored (onto a sparse file, from the file and from a stream on standard
# input) under /usr/bin/time -v; the maximum resident set of each must be at
# most 256 MiB, and each restore is byte-identical.
# A capture with --threads 8 holds the most jobs the pipeline allows (16).
# Under AddressSanitizer (the dev preset) the bound is LB_ASAN_RSS_MIB (default
# 1024): ASan's shadow memory and quarantine come on top of Lifeboat's own.
#   usage: image_memory.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init memory "${1:-}"
need_tools cmp dd truncate /usr/bin/time  # GNU time (Debian package 'time'), not the shell's keyword

MiB=$((1 << 20))
GiB=$((1 << 30))
SIZE=$((3 * GiB + 4096 * 3 + 512))   # not a whole number of chunks
limit_mib=256
if lb_is_asan; then
    limit_mib=${LB_ASAN_RSS_MIB:-1024}
    say "NOTE: AddressSanitizer build: RSS bound raised to $limit_mib MiB"
fi
free_kib=$(df -k --output=avail "$WORK" | tail -n1 | tr -d ' ')
[ "$free_kib" -gt $((2 * 1024 * 1024)) ] || skip "needs 2 GiB free under $WORK"

src=$WORK/source.bin
truncate -s "$SIZE" "$src"
for i in $(seq 0 47); do   # 8 MiB of random every 64 MiB, at odd offsets
    dd if=/dev/urandom of="$src" bs=1M count=8 seek=$((i * 64 * MiB + i * 4096 + 12345)) \
        oflag=seek_bytes iflag=fullblock conv=notrunc status=none || die "cannot write the source"
done
yes 'compressible text in a large sparse source, line after line' | head -c $((8 * MiB)) >"$WORK/text"
for i in $(seq 0 7); do
    dd if="$WORK/text" of="$src" bs=1M seek=$((i * 384 * MiB + 40 * MiB)) oflag=seek_bytes conv=notrunc status=none
done
rm -f "$WORK/text"
say "source: $SIZE bytes, $(du -B1 "$src" | cut -f1) allocated"

# measured STEP ARGS...: runs lifeboat under /usr/bin/time -v, its standard
# input $MEASURED_INPUT (default /dev/null); sets RSS_KIB.
RSS_KIB=0
measured() {
    local step=$1 t0=$SECONDS
    shift
    RC=0
    /usr/bin/time -v -o "$WORK/$step.time" "$LB" "$@" <"${MEASURED_INPUT:-/dev/null}" >"$WORK/$step.out" \
        2>"$WORK/$step.err" || RC=$?
    RSS_KIB=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$WORK/$step.time")
    say "$step: exit $RC, max RSS $((RSS_KIB / 1024)) MiB ($RSS_KIB KiB), $((SECONDS - t0)) s"
    if [ "$RC" -ne 0 ]; then
        bad "$step: lifeboat $* exited $RC"
        sed 's/^/     | /' "$WORK/$step.err" | head -n 8
        return 1
    fi
    if [ -n "$RSS_KIB" ] && [ "$RSS_KIB" -le $((limit_mib * 1024)) ]; then
        ok "$step: max RSS $((RSS_KIB / 1024)) MiB <= $limit_mib MiB"
    else
        bad "$step: max RSS ${RSS_KIB:-?} KiB is over $limit_mib MiB"
    fi
}

img=$WORK/big.lbi
RESULTS=()
measured capture capture --no-verify "$src" "$img" && RESULTS+=("capture $((RSS_KIB / 1024)) MiB")
say "image: $(fsize "$img") bytes for $SIZE bytes of source"
check "the image ($(fsize "$img") bytes) is under 448 MiB (the data it must hold)" [ "$(fsize "$img")" -lt $((448 * MiB)) ]
measured verify verify "$img" && RESULTS+=("verify $((RSS_KIB / 1024)) MiB")
out=$WORK/restored.bin
measured restore restore "$img" "$out" && RESULTS+=("restore $((RSS_KIB / 1024)) MiB")
check "the restored file is $SIZE bytes" [ "$(fsize "$out")" -eq "$SIZE" ]
say "restored: $(du -B1 "$out" | cut -f1) bytes allocated (sparse)"
check "the restore is byte-identical (cmp of $SIZE bytes)" same_bytes "$src" "$out"
rm -f "$out"
MEASURED_INPUT=$img measured restore-stream restore --yes - "$out" && RESULTS+=("restore - $((RSS_KIB / 1024)) MiB")
check "the restore from standard input is byte-identical (cmp of $SIZE bytes)" same_bytes "$src" "$out"
rm -f "$out"
measured "capture-threads-8" capture --threads 8 --no-verify "$src" "$WORK/t8.lbi" &&
    RESULTS+=("capture --threads 8 $((RSS_KIB / 1024)) MiB")
say "max RSS: ${RESULTS[*]}"
lb_finish
