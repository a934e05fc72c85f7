#!/bin/bash
# A USB stick plugged in after boot gets its driver: the machine boots with a
# USB controller and nothing on it, so no USB storage driver is loaded; once
# the ready line is out, a USB stick is plugged in through QEMU's monitor and
# init's hotplug helper must load usb-storage and the disk driver, so the
# kernel attaches the disk.
#   usage: hotplug.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-hotplug "${1:-}"
limit=${BOOT_LIMIT:-300}

iso_kernel
truncate -s 64M "$WORK/stick.img"
mkfs.vfat -n STICK "$WORK/stick.img" >/dev/null || die "mkfs.vfat"

monitor=$WORK/monitor.sock
start_qemu hotplug -machine q35 -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" \
    -append "console=ttyS0,115200n8 lifeboat.wait=1" -device qemu-xhci,id=xhci \
    -drive "if=none,id=stick,format=raw,file=$WORK/stick.img" -monitor "unix:$monitor,server,nowait"
if wait_for 'Lifeboat [0-9][^ ]* ready' "$limit"; then
    check "no USB disk before the stick is plugged in" eval '! serial_has "Attached SCSI (removable )?disk"'
    unix_send "$monitor" $'device_add usb-storage,bus=xhci.0,drive=stick,id=plugged\n' ||
        bad "QEMU's monitor did not take device_add"
    wait_for 'sd [0-9:]+: \[sd[a-z]\] Attached SCSI (removable )?disk' 120 &&
        ok "the plugged-in stick got its drivers and is a disk"
fi
stop_qemu
lb_finish
