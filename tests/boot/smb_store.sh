#!/bin/bash
# An unattended capture to an SMB share, and a restore from it by the wizard
# driven over the serial console, on the rescue system booted in QEMU (the
# ISO's kernel and initramfs):
# Samba's smbd runs here, in network and mount namespaces of the test's own
# (servers.sh), and the guest reaches it through QEMU's user-mode network
# (10.0.2.2 is this namespace's loopback). The password comes from a file on
# a disk labelled CREDS (lifeboat.credentials=LABEL=CREDS:smb.creds) and must
# never show on the console; the wizard is given it typed (masked). The image
# is verified here; the restored disk is judged: the table, the checkers,
# every file. Last, smbd is killed during a capture: the capture fails within
# 60 s, and nothing is left under the image's name.
#   usage: smb_store.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/../integration/lib/servers.sh"
own_network "$@"
source "$(dirname "$0")/lib.sh"
boot_init boot-smb-store "${1:-}"
source "$LB_LIB_DIR/disk.sh"
disk_init
need_tools mkfs.ext4
limit=${BOOT_LIMIT:-400}

iso_kernel
src=$WORK/source.img target=$WORK/target.img creds=$WORK/creds.img
esp_root_disk "$src" 120M 155648
password='Sh4re,pass word'
start_smb "$WORK/smb" root "$password"
images=$WORK/smb/share/machines
mkdir -p "$images" "$WORK/creds"
cp "$SMB_CREDS" "$WORK/creds/smb.creds"
truncate -s 8M "$creds"
mkfs.ext4 -q -F -L CREDS -d "$WORK/creds" "$creds" || die "mkfs.ext4 creds"

append="console=ttyS0,115200n8 quiet lifeboat.yes=1 lifeboat.after=poweroff lifeboat.credentials=LABEL=CREDS:smb.creds"
url=smb://root@10.0.2.2/images/machines/pc1.lbi
guest() {  # NAME DISK APPEND: vda = DISK, vdb = the credentials
    start_qemu "$1" -machine q35 -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" -append "$append $3" \
        -netdev user,id=n0 -device e1000,netdev=n0 \
        -drive "if=virtio,format=raw,file=$2" -drive "if=virtio,format=raw,file=$creds"
}

guest capture "$src" "lifeboat.action=capture lifeboat.source=/dev/vda lifeboat.image=$url"
if wait_for 'lifeboat: done capture rc=[0-9]+' "$limit"; then
    say "unattended capture to SMB: power-on to done $elapsed s"
    expect 'lifeboat: done capture rc=0$' "the capture exits 0"
    expect ', verified$' "the capture read the image back from the share"
fi
wait_for_exit 60
check "the password never shows on the console" sh -c '! grep -q "Sh4re" "$1"' sh "$SERIAL"
check "the image is in the share under its name, nothing else" test "$(cd "$images" && echo *)" = pc1.lbi
lb verify --progress none "$images/pc1.lbi"
check "the host's lifeboat verifies it" [ "$RC" -eq 0 ]

# The restore: the wizard on the serial console (no lifeboat.action), which
# brings the network up in the background. Restore -> no image on the
# guest's disks -> Network image store... -> the form (SMB is its first
# kind): server, share and folder, user, the password typed (masked) ->
# Connect -> the share's image -> contents -> the blank disk -> plan -> its
# name -> the result; Power off from there.
truncate -s 160M "$target"
start_qemu wizard -machine q35 -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" \
    -append "console=ttyS0,115200n8 quiet" -netdev user,id=n0 -device e1000,netdev=n0 \
    -drive "if=virtio,format=raw,file=$target" -drive "if=virtio,format=raw,file=$creds"
wait_for 'Lifeboat [0-9][^ ]* ready' "$limit" || { stop_qemu; lb_finish; }
wait_screen 'Restore a system image' "its start screen on the serial console" 60 &&
    key 1 &&
    wait_screen 'No images were found on this machine' "no image on the guest's own disks" 120 &&
    key_down &&
    wait_screen 'Images on a file server, a NAS or a web server' "Network image store... under the cursor" 10 &&
    key $'\r' &&
    wait_screen 'Kind .*< SMB: a Windows or Samba share >' "the network store form" 30 &&
    key $'\r10.0.2.2\rimages/machines\rroot\r' &&
    key "$password"$'\r\r' &&
    wait_screen 'pc1\.lbi' "the image on the share" 120 &&
    key $'\r' &&
    wait_screen 'what pc1\.lbi holds' "the image's contents" 60 &&
    key $'\r' &&
    wait_screen 'Suggested: vda\.' "the blank disk suggested" 60 &&
    key $'\r' &&
    wait_screen 'the plan for vda' "the plan" 60 &&
    key $'\r' &&
    wait_screen "type the disk's name: vda" "the confirmation" 60 &&
    key $'vda\r' &&
    wait_screen 'vda now holds the system from smb://root@10\.0\.2\.2/images/machines/pc1\.lbi' "the restore finished" 240 &&
    key $'\t\t\r' &&  # Back -> Reboot -> Power off
    wait_for_exit 120
stop_qemu
check "the password never shows on the wizard's console" sh -c '! grep -q "Sh4re" "$1"' sh "$SERIAL"
same_table "$src" "$target" "restored from SMB by the wizard"
judge_part "$src" "$target" 1 fat32 "restored from SMB by the wizard"
judge_part "$src" "$target" 2 ext4 "restored from SMB by the wizard"

# The server vanishes: loopback at 8 MiB/s, so that the capture of 96 MiB of
# random bytes is under way when smbd is killed, 16 MiB into it.
slow_random_disk
guest vanished "$WORK/random.img" "lifeboat.action=capture lifeboat.source=/dev/vda lifeboat.image=${url%/*}/big.lbi"
server_dies_mid_capture "$images/big.lbi.partial" stop_smb
lb_finish
