#!/bin/bash
# The wizard on the rescue system itself, over the serial console (TERM=vt100,
# the initramfs's own terminfo-less environment, the kernel's partition nodes
# and busybox init): boot the ISO's kernel and initramfs with a store disk
# (whole-disk ext4, label STORE, a whole-disk image in lifeboat/ captured on
# the host) and a blank, larger target disk. Keys typed on the serial port:
# 1 (Restore) -> the image found by itself -> its contents -> the suggested
# disk (the blank one) -> the plan -> its name typed -> the result; then
# Power off from the result screen, and the guest must switch itself off
# through busybox init (which ends every process and unmounts first).
# On the host: the target has the source's table and every partition passes
# its checker with the source's identity and files.
#   usage: wizard.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-wizard "${1:-}"
source "$LB_LIB_DIR/disk.sh"
disk_init
limit=${BOOT_LIMIT:-300}

iso_kernel

src=$WORK/source.img store=$WORK/store.img target=$WORK/target.img
esp_root_disk "$src" 128M 131072
mkdir -p "$WORK/storefs/lifeboat"
lb_ok "capture the source on the host" capture --progress none --note "boot wizard test" "$src" \
    "$WORK/storefs/lifeboat/pc.lbi"
rm -f "$store" && truncate -s 128M "$store"
mke2fs -q -F -t ext4 -L STORE -d "$WORK/storefs" "$store" || die "mke2fs store"
truncate -s 160M "$target"

start_qemu wizard -machine q35 -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" \
    -append "console=ttyS0,115200n8 quiet" \
    -drive "if=virtio,format=raw,file=$store" -drive "if=virtio,format=raw,file=$target"
wait_for 'Lifeboat [0-9][^ ]* ready' "$limit" || { stop_qemu; lb_finish; }
wait_screen 'Restore a system image' "its start screen on the serial console" 60 &&
    key 1 &&
    wait_screen 'pc\.lbi' "the image found on the store disk by itself" 120 &&
    wait_screen 'boot wizard test' "the image's note" 5 &&
    key $'\r' &&
    wait_screen 'what pc\.lbi holds' "the image's contents" 60 &&
    key $'\r' &&
    wait_screen 'Suggested: vdb\.' "the blank disk suggested" 60 &&
    key $'\r' &&
    wait_screen 'the plan for vdb' "the plan" 60 &&
    key $'\r' &&
    wait_screen "type the disk's name: vdb" "the confirmation" 60 &&
    key $'vdb\r' &&
    wait_screen 'vdb now holds the system from' "the restore finished" 180 &&
    key $'\t\t\r' &&  # Back -> Reboot -> Power off
    wait_for_exit 120
# Through busybox init (its shutdown: every process ended, umount -a -r), not
# reboot(2) from the wizard.
expect 'Requesting system poweroff' "the power-off went through init"
stop_qemu

# The restore, judged on the host.
same_table "$src" "$target" "the target's table"
gpt_at_end "$target" "the target"
judge_part "$src" "$target" 1 fat32 "the target"
judge_part "$src" "$target" 2 ext4 "the target"
lb_finish
