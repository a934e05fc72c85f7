#!/bin/bash
# The wizard's Capture, end to end, in an 80x24 tmux pane with TERM=linux and
# every terminfo database hidden (the static binary's own entries draw).
# Disks: a source loop disk (GPT: a FAT ESP filled with mtools, an ext4 with
# real files and 40 MiB of random bytes), a big destination (GPT, one empty
# ext4) and a smaller one, so the automatic choice is visible.
# Run 1: Capture -> the source by its loop name -> the destination picked is
# the big one, with its reason -> name and note -> level 3 -> start -> the
# result says saved and verified. Then on the host: the image is in lifeboat/
# on the big destination (through a read-only offset loop), `lifeboat verify`
# passes, `info --json` has the note and both partitions, and a CLI restore
# onto a blank file gives both partitions byte for byte, e2fsck -fn and
# fsck.fat -n clean. Run 2: the same at level 19, cancelled during the
# capture: no image and no .partial left. The terminal is sane after each.
# Both runs: the destination not chosen (the smaller disk) has the same bytes
# afterwards (sha256 of its whole backing file: a read-write mount would have
# written its superblock), and the log says the wizard mounted read-write the
# chosen one and no other (the others read-only, to list them).
# The wizard mounts (read-only) every filesystem of every other disk: the test
# waits until no other test's loop devices are attached (skips after 90 s).
# Usage: wizard_capture.sh /path/to/lifeboat    (exit 77 = skipped)
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
lb_init wizard_capture "$@"
# shellcheck source=lib/tmux.sh
source "$(dirname "$0")/lib/tmux.sh"
need_tools sgdisk mkfs.ext4 mke2fs e2fsck mkfs.vfat mcopy fsck.fat losetup jq cmp mount umount python3
need_loop
tmux_init
export TMUX_WAIT_SECONDS=30  # lib/tmux.sh: loop devices and a capture take a while

for ((i = 0; i < 90; i++)); do
    [ -z "$(losetup -a 2>/dev/null)" ] && break
    sleep 1
done
[ -z "$(losetup -a 2>/dev/null)" ] || skip "other loop devices are attached; the wizard would mount their filesystems"

MiB=1048576
src=$WORK/source.img big=$WORK/big.img small=$WORK/small.img
truncate -s 96M "$src"
sgdisk -n 1:2048:18431 -t 1:ef00 -c 1:ESP -n 2:18432:0 -t 2:8300 -c 2:root "$src" >/dev/null || die "sgdisk source"
p2_start=18432 p2_end=$(sgdisk -i 2 "$src" | awk '/Last sector/ {print $3}')
p1_bytes=$((16384 * 512)) p2_bytes=$(((p2_end - p2_start + 1) * 512))
# The ESP: FAT (12, at this size) with files copied in by mtools.
truncate -s "$p1_bytes" "$WORK/esp.fs"
mkfs.vfat -n LBESP "$WORK/esp.fs" >/dev/null || die "mkfs.vfat"
mkdir -p "$WORK/esp/EFI/BOOT" && cp /etc/os-release "$WORK/esp/EFI/BOOT/notes.txt" && head -c 300000 /dev/urandom >"$WORK/esp/EFI/BOOT/BOOTX64.EFI"
mcopy -s -i "$WORK/esp.fs" "$WORK/esp/EFI" ::/ || die "mcopy into the ESP"
dd if="$WORK/esp.fs" of="$src" bs=1M seek=$((2048 * 512)) oflag=seek_bytes conv=notrunc status=none || die "dd ESP"
# The root: real files, and 40 MiB that does not compress (so level 19 takes a while).
make_data "$WORK/data"
head -c $((40 * MiB)) /dev/urandom >"$WORK/data/random.bin"
truncate -s "$p2_bytes" "$WORK/root.fs"
mke2fs -q -F -t ext4 -L LBROOT -d "$WORK/data" "$WORK/root.fs" || die "mke2fs root"
dd if="$WORK/root.fs" of="$src" bs=1M seek=$((p2_start * 512)) oflag=seek_bytes conv=notrunc status=none || die "dd root"
rm -f "$WORK/esp.fs" "$WORK/root.fs"

# Destinations: one empty ext4 partition each, made in place with -E offset.
make_destination() {  # FILE SIZE LABEL
    truncate -s "$2" "$1"
    sgdisk -n 1:2048:0 -t 1:8300 "$1" >/dev/null || die "sgdisk $1"
    local end
    end=$(sgdisk -i 1 "$1" | awk '/Last sector/ {print $3}')
    mkfs.ext4 -q -F -L "$3" -E offset=$((2048 * 512)) "$1" $(((end - 2048 + 1) / 2))k || die "mkfs.ext4 $1"
}
make_destination "$big" 256M LBBIG
make_destination "$small" 128M LBSMALL

