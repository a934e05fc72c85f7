#!/bin/bash
# End to end through the unattended mode, with the ISO's own kernel and
# initramfs: boot with a source disk (GPT: ESP, ext4 with real files, swap)
# and a store disk, capture onto the store; boot again with a blank larger
# disk and the store, restore; then judge on the host: the same table, every
# partition checked and every file's checksum equal. The restore also shows
# the kernel re-reading the new table (the partitions it then sees). Last,
# restore --grow onto a larger disk: e2fsck and resize2fs, carried by the
# initramfs, grow the ext4 that is last into its grown partition. And the
# first image onto a disk of 60% (issue 21): resize2fs shrinks the ext4, whose
# files lie at its end, through lifeboat's FUSE view in the rescue system's
# kernel; the swap after it moves.
#   usage: unattended.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-unattended "${1:-}"
source "$LB_LIB_DIR/disk.sh"
disk_init
limit=${BOOT_LIMIT:-600}

iso_kernel

src=$WORK/source.img store=$WORK/store.img target=$WORK/target.img
new_disk "$src" 200M <<'SFDISK'
label: gpt
label-id: 2B1D3A7C-5E0F-4A6B-9C8D-7E6F5A4B3C2D
start=2048, size=81920, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"
start=86016, size=266240, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
start=354304, size=32768, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name="swap"
SFDISK
put_fs "$src" 1 fat32 ESP
put_fs "$src" 2 ext4 root
put_fs "$src" 3 swap swap
push_high "$src" 2 ext4
truncate -s 300M "$target"
truncate -s 512M "$store"
mke2fs -q -F -t ext4 -L STORE "$store" || die "mke2fs store"

append="console=ttyS0,115200n8 quiet lifeboat.yes=1 lifeboat.after=poweroff"
guest() {  # NAME DISK APPEND: vda = DISK, vdb = the store
    start_qemu "$1" -machine q35 -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" -append "$append $3" \
        -drive "if=virtio,format=raw,file=$2" -drive "if=virtio,format=raw,file=$store"
}

say "--- capture: /dev/vda onto LABEL=STORE:machines/pc1.lbi"
guest capture "$src" "lifeboat.action=capture lifeboat.source=/dev/vda lifeboat.image=LABEL=STORE:machines/pc1.lbi"
wait_for 'lifeboat: done capture rc=[0-9]+' "$limit" && say "capture: power-on to done $elapsed s"
expect 'lifeboat: done capture rc=0$' "capture exits 0"
wait_for_exit 60
debugfs -R "dump /machines/pc1.lbi $WORK/pc1.lbi" "$store" >/dev/null 2>&1
check "the image is on the store, in the folder it made" test -s "$WORK/pc1.lbi"
lb verify --progress none "$WORK/pc1.lbi"
check "the host's lifeboat verifies it" [ "$RC" -eq 0 ]
rm -f "$WORK/pc1.lbi"

say "--- restore without lifeboat.yes=1: it asks on the console; a wrong answer stops it"
blank=$(sha "$target")
append=${append/lifeboat.yes=1 /}
guest ask "$target" "lifeboat.action=restore lifeboat.target=/dev/vda lifeboat.image=LABEL=STORE:machines/pc1.lbi"
if wait_for 'Type /dev/vda to go ahead' "$limit"; then
    serial_send /dev/vdb
    wait_for 'lifeboat: done restore rc=[0-9]+' 120
    expect 'lifeboat: done restore rc=6$' "a wrong answer cancels (exit code 6)"
fi
wait_for_exit 60
unchanged_after "$blank" "$target" "cancelled restore"
append="$append lifeboat.yes=1"

say "--- restore: LABEL=STORE:machines/pc1.lbi onto a blank 300 MiB /dev/vda"
guest restore "$target" "lifeboat.action=restore lifeboat.target=/dev/vda lifeboat.image=LABEL=STORE:machines/pc1.lbi"
wait_for 'lifeboat: done restore rc=[0-9]+' "$limit" && say "restore: power-on to done $elapsed s"
expect 'lifeboat: done restore rc=0$' "restore exits 0"
expect 'lifeboat: the kernel sees vda vda1 vda2 vda3 $' "the kernel re-read the new table: vda1, vda2, vda3"
wait_for_exit 60

same_table "$src" "$target" "restored disk"
gpt_at_end "$target" "restored disk"
judge_part "$src" "$target" 1 fat32 "restored disk"
judge_moved "$src" "$target" 2 ext4 "restored disk"  # (its files: the source's, /high too)
judge_part "$src" "$target" 3 swap "restored disk"

# --grow runs e2fsck and resize2fs, which the initramfs carries: an image of a
# disk with ext4 last (captured here on the host, put on the store) onto a
# blank disk more than twice as large.
say "--- restore --grow: an ESP and ext4 last onto a blank 300 MiB /dev/vda"
src2=$WORK/source2.img target2=$WORK/target2.img
esp_root_disk "$src2" 120M 155648
lb_ok "capture the ext4-last disk on the host" capture --progress none "$src2" "$WORK/pc2.lbi" || die "capture pc2"
mkdir -p "$WORK/store"
mount -o loop "$store" "$WORK/store" || die "mount the store"
cp "$WORK/pc2.lbi" "$WORK/store/machines/pc2.lbi"
umount "$WORK/store" || die "umount the store"
rm -f "$WORK/pc2.lbi"
truncate -s 300M "$target2"
guest grow "$target2" "lifeboat.action=restore lifeboat.grow=1 lifeboat.target=/dev/vda lifeboat.image=LABEL=STORE:machines/pc2.lbi"
wait_for 'lifeboat: done restore rc=[0-9]+' "$limit" && say "restore --grow: power-on to done $elapsed s"
expect 'lifeboat: done restore rc=0$' "restore --grow exits 0"
expect 'partition 2 \(ext4\) and its filesystem now fill the disk' "the restore says ext4 now fills partition 2"
wait_for_exit 60
ends_last "$target2" 2 "grown disk"
gpt_at_end "$target2" "grown disk"
ext_fills "$target2" 2 "grown disk: partition 2"
judge_part "$src2" "$target2" 1 fat32 "grown disk"
judge_part "$src2" "$target2" 2 ext4 "grown disk"

say "--- restore onto a smaller disk: pc1.lbi (200 MiB) onto a blank 120 MiB /dev/vda"
target3=$WORK/target3.img
truncate -s 120M "$target3"
guest shrink "$target3" "lifeboat.action=restore lifeboat.target=/dev/vda lifeboat.image=LABEL=STORE:machines/pc1.lbi"
wait_for 'lifeboat: done restore rc=[0-9]+' "$limit" && say "restore onto a smaller disk: power-on to done $elapsed s"
expect 'lifeboat: done restore rc=0$' "restore onto a smaller disk exits 0"
expect 'partition 2 \(ext4\): shrunk by resize2fs' "resize2fs shrank the ext4 in the rescue system"
wait_for_exit 60
sgdisk_clean "$target3" "shrunk disk"
same_entries "$src" "$target3" "shrunk disk"
judge_part "$src" "$target3" 1 fat32 "shrunk disk"
judge_moved "$src" "$target3" 2 ext4 "shrunk disk"
swap_fits "$target3" 3 "shrunk disk"
lb_finish
