#!/bin/bash
# restore --grow (issue 4): the last partition and its filesystem fill a
# larger target.
#   1. GPT with NTFS last: onto a larger loop device and a larger file; the
#      partition ends at the new last usable sector, ntfsresize --info shows a
#      volume as large as the partition (to within a cluster), ntfsfix -n is
#      clean, its blkid identity and every file are kept; the ext4 before it
#      untouched; sgdisk -v clean with the backup GPT on the last sector;
#   2. MBR with ext4 last (a primary after an NTFS one): the partition ends on
#      the last sector, e2fsck -fn is clean, the block count fills the
#      partition, every file is kept; boot code, signature and post-MBR gap kept;
#   3. MBR whose last partition is a logical one (the extended partition
#      ending after it): both grow to the last sector, ext4 fills partition 5,
#      the table stays valid and every partition and file is intact;
#   4. GPT with swap last: its header page becomes the one mkswap writes for
#      the grown partition, with the same UUID and label;
#   5. a resize2fs that fails: exit 15 (restored, not grown), the reason and
#      the disk's condition said, the ext4 whole at its old size.
#   6. GPT with btrfs, then XFS last: xfs_growfs (the XFS mounted for it)
#      grows the XFS to the partition's end, xfs_repair -n clean, identity and
#      files kept; the btrfs before it untouched;
#   7. GPT with ext4, then btrfs last: btrfs filesystem resize max (mounted)
#      makes the device as large as the partition, btrfs check clean.
# Also: without --grow, the plan onto a larger disk says how much stays in no
# partition and names --grow; with it, or onto a disk of the source's size, not.
#   usage: disk_grow.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init disk-grow "${1:-}"
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
disk_init
need_tools ntfsresize resize2fs dumpe2fs mkswap

MiB=$((1 << 20))

# table_but N DISK: sfdisk --json without size fields and partition N's size.
table_but() {
    table_json "$2" | jq --arg n "$1" '.partitiontable.partitions |= (to_entries | map(if .key == (($n | tonumber) - 1) then .value | del(.size) else .value end))'
}

# ntfs_fills DISK N WHAT: the NTFS in partition N is as large as the partition.
ntfs_fills() {
    local disk=$1 n=$2 what=$3 p vol dev
    part_loop p "$disk" "$n"
    ntfsresize --info --force --no-progress-bar "$p" >"$WORK/ntfsresize.out" 2>&1
    vol=$(sed -n 's/^Current volume size: \([0-9]*\) bytes.*/\1/p' "$WORK/ntfsresize.out")
    dev=$(($(part_size "$disk" "$n") * SECTOR))
    if [ -n "$vol" ] && [ "$((dev - vol))" -ge 0 ] && [ "$((dev - vol))" -le 4096 ]; then
        ok "$what: ntfsresize --info: the volume is $vol bytes, the partition $dev"
    else
        bad "$what: ntfsresize --info: volume '${vol}' bytes, partition $dev bytes:"
        sed 's/^/     | /' "$WORK/ntfsresize.out" | head -n 12
    fi
    detach "$p"
}

# grown SRC MIB WHAT: captures SRC and restores it with --grow onto a
# junk-filled file of MIB MiB, $t; fails when the restore does.
grown() {
    local src=$1 mib=$2 what=$3 rc=0
    lb_ok "$what: capture" capture --progress none "$src" "$WORK/grow.lbi" || die "cannot capture $src"
    t=${src%.img}-big.img
    junk "$t" $((mib * MiB))
    lb_ok "$what: restore --grow onto a larger file" restore --yes --grow --progress none "$WORK/grow.lbi" "$t" || rc=1
    rm -f "$WORK/grow.lbi"
    return $rc
}

# ------------------------------------------------------- GPT, NTFS last --
say "--- GPT: ext4, then NTFS last"
gpt=$WORK/gpt.img
new_disk "$gpt" 128M <<'EOF'
label: gpt
start=2048, size=65536, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="linux"
start=67584, size=98304, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="windows"
EOF
put_fs "$gpt" 1 ext4 lblinux
put_fs "$gpt" 2 ntfs lbwindows
dd if=/dev/urandom of="$gpt" bs=440 count=1 conv=notrunc status=none
lb_ok "GPT: capture" capture --progress none "$gpt" "$WORK/gpt.lbi" || die "cannot capture the GPT disk"

