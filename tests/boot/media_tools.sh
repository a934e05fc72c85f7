#!/bin/bash
# What the filesystems' records ask of the rescue system is in it (issue 22,
# docs/FILESYSTEMS.md), read from the ISO's initramfs: every program a record
# names (`lifeboat filesystems --json`: media.programs, with the names linked
# to it) is there and its dynamic loader finds every library it loads, run in
# a chroot of the initramfs; every module a record names is in
# /etc/filesystem-modules, which init loads, and in the kernel's module tree.
# No guest: nothing here needs the kernel.
#   usage: media_tools.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-media-tools "${1:-}"
need_tools jq cpio zstd chroot
iso_kernel
root=$WORK/root
mkdir -p "$root"
(cd "$root" && zstd -q -dc "$WORK/initrd.img" | cpio -id --quiet 2>/dev/null) || die "cannot unpack the initramfs"
[ -x "$root/init" ] || die "the initramfs has no /init"
"$LB" filesystems --json >"$WORK/records.json" || die "lifeboat filesystems --json failed"

programs=$(jq -r '.[].media.programs[]' "$WORK/records.json")
[ -n "$programs" ] || die "no record names a program"
while read -r file others; do
    name=$(basename "$file")
    check "$name is in the rescue system" test -x "$root/sbin/$name"
    check "$name: its libraries load there (ld.so --list in a chroot)" \
        eval 'chroot "$root" /lib64/ld-linux-x86-64.so.2 --list "/sbin/$name" >"$WORK/ldd.out" 2>&1 && ! grep -q "not found" "$WORK/ldd.out"'
    for other in $others; do
        check "$other is $name under another name" [ "$(readlink "$root/sbin/$other")" = "$name" ]
    done
done <<<"$programs"

kver=$(ls "$root/lib/modules")
for module in $(jq -r '.[].media.modules[]' "$WORK/records.json" | sort -u); do
    check "module $module: init loads it (etc/filesystem-modules)" grep -qx "$module" "$root/etc/filesystem-modules"
    check "module $module: in the kernel's tree" \
        eval '[ -n "$(find "$root/lib/modules/$kver" -name "$module.ko*" -print -quit)" ]'
done
lb_finish
