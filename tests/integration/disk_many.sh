#!/bin/bash
# Whole-disk images with many and with one partition (issue 4: "1 to 8
# partitions"):
#   1. a GPT disk with 8 partitions: BIOS boot (random bytes), FAT16, ext4,
#      swap, NTFS, random bytes in a gap, a partition of random bytes with no
#      filesystem, ext2, ext4;
#   2. a GPT disk with 1 ext4 partition filling it;
#   3. an MBR disk with 1 FAT32 partition filling it.
# Each is restored onto a junk-filled same-size file and a larger loop device,
# and every partition is judged: blkid identity, its checker, the sha256 of
# every file (raw partitions and gaps byte for byte); the table by sfdisk
# --json, sgdisk -v and the backup GPT on the target's last sector.
#   usage: disk_many.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init disk-many "${1:-}"
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
disk_init

MiB=$((1 << 20))
LINUX=0FC63DAF-8483-4772-8E79-3D69D8477DE4
MSDATA=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7

# roundtrip NAME SIZE-MiB BIGGER-MiB LABEL KIND...: captures $WORK/NAME.img and
# restores it onto a same-size file and a bigger loop device; KIND of
# partition 1, 2, ... as put_fs knows them. Extra checks: the function
# extra_NAME TARGET WHAT, when defined.
roundtrip() {
    local name=$1 size=$2 bigger=$3 label=$4 src=$WORK/$1.img img=$WORK/$1.lbi t loop n kinds
    shift 4
    kinds=("$@")
    lb_ok "$name: capture" capture --progress none "$src" "$img" || { bad "$name: no image, no restore"; return; }
    lb_ok "$name: info --json" info --json "$img"
    check "$name: the manifest lists ${#kinds[@]} partition(s) of label $label" \
        [ "$(jq -r '.manifest.disk | "\(.label) \(.partitions | length)"' "$OUT")" = "$label ${#kinds[@]}" ]
    lb_ok "$name: --dry-run" restore --dry-run "$img" "$WORK/none.img"
    check "$name: --dry-run plans every partition and creates nothing" \
        eval '[ "$(grep -c "^  partition [0-9]" "$OUT")" -eq ${#kinds[@]} ] && [ ! -e "$WORK/none.img" ]'

    judge() {  # TARGET WHAT
        same_table "$src" "$1" "$2"
        [ "$label" = gpt ] && gpt_at_end "$1" "$2"
        check "$2: boot code (first 440 bytes) identical" same_bytes "$src" "$1" 440
        for ((n = 1; n <= ${#kinds[@]}; n++)); do judge_part "$src" "$1" "$n" "${kinds[n - 1]}" "$2"; done
        if declare -F "extra_$name" >/dev/null; then "extra_$name" "$1" "$2"; fi
    }
    t=$WORK/$name-same.img
    junk "$t" $((size * MiB))
    lb_ok "$name: restore onto a same-size file" restore --yes --progress none "$img" "$t" && judge "$t" "$name same size"
    rm -f "$t"
    t=$WORK/$name-big.img
    junk "$t" $((bigger * MiB))
    attach loop "$t"
    lb_ok "$name: restore onto a larger loop device" restore --yes --progress none "$img" "$loop" &&
        judge "$loop" "$name larger"
    detach "$loop"
    rm -f "$t" "$img"
}

# ------------------------------------------------------- 8 partitions --
say "--- GPT with 8 partitions"
new_disk "$WORK/eight.img" 128M <<EOF
label: gpt
label-id: 8888AAAA-0000-4000-8000-000000000000
start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name="bios"
start=4096, size=32768, type=$MSDATA, name="fat16"
start=36864, size=40960, type=$LINUX, name="ext4 a"
start=77824, size=16384, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name="swap"
start=94208, size=40960, type=$MSDATA, name="ntfs"
start=137216, size=8192, type=$LINUX, name="no filesystem"
start=145408, size=24576, type=$LINUX, name="ext2"
start=169984, size=32768, type=$LINUX, name="ext4 b", uuid=8888BBBB-0000-4000-8000-000000000008
EOF
check "8-partition source: sfdisk made 8 partitions" [ "$(sfdisk --json "$WORK/eight.img" | jq '.partitiontable.partitions | length')" = 8 ]
kinds8=(raw fat16 ext4 swap ntfs raw ext2 ext4)
for ((n = 1; n <= 8; n++)); do
    [ "${kinds8[n - 1]}" = raw ] || put_fs "$WORK/eight.img" "$n" "${kinds8[n - 1]}" "lbpart$n"
done
put_fs "$WORK/eight.img" 1 raw -
put_fs "$WORK/eight.img" 6 raw -
dd if=/dev/urandom of="$WORK/eight.img" bs=512 seek=135168 count=2048 conv=notrunc status=none  # gap before 6
dd if=/dev/urandom of="$WORK/eight.img" bs=440 count=1 conv=notrunc status=none
extra_eight() {  # the random gap between partitions 5 and 6
    check "$2: the random gap before partition 6 identical" \
        cmp -s -i $((135168 * 512)) -n $((2048 * 512)) "$WORK/eight.img" "$1"
}
roundtrip eight 128 160 gpt "${kinds8[@]}"
rm -f "$WORK/eight.img"

# ------------------------------------------------------- 1 partition --
say "--- GPT with 1 partition, up to the last usable sector"
new_disk "$WORK/onegpt.img" 64M <<EOF
label: gpt
start=2048, size=$((64 * 2048 - 34 - 2048 + 1)), type=$LINUX, name="everything"
EOF
put_fs "$WORK/onegpt.img" 1 ext4 lbonly
check "1-partition GPT source: the partition ends at the last usable sector" \
    [ $(($(part_start "$WORK/onegpt.img" 1) + $(part_size "$WORK/onegpt.img" 1))) = $((64 * 2048 - 33)) ]
roundtrip onegpt 64 96 gpt ext4
rm -f "$WORK/onegpt.img"

say "--- MBR with 1 partition"
new_disk "$WORK/onembr.img" 64M <<EOF
label: dos
label-id: 0x00c0ffee
start=2048, type=c, bootable
EOF
put_fs "$WORK/onembr.img" 1 fat32 LBONE
dd if=/dev/urandom of="$WORK/onembr.img" bs=440 count=1 conv=notrunc status=none
roundtrip onembr 64 96 msdos fat32
rm -f "$WORK/onembr.img"

lb_finish
