#!/bin/bash
# The wizard's Restore, end to end, in an 80x24 tmux pane with TERM=linux and
# every terminfo database hidden (the static binary's own entries draw).
# Disks: a "store" loop disk (GPT, one ext4) holding in its lifeboat/ folder a
# whole-disk image captured beforehand with the CLI from a GPT source disk (a
# FAT16 ESP filled with mtools, an ext4 with real files and 64 MiB of random
# bytes), and a blank target loop disk (direct I/O, so a restore takes long
# enough for a cancel to land).
# Run 1: Restore -> the image is listed by itself, under /run/lifeboat ->
# its contents -> the target, found by its loop name among every disk of the
# machine -> the plan (what will be erased) -> a wrong name is refused, the
# right one starts -> the result says finished and names the log. On the
# host: sgdisk -v clean and the same table as the source, e2fsck -fn and
# fsck.fat -n of each partition at its offset, each partition's bytes equal
# to the source's. Run 2: the store disk itself as target is refused (the
# dialog says it holds the image; its bytes are unchanged), then a restore
# onto the target is cancelled (the wizard runs on 5% of a CPU, a cgroup
# quota, so the cancel lands): the question says what the disk will hold,
# the result says what it holds. Run 3: onto a disk 48 MiB larger, G on the
# plan grows the last partition: the plan and the target column say so, the
# result says the ext4 fills it; on the host: the partition ends on the last
# usable sector, the ext4 fills it, e2fsck -fn clean, every file kept. The
# terminal is sane after each run. Run 4: an image whose partitions end at
# 29 MiB of its 96 MiB source disk is offered for a 40 MiB disk (not "too
# small": the wizard asks the core's fit_image) and restores there, judged by
# sgdisk -v, the table, the bytes of each partition and e2fsck -fn. Run 5:
# onto a 96 MiB disk (listed as fitting: the root's least size measured), S
# on the plan opens the sizes screen; a size under the least is refused with
# the numbers, 85M for the root is laid out and planned; on the host the root
# is 85 MiB, sgdisk -v clean, entries kept, its ext4 whole with every file.
# Also: the CLI's --progress=json names each partition with its own bytes.
# Usage: wizard_restore.sh /path/to/lifeboat    (exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init wizard_restore "$@"
source "$(dirname "$0")/lib/tmux.sh"
source "$(dirname "$0")/lib/disk.sh"
need_tools sgdisk sfdisk mkfs.ext4 mke2fs e2fsck mkfs.vfat mcopy fsck.fat losetup jq cmp python3 sha256sum
need_loop
tmux_init
TMUX_WAIT_SECONDS=30

MiB=1048576
src=$WORK/source.img store=$WORK/store.img target=$WORK/target.img big=$WORK/big.img
image_name=wizrestore-$$.lbi

# ------------------------------------------------------------ the source --
truncate -s 112M "$src"
sgdisk -n 1:2048:18431 -t 1:ef00 -c 1:ESP -n 2:18432:0 -t 2:8300 -c 2:root "$src" >/dev/null || die "sgdisk source"
p1_start=2048 p1_bytes=$((16384 * 512)) p2_start=18432
p2_end=$(sgdisk -i 2 "$src" | awk '/Last sector/ {print $3}')
p2_bytes=$(((p2_end - p2_start + 1) * 512))
truncate -s "$p1_bytes" "$WORK/esp.fs"
mkfs.vfat -F 16 -s 2 -n LBESP -h "$p1_start" "$WORK/esp.fs" >/dev/null || die "mkfs.vfat"
mkdir -p "$WORK/esp/EFI/BOOT" && cp /etc/os-release "$WORK/esp/EFI/BOOT/notes.txt" &&
    head -c 300000 /dev/urandom >"$WORK/esp/EFI/BOOT/BOOTX64.EFI"
mcopy -s -i "$WORK/esp.fs" "$WORK/esp/EFI" ::/ || die "mcopy into the ESP"
dd if="$WORK/esp.fs" of="$src" bs=1M seek=$((p1_start * 512)) oflag=seek_bytes conv=notrunc status=none || die "dd ESP"
make_data "$WORK/data"
head -c $((64 * MiB)) /dev/urandom >"$WORK/data/random.bin"  # does not compress: the restore takes a while
truncate -s "$p2_bytes" "$WORK/root.fs"
# 4 KiB blocks, as a system's root has: resize2fs -P finds no room to shrink a small
# 1 KiB-block ext4 with flex_bg (run 5 shrinks this one).
mke2fs -q -F -t ext4 -b 4096 -L LBROOT -d "$WORK/data" "$WORK/root.fs" || die "mke2fs root"
dd if="$WORK/root.fs" of="$src" bs=1M seek=$((p2_start * 512)) oflag=seek_bytes conv=notrunc status=none || die "dd root"
rm -rf "$WORK/esp.fs" "$WORK/root.fs" "$WORK/esp"

