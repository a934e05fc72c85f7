#!/bin/bash
# The media are reproducible: building the initramfs and the ISO again from
# the same inputs gives the same bytes as tools/build-media did.
#   usage: reproducible.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-reproducible "${1:-}"
need_tools cpio zstd cmp
export LIFEBOAT=$LB

# The same SOURCE_DATE_EPOCH as the build being compared against: the last
# commit's, as tools/media-env takes it.
"$LB_TOP/initramfs/build" zstd "$WORK/initrd.img" >/dev/null || die "initramfs/build failed"
check "initramfs built twice: the same bytes" cmp "$LB_TOP/build/media/initrd.img" "$WORK/initrd.img"
"$LB_TOP/iso/build" "$WORK/lifeboat.iso" >/dev/null || die "iso/build failed"
check "ISO built twice: the same bytes" cmp "$ISO" "$WORK/lifeboat.iso"
lb_finish
