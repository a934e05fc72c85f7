#!/bin/bash
# Whole-disk restore onto a smaller target (issue 4): every partition at its
# original place when they all still fit (a GPT also needs its 33 backup
# sectors after the last partition); one sector short, the last partition
# gives up a MiB (issue 21: docs/SHRINK.md, disk_shrink.sh); too small for the
# data, refused before anything is written, with the numbers.
#   1. GPT source of 200 MiB whose partitions end at 73 MiB, onto a 120 MiB
#      file, a 100 MiB loop device and a file of exactly the bytes needed:
#      restored, the backup GPT on the new last sector, sgdisk -v clean, the
#      table equal but for size fields, every partition judged (blkid
#      identity, checker, sha256 of every file);
#   2. one sector short of that (and --dry-run): the swap, last, shrinks by a
#      MiB, the others untouched; 20 MiB (file and loop device, --grow too):
#      exit 5, the message names the target's bytes, and the target is
#      byte-identical (sha256 before and after);
#   3. the same for an MBR disk with an extended partition (logical ext4 and
#      NTFS): the whole of sector 0 and the post-MBR gap identical; one sector
#      short, the NTFS, last, shrinks by a MiB (ntfsresize); 16 MiB refused.
#   usage: disk_smaller.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init disk-smaller "${1:-}"
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
disk_init

MiB=$((1 << 20))

# fits SRC IMAGE TARGET WHAT PREFIX KIND...: the restore succeeds, the first
# PREFIX bytes are the source's (GPT: the boot code; the headers hold the size),
# and every partition of kind KIND (1, 2, ...; "-" = not judged) matches.
fits() {
    local src=$1 img=$2 t=$3 what=$4 prefix=$5 n=0 k
    shift 5
    lb_ok "$what: restore" restore --yes --progress none "$img" "$t" || return
    ok "$what: restore onto $(fsize "$t") bytes ($(($(fsize "$src") - $(fsize "$t"))) fewer than the source) succeeded"
    same_table "$src" "$t" "$what"
    check "$what: the first $prefix bytes identical" same_bytes "$src" "$t" "$prefix"
    for k in "$@"; do
        n=$((n + 1))
        [ "$k" = - ] || judge_part "$src" "$t" "$n" "$k" "$what"
    done
    return 0
}

# refused IMAGE TARGET WHAT [ARGS...]: exit 5 naming the target's bytes and
# the least the partitions need, the target unchanged.
refused() {
    local img=$1 t=$2 what=$3 before
    shift 3
    before=$(sha "$t")
    lb_expect 5 "$what: refused" restore --yes --progress none "$@" "$img" "$t"
    err_has "$what: the message says what the target holds and what the partitions need" \
        "holds .* \\($(fsize "$t") bytes\\); the image's partitions need at least .* \\([0-9]+ bytes\\)"
    unchanged_after "$before" "$t" "$what"
}

# one_gives_mib SRC TARGET WHAT: one partition (the one with the most room) is a MiB
# smaller, the others keep their size (an extended partition, holding it, aside).
one_gives_mib() {
    local src=$1 t=$2 what=$3 n smaller=0 same=0 all=0
    for n in $(sfdisk --json "$src" | jq -r '.partitiontable.partitions[] | select(.type != "5") | .node' | grep -o '[0-9]*$'); do
        all=$((all + 1))
        case $(($(part_size "$src" "$n") - $(part_size "$t" "$n"))) in
        0) same=$((same + 1)) ;;
        2048) smaller=$((smaller + 1)) ;;
        esac
    done
    check "$what: one partition gave up a MiB ($smaller), the other $((all - 1)) kept their size ($same)" \
        eval '[ "$smaller" = 1 ] && [ $((smaller + same)) = "$all" ]'
}

# ------------------------------------------------------------------ GPT --
say "--- GPT, 200 MiB, partitions up to 73 MiB"
gpt=$WORK/gpt.img
new_disk "$gpt" 200M <<'EOF'
label: gpt
label-id: 5A11E400-0000-4000-8000-000000000000
start=2048, size=32768, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="ESP"
start=34816, size=98304, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
start=133120, size=16384, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name="swap"
EOF
put_fs "$gpt" 1 fat16 LBESP
put_fs "$gpt" 2 ext4 lbroot
put_fs "$gpt" 3 swap lbswap
dd if=/dev/urandom of="$gpt" bs=440 count=1 conv=notrunc status=none
last_end=$((133120 + 16384 - 1))
need=$(((last_end + 1 + 33) * 512))   # every partition, then the backup GPT
lb_ok "GPT: capture" capture --progress none "$gpt" "$WORK/gpt.lbi" || die "cannot capture the GPT disk"