attach srcloop "$src"
attach bigloop "$big"
attach smallloop "$small"
# shellcheck disable=SC2154  # set by attach
bigpart=${bigloop#/dev/}p1
# shellcheck disable=SC2154  # set by attach
smallpart=${smallloop#/dev/}p1
src_sha=$(sha256sum <"$src")
small_sha=$(sha256sum <"$small")

# check_mounts LOG RUN: the wizard mounted read-write the chosen destination and
# nothing else; the smaller one was only mounted read-only, its bytes unchanged.
check_mounts() {
    check "$2: the log: the only filesystem mounted read-write is the chosen $bigpart" \
        quiet sh -c "[ \"\$(grep -c 'mounted read-write: ' '$1')\" = 1 ] && grep -q 'mounted read-write: $bigpart (ext4)' '$1'"
    check "$2: the log: the smaller destination was mounted read-only to list it" \
        grep -q "mounted read-only: $smallpart (ext4)" "$1"
    check "$2: the smaller destination (not chosen) has the same bytes" [ "$(sha256sum <"$small")" = "$small_sha" ]
}

# ---------------------------------------------------------------- run 1 --
log=/run/lifeboat/lifeboat.log
log_from=$(($(wc -l <"$log" 2>/dev/null || echo 0) + 1))
tmux_start linux
tmux_hidden linux
tmux_type "TERM=linux $LB; echo exit-1=\$?"
tmux_wait '^Lifeboat .*' "the start screen's status line"
tmux_send 2
tmux_wait 'Capture: choose the disk to capture' "the source list"

# shellcheck disable=SC2154
tmux_choose_row "$srcloop  96\.0 MiB  loop  gpt"
tmux_send Enter
tmux_wait ': where to write the image' "the destination screen"
tmux_wait "^Picked: $bigpart \(ext4, LBBIG\): [0-9.]+ MiB free, the most of any other disk" "the reason for the pick"
check "the big destination is picked and under the cursor" quiet tmux_try "^> $bigpart  ext4  LBBIG .*\[picked\]" 2
# shellcheck disable=SC2154  # set by attach
check "the smaller destination is listed too" quiet tmux_try "^  ${smallloop#/dev/}p1  ext4  LBSMALL " 2
tmux_send Enter
tmux_wait 'name and note' "the name screen"
check "the default name is host and date" quiet tmux_try "Name: +$(hostname | tr -c 'A-Za-z0-9_\n-' '-')-$(date +%Y-%m-%d)" 2
tmux_send End
for ((i = 0; i < 70; i++)); do tmux_send BSpace; done
tmux_send -l wizcap
tmux_send Tab
tmux_send -l "taken by wizard_capture"
tmux_send Enter
tmux_wait 'compression level' "the level screen"
tmux_send Enter
tmux_wait ': ready' "the summary"
check "the summary names the destination and its free space" \
    quiet tmux_try "^Destination: $bigpart \(ext4, LBBIG\), [0-9.]+ MiB free" 2
check "the summary has an estimate" quiet tmux_try '^Image: +about [0-9.]+ MiB \(at most [0-9.]+ MiB\)' 2
tmux_send Enter
tmux_wait 'Capture finished' "the result" 120
check "the result says verified" quiet tmux_try '^Verified: every chunk' 2
check "the result names the image's path" quiet tmux_try "lifeboat/wizcap\.lbi" 2
check "the result names the log" quiet tmux_try '^Log: /run/lifeboat/lifeboat\.log' 2
tmux_send Enter
tmux_wait '^Lifeboat .*' "the start screen again"
tmux_send q
tmux_sane 1 0
ok "run 1: the terminal is sane after quitting"
check "the source disk is unchanged" [ "$(sha256sum <"$src")" = "$src_sha" ]
tail -n +"$log_from" "$log" >"$WORK/run1.log"
check "the log: the big destination was mounted read-write" grep -q "mounted read-write: $bigpart (ext4)" "$WORK/run1.log"
check "the log: nothing of the source disk was mounted" \
    quiet sh -c "! grep -E 'mounted read-(write|only): ${srcloop#/dev/}p' '$WORK/run1.log'"
check "the log: the capture finished, verified" grep -qE "capture finished: .*/wizcap\.lbi, .*, verified$" "$WORK/run1.log"
check_mounts "$WORK/run1.log" "run 1"

# ------------------------------------------------------ the image, on the host --
mkdir -p "$WORK/mnt"
attach destro "$big" -r -o $((2048 * 512))
# shellcheck disable=SC2154
mounted "$WORK/mnt" mount -o ro,noload "$destro" "$WORK/mnt" || die "mount the destination"
image=$WORK/mnt/lifeboat/wizcap.lbi
check "the image is in lifeboat/ on the big destination" [ -f "$image" ]
check "no .partial is left" [ -z "$(find "$WORK/mnt" -name '*.partial')" ]
lb verify "$image"
check "lifeboat verify passes" [ "$RC" = 0 ]
lb info --json "$image"
check "info: the note" quiet jq -e '.manifest.note == "taken by wizard_capture"' "$OUT"
check "info: both partitions" quiet jq -e '[.manifest.disk.partitions[].number] == [1, 2]' "$OUT"
check "info: ext4 and vfat" quiet jq -e '[.manifest.streams[].filesystem.type // empty] | sort == ["ext4", "vfat"]' "$OUT"
truncate -s 96M "$WORK/restored.img"
lb restore --yes "$image" "$WORK/restored.img"
if [ "$RC" = 0 ]; then ok "the CLI restores the image"; else bad "the CLI restores the image (exit $RC)"; show_err; fi
check "partition 1 (FAT) byte for byte" cmp -s -n "$p1_bytes" -i $((2048 * 512)):$((2048 * 512)) "$src" "$WORK/restored.img"
check "partition 2 (ext4) byte for byte" cmp -s -n "$p2_bytes" -i $((p2_start * 512)):$((p2_start * 512)) "$src" "$WORK/restored.img"
dd if="$WORK/restored.img" of="$WORK/esp.check" bs=1M skip=$((2048 * 512)) count="$p1_bytes" iflag=skip_bytes,count_bytes status=none
check "fsck.fat -n on the restored ESP" fs_check fat16 "$WORK/esp.check"
attach rootro "$WORK/restored.img" -r -o $((p2_start * 512)) --sizelimit "$p2_bytes"
# shellcheck disable=SC2154
check "e2fsck -fn on the restored root" fs_check ext4 "$rootro"
detach "$rootro"
unmount "$WORK/mnt"
detach "$destro"

# ---------------------------------------------------------------- run 2 --
log_from=$(($(wc -l <"$log" 2>/dev/null || echo 0) + 1))
tmux_type "TERM=linux $LB; echo exit-2=\$?"
tmux_wait '^Lifeboat .*' "the start screen"
tmux_send 2
tmux_wait 'Capture: choose the disk to capture' "the source list"
tmux_choose_row "$srcloop  96\.0 MiB  loop  gpt"
tmux_send Enter
tmux_wait "^Picked: $bigpart " "the pick"
tmux_send Enter
tmux_wait 'name and note' "the name screen"
tmux_send End
for ((i = 0; i < 70; i++)); do tmux_send BSpace; done
tmux_send -l wizcancel
tmux_send Enter
tmux_wait 'compression level' "the level screen"
tmux_send BSpace BSpace
tmux_send -l 19
tmux_send Enter
tmux_wait 'Level: +19' "the summary at level 19"
tmux_send Enter
tmux_wait 'Step 1 of 2: capturing' "the progress screen"
tmux_send Escape
tmux_wait 'partial image on '"$bigpart"' will be' "the cancel question"
tmux_send Left Enter
tmux_wait 'Capture cancelled' "the cancelled result" 60
check "the result says the partial image was removed" quiet tmux_try 'partial image was removed' 2
tmux_send Enter
tmux_wait '^Lifeboat .*' "the start screen again"
tmux_send q
tmux_sane 2 0
ok "run 2: the terminal is sane after quitting"
tail -n +"$log_from" "$log" >"$WORK/run2.log"
check_mounts "$WORK/run2.log" "run 2"
check "run 2: the source disk is unchanged" [ "$(sha256sum <"$src")" = "$src_sha" ]

attach destro "$big" -r -o $((2048 * 512))
mounted "$WORK/mnt" mount -o ro,noload "$destro" "$WORK/mnt" || die "mount the destination"
check "after the cancel: no image" [ ! -e "$WORK/mnt/lifeboat/wizcancel.lbi" ]
check "after the cancel: no .partial" [ -z "$(find "$WORK/mnt" -name '*.partial')" ]
check "the first image is still there" [ -f "$WORK/mnt/lifeboat/wizcap.lbi" ]
unmount "$WORK/mnt"
detach "$destro"
lb_finish