judge_gpt_grow() {  # TARGET WHAT
    local t=$1 what=$2
    err_has "$what: the restore says NTFS now fills partition 2" 'partition 2 \(ntfs\).* now fill'
    ends_last "$t" 2 "$what"
    check "$what: the table is the source's but for partition 2's size" diff <(table_but 2 "$gpt") <(table_but 2 "$t")
    gpt_at_end "$t" "$what"
    check "$what: boot code identical" same_bytes "$gpt" "$t" 440
    ntfs_fills "$t" 2 "$what: partition 2"
    judge_part "$gpt" "$t" 2 ntfs "$what"
    judge_part "$gpt" "$t" 1 ext4 "$what"
    check "$what: partition 1 keeps its size" [ "$(part_size "$t" 1)" = 65536 ]
}

t=$WORK/gpt-big.img
junk "$t" $((192 * MiB))
# Without --grow the plan says what stays unused and which option uses it.
lb_ok "GPT: restore --dry-run onto a larger file" restore --dry-run "$WORK/gpt.lbi" "$t" &&
    check "GPT, no --grow: the plan says what stays in no partition and names --grow" \
        grep -qx "Note    $t is 64\.0 MiB larger than the source disk; the 111\.0 MiB after partition 2 stay in no partition (--grow lets partition 2 fill them)" "$OUT"
lb_ok "GPT: restore --dry-run --grow onto a larger file" restore --dry-run --grow "$WORK/gpt.lbi" "$t" && {
    check "GPT, --grow: the plan says partition 2 grows by 111.0 MiB (the source's free end too), no other note" \
        eval 'grep -qx "Note    partition 2 grows by 111\.0 MiB to the end of the disk" "$OUT" && ! grep -q "no partition" "$OUT"'
    check "GPT, --grow: the plan's table is written for the target's size, not the source's" \
        grep -q "^Table   gpt .*, 2 partitions, written for this target's 192\.0 MiB (the source disk had 128\.0 MiB)$" "$OUT"
}
junk "$WORK/same.img" $((128 * MiB))
lb_ok "GPT: restore --dry-run onto a file of the source's size" restore --dry-run "$WORK/gpt.lbi" "$WORK/same.img" &&
    check "GPT, same size (47 MiB free at its end, as on the source): no note" eval '! grep -q "^Note" "$OUT"' &&
    check "GPT, same size: the plan's table is as on the source disk" \
        grep -q "^Table   gpt .*, 2 partitions, as on the source disk (128\.0 MiB)$" "$OUT"
rm -f "$WORK/same.img"
attach loop "$t"
lb_ok "GPT: restore --grow onto a larger loop device" restore --yes --grow --progress none "$WORK/gpt.lbi" "$loop" &&
    judge_gpt_grow "$loop" "GPT --grow, loop"
detach "$loop"
rm -f "$t"
t=$WORK/gpt-big2.img
junk "$t" $((160 * MiB + 7 * 512))   # not a whole number of clusters or MiB
lb_ok "GPT: restore --grow onto a larger file" restore --yes --grow --progress none "$WORK/gpt.lbi" "$t" &&
    judge_gpt_grow "$t" "GPT --grow, file"
check "GPT --grow, file: the file keeps its size" [ "$(fsize "$t")" = $((160 * MiB + 7 * 512)) ]
rm -f "$t" "$WORK/gpt.lbi"

# ------------------------------------------------------- MBR, ext4 last --
say "--- MBR: NTFS, then ext4 last"
mbr=$WORK/mbr.img
new_disk "$mbr" 96M <<'EOF'
label: dos
label-id: 0x96096096
start=2048, size=65536, type=7, bootable
start=67584, size=81920, type=83
EOF
put_fs "$mbr" 1 ntfs lbwin
put_fs "$mbr" 2 ext4 lbroot
dd if=/dev/urandom of="$mbr" bs=440 count=1 conv=notrunc status=none
dd if=/dev/urandom of="$mbr" bs=512 seek=1 count=2047 conv=notrunc status=none
if grown "$mbr" 160 "MBR"; then
    what="MBR --grow"
    err_has "$what: the restore says ext4 now fills partition 2" 'partition 2 \(ext4\).* now fill'
    check "$what: partition 2 ends on the last sector" \
        [ $(($(part_start "$t" 2) + $(part_size "$t" 2))) = $((160 * 2048)) ]
    check "$what: the table (signature, types, boot flag) is the source's but for partition 2's size" \
        diff <(table_but 2 "$mbr") <(table_but 2 "$t")
    check "$what: boot code and post-MBR gap identical" \
        eval 'same_bytes "$mbr" "$t" 440 && cmp -s -i 512 -n $((2047 * 512)) "$mbr" "$t"'
    ext_fills "$t" 2 "$what: partition 2"
    judge_part "$mbr" "$t" 2 ext4 "$what"
    judge_part "$mbr" "$t" 1 ntfs "$what"
