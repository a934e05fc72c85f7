#!/bin/bash
# An unattended capture to an NFS export from the rescue system booted in QEMU
# (the ISO's kernel and initramfs): nfs-ganesha and rpcbind run here, in
# network and mount namespaces of the test's own (servers.sh), and the guest
# reaches them through QEMU's user-mode network, where 10.0.2.2 is this
# namespace's loopback. init gets an address by DHCP (QEMU's own) because the
# image is a URL; lifeboat captures /dev/vda into the export, read back and
# checked there. The image is then verified and restored here, and judged:
# the table, the checkers, every file.
#   usage: nfs_store.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/../integration/lib/servers.sh"
own_network "$@"
source "$(dirname "$0")/lib.sh"
boot_init boot-nfs-store "${1:-}"
source "$LB_LIB_DIR/disk.sh"
disk_init
limit=${BOOT_LIMIT:-400}

iso_kernel
src=$WORK/source.img target=$WORK/target.img
esp_root_disk "$src" 120M 155648
start_nfs "$WORK/nfs"
images=$WORK/nfs/export/machines
mkdir -p "$images"

start_qemu capture -machine q35 -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" \
    -append "console=ttyS0,115200n8 quiet lifeboat.yes=1 lifeboat.after=poweroff lifeboat.action=capture
    lifeboat.source=/dev/vda lifeboat.image=nfs://10.0.2.2$images/pc1.lbi" \
    -netdev user,id=n0 -device e1000,netdev=n0 -drive "if=virtio,format=raw,file=$src"
if wait_for 'lifeboat: done capture rc=[0-9]+' "$limit"; then
    say "unattended capture to NFS: power-on to done $elapsed s"
    expect 'network: eth0 up \(10\.0\.2\.15/24\)' "init got an address by DHCP"
    expect 'lifeboat: done capture rc=0$' "the capture exits 0"
    expect ', verified$' "the capture read the image back from the export"
fi
wait_for_exit 60
check "the image is in the export under its name, nothing else" test "$(cd "$images" && echo *)" = pc1.lbi
lb verify --progress none "$images/pc1.lbi"
check "the host's lifeboat verifies it" [ "$RC" -eq 0 ]
truncate -s 160M "$target"
lb_ok "restore it here" restore --yes --progress none "$images/pc1.lbi" "$target" && {
    same_table "$src" "$target" "captured over NFS"
    judge_part "$src" "$target" 1 fat32 "captured over NFS"
    judge_part "$src" "$target" 2 ext4 "captured over NFS"
}
lb_finish