# A second source whose partitions end at 29 MiB of 96: its image fits a 40 MiB disk.
small_name=wizsmall-$$.lbi src2=$WORK/source2.img target2=$WORK/target2.img
truncate -s 96M "$src2"
sgdisk -n 1:2048:18431 -t 1:ef00 -c 1:ESP -n 2:18432:59391 -t 2:8300 -c 2:root "$src2" >/dev/null || die "sgdisk source 2"
dd if="$src" of="$src2" bs=1M skip=$((p1_start * 512)) seek=$((p1_start * 512)) count="$p1_bytes" \
    iflag=skip_bytes,count_bytes oflag=seek_bytes conv=notrunc status=none || die "dd the ESP into source 2"
mkdir -p "$WORK/data2" && cp -r /etc/os-release /usr/share/doc/bash "$WORK/data2/"
truncate -s $((40960 * 512)) "$WORK/root2.fs"
mke2fs -q -F -t ext4 -L SMALLROOT -d "$WORK/data2" "$WORK/root2.fs" || die "mke2fs root 2"
dd if="$WORK/root2.fs" of="$src2" bs=1M seek=$((18432 * 512)) oflag=seek_bytes conv=notrunc status=none || die "dd root 2"
rm -f "$WORK/root2.fs"

# ------------------------------------- the images, on the store disk --
mkdir -p "$WORK/storefs/lifeboat"
"$LB" capture --progress none --note "wizard restore test" "$src" "$WORK/storefs/lifeboat/$image_name" ||
    die "the CLI capture of the source"
"$LB" capture --progress none --note "ends early" "$src2" "$WORK/storefs/lifeboat/$small_name" ||
    die "the CLI capture of source 2"
truncate -s 160M "$store"
sgdisk -n 1:2048:0 -t 1:8300 "$store" >/dev/null || die "sgdisk store"
store_end=$(sgdisk -i 1 "$store" | awk '/Last sector/ {print $3}')
truncate -s $(((store_end - 2048 + 1) * 512)) "$WORK/store.fs"
mke2fs -q -F -t ext4 -L LBSTORE -d "$WORK/storefs" "$WORK/store.fs" || die "mke2fs store"
dd if="$WORK/store.fs" of="$store" bs=1M seek=$((2048 * 512)) oflag=seek_bytes conv=notrunc status=none || die "dd store"
rm -rf "$WORK/store.fs" "$WORK/storefs"
truncate -s 112M "$target"

