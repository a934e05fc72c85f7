#!/bin/bash
# The boot-medium guard (issue 4): a restore refuses the disk Lifeboat booted
# from, named in /run/lifeboat/boot-device (the media's init writes it), with
# exit 13 (target_is_boot_medium), and leaves it byte-identical:
#   1. the file names the target loop device itself (restore and --dry-run);
#   2. it names an offset loop device over the target (booted from one of the
#      target's partitions);
#   3. it names a loop device over the target file, the target being the file;
# and, so that the guard is seen to look at what the file says:
#   4. it names another disk: the restore goes ahead and the partition checks
#      clean with every file equal.
# The file is always removed afterwards (an EXIT trap); one that was there
# before the test is put back.
#   usage: disk_boot_medium.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init disk-boot-medium "${1:-}"
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
need_tools sfdisk mke2fs e2fsck debugfs losetup sha256sum python3
need_loop

BOOT_DIR=/run/lifeboat BOOT_FILE=/run/lifeboat/boot-device
made_dir=0 saved=''
if [ -e "$BOOT_FILE" ]; then
    saved=$WORK/boot-device.saved
    cp -p "$BOOT_FILE" "$saved" || die "cannot keep the existing $BOOT_FILE aside"
    say "note: $BOOT_FILE exists ($(head -c 100 "$BOOT_FILE")); it is put back at the end"
fi
boot_file_cleanup() {
    if [ -n "$saved" ] && [ -e "$saved" ]; then
        cp -p "$saved" "$BOOT_FILE"
    else
        rm -f "$BOOT_FILE"
        [ "$made_dir" = 1 ] && rmdir "$BOOT_DIR" 2>/dev/null
    fi
}
trap 'boot_file_cleanup; lb_cleanup' EXIT
[ -d "$BOOT_DIR" ] || { mkdir -p "$BOOT_DIR" && made_dir=1; } || die "cannot make $BOOT_DIR"
booted_from() { printf '%s\n' "$1" >"$BOOT_FILE" || die "cannot write $BOOT_FILE"; }

MiB=$((1 << 20))
DATA=$WORK/data DATA_SUMS=$WORK/data.sums
make_data "$DATA"
tree_sums "$DATA" >"$DATA_SUMS"
src=$WORK/src.img
new_disk "$src" 64M <<'EOF'
label: gpt
start=2048, size=98304, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF
put_fs "$src" 1 ext4 lbroot
lb_ok "capture" capture --progress none "$src" "$WORK/src.lbi" || die "cannot capture"

t=$WORK/target.img
junk "$t" $((64 * MiB))
attach tl "$t"
before=$(sha "$tl")

# refused WHAT TARGET [ARGS...]: exit 13 naming the reason, TARGET unchanged.
refused() {
    local what=$1 target=$2
    shift 2
    lb_expect 13 "$what" restore --yes --progress none "$@" "$WORK/src.lbi" "$target"
    err_has "$what: the message says Lifeboat runs from it" 'running from it|boot medium|booted from'
    unchanged_after "$before" "$tl" "$what"
}

booted_from "$tl"
refused "boot-device names the target $tl" "$tl"
refused "boot-device names the target $tl, --dry-run" "$tl" --dry-run
attach pl "$tl" -r -o $((2048 * 512)) --sizelimit $((98304 * 512))  # where partition 1 will be
booted_from "$pl"
refused "boot-device names $pl, a partition of the target (offset loop)" "$tl"
detach "$pl"
booted_from "$tl"
refused "boot-device names $tl, the target is its backing file" "$t"

# Another disk booted: the restore goes ahead.
junk "$WORK/other.img" $((8 * MiB))
attach other "$WORK/other.img"
booted_from "$other"
if lb_ok "boot-device names another disk ($other): restore onto $tl" restore --yes --progress none "$WORK/src.lbi" "$tl"; then
    ok "boot-device names another disk ($other): restore onto $tl went ahead"
    judge_part "$src" "$tl" 1 ext4 "after the restore"
fi
detach "$other"
detach "$tl"

boot_file_cleanup
if [ -n "$saved" ]; then
    check "the earlier $BOOT_FILE is back" cmp -s "$saved" "$BOOT_FILE"
else
    check "$BOOT_FILE is removed" [ ! -e "$BOOT_FILE" ]
fi
lb_finish