t=$WORK/t120.img
junk "$t" $((120 * MiB))
fits "$gpt" "$WORK/gpt.lbi" "$t" "GPT onto 120 MiB" 440 fat16 ext4 swap && gpt_at_end "$t" "GPT onto 120 MiB"
rm -f "$t"

t=$WORK/t100.img
junk "$t" $((100 * MiB))
attach loop "$t"
fits "$gpt" "$WORK/gpt.lbi" "$loop" "GPT onto a 100 MiB loop" 440 fat16 ext4 swap && gpt_at_end "$loop" "GPT onto a 100 MiB loop"
detach "$loop"
rm -f "$t"

t=$WORK/exact.img
junk "$t" "$need"
fits "$gpt" "$WORK/gpt.lbi" "$t" "GPT onto exactly $need bytes" 440 - ext4 - && gpt_at_end "$t" "GPT onto exactly $need bytes"
rm -f "$t"

t=$WORK/short.img
junk "$t" $((need - 512))
before=$(sha "$t")
lb_ok "GPT --dry-run onto one sector too few" restore --dry-run --progress none "$WORK/gpt.lbi" "$t" &&
    check "GPT --dry-run onto one sector too few: the plan says the ext4 shrinks by a MiB" \
        grep -q "partition 2 (ext4 'lbroot'): shrinks 48.0 MiB -> 47.0 MiB" "$OUT"
unchanged_after "$before" "$t" "GPT --dry-run onto one sector too few"
lb_ok "GPT onto one sector too few (the backup GPT would not fit)" restore --yes --progress none "$WORK/gpt.lbi" "$t" &&
    one_gives_mib "$gpt" "$t" "GPT onto one sector too few" && gpt_at_end "$t" "GPT onto one sector too few" &&
    judge_moved "$gpt" "$t" 2 ext4 "GPT onto one sector too few"
rm -f "$t"

t=$WORK/t20.img
junk "$t" $((20 * MiB))
refused "$WORK/gpt.lbi" "$t" "GPT onto 20 MiB"
attach loop "$t"
refused "$WORK/gpt.lbi" "$loop" "GPT onto a 20 MiB loop"
refused "$WORK/gpt.lbi" "$loop" "GPT --grow onto a 20 MiB loop" --grow
detach "$loop"
rm -f "$t" "$WORK/gpt.lbi"

# ------------------------------------------------------------------ MBR --
say "--- MBR, 200 MiB, extended partition up to 57 MiB"
mbr=$WORK/mbr.img
new_disk "$mbr" 200M <<'EOF'
label: dos
label-id: 0x5a11e4db
start=2048, size=40960, type=83, bootable
start=43008, size=73728, type=5
start=45056, size=30720, type=83
start=77824, size=38912, type=7
EOF
put_fs "$mbr" 1 ext4 lbprimary
put_fs "$mbr" 5 ext4 lblogical
put_fs "$mbr" 6 ntfs lblogntfs
dd if=/dev/urandom of="$mbr" bs=440 count=1 conv=notrunc status=none
dd if=/dev/urandom of="$mbr" bs=512 seek=1 count=2047 conv=notrunc status=none
need=$(((43008 + 73728) * 512))
lb_ok "MBR: capture" capture --progress none "$mbr" "$WORK/mbr.lbi" || die "cannot capture the MBR disk"

t=$WORK/m80.img
junk "$t" $((80 * MiB))
fits "$mbr" "$WORK/mbr.lbi" "$t" "MBR onto 80 MiB" $((2048 * 512)) ext4 - - - ext4 ntfs
rm -f "$t"

t=$WORK/mexact.img
junk "$t" "$need"
fits "$mbr" "$WORK/mbr.lbi" "$t" "MBR onto exactly $need bytes" $((2048 * 512)) - - - - - ntfs
rm -f "$t"

t=$WORK/m16.img
junk "$t" $((16 * MiB))
refused "$WORK/mbr.lbi" "$t" "MBR onto 16 MiB"
t2=$WORK/mshort.img
junk "$t2" $((need - 512))
lb_ok "MBR onto one sector too few" restore --yes --progress none "$WORK/mbr.lbi" "$t2" &&
    one_gives_mib "$mbr" "$t2" "MBR onto one sector too few" && judge_moved "$mbr" "$t2" 6 ntfs "MBR onto one sector too few"
rm -f "$t" "$t2"

lb_finish
