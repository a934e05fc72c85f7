#!/bin/bash
# `lifeboat list FOLDER`: the images of a folder (itself, its lifeboat/
# folder, one level below), grouped by the machine they came from, the
# machine with the newest image first and each machine's images newest
# first, with the verify date; an unreadable .lbi apart, with why; partial
# captures never listed. Three captures of one ext4 filesystem on two host
# names (UTS namespaces), one without verify, a junk .lbi and a .partial,
# judged through --json (jq) and the text. Then the refusals: a folder that
# is not there (7), a file (2), a URL with a password (2, not repeated), a
# network store still to come (9); an empty folder lists nothing and succeeds.
#   usage: image_list.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init image-list "${1:-}"
need_tools mkfs.ext4 jq unshare

fs=$WORK/fs.img
truncate -s 16M "$fs"
mkfs.ext4 -q -F "$fs" || die "mkfs.ext4"
store=$WORK/images
mkdir -p "$store/lifeboat"

# capture_on HOST IMAGE ARGS...: captures $fs as HOST would.
capture_on() {
    local host=$1 image=$2
    shift 2
    unshare -u sh -c 'printf %s "$1" >/proc/sys/kernel/hostname && shift && exec "$@"' sh "$host" \
        "$LB" capture --progress none "$@" "$fs" "$image" >"$WORK/capture.out" 2>&1 ||
        { cat "$WORK/capture.out"; die "capture $image"; }
    sleep 1.1  # creation times have whole seconds
}
capture_on pc-a "$store/pc-a-1.lbi" --note "before the update"
capture_on pc-b "$store/lifeboat/pc-b.lbi"
capture_on pc-a "$store/pc-a-2.lbi" --no-verify
head -c 4096 /dev/urandom >"$store/junk.lbi"
cp "$store/pc-a-1.lbi" "$store/pc-a-3.lbi.partial"  # a capture in progress

lb_ok "list --json" list --json "$store" && {
    j=$OUT
    check "two machines, pc-a (the newest image) first" \
        test "$(jq -c '[.machines[].host]' "$j")" = '["pc-a","pc-b"]'
    check "pc-a's images newest first" \
        test "$(jq -c '[.machines[0].images[].path]' "$j")" = "[\"$store/pc-a-2.lbi\",\"$store/pc-a-1.lbi\"]"
    check "pc-b's image found in lifeboat/" \
        test "$(jq -r '.machines[1].images[0].path' "$j")" = "$store/lifeboat/pc-b.lbi"
    check "the note" test "$(jq -r '.machines[0].images[1].note' "$j")" = "before the update"
    check "verified when capture verified it, not when --no-verify" \
        test "$(jq -c '[.machines[0].images[].verified | type]' "$j")" = '["null","string"]'
    check "sizes: the source and the file" \
        test "$(jq -r '.machines[0].images[1] | "\(.source.size) \(.bytes) \(.volumes)"' "$j")" = \
        "16777216 $(stat -c %s "$store/pc-a-1.lbi") 1"
    check "the junk file is unreadable, with why" \
        test "$(jq -c '[.unreadable[] | .path, (.problem | test("no volume header"))]' "$j")" = \
        "[\"$store/junk.lbi\",true]"
    check "no partial capture listed" sh -c '! grep -q partial "$1"' sh "$j"
}

lb_ok "list" list "$store" && {
    check "text: machines and images in order" \
        test "$(grep -oE 'pc-a:|pc-b:|pc-a-[0-9].lbi|pc-b.lbi|junk.lbi' "$OUT" | tr '\n' ' ')" = \
        "pc-a: pc-a-2.lbi pc-a-1.lbi pc-b: pc-b.lbi junk.lbi "
    check "text: the verify dates" test "$(grep -c ', verified 20' "$OUT")" = 2
    check "text: not verified" grep -q 'pc-a-2.lbi .*, not verified' "$OUT"
    check "text: the note under its image" grep -qx '      before the update' "$OUT"
    check "text: the junk file's reason, named once" grep -qx "  $store/junk.lbi: not a Lifeboat image volume (no volume header)" "$OUT"
}

mkdir "$WORK/empty"
lb_ok "list of an empty folder" list "$WORK/empty" &&
    check "says there are none" grep -qx "no Lifeboat images in $WORK/empty" "$OUT"
lb_expect 7 "a folder that is not there" list "$WORK/nowhere" &&
    err_has "names it" "open $WORK/nowhere: No such file or directory"
lb_expect 2 "a file" list "$store/pc-a-1.lbi" && err_has "says so" "$store/pc-a-1.lbi is not a folder"
lb_expect 2 "a password in a URL" list "smb://ann:s3cret@files/images" &&
    check "credentials not repeated" sh -c '! grep -q s3cret "$1"' sh "$ERR"
lb_expect 9 "a kind of store Lifeboat does not know" list "ftp://files/images" && {
    err_has "says what is not supported" "images on network stores \\(ftp://\\) are not supported"
}
lb_finish
