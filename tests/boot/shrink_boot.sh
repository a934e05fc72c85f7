#!/bin/bash
# A real bootable Linux disk shrunk to 60% in the rescue system, then booted to
# its login prompt under BIOS and UEFI (issue 21, docs/SHRINK.md).
#   The disk (300 MiB, GPT): a BIOS boot partition holding GRUB's core.img
#   (grub-install --target=i386-pc, run in the media's kernel by a toolbox
#   guest, where the partitions are devices), an ESP with Debian's signed GRUB
#   as the removable-media loader (EFI/BOOT/BOOTX64.EFI, its grub.cfg in
#   EFI/debian: search by UUID, then the root's), and an ext4 root: Debian's
#   kernel, a small initramfs that mounts the root by UUID, busybox init and a
#   getty on ttyS0. Every file of the root sits in its last 64 MiB (fillers
#   took the rest, then were deleted), so the shrink moves the kernel GRUB loads.
#   Captured on the host; restored in the rescue system (unattended) onto a
#   blank 180 MiB disk: resize2fs shrinks the root through lifeboat's view;
#   e2fsck -fn and sgdisk -v clean; then the shrunk disk boots with SeaBIOS
#   and with OVMF to "login:".
#   usage: shrink_boot.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-shrink "${1:-}"
# shellcheck source=../integration/lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
disk_init
need_tools grub-install busybox filefrag debugfs dumpe2fs mke2fs mkfs.vfat mcopy mmd depmod modprobe cpio
limit=${BOOT_LIMIT:-600}
iso_kernel
kroot=$(echo "$LB_TOP"/build/media/pkgs/kernel)
kver=$(basename "$kroot"/lib/modules/*)
grub_efi=$LB_TOP/build/media/pkgs/grub/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
[ -f "$grub_efi" ] || die "no signed GRUB in build/media/pkgs (tools/build-media)"

uuid=5eedc0de-1111-4222-8333-944455556666
disk=$WORK/pc.img
new_disk "$disk" 300M <<'EOF'
label: gpt
start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name="bios"
start=4096, size=81920, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"
start=86016, size=528351, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF

say "--- the system: kernel, initramfs, busybox init"
sys=$WORK/system
mkdir -p "$sys"/{bin,sbin,etc,proc,sys,dev,root,tmp,boot/grub}
cp "$(command -v busybox)" "$sys/bin/busybox"
for applet in $("$sys/bin/busybox" --list-full); do
    [ -e "$sys/$applet" ] || { mkdir -p "$sys/$(dirname "$applet")" && ln -s /bin/busybox "$sys/$applet"; }
done
cat >"$sys/etc/inittab" <<'EOF'
::sysinit:/bin/mount -t proc proc /proc
::sysinit:/bin/hostname -F /etc/hostname
ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100
EOF
echo shrunk-pc >"$sys/etc/hostname"
echo 'root::0:0:root:/root:/bin/sh' >"$sys/etc/passwd"
cp "$WORK/vmlinuz" "$sys/boot/vmlinuz"
cat >"$sys/boot/grub/grub.cfg" <<EOF
set timeout=0
linux /boot/vmlinuz root=UUID=$uuid console=ttyS0,115200n8 quiet
initrd /boot/initrd.img
boot
EOF

# Its initramfs: busybox, the modules that reach a virtio disk's ext4, an /init
# that mounts the root by UUID.
ird=$WORK/system-initrd
mkdir -p "$ird"/{bin,proc,sys,dev,newroot,lib/modules}
cp "$(command -v busybox)" "$ird/bin/busybox"
for a in sh mount insmod findfs switch_root sleep sed cat; do ln -s busybox "$ird/bin/$a"; done
# (ext4 asks for crc32c by name when it runs: a soft dependency modprobe does not list.)
for m in virtio_pci virtio_blk crc32c_generic ext4; do  # (crc32c-intel needs SSE4.2: not on TCG's CPU)
    modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>/dev/null
done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | awk '!seen[$0]++' >"$WORK/modules.list"
[ -s "$WORK/modules.list" ] || die "modprobe found no modules in $kroot"
while read -r ko; do
    cp "$ko" "$ird/lib/modules/"
    echo "/lib/modules/$(basename "$ko")" >>"$ird/modules"
done <"$WORK/modules.list"
cat >"$ird/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for ko in $(cat /modules); do insmod "$ko" 2>/dev/null; done
uuid=$(sed -n 's/.*root=UUID=\([^ ]*\).*/\1/p' /proc/cmdline)
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    root=$(findfs "UUID=$uuid" 2>/dev/null) && break
    sleep 0.5
done
echo "system initramfs: root $root"
mount -o ro "$root" /newroot && mount --move /dev /newroot/dev && exec switch_root /newroot /sbin/init
echo "system initramfs: cannot mount the root"; sh
EOF
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet) >"$sys/boot/initrd.img" || die "cpio of the system's initramfs"

# The root: filled with 1 MiB files to the last block; those lying in its last
# 64 MiB deleted, the system copied into that room, then the other fillers
# deleted: every file of the system lies past the 180 MiB disk's end.
root=$WORK/root.fs
rm -f "$root" && truncate -s $((528351 * 512)) "$root"
mke2fs -q -F -t ext4 -b 4096 -L root -U "$uuid" "$root" || die "mke2fs root"
mounted "$WORK/mnt" mount "$root" "$WORK/mnt" || die "mount root"
mkdir "$WORK/mnt/fill"
i=0
while [ $i -lt 1000 ] && dd if=/dev/zero of="$WORK/mnt/fill/$i" bs=1M count=1 status=none 2>/dev/null; do i=$((i + 1)); done
sync
high=$(((528351 * 512 - 64 * MiB) / 4096))
for f in "$WORK"/mnt/fill/*; do  # filefrag -e: "0: 0.. 255: PHYSICAL.. ..."
    first=$(filefrag -e "$f" 2>/dev/null | sed -n 's/^ *0: *[0-9]*\.\. *[0-9]*: *\([0-9]*\)\.\..*/\1/p')
    [ -n "$first" ] && [ "$first" -ge "$high" ] && rm "$f"