attach storeloop "$store"
attach targetloop "$target" --direct-io=on
# shellcheck disable=SC2154  # set by attach
storename=${storeloop#/dev/} targetname=${targetloop#/dev/}
store_sha=$(sha "$storeloop")

# pane_says REGEX: the pane's text, its lines joined (wrapped text), matches.
pane_says() { tmux_pane | sed 's/^ *//' | tr '\n' ' ' | tr -s ' ' | grep -qE -- "$1"; }

# Start screen -> Restore -> the picker with our image (or image $1) -> its contents.
to_targets() {
    local name=${1:-$image_name}
    tmux_wait '^> 1\. Restore a system image' "the start screen's actions"
    tmux_send Enter
    tmux_wait 'Restore: choose an image' "the image picker" 60
    tmux_choose_row " .*$name"
    tmux_wait "^File: /run/lifeboat/${storename}p1/lifeboat/$name\$" "the image's path under /run/lifeboat"
    tmux_send Enter
    tmux_wait "Restore: what $name holds" "the contents"
}

# ---------------------------------------------------------------- run 1 --
tmux_start restore
tmux_hidden linux
tmux_type "TERM=linux $LB; echo exit-1=\$?"
to_targets
check "contents: a GPT" quiet tmux_try '^  Layout: GPT partition table, 512-byte sectors' 2
check "contents: the ESP" quiet tmux_try '^    partition 1  vfat "LBESP"  8\.0 MiB' 2
check "contents: the ext4 root" quiet tmux_try '^    partition 2  ext4 "LBROOT"  10[0-9]\.[0-9] MiB' 2
check "contents: the note" quiet tmux_try '^  Note: wizard restore test$' 2
tmux_send Enter
tmux_wait 'Restore: choose the disk to restore to' "the target list"
check "the store disk is marked as holding the image" quiet tmux_try "^[> ] $storename .*holds the image" 2
check "the suggestion says why" quiet tmux_try '^Suggested: [a-z0-9]+\. ' 2
tmux_choose_row "$targetname "
tmux_send Enter
tmux_wait "Restore: the plan for $targetname" "the plan"
check "the plan: image layout beside the target's" quiet tmux_try "^  The image holds +$targetname will hold" 2
check "the plan: what will be erased" quiet tmux_try "^  Everything on $targetname \(112\.0 MiB.*will be erased" 2
check "the plan: the blank target holds nothing" quiet tmux_try 'no partitions or filesystems were found on it' 2
tmux_send Enter
tmux_wait "type the disk's name: $targetname" "the confirmation"
tmux_send -l nope
tmux_send Enter
tmux_wait "\"nope\" is not $targetname" "the wrong name's problem"
check "a wrong name writes nothing" [ "$(sha "$targetloop")" = "$(sha "$target")" ] # both views of the same blank file
check "the target is still blank" [ -z "$(tr -d '\0' <"$target" | head -c 1)" ]
tmux_send -l "$targetname"
tmux_send Enter
tmux_wait 'Restore finished' "the result" 90
check "the result says what the disk holds" pane_says "$targetname now holds the system from /run/lifeboat/${storename}p1/lifeboat/$image_name"
check "the result names the log" quiet tmux_try '^  Log: /run/lifeboat/lifeboat\.log' 2
check "the result offers Back, Reboot, Power off" quiet tmux_try '>\[ Back \]<  +\[ Reboot \]  +\[ Power off \]' 2
tmux_send Enter
tmux_wait '^> 1\. Restore a system image' "the start screen again" 60
tmux_send q
tmux_sane 1 0
ok "run 1: the terminal is sane after quitting"

# ------------------------------------------------- the restore, on the host --
gpt_at_end "$target" "the restored table"
same_table "$src" "$target" "the restored table"
check "partition 1 (FAT) byte for byte" cmp -s -n "$p1_bytes" -i $((p1_start * 512)):$((p1_start * 512)) "$src" "$target"
check "partition 2 (ext4) byte for byte" cmp -s -n "$p2_bytes" -i $((p2_start * 512)):$((p2_start * 512)) "$src" "$target"
dd if="$target" of="$WORK/esp.check" bs=1M skip=$((p1_start * 512)) count="$p1_bytes" iflag=skip_bytes,count_bytes status=none
check "fsck.fat -n on the restored ESP" fs_check fat16 "$WORK/esp.check"
rm -f "$WORK/esp.check"
attach rootro "$target" -r -o $((p2_start * 512)) --sizelimit "$p2_bytes"
# shellcheck disable=SC2154
check "e2fsck -fn on the restored root" fs_check ext4 "$rootro"
detach "$rootro"
check "the store disk is unchanged" [ "$(sha "$storeloop")" = "$store_sha" ]

# ---------------------------------------------------------------- run 2 --
# The cancel must land while the restore runs (lib/tmux.sh: 5% of a CPU).
tmux_slow_down || skip "no cpu cgroup to slow the restore down with, so a cancel could not be sure to land"
tmux_type "clear; TERM=linux $LB; echo exit-2=\$?"
to_targets
tmux_send Enter
tmux_wait 'Restore: choose the disk to restore to' "the target list"
tmux_choose_row "$storename "
tmux_send Enter
tmux_wait "The image is stored on $storename" "the refusal dialog"
check "the refusal says what to do" quiet tmux_try 'What to do: ' 2
tmux_send Enter
tmux_wait 'Restore: choose the disk to restore to' "the target list after the refusal"
check "the refusal wrote nothing to the store disk" [ "$(sha "$storeloop")" = "$store_sha" ]
restored_sha=$(sha "$target")
tmux_choose_row "$targetname "
tmux_send Enter
tmux_wait "Restore: the plan for $targetname" "the plan"
check "the plan lists the partitions that will be erased" quiet tmux_try '^    partition 2  10[0-9]\.[0-9] MiB  ext4 "LBROOT"' 2
tmux_send Enter
tmux_wait "type the disk's name: $targetname" "the confirmation"
tmux_send -l "$targetname"
tmux_send Enter Escape  # Esc at once: the restore has just begun
tmux_wait 'Stop the restore\?' "the cancel question" 10
check "the question says what the disk will hold" pane_says "Writing to $targetname has begun|$targetname is partly overwritten"
tmux_send Left Enter
tmux_wait 'Restore (cancelled|finished)' "the result" 90
check "the cancel landed before the restore ended" quiet tmux_try 'Restore cancelled' 1
check "the result says the restore was stopped" pane_says "The restore was stopped\. restore of .* onto $targetloop cancelled"
check "the result says the disk's condition" quiet tmux_try "^  Condition of $targetname: " 2
# The condition is the core's own account of the target.
if pane_says 'nothing was written'; then
    check "nothing was written, as it says" [ "$(sha "$target")" = "$restored_sha" ]
else
    check "what it holds, in words" pane_says 'after writing [0-9.]+ [KMG]?i?B of [0-9.]+ [KMG]?i?B'
    check "the condition: part of the image" pane_says "$targetloop holds part of the image"
fi
tmux_send Enter
tmux_wait '^> 1\. Restore a system image' "the start screen again" 60
tmux_send q
tmux_sane 2 0
ok "run 2: the terminal is sane after quitting"
tmux_speed_up
check "the store disk is unchanged after everything" [ "$(sha "$storeloop")" = "$store_sha" ]

# ---------------------------------------------------------------- run 3 --
# Onto a larger disk, G on the plan grows the last partition and its ext4.
truncate -s 160M "$big"
attach bigloop "$big"
# shellcheck disable=SC2154  # set by attach
bigname=${bigloop#/dev/}
tmux_type "clear; TERM=linux $LB; echo exit-3=\$?"
to_targets
tmux_send Enter
tmux_wait 'Restore: choose the disk to restore to' "the target list"
tmux_choose_row "$bigname "
tmux_send Enter
tmux_wait "Restore: the plan for $bigname" "the plan onto the larger disk"
check "the plan: 48 MiB unused at the end" pane_says 'unused: 48\.0 MiB at the end'
check "the plan offers to grow partition 2" pane_says "Press G to let partition 2 grow to the end of $bigname"
check "growing is off until asked" eval '! pane_says "grows by"'
tmux_send NPage  # the core's plan and its notes end the screen
tmux_wait '^ *Note ' "the end of the plan"
check "the core's note: 48 MiB stay in no partition, the G key would fill them" \
    pane_says 'is 48\.0 MiB larger than the source disk; the 48\.0 MiB after partition 2 stay in no partition \(the G key lets partition 2 fill them\)'
check "no command-line option on the plan" eval "! pane_says '--grow'"
tmux_send PPage
tmux_send g
tmux_wait "Press G to keep partition 2 at its size in the image" "the plan with growing"
check "the target column: partition 2 at 151.0 MiB" pane_says 'MiB partition 2 151\.0 MiB Press G'
check "the core's plan: partition 2 from 103.0 to 151.0 MiB" pane_says '2 9\.0 MiB 103\.0 MiB 9\.0 MiB 151\.0 MiB'
tmux_send Enter
tmux_wait "type the disk's name: $bigname" "the confirmation"
tmux_send -l "$bigname"
tmux_send Enter
tmux_wait 'Restore finished' "the result" 90
check "the result says the ext4 grew" pane_says 'partition 2 \(ext4\) and its filesystem now fill the disk'
tmux_send Enter
tmux_wait '^> 1\. Restore a system image' "the start screen again" 60
tmux_send q
tmux_sane 3 0
ok "run 3: the terminal is sane after quitting"
detach "$bigloop"
gpt_at_end "$big" "the grown disk"
ends_last "$big" 2 "the grown disk"
check "partition 1 (FAT) byte for byte" cmp -s -n "$p1_bytes" -i $((p1_start * 512)):$((p1_start * 512)) "$src" "$big"
ext_fills "$big" 2 "the grown disk: partition 2"
DATA_SUMS=$WORK/data.sums  # the files of the source's ext4, as judge_part wants them
tree_sums "$WORK/data" >"$DATA_SUMS"
judge_part "$src" "$big" 2 ext4 "the grown disk"

# ---------------------------------------------------------------- run 4 --
# An image whose partitions end at 29 MiB of its 96 MiB disk, onto a 40 MiB
# disk: the wizard and the core agree that it fits (the backup GPT after the
# last partition, not the source's size), so it is offered and restores.
truncate -s 40M "$target2"
attach smallloop "$target2"
# shellcheck disable=SC2154  # set by attach
smallname=${smallloop#/dev/}
tmux_type "clear; TERM=linux $LB; echo exit-4=\$?"
to_targets "$small_name"
check "contents: it needs the last partition's end and the backup GPT, not 96 MiB" \
    pane_says 'A target disk needs at least 29\.0 MiB with every partition at its size;'
tmux_send Enter
tmux_wait 'Restore: choose the disk to restore to' "the target list"
check "the 40 MiB disk is listed" quiet tmux_try "^[> ] $smallname +40\.0 MiB" 2
check "the 40 MiB disk is not marked too small" eval "! tmux_pane | grep -E '^[> ] $smallname ' | grep -q 'too small'"
tmux_choose_row "$smallname "
tmux_send Enter
tmux_wait "Restore: the plan for $smallname" "the plan onto the smaller disk"
tmux_send NPage  # the core's plan, below the two columns
tmux_wait '^ *Table ' "the core's plan with its table line"
check "the plan writes the table for the 40 MiB target, not the source's 96 MiB" \
    pane_says "written for this target's 40\.0 MiB \(the source disk had 96\.0 MiB\)"
tmux_send PPage
tmux_send Enter
tmux_wait "type the disk's name: $smallname" "the confirmation"
tmux_send -l "$smallname"
tmux_send Enter
tmux_wait 'Restore finished' "the result" 90
tmux_send Enter
tmux_wait '^> 1\. Restore a system image' "the start screen again" 60
tmux_send q
tmux_sane 4 0
ok "run 4: the terminal is sane after quitting"
detach "$smallloop"
gpt_at_end "$target2" "the smaller disk"
same_table "$src2" "$target2" "the smaller disk"
check "the smaller disk: partition 1 (FAT) byte for byte" \
    cmp -s -n "$p1_bytes" -i $((p1_start * 512)):$((p1_start * 512)) "$src2" "$target2"
check "the smaller disk: partition 2 (ext4) byte for byte" \
    cmp -s -n $((40960 * 512)) -i $((18432 * 512)):$((18432 * 512)) "$src2" "$target2"
attach root2 "$target2" -r -o $((18432 * 512)) --sizelimit $((40960 * 512))
# shellcheck disable=SC2154
check "the smaller disk: e2fsck -fn on partition 2" fs_check ext4 "$root2"
detach "$root2"

# ---------------------------------------------------------------- run 5 --
# Onto a 96 MiB disk, smaller than the 112 MiB source: listed as fitting (the
# root's least size measured, not guessed). S on the plan opens the sizes
# screen: each partition's size in the image, on the disk and its least; a
# size under the least is refused there with the numbers; 85M for the root is
# laid out, the space left shown; the plan follows; the restore makes the root
# exactly 85 MiB with its ext4 whole (identity, e2fsck -fn, every file).
truncate -s 96M "$WORK/shrink.img"
attach shrinkloop "$WORK/shrink.img"
# shellcheck disable=SC2154  # set by attach
shrinkname=${shrinkloop#/dev/}
tmux_type "clear; TERM=linux $LB; echo exit-5=\$?"
to_targets
tmux_send Enter
tmux_wait 'Restore: choose the disk to restore to' "the target list" 60
check "the 96 MiB disk is listed, not marked too small" \
    eval "tmux_pane | grep -E '^[> ] $shrinkname +96\.0 MiB' | grep -vq 'too small'"
tmux_choose_row "$shrinkname "
tmux_send Enter
tmux_wait "Restore: the plan for $shrinkname" "the plan onto the smaller disk" 60
check "the plan: partition 2 shrinks" pane_says 'partition 2 shrinks: see below'
check "the plan offers the sizes screen" pane_says 'Press S to choose the size of each partition\.'
tmux_send s
tmux_wait "Restore: partition sizes on $shrinkname \(96\.0 MiB\)" "the sizes screen" 60
check "sizes: the heading" quiet tmux_try "^    #  Filesystem +In image +On $shrinkname +At least\$" 2
check "sizes: the ESP keeps its 8 MiB" quiet tmux_try '^>   1  vfat "LBESP" +8\.0 MiB +8\.0 MiB +[0-9.]+ MiB *$' 2
root_row='^    2  ext4 "LBROOT" +10[0-9]\.[0-9] MiB'
check "sizes: the root shrinks to fit" quiet tmux_try "$root_row +[0-9.]+ MiB +[0-9.]+ MiB  shrinks\$" 2
least=$(tmux_pane | sed -nE 's/^    2  ext4 "LBROOT" .* ([0-9]+\.[0-9]) MiB  shrinks$/\1/p')
check "sizes: the root's least size ($least MiB) is under 85 MiB" awk -v l="$least" 'BEGIN { exit !(l > 64 && l < 85) }'
check "sizes: the ESP is special" pane_says 'Special \(EFI system partition\): it keeps its size unless you choose one\.'
tmux_send Down Enter
tmux_wait 'New size of partition 2:' "the size field"
tmux_send -l 20M
tmux_send Enter
tmux_wait "partition 2 \(ext4 'LBROOT'\) needs at least $least MiB \(its filesystem uses" "a size under the least refused"
tmux_send BSpace BSpace BSpace
tmux_send -l 85M
tmux_send Enter
tmux_wait "^>   2  ext4 \"LBROOT\" +10[0-9]\.[0-9] MiB +85\.0 MiB +$least MiB  chosen, shrinks\$" "the root at 85 MiB"
# 96 MiB is 196608 sectors, the last usable 196574; the root ends on 18432 + 174080 - 1.
check "sizes: what is left at the end" pane_says "Unused at the end of $shrinkname: 2\.0 MiB"
tmux_choose_row "Use these sizes"
tmux_send Enter
tmux_wait "Restore: the plan for $shrinkname" "the plan with the sizes chosen" 60
tmux_send NPage
tmux_wait '^ *Sizes ' "the core's plan with its sizes"
check "the core's plan: partition 2 shrinks to 85 MiB" pane_says "partition 2 \(ext4 'LBROOT'\): shrinks 10[0-9]\.[0-9] MiB -> 85\.0 MiB"
tmux_send Enter
tmux_wait "type the disk's name: $shrinkname" "the confirmation"
tmux_send -l "$shrinkname"
tmux_send Enter
tmux_wait 'Restore finished' "the result" 90
tmux_send Enter
tmux_wait '^> 1\. Restore a system image' "the start screen again" 60
tmux_send q
tmux_sane 5 0
ok "run 5: the terminal is sane after quitting"
detach "$shrinkloop"
sgdisk_clean "$WORK/shrink.img" "the smaller disk with sizes chosen"
same_entries "$src" "$WORK/shrink.img" "the smaller disk with sizes chosen"
check "the root is 85 MiB, as typed" [ "$(part_size "$WORK/shrink.img" 2)" = 174080 ]
check "the ESP byte for byte" cmp -s -n "$p1_bytes" -i $((p1_start * 512)):$((p1_start * 512)) "$src" "$WORK/shrink.img"
judge_moved "$src" "$WORK/shrink.img" 2 ext4 "the smaller disk with sizes chosen"
rm -f "$WORK/shrink.img"

# ------------------------------------- per-partition progress in the CLI --
truncate -s 112M "$WORK/cli.img"
attach storero "$store" -r -o $((2048 * 512))
mkdir -p "$WORK/mnt"
# shellcheck disable=SC2154
mounted "$WORK/mnt" mount -o ro,noload "$storero" "$WORK/mnt" || die "mount the store"
lb restore --yes --progress json "$WORK/mnt/lifeboat/$image_name" "$WORK/cli.img"
check "the CLI restores the image" [ "$RC" = 0 ]
check "json progress: partition 1 ends with all its bytes" \
    quiet jq -se 'map(select(.item? and (.item | startswith("partition 1")))) | last | .item_done == .item_total and .item_total > 0' "$OUT"
check "json progress: partition 2 ends with all its bytes" \
    quiet jq -se 'map(select(.item? and (.item | startswith("partition 2")))) | last | .item_done == .item_total and .item_total > 60000000' "$OUT"
check "json progress: each item's bytes never exceed its total" \
    quiet jq -se 'map(select(.item?)) | all(.item_done <= .item_total)' "$OUT"
unmount "$WORK/mnt"
detach "$storero"
lb_finish