fi
rm -f "$t"

# --------------------------------------- a filesystem tool that fails --
# The restore is whole, but what --grow asked for was not done: exit 15, the
# reason and the disk's condition said; the partition grew, its ext4 keeps its
# old size and is whole. resize2fs is made to fail by one on PATH that exits 1.
say "--- MBR --grow with a resize2fs that fails"
mkdir -p "$WORK/failing"
printf '#!/bin/sh\necho "resize2fs: cannot (a test)" >&2\nexit 1\n' >"$WORK/failing/resize2fs"
chmod +x "$WORK/failing/resize2fs"
lb_ok "failing resize2fs: capture" capture --progress none "$mbr" "$WORK/grow.lbi" || die "cannot capture $mbr"
t=$WORK/mbr-failing.img
junk "$t" $((160 * MiB))
PATH=$WORK/failing:$PATH lb_expect 15 "failing resize2fs: restore --grow exits 15" \
    restore --yes --grow --progress none "$WORK/grow.lbi" "$t"
what="failing resize2fs"
err_has "$what: the error names the filesystem and the tool" \
    'the filesystem of partition 2 \(ext4\) was not grown: resize2fs exited with 1'
err_has "$what: it says what the disk holds" \
    "holds the whole image and its partition table; partition 2 fills the disk, its filesystem keeps the size it had"
err_has "$what: it says the disk can be used" 'the disk can be used as it is'
check "$what: partition 2 ends on the last sector" [ $(($(part_start "$t" 2) + $(part_size "$t" 2))) = $((160 * 2048)) ]
blocks() { dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Block count: *//p'; }
part_loop p "$t" 2
part_loop q "$mbr" 2
check "$what: the ext4 keeps its size in the image ($(blocks "$q") blocks)" [ "$(blocks "$p")" = "$(blocks "$q")" ]
detach "$q"
detach "$p"
judge_part "$mbr" "$t" 2 ext4 "$what"
judge_part "$mbr" "$t" 1 ntfs "$what"
rm -f "$t" "$WORK/grow.lbi"

# -------------------------------------------------- MBR, a logical last --
say "--- MBR: a logical partition last"
new_disk "$mbr" 96M <<'EOF'
label: dos
start=2048, size=32768, type=83
start=34816, size=114688, type=5
start=36864, size=98304, type=83
EOF
put_fs "$mbr" 1 ext4 lbprim
put_fs "$mbr" 5 ext4 lblogical
if grown "$mbr" 128 "MBR with a logical last"; then
    what="MBR logical --grow"
    say "     (partition 5 now has $(part_size "$t" 5) sectors, the extended $(part_size "$t" 2); the source: 98304, 114688)"
    check "$what: sfdisk --verify finds no problem" quiet sfdisk --verify "$t"
    check "$what: logical 5 lies inside the extended partition" \
        [ $(($(part_start "$t" 5) + $(part_size "$t" 5))) -le $(($(part_start "$t" 2) + $(part_size "$t" 2))) ]
    end2=$(($(part_start "$t" 2) + $(part_size "$t" 2))) end5=$(($(part_start "$t" 5) + $(part_size "$t" 5)))
    check "$what: the extended and the logical partition both grew to the last sector" \
        [ "$end2/$end5" = $((128 * 2048))/$((128 * 2048)) ]
    err_has "$what: the restore says ext4 now fills partition 5" 'partition 5 \(ext4\).* now fill'
    check "$what: partition 1 keeps its size" [ "$(part_size "$t" 1)" = 32768 ]
    ext_fills "$t" 5 "$what: partition 5"
    judge_part "$mbr" "$t" 1 ext4 "$what"
    judge_part "$mbr" "$t" 5 ext4 "$what"
fi
rm -f "$t"

# ------------------------------------------------------- GPT, swap last --
say "--- GPT: ext4, then swap last"
sw=$WORK/swap.img
new_disk "$sw" 64M <<'EOF'
label: gpt
start=2048, size=65536, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="linux"
start=67584, size=40960, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name="swap"
EOF
put_fs "$sw" 1 ext4 lbroot
put_fs "$sw" 2 swap lbswap
if grown "$sw" 100 "GPT with swap last"; then
    what="GPT swap --grow"
    err_has "$what: the restore says swap now fills partition 2" 'partition 2 \(swap\) and its swap area now fill'
    gpt_at_end "$t" "$what"
    judge_part "$sw" "$t" 1 ext4 "$what"
    # The header page is the one mkswap writes for the grown size, with the source's UUID and label.
    bytes=$(($(part_size "$t" 2) * SECTOR))
    part_loop s "$sw" 2
    part_loop p "$t" 2
    check "$what: blkid -p identity $(ident "$s") kept" [ "$(ident "$s")" = "$(ident "$p")" ]
    truncate -s "$bytes" "$WORK/mkswap.img"
    mkswap -q -U "$(blkid -p -o value -s UUID "$s")" -L lbswap "$WORK/mkswap.img" >/dev/null
    check "$what: the header page is mkswap's for $bytes bytes" same_bytes "$p" "$WORK/mkswap.img" 4096
    detach "$p"
    detach "$s"
fi
rm -f "$t" "$WORK/mkswap.img"

# -------------------------------------- GPT, XFS last; GPT, btrfs last --
# fs_bytes KIND DEV: the size the filesystem on DEV says it has.
fs_bytes() {
    case $1 in
    xfs) xfs_db -r -c 'sb 0' -c 'p dblocks blocksize' "$2" | awk '{v[$1] = $3} END {print v["dblocks"] * v["blocksize"]}' ;;
    btrfs) btrfs inspect-internal dump-super "$2" | awk '$1 == "dev_item.total_bytes" {print $2}' ;;
    esac
}
# fills KIND DISK N SLACK WHAT: the filesystem in partition N is as large as the partition, to within SLACK bytes.
fills() {
    local kind=$1 disk=$2 n=$3 slack=$4 what=$5 p have want
    part_loop p "$disk" "$n"
    have=$(fs_bytes "$kind" "$p") want=$(($(part_size "$disk" "$n") * SECTOR))
    check "$what: the $kind (${have:-no} bytes) fills partition $n ($want bytes, to within $slack)" \
        eval '[ -n "$have" ] && [ "$have" -le "$want" ] && [ $((want - ${have:-0})) -le "$slack" ]'
    detach "$p"
}
need_tools mkfs.xfs xfs_repair xfs_db mkfs.btrfs btrfs

