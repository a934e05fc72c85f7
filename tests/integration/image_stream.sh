#!/bin/bash
# Restore and verify from a stream (issue 20: what a multicast receiver pipes
# in; docs/FORMAT.md, "Reading an image as a stream"). The image goes through
# a pipe, so nothing can seek:
#   1. a GPT disk (ext4, FAT32, swap) restored from `cat IMAGE |` onto a new
#      file and onto junk: byte-identical to a restore from the file, sgdisk -v
#      clean, every filesystem judged by its checker and its files;
#   2. a split image as its volumes one after the other (`cat NAME NAME.0*`);
#   3. an MBR disk with logical partitions (EBRs, rewritten after the table
#      from what the stream kept): identical to a restore from the file;
#   4. `verify -` counts the chunks `verify IMAGE` counts;
#   5. a stream cut in the middle and one with a damaged chunk, onto a disk
#      with another table: exit 3, the error says so and what the target
#      holds, and the target's old table is untouched (sgdisk -v, its disk GUID);
#   6. refusals that write nothing: an image from before streaming (the
#      golden v1 image: exit 9), no --yes onto an existing target (exit 6).
#   usage: image_stream.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init stream "${1:-}"
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
disk_init

MiB=$((1 << 20))

# lb_piped INPUT ARGS...: lifeboat with INPUT's bytes on a pipe as its standard input.
lb_piped() {
    local input=$1
    shift
    OUT=$WORK/lb.out ERR=$WORK/lb.err
    cat "$input" | "$LB" "$@" >"$OUT" 2>"$ERR"
    RC=${PIPESTATUS[1]}
}
# piped_ok DESCRIPTION INPUT ARGS...: lb_piped, expecting exit 0.
piped_ok() {
    local what=$1
    shift
    lb_piped "$@"
    [ "$RC" -eq 0 ] && return 0
    bad "$what: lifeboat ${*:2} < $1 exited $RC, expected 0"
    show_err
    return 1
}
piped_expect() {
    local code=$1 what=$2
    shift 2
    lb_piped "$@"
    if [ "$RC" -eq "$code" ]; then ok "$what: exit $RC"; else bad "$what: exited $RC, expected $code"; show_err; fi
}

# --- 1. GPT -----------------------------------------------------------------
say "--- GPT: ESP (FAT32), root (ext4), swap"
gpt=$WORK/gpt.img
junk "$gpt" $((96 * MiB))
sfdisk -q "$gpt" <<'END' >/dev/null 2>&1 || die "sfdisk $gpt"
label: gpt
label-id: 5A5A5A5A-1111-2222-3333-444444444444
start=2048, size=81920, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="ESP"
start=83968, size=81920, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
start=165888, size=16384, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F
END
put_fs "$gpt" 1 fat32 ESP
put_fs "$gpt" 2 ext4 root
put_fs "$gpt" 3 swap swap
lb_ok "GPT: capture" capture --progress none "$gpt" "$WORK/gpt.lbi" || die "capture $gpt"
lb_ok "GPT: restore from the file" restore --yes --progress none "$WORK/gpt.lbi" "$WORK/direct.img" ||
    die "restore from the file"

if piped_ok "GPT: restore - onto a new file" "$WORK/gpt.lbi" restore --yes --progress none - "$WORK/new.img"; then
    check "GPT: restored from a pipe onto a new file = restored from the file (cmp)" \
        same_bytes "$WORK/direct.img" "$WORK/new.img"
    gpt_at_end "$WORK/new.img" "GPT from a pipe"
    same_table "$gpt" "$WORK/new.img" "GPT from a pipe"
    judge_part "$gpt" "$WORK/new.img" 1 fat32 "GPT from a pipe"
    judge_part "$gpt" "$WORK/new.img" 2 ext4 "GPT from a pipe"
    judge_part "$gpt" "$WORK/new.img" 3 swap "GPT from a pipe"
fi
# Onto junk: both restores onto the same junk end the same.
junk "$WORK/junk.img" $((128 * MiB))
cp "$WORK/junk.img" "$WORK/on-junk-file.img"
cp "$WORK/junk.img" "$WORK/on-junk-pipe.img"
lb_ok "GPT: restore from the file onto junk" restore --yes --progress none "$WORK/gpt.lbi" "$WORK/on-junk-file.img"
piped_ok "GPT: restore - onto junk" "$WORK/gpt.lbi" restore --yes --progress none - "$WORK/on-junk-pipe.img" &&
    check "GPT onto a larger disk of junk: from a pipe = from the file (cmp)" \
        same_bytes "$WORK/on-junk-file.img" "$WORK/on-junk-pipe.img"
gpt_at_end "$WORK/on-junk-pipe.img" "GPT from a pipe onto junk"
grep -q "restored standard input onto" "$ERR" && ok "the CLI names standard input as the image" ||
    { bad "the CLI does not name standard input"; show_err; }

# --- 2. a split image ------------------------------------------------------
lb_ok "split capture" capture --progress none --split 2M "$gpt" "$WORK/split.lbi" || die "split capture"
check "the split image has 3 or more volumes" [ -e "$WORK/split.lbi.003" ]
cat "$WORK/split.lbi" "$WORK"/split.lbi.0* >"$WORK/joined"
piped_ok "split: restore - of the volumes one after the other" "$WORK/joined" restore --yes --progress none - \
    "$WORK/split.img" && check "split: restored from a pipe = restored from the file (cmp)" \
    same_bytes "$WORK/direct.img" "$WORK/split.img"
