#!/bin/bash
# Text from an image or a disk never reaches the terminal as a control
# sequence. A disk whose ext4 label and GPT partition name hold escape
# sequences is captured on a host whose name holds one, with a note holding
# an OSC title sequence and a C1 CSI (U+009B); then `info`, `info --json`,
# `restore --dry-run`, a restore's progress and `disks` are run, and an image
# named with an escape sequence is opened: no output holds a byte 0x1b or a
# C1 control, each shows the text with \xNN escapes, and `info --json` is
# valid JSON whose strings give the text back exactly.
#   usage: image_escapes.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init image-escapes "${1:-}"
need_tools sgdisk mkfs.ext4 jq unshare python3
need_loop

esc=$'\e'
label="a${esc}[2Jb"                          # clears the screen
name="p${esc}[31mred"                        # colours what follows
note="n${esc}]0;pwned"$'\a'"$(printf 'x\xc2\x9b31m')"   # retitles the terminal; CSI as a C1 control
host="h${esc}[5mx"

disk=$WORK/disk.img
truncate -s 64M "$disk"
sgdisk -n 1:2048:+32M -t 1:8300 -c "1:$name" "$disk" >/dev/null || die "sgdisk"
mkfs.ext4 -q -F -L "$label" -E offset=$((2048 * 512)) "$disk" 32M || die "mkfs.ext4"

# Captured in a UTS namespace of its own, under that host name (the hostname tool refuses it).
unshare -u sh -c 'printf %s "$1" >/proc/sys/kernel/hostname && exec "$2" capture --progress none --note "$3" "$4" "$5"' sh \
    "$host" "$LB" "$note" "$disk" "$WORK/pc.lbi" >"$WORK/capture.out" 2>&1 ||
    { cat "$WORK/capture.out"; die "capture"; }

# clean WHAT FILE: FILE holds no ESC byte and no C1 control (U+0080..U+009F as UTF-8).
clean() {
    check "$1: no escape byte and no C1 control" \
        python3 -c 'import sys, re; b = open(sys.argv[1], "rb").read(); sys.exit(1 if b"\x1b" in b or re.search(rb"\xc2[\x80-\x9f]", b) else 0)' "$2"
}

lb_ok "info" info "$WORK/pc.lbi" && {
    clean "info" "$OUT"
    check "info: the label shown escaped" grep -qF 'a\x1b[2Jb' "$OUT"
    check "info: the partition name shown escaped" grep -qF 'p\x1b[31mred' "$OUT"
    check "info: the note shown escaped, its C1 control too" grep -qF 'Note        n\x1b]0;pwned\x07x\xc2\x9b31m' "$OUT"
    check "info: the host shown escaped" grep -qF 'h\x1b[5mx' "$OUT"
}
lb_ok "info --json" info --json "$WORK/pc.lbi" && {
    clean "info --json" "$OUT"
    check "info --json: valid JSON, the note exactly as written" [ "$(jq -r .manifest.note "$OUT")" = "$note" ]
    check "info --json: the label exactly" [ "$(jq -r '.manifest.streams[] | select(.role == "partition") | .filesystem.label' "$OUT")" = "$label" ]
    check "info --json: the partition name exactly" [ "$(jq -r '.manifest.disk.partitions[0].name' "$OUT")" = "$name" ]
}
junk "$WORK/target.img" $((64 * 1024 * 1024))
lb_ok "restore --dry-run" restore --dry-run "$WORK/pc.lbi" "$WORK/target.img" && {
    clean "restore --dry-run" "$OUT"
    check "the plan names partition 1 by its label, escaped" grep -qF "partition 1 (ext4 'a\\x1b[2Jb')" "$OUT"
    check "the plan names the host, escaped" grep -qF 'h\x1b[5mx' "$OUT"
}
lb_ok "restore with progress as text" restore --yes --progress text "$WORK/pc.lbi" "$WORK/target.img" && {
    clean "restore's progress and report" "$ERR"
    clean "restore's output" "$OUT"
}
lb_ok "disks" disks "$disk" && {
    clean "disks" "$OUT"
    check "disks: the label shown escaped" grep -qF 'a\x1b[2Jb' "$OUT"
}
lb_ok "disks --json" disks --json "$disk" && {
    clean "disks --json" "$OUT"
    check "disks --json: the label exactly" [ "$(jq -r '.devices[0].partitions[0].filesystem.label' "$OUT")" = "$label" ]
}
evil="$WORK/x${esc}[2J.lbi"
cp "$WORK/pc.lbi" "$evil"
printf 'garbage' | dd of="$evil" bs=1 seek=100 conv=notrunc status=none
lb_expect 3 "a damaged image named with an escape sequence" info "$evil" && {
    clean "the error about it" "$ERR"
    check "the error names the file escaped" grep -qF 'x\x1b[2J.lbi' "$ERR"
}
lb_finish