say "--- GPT: btrfs, then XFS last"
xg=$WORK/xfs.img
new_disk "$xg" 480M <<'EOF'
label: gpt
start=2048, size=262144, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="btrfs"
start=264192, size=655360, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="xfs"
EOF
put_fs "$xg" 1 btrfs lbbtrfs
put_fs "$xg" 2 xfs lbxfs
if grown "$xg" 700 "GPT with XFS last"; then
    what="GPT XFS --grow"
    err_has "$what: the restore says the XFS now fills the disk" 'partition 2 \(xfs\) and its filesystem now fill the disk'
    gpt_at_end "$t" "$what"
    fills xfs "$t" 2 $((1 * MiB)) "$what"  # xfs_growfs leaves out a tail too small for an AG (64 blocks)
    judge_part "$xg" "$t" 1 btrfs "$what"
    judge_part "$xg" "$t" 2 xfs "$what"
fi
rm -f "$t" "$xg"

say "--- GPT: ext4, then btrfs last"
bg=$WORK/btrfs.img
new_disk "$bg" 200M <<'EOF'
label: gpt
start=2048, size=65536, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="linux"
start=67584, size=262144, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="btrfs"
EOF
put_fs "$bg" 1 ext4 lbroot
put_fs "$bg" 2 btrfs lbbtrfs
if grown "$bg" 300 "GPT with btrfs last"; then
    what="GPT btrfs --grow"
    err_has "$what: the restore says the btrfs now fills the disk" 'partition 2 \(btrfs\) and its filesystem now fill the disk'
    gpt_at_end "$t" "$what"
    fills btrfs "$t" 2 4095 "$what"
    judge_part "$bg" "$t" 1 ext4 "$what"
    judge_part "$bg" "$t" 2 btrfs "$what"
fi
rm -f "$t" "$bg"

lb_finish