rm -f "$WORK/joined" "$WORK/split.img"

# --- 3. MBR with logical partitions ------------------------------------------
say "--- MBR: a primary, logicals 5 and 6"
mbr=$WORK/mbr.img
junk "$mbr" $((96 * MiB))
sfdisk -q "$mbr" <<'END' >/dev/null 2>&1 || die "sfdisk $mbr"
label: dos
label-id: 0x9a9a9a9a
start=2048, size=32768, type=83, bootable
start=36864, size=143360, type=5
start=38912, size=32768, type=83
start=112640, size=32768, type=83
END
put_fs "$mbr" 1 ext4 prim
put_fs "$mbr" 5 ext4 five
put_fs "$mbr" 6 fat16 six
lb_ok "MBR: capture" capture --progress none "$mbr" "$WORK/mbr.lbi" || die "capture $mbr"
cp "$WORK/junk.img" "$WORK/mbr-file.img"
cp "$WORK/junk.img" "$WORK/mbr-pipe.img"
lb_ok "MBR: restore from the file" restore --yes --progress none "$WORK/mbr.lbi" "$WORK/mbr-file.img"
if piped_ok "MBR: restore -" "$WORK/mbr.lbi" restore --yes --progress none - "$WORK/mbr-pipe.img"; then
    check "MBR: from a pipe = from the file (cmp)" same_bytes "$WORK/mbr-file.img" "$WORK/mbr-pipe.img"
    check "MBR: the MBR sector and logical 6's EBR are the source's" \
        eval 'same_bytes "$mbr" "$WORK/mbr-pipe.img" 512 &&
              cmp -s -i $(((112640 - 2048) * 512)) -n 512 "$mbr" "$WORK/mbr-pipe.img"'
    check "MBR: sfdisk --verify is clean" eval 'sfdisk --verify "$WORK/mbr-pipe.img" >/dev/null 2>&1'
    same_table "$mbr" "$WORK/mbr-pipe.img" "MBR from a pipe"
    judge_part "$mbr" "$WORK/mbr-pipe.img" 5 ext4 "MBR from a pipe"
    judge_part "$mbr" "$WORK/mbr-pipe.img" 6 fat16 "MBR from a pipe"
fi

# --- 4. verify - ---------------------------------------------------------------
lb_ok "verify the file" verify "$WORK/gpt.lbi" && file_chunks=$(sed -n 's/.*OK, \([0-9]*\) chunks.*/\1/p' "$OUT")
piped_ok "verify -" "$WORK/gpt.lbi" verify - &&
    check "verify - checks the ${file_chunks:-?} chunks verify IMAGE checks" \
        grep -q "^standard input: OK, ${file_chunks:-x} chunks" "$OUT"

# --- 5. broken streams -----------------------------------------------------------
say "--- a broken stream onto a disk with another table"
old=$WORK/old.img
junk "$old" $((128 * MiB))
sgdisk -U 99999999-8888-7777-6666-555555555555 -n1:2048:+60M -t1:8300 "$old" >/dev/null || die "sgdisk $old"
head_before=$(head -c $((34 * 512)) "$old" | sha256sum)
size=$(fsize "$WORK/gpt.lbi")
head -c $((size / 2)) "$WORK/gpt.lbi" >"$WORK/cut.lbi"
python3 - "$WORK/gpt.lbi" "$WORK/damaged.lbi" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
data[len(data) * 2 // 3] ^= 0x40   # inside a chunk of the root filesystem's data
open(sys.argv[2], 'wb').write(data)
PY
for broken in cut damaged; do
    t=$WORK/target-$broken.img
    cp "$old" "$t"
    piped_expect 3 "$broken stream" "$WORK/$broken.lbi" restore --yes --progress none - "$t"
    if [ $broken = cut ]; then
        err_has "cut: the error says the input ended before the image" "standard input ended after [0-9]+ bytes, before the image did"
    else
        err_has "damaged: the error names the chunk" "chunk [0-9]+ \(stream [0-9]+, source offset 0x[0-9a-f]+; stored at logical byte [0-9]+ of standard input\) is damaged"
    fi
    err_has "$broken: the aftermath says the table was not written" "the partition table was not written"
    check "$broken: the target's first 34 sectors (MBR, GPT) are its old ones" \
        [ "$(head -c $((34 * 512)) "$t" | sha256sum)" = "$head_before" ]
    check "$broken: sgdisk -v still finds the old table whole, disk GUID 99999999-..." \
        eval 'sgdisk -v "$t" 2>&1 | grep -q "No problems found" && sgdisk -p "$t" | grep -qi "99999999-8888"'
done
piped_expect 3 "verify - of the cut image" "$WORK/cut.lbi" verify -

# --- 6. refusals -----------------------------------------------------------------
piped_expect 9 "an image from before streaming" "$LB_LIB_DIR/../../data/golden-v1.lbi" restore --yes - "$WORK/golden.img"
err_has "golden: the message says why" "captured before images could be read as a stream"
err_has "golden: the message says to restore it from its file" "restore it from its file or URL"
check "golden: no target was made" [ ! -e "$WORK/golden.img" ]
cp "$old" "$WORK/no-yes.img"
piped_expect 6 "restore - without --yes onto an existing target" "$WORK/gpt.lbi" restore - "$WORK/no-yes.img"
err_has "no --yes: the message says to add it" "add --yes"
check "no --yes: the target is unchanged (cmp)" same_bytes "$old" "$WORK/no-yes.img"

lb_finish
