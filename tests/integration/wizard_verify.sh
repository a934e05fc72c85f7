#!/bin/bash
# The wizard's Verify, end to end, in an 80x24 tmux pane with TERM=linux and
# every terminfo database hidden (the static binary's own entries draw), and
# the verified mark the CLI records (docs/FORMAT.md, "Verified mark").
# CLI: `capture --no-verify` leaves no mark; `verify IMAGE` writes
# .IMAGE.verified with the image's uuid (as `info --json` gives it), its size
# and a UTC date; a copy of the image on a read-only mount verifies (exit 0)
# and says the mark could not be recorded; `find` sees no temporary file.
# Wizard: a "store" loop disk (GPT, one ext4 partition) holds in lifeboat/ two
# images captured with the CLI from 12 MiB of random bytes, one of them then
# damaged (a byte flipped in the middle of its second chunk). Verify -> the
# picker lists both, the good one "verified <date>" (its mark), the damaged
# one not (its mark is stale); the good one -> "The image is whole", the
# chunk count; Verify another -> the damaged one -> "The image is damaged",
# the chunk named with its source offset as `lifeboat verify` names it, what
# to do, the log; Verify another -> Browse... walks the file browser from
# /run/lifeboat to the good image (Esc back to the picker, ".." back up with
# the cursor on the folder it came from) and verifies it; the store disk's
# bytes are unchanged; the terminal is sane.
# Usage: wizard_verify.sh /path/to/lifeboat    (exit 77 = skipped; SHOW_PANES=1 prints both results)
source "$(dirname "$0")/lib/common.sh"
lb_init wizard_verify "$@"
source "$(dirname "$0")/lib/tmux.sh"
need_tools sgdisk mke2fs losetup mount jq python3 sha256sum dd find
need_loop
tmux_init
TMUX_WAIT_SECONDS=30

MiB=1048576
store=$WORK/store.img
good=wizverify-good-$$.lbi bad=wizverify-bad-$$.lbi

# pane_says REGEX: the pane's text, its lines joined (wrapped text), matches.
pane_says() { tmux_pane | sed 's/^ *//' | tr '\n' ' ' | tr -s ' ' | grep -qE -- "$1"; }

# ------------------------------------------------- the CLI's verified mark --
head -c $((12 * MiB)) /dev/urandom >"$WORK/source.bin"
mkdir -p "$WORK/cli"
lb_ok "capture --no-verify" capture --progress none --no-verify "$WORK/source.bin" "$WORK/cli/x.lbi" || die "capture"
check "capture --no-verify records no mark" [ ! -e "$WORK/cli/.x.lbi.verified" ]
lb_ok "verify" verify --progress none "$WORK/cli/x.lbi" || die "verify"
mark=$WORK/cli/.x.lbi.verified
if [ -f "$mark" ]; then
    ok "verify wrote $mark"
    lb_ok "info --json" info --json "$WORK/cli/x.lbi"
    check "the mark names the image's uuid" [ "$(jq -r .uuid "$mark")" = "$(jq -r .image.uuid "$OUT")" ]
    check "the mark holds the image's size" [ "$(jq -r .image_bytes "$mark")" = "$(fsize "$WORK/cli/x.lbi")" ]
    check "the mark holds its mtime (seconds)" [ "$(jq -r .modified "$mark")" = "$(stat -c %Y "$WORK/cli/x.lbi")" ]
    check "the mark's date is UTC, to the second" quiet jq -e '.verified | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")' "$mark"
else
    bad "verify wrote no mark at $mark"
fi
check "nothing else beside the image: no temporary file" \
    [ "$(find "$WORK/cli" -mindepth 1 -printf '%f\n' | sort | paste -sd' ')" = ".x.lbi.verified x.lbi" ]
# The same image on a read-only mount: whole, and the mark cannot be recorded.
truncate -s 64M "$WORK/ro.fs"
mkdir -p "$WORK/rofiles"
cp -p "$WORK/cli/x.lbi" "$WORK/rofiles/"
mke2fs -q -F -t ext4 -d "$WORK/rofiles" "$WORK/ro.fs" || die "mke2fs ro"
attach roloop "$WORK/ro.fs" -r
mkdir -p "$WORK/ro"
# shellcheck disable=SC2154  # set by attach
mounted "$WORK/ro" mount -o ro,noload "$roloop" "$WORK/ro" || die "mount the read-only copy"
lb verify --progress none "$WORK/ro/x.lbi"
check "verify on a read-only mount exits 0 (got $RC)" [ "$RC" -eq 0 ]
check "and says the mark was not recorded, and why" grep -q -E "verified mark was not recorded: .*Read-only file system \(the image is whole" "$ERR"
check "and the image is reported whole" grep -q "OK, 3 chunks" "$OUT"
unmount "$WORK/ro"
detach "$roloop"
rm -rf "$WORK/cli" "$WORK/ro.fs" "$WORK/rofiles"

