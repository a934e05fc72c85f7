#!/bin/bash
# Whole-disk images with NTFS (issue 4):
#   1. a GPT disk: ESP (FAT16), ext4, random bytes in a gap, NTFS written with
#      ntfs-3g; random boot code in the protective MBR;
#   2. an MBR disk: a bootable ext4 primary, an extended partition holding two
#      logicals (ext4, NTFS), random bytes in the whole post-MBR gap and boot code.
# Each is captured and restored onto a junk-filled file of the same size and a
# larger junk-filled loop device; judged by the table (sfdisk --json, sgdisk -v,
# the backup GPT at the end), boot code, gaps and EBRs byte for byte, and every
# partition: blkid identity, its checker (e2fsck -fn, fsck.fat -n, ntfsfix -n)
# and the sha256 of every file.
#   usage: disk_ntfs.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init disk-ntfs "${1:-}"
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
disk_init

MiB=$((1 << 20))

# ------------------------------------------------------------------ GPT --
say "--- GPT: ESP, ext4, NTFS"
gpt=$WORK/gpt.img
new_disk "$gpt" 160M <<'EOF'
label: gpt
label-id: 5EED0000-1111-4222-8333-444455556666
start=2048, size=32768, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system", uuid=5EED0001-0000-4000-8000-000000000001
start=34816, size=65536, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root", uuid=5EED0002-0000-4000-8000-000000000002
start=102400, size=98304, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Windows data", uuid=5EED0003-0000-4000-8000-000000000003, attrs="RequiredPartition GUID:63"
EOF
put_fs "$gpt" 1 fat16 LBESP
put_fs "$gpt" 2 ext4 lbroot
put_fs "$gpt" 3 ntfs lbwindows
dd if=/dev/urandom of="$gpt" bs=440 count=1 conv=notrunc status=none             # boot code
dd if=/dev/urandom of="$gpt" bs=512 seek=100352 count=2048 conv=notrunc status=none # the gap before 3
lb_ok "GPT: capture" capture --progress none "$gpt" "$WORK/gpt.lbi" || die "cannot capture the GPT disk"
lb_ok "GPT: info --json" info --json "$WORK/gpt.lbi" && cp "$OUT" "$WORK/gpt.json"
check "GPT: the manifest lists 3 partitions, the 3rd of type Microsoft basic data" \
    [ "$(jq -r '.manifest.disk.partitions | "\(length) \(.[2].type | ascii_downcase)"' "$WORK/gpt.json")" = \
        "3 ebd0a0a2-b9e5-4433-87c0-68b6b72699c7" ]
check "GPT: the NTFS partition's stream is read as ntfs (used blocks only)" \
    [ "$(jq -r '[.manifest.streams[] | select(.partition == 3) | .filesystem.type] | join(",")' "$WORK/gpt.json")" = ntfs ]

judge_gpt() {  # TARGET WHAT
    local t=$1 what=$2
    same_table "$gpt" "$t" "$what"
    gpt_at_end "$t" "$what"
    check "$what: protective MBR boot code identical" same_bytes "$gpt" "$t" 440
    check "$what: the random gap before partition 3 identical" \
        cmp -s -i $((100352 * 512)) -n $((2048 * 512)) "$gpt" "$t"
    judge_part "$gpt" "$t" 1 fat16 "$what"
    judge_part "$gpt" "$t" 2 ext4 "$what"
    judge_part "$gpt" "$t" 3 ntfs "$what"
}

t=$WORK/gpt-same.img
junk "$t" $((160 * MiB))
lb_ok "GPT: restore onto a same-size file" restore --yes --progress none "$WORK/gpt.lbi" "$t" &&
    judge_gpt "$t" "GPT same size"
rm -f "$t"

t=$WORK/gpt-big.img
junk "$t" $((224 * MiB))
attach loop "$t"
if lb_ok "GPT: restore onto a larger loop device" restore --yes --progress none "$WORK/gpt.lbi" "$loop"; then
    judge_gpt "$loop" "GPT larger"
    check "GPT larger: partition 3 keeps its size (no --grow)" [ "$(part_size "$loop" 3)" = 98304 ]
fi
detach "$loop"
rm -f "$t" "$WORK/gpt.lbi"

# ------------------------------------------------------------------ MBR --
say "--- MBR: bootable ext4, extended with logical ext4 and NTFS"
mbr=$WORK/mbr.img
new_disk "$mbr" 128M <<'EOF'
label: dos
label-id: 0x5eed1234
start=2048, size=49152, type=83, bootable
start=51200, type=5
start=53248, size=65536, type=83
start=120832, size=81920, type=7
EOF
check "MBR source: sfdisk made partitions 1, 2, 5 and 6" \
    [ "$(sfdisk --json "$mbr" | jq -r '[.partitiontable.partitions[].node | capture("(?<n>[0-9]+)$").n] | join(" ")')" = "1 2 5 6" ]
put_fs "$mbr" 1 ext4 lbprimary
put_fs "$mbr" 5 ext4 lblogical
put_fs "$mbr" 6 ntfs lblogntfs
dd if=/dev/urandom of="$mbr" bs=440 count=1 conv=notrunc status=none
dd if=/dev/urandom of="$mbr" bs=512 seek=1 count=2047 conv=notrunc status=none
ext_start=51200
ebr2=$(($(part_start "$mbr" 5) + $(part_size "$mbr" 5)))  # the second EBR's area: after logical 5
lb_ok "MBR: capture" capture --progress none "$mbr" "$WORK/mbr.lbi" || die "cannot capture the MBR disk"
lb_ok "MBR: info --json" info --json "$WORK/mbr.lbi" && cp "$OUT" "$WORK/mbr.json"
check "MBR: the manifest has the signature and partitions 1, 2 (extended), 5, 6 (logical)" \
    [ "$(jq -r '.manifest.disk | "\(.disk_id) " + ([.partitions[] | "\(.number):\(.kind)"] | join(" "))' "$WORK/mbr.json")" \
        = "0x5eed1234 1:primary 2:extended 5:logical 6:logical" ]

judge_mbr() {  # TARGET WHAT
    local t=$1 what=$2
    same_table "$mbr" "$t" "$what"
    check "$what: sector 0 and the whole post-MBR gap identical" same_bytes "$mbr" "$t" $((2048 * 512))
    check "$what: the first EBR and what follows it up to logical 5 identical" \
        cmp -s -i $((ext_start * 512)) -n $(((53248 - ext_start) * 512)) "$mbr" "$t"
    check "$what: the second EBR and what follows it up to logical 6 identical" \
        cmp -s -i $((ebr2 * 512)) -n $(((120832 - ebr2) * 512)) "$mbr" "$t"
    judge_part "$mbr" "$t" 1 ext4 "$what"
    judge_part "$mbr" "$t" 5 ext4 "$what"
    judge_part "$mbr" "$t" 6 ntfs "$what"
}

t=$WORK/mbr-same.img
junk "$t" $((128 * MiB))
lb_ok "MBR: restore onto a same-size file" restore --yes --progress none "$WORK/mbr.lbi" "$t" &&
    judge_mbr "$t" "MBR same size"
rm -f "$t"

t=$WORK/mbr-big.img
junk "$t" $((192 * MiB))
attach loop "$t"
lb_ok "MBR: restore onto a larger loop device" restore --yes --progress none "$WORK/mbr.lbi" "$loop" &&
    judge_mbr "$loop" "MBR larger"
detach "$loop"
rm -f "$t"

lb_finish