done
sync
cp -a "$sys/." "$WORK/mnt/" || die "copy the system"
rm -rf "$WORK/mnt/fill"
unmount "$WORK/mnt" "$root"
dd if="$root" of="$disk" bs=1M seek=$((86016 * 512)) oflag=seek_bytes conv=notrunc,sparse status=none
rm -f "$root"

# The ESP: Debian's signed GRUB as the removable-media loader; its grub.cfg sits where its prefix points.
esp=$WORK/esp.fs
rm -f "$esp" && truncate -s $((81920 * 512)) "$esp"
mkfs.vfat -F 32 -n ESP "$esp" >/dev/null || die "mkfs.vfat"
printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\nconfigfile /boot/grub/grub.cfg\n' "$uuid" \
    >"$WORK/esp-grub.cfg"
MTOOLS_SKIP_CHECK=1 mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/debian &&
    MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$grub_efi" ::/EFI/BOOT/BOOTX64.EFI &&
    MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$WORK/esp-grub.cfg" ::/EFI/debian/grub.cfg || die "fill the ESP"
dd if="$esp" of="$disk" bs=1M seek=$((4096 * 512)) oflag=seek_bytes conv=notrunc status=none
rm -f "$esp"

say "--- GRUB for BIOS, installed in the media's kernel (its partitions are devices there)"
cat >"$WORK/grub-install.sh" <<'EOF'
modprobe ext4; mkdir -p /mnt && mount -t ext4 /dev/vda3 /mnt || exit 1
grub-install --target=i386-pc --directory=/usr/lib/grub/i386-pc --boot-directory=/mnt/boot /dev/vda || exit 1
umount /mnt
EOF
TOOLBOX_TREES=/usr/lib/grub/i386-pc guest_toolbox grub "$WORK/grub-install.sh" "" "grub-install /usr/lib/grub/i386-pc/grub-bios-setup" \
    -drive "if=virtio,format=raw,file=$disk"
check "GRUB's boot code is in the MBR" eval 'grep -q -a GRUB < <(head -c 440 "$disk")'  # (not a pipe: see serial_has)

lb_ok "capture the bootable disk" capture --progress none "$disk" "$WORK/pc.lbi" || die "cannot capture"
store=$WORK/store.img
mkdir -p "$WORK/store/machines" && mv "$WORK/pc.lbi" "$WORK/store/machines/pc.lbi"
rm -f "$store" && truncate -s 256M "$store"
mke2fs -q -F -t ext4 -L STORE -d "$WORK/store" "$store" || die "mke2fs store"
rm -rf "$WORK/store"

say "--- restore onto a blank 180 MiB disk (60%) in the rescue system"
target=$WORK/target.img
rm -f "$target" && truncate -s 180M "$target"
start_qemu restore -machine q35 -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" \
    -append "console=ttyS0,115200n8 quiet lifeboat.yes=1 lifeboat.after=poweroff lifeboat.action=restore lifeboat.target=/dev/vda lifeboat.image=LABEL=STORE:machines/pc.lbi" \
    -drive "if=virtio,format=raw,file=$target" -drive "if=virtio,format=raw,file=$store"
wait_for 'lifeboat: done restore rc=[0-9]+' "$limit" && say "restore: power-on to done $elapsed s"
expect 'lifeboat: done restore rc=0$' "the restore exits 0"
expect 'partition 3 \(ext4\): shrunk by resize2fs' "resize2fs shrank the root"
wait_for_exit 60
sgdisk_clean "$target" "shrunk disk"
same_entries "$disk" "$target" "shrunk disk"
check "shrunk disk: the root is smaller" [ "$(part_size "$target" 3)" -lt 528351 ]
part_loop r "$disk" 3
kblock=$(debugfs -R "bmap /boot/vmlinuz 0" "$r" 2>/dev/null)
kbs=$(dumpe2fs -h "$r" 2>/dev/null | sed -n 's/^Block size: *//p')
detach "$r"
check "the kernel lay past the shrunk root's end on the source (block $kblock of $kbs bytes): it had to move" \
    [ $((kblock * kbs)) -ge $(($(part_size "$target" 3) * 512)) ]
part_loop r "$target" 3
check "shrunk disk: e2fsck -fn finds the root clean" fs_check ext4 "$r"
check "shrunk disk: the root keeps its UUID" [ "$(blkid -p -o value -s UUID "$r")" = "$uuid" ]
detach "$r"

boots() {  # NAME WHAT QEMU-ARGS...: the disk boots to its login prompt
    local name=$1 what=$2
    shift 2
    start_qemu "$name" -machine q35 "$@" -drive "if=virtio,format=raw,file=$target"
    wait_for 'shrunk-pc login:' 180 && say "$what: power-on to its login prompt $elapsed s"
    expect 'system initramfs: root /dev/vda3' "$what: its initramfs found the root by UUID"
    stop_qemu
}
say "--- the shrunk disk boots"
boots bios "BIOS (SeaBIOS, GRUB from the BIOS boot partition)"
uefi_args
boots uefi "UEFI (OVMF, GRUB from the ESP)" "${UEFI_ARGS[@]}"
lb_finish