# ------------------------------------------- two images on a store disk --
mkdir -p "$WORK/storefs/lifeboat"
"$LB" capture --progress none --note "wizard verify good" "$WORK/source.bin" "$WORK/storefs/lifeboat/$good" ||
    die "the CLI capture of the good image"
"$LB" capture --progress none --note "wizard verify bad" "$WORK/source.bin" "$WORK/storefs/lifeboat/$bad" ||
    die "the CLI capture of the bad image"
check "capture (with its verification) recorded the good image's mark" [ -f "$WORK/storefs/lifeboat/.$good.verified" ]
# The bad one: one byte in the middle of its second chunk, a second later
# (the mark's time is to the second, so it sees the change).
lbimage layout "$WORK/storefs/lifeboat/$bad" >"$WORK/layout.json" || die "lbimage layout"
L() { jq -r "$1" "$WORK/layout.json"; }
chunk_offset=$(L '.records[1].offset') chunk_at=$(L '.records[1].file_offset') chunk_size=$(L '.records[1].stored_size')
cp -p "$WORK/storefs/lifeboat/.$bad.verified" "$WORK/bad.mark" || die "the bad image has no mark after its capture"
sleep 1.1
lbimage flip "$WORK/storefs/lifeboat/$bad" $((chunk_at + chunk_size / 2)) || die "flip a byte"
lb verify --progress none "$WORK/storefs/lifeboat/$bad"
check "the CLI finds the flipped byte (exit 3, got $RC)" [ "$RC" -eq 3 ]
cli_damage=$(head -n1 "$ERR")
say "     | $cli_damage"
check "and names chunk 1 at its source offset" grep -q -E "chunk 1 \(stream 0, source offset 0x$(printf %x "$chunk_offset")" "$ERR"
check "a failed verification removes the damaged image's mark" [ ! -e "$WORK/storefs/lifeboat/.$bad.verified" ]
# Its mark back, as it was before the damage: the wizard must not trust it
# (the image's time is newer than the mark's).
cp -p "$WORK/bad.mark" "$WORK/storefs/lifeboat/.$bad.verified"
truncate -s 80M "$store"
sgdisk -o -n 1:2048:0 -t 1:8300 "$store" >/dev/null || die "sgdisk store"
store_end=$(sgdisk -i 1 "$store" | awk '/Last sector/ {print $3}')
truncate -s $(((store_end - 2048 + 1) * 512)) "$WORK/store.fs"
mke2fs -q -F -t ext4 -L LBVERIFY -d "$WORK/storefs" "$WORK/store.fs" || die "mke2fs store"
dd if="$WORK/store.fs" of="$store" bs=1M seek=$((2048 * 512)) oflag=seek_bytes conv=notrunc status=none || die "dd store"
rm -rf "$WORK/store.fs" "$WORK/storefs" "$WORK/bad.mark"
attach storeloop "$store"
# shellcheck disable=SC2154  # set by attach
storename=${storeloop#/dev/}
store_sha=$(sha "$storeloop")
images_dir=/run/lifeboat/${storename}p1/lifeboat

tmux_start verify
tmux_hidden linux
tmux_type "TERM=linux $LB; echo exit-1=\$?"
tmux_wait '^> 1\. Restore a system image' "the start screen's actions"
tmux_choose_row '[0-9]\. Verify an image'
tmux_send Enter
tmux_wait 'Verify: choose an image to check' "the image picker" 60
check "the good image is listed as verified (today, UTC)" \
    quiet tmux_try "^[> ]   .*verified $(date -u +%Y-%m-%d)  $good" 2
check "the damaged image is listed, not as verified" quiet tmux_try "^[> ]   [^\"]*  $bad  \"wizard verify bad\"" 2
check "the damaged image's line has no verified mark" eval "! tmux_pane | grep -E '$bad' | grep -q verified"

# The good one: whole.
tmux_choose_row " .*$good"
tmux_wait "^File: $images_dir/$good\$" "the good image's path under /run/lifeboat"
tmux_send Enter
tmux_wait 'The image is whole\.' "the result of the good image" 60
[ -n "${SHOW_PANES:-}" ] && tmux_show
check "whole: every chunk checked, with the count" pane_says 'Every chunk checked: 3 chunks, 12\.0 MiB of data'
check "whole: it can be used to restore" pane_says 'What to do: It can be used to restore\.'
check "whole: the mark could not be recorded on the read-only mount, and it says so" \
    pane_says 'Whole, but this could not be noted for the image lists \(they will not show it as verified\): record that /run/lifeboat/.*verified: Read-only file system\.'
check "whole: the log is named" quiet tmux_try '^  Log: /run/lifeboat/lifeboat\.log' 2
check "whole: Verify another / Back to the start" quiet tmux_try '>\[ Verify another image \]<  +\[ Back to the start \]' 2

# Verify another -> the damaged one.
tmux_send Enter
tmux_wait 'Verify: choose an image to check' "the picker again" 60
tmux_choose_row " .*$bad"
tmux_send Enter
tmux_wait 'The image is damaged\.' "the result of the damaged image" 60
[ -n "${SHOW_PANES:-}" ] && tmux_show
check "damaged: the chunk is named with its source offset" \
    pane_says "chunk 1 \(stream 0, source offset 0x$(printf %x "$chunk_offset"); stored at byte [0-9]+ of"
stored_at=$(printf '%s' "$cli_damage" | grep -o -E 'stored at byte [0-9]+')
check "damaged: stored where lifeboat verify says ($stored_at)" eval '[ -n "$stored_at" ] && pane_says "$stored_at of"'
check "damaged: not to be used to restore" pane_says 'Do not restore from this image'
check "damaged: what to do instead" pane_says 'Verify another copy of it .*capture the system again'
check "damaged: the log is named" quiet tmux_try '^  Log: /run/lifeboat/lifeboat\.log' 2

# Verify another -> Browse...: the file browser opens at /run/lifeboat, walks
# down to the store's lifeboat/ folder, back up (the cursor lands on the
# folder it came from) and down again, and the file it chooses is verified.
tmux_send Enter
tmux_wait 'Verify: choose an image to check' "the picker a third time" 60
tmux_choose_row 'Browse\.\.\.'
check "Browse... says what it does" quiet tmux_try 'Look for an image file yourself, folder by folder\.' 5
tmux_send Enter
tmux_wait '^ *Folder: /run/lifeboat$' "the file browser at /run/lifeboat"
tmux_send Escape
check "Esc in the browser goes back to the picker" quiet tmux_try 'Verify: choose an image to check' 10
tmux_choose_row 'Browse\.\.\.'
tmux_send Enter
tmux_wait '^ *Folder: /run/lifeboat$' "the file browser again"
tmux_choose_row "${storename}p1/"
tmux_send Enter
tmux_wait "^ *Folder: /run/lifeboat/${storename}p1\$" "the store's root folder"
tmux_choose_row 'lifeboat/'
tmux_send Enter
tmux_wait "^ *Folder: $images_dir\$" "the store's lifeboat/ folder"
[ -n "${SHOW_PANES:-}" ] && tmux_show
check "the browser lists both images with their sizes" \
    eval "tmux_pane | grep -qE '$good  \([0-9.]+ MiB\)' && tmux_pane | grep -qE '$bad  \([0-9.]+ MiB\)'"
tmux_choose_row '\.\./'
tmux_send Enter
tmux_wait "^ *Folder: /run/lifeboat/${storename}p1\$" "the store's root folder after going up"
check "going up puts the cursor on the folder it came from" quiet tmux_try '^> lifeboat/' 5
tmux_send Enter
tmux_wait "^ *Folder: $images_dir\$" "the lifeboat/ folder again"
tmux_choose_row "$good  \\("
tmux_send Enter
tmux_wait 'The image is whole\.' "the result of the image chosen in the browser" 60
check "browsed: every chunk checked, with the count" pane_says 'Every chunk checked: 3 chunks, 12\.0 MiB of data'
tmux_send Right Enter
tmux_wait '^[> ] 1\. Restore a system image' "the start screen again" 60
tmux_send q
tmux_sane 1 0
ok "the terminal is sane after quitting"

check "the wizard unmounted the store" eval "! grep -q ' /run/lifeboat/${storename}p1 ' /proc/mounts"
check "the store disk is unchanged (verifying writes nothing)" [ "$(sha "$storeloop")" = "$store_sha" ]
check "the log has both verifications" eval "grep -q 'verify finished: $images_dir/$good is whole' /run/lifeboat/lifeboat.log &&
    grep -q 'verify ended (damaged_image): chunk 1' /run/lifeboat/lifeboat.log"
detach "$storeloop"
lb_finish
