#!/bin/bash
# Unattended captures to an NFS export from the rescue system booted in QEMU
# (the ISO's kernel and initramfs): nfs-ganesha and rpcbind run here, in
# network and mount namespaces of the test's own (servers.sh), and the guest
# reaches them through QEMU's user-mode network, where 10.0.2.2 is this
# namespace's loopback. init gets an address by DHCP (QEMU's own) because the
# image is a URL; lifeboat captures /dev/vda into the export, read back and
# checked there: first over NFSv3 (libnfs), then, the server serving NFSv4
# only, over the rescue kernel's NFSv4 client, which the same plain address
# falls back to. Each image is then verified and restored here, and judged:
# the table, the checkers, every file. Last, the NFSv4 server is killed
# during a capture: it fails within 60 s and leaves no image.
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

# guest NAME DISK: boots the guest to capture DISK (/dev/vda) to the export as NAME.lbi.
guest() {
    start_qemu "$1" -machine q35 -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" \
        -append "console=ttyS0,115200n8 quiet lifeboat.yes=1 lifeboat.after=poweroff lifeboat.action=capture
        lifeboat.source=/dev/vda lifeboat.image=nfs://10.0.2.2$images/$1.lbi" \
        -netdev user,id=n0 -device e1000,netdev=n0 -drive "if=virtio,format=raw,file=$2"
}

# capture_to NAME HOW: the capture of the source disk as NAME.lbi succeeds.
capture_to() {
    guest "$1" "$src"
    if wait_for 'lifeboat: done capture rc=[0-9]+' "$limit"; then
        say "unattended capture to NFS ($2): power-on to done $elapsed s"
        expect 'network: eth0 up \(10\.0\.2\.15/24\)' "init got an address by DHCP"
        expect 'lifeboat: done capture rc=0$' "the capture exits 0 ($2)"
        expect ', verified$' "the capture read the image back from the export ($2)"
    fi
    wait_for_exit 60
}

# judge NAME: the image in the export verifies and restores here.
judge() {
    lb verify --progress none "$images/$1.lbi"
    check "the host's lifeboat verifies $1.lbi" [ "$RC" -eq 0 ]
    rm -f "$target" && truncate -s 160M "$target"
    lb_ok "restore $1.lbi here" restore --yes --progress none "$images/$1.lbi" "$target" && {
        same_table "$src" "$target" "$1, captured over NFS"
        judge_part "$src" "$target" 1 fat32 "$1, captured over NFS"
        judge_part "$src" "$target" 2 ext4 "$1, captured over NFS"
    }
}

capture_to pc1 NFSv3
check "the image is in the export under its name, nothing else" test "$(cd "$images" && echo *)" = pc1.lbi
judge pc1

nfs_protocols 4
capture_to pc2 "NFSv4 only"
check "the NFSv4 image is in the export under its name, nothing else" test "$(cd "$images" && echo *)" = "pc1.lbi pc2.lbi"
judge pc2

slow_random_disk
guest big "$WORK/random.img"
server_dies_mid_capture "$images/big.lbi.partial" stop_nfs
lb_finish
