#!/bin/bash
# The command line of capture, restore, verify and info (issue 3): exit codes
# (docs/ARCHITECTURE.md) and what is left on disk after each refusal.
#   1. capture onto an existing IMAGE (or a leftover IMAGE.002): exit 2, the
#      file unchanged; --force replaces it (and removes extra old volumes);
#   2. a missing source: exit 7, nothing created; missing images: exit 7;
#   3. a destination that fills up (a 16 MiB ext4 mounted read-write as the
#      destination only): exit 5, the message says how much is needed, and no
#      file (no .partial) is left, split or not;
#   4. restore onto an existing target without --yes, stdin not a terminal:
#      exit 6 and the target unchanged; onto a mounted (read-only) filesystem,
#      or a device another program holds open with O_EXCL: exit 10; onto the
#      image itself (or one of its volumes): exit 11; the
#      target unchanged each time;
#   5. --progress=json: JSON lines on stdout with step/done/total, done never
#      decreasing and the last equal to total, for capture, verify, restore;
#   6. unknown options and commands, bad values: exit 2 and no file created;
#   7. --note, --no-verify, --level, --threads;
#   8. the other exit codes through the binary: 1 (a read fails with EIO: a
#      btrfs checksum error), 12 (a 4096-byte-sector image onto a new and an
#      existing file), 8 (not root: an image and a device only root
#      may read), 14 (--expect-size and --expect-serial of a target that
#      changed since it was chosen), each message, and the target unchanged;
#   9. --progress=text: every bar fits COLUMNS (80, 60, 40), and its line
#      ends before the final line or an error.
# Codes 3 and 9 are pinned by image_damage.sh, 13 by disk_boot_medium.sh.
#   usage: image_cli.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
# shellcheck disable=SC2154  # loop variables are set by attach (lib/common.sh)
source "$(dirname "$0")/lib/common.sh"
lb_init cli "${1:-}"
need_tools mkfs.ext4 mkfs.btrfs sgdisk losetup blockdev mount umount setpriv cmp jq python3 sha256sum
need_loop

MiB=$((1 << 20))
src=$WORK/source.bin
{ head -c $((3 * MiB)) /dev/urandom; cat /usr/share/common-licenses/* 2>/dev/null | head -c $((3 * MiB)); } >"$src"
truncate -s $((7 * MiB + 100)) "$src"
N=$(fsize "$src")
img=$WORK/img.lbi

# --- 1. an existing image ---------------------------------------------------
lb_ok "first capture" capture "$src" "$img" || die "capture failed"
before=$(sha "$img")
lb_expect 2 "capture onto an existing image without --force" capture "$src" "$img"
err_has "the refusal names the file and --force" "img\.lbi.*(exist)|--force"
check "the existing image is unchanged" [ "$(sha "$img")" = "$before" ]
check "no .partial left beside it" [ -z "$(find "$WORK" -maxdepth 1 -name '*.partial')" ]

uuid_before=$(info_get "$img" .image.uuid)
printf 'a changed byte' | dd of="$src" bs=1 seek=1000 conv=notrunc status=none
lb_ok "capture --force" capture --force "$src" "$img" && ok "capture --force onto an existing image: exit 0"
check "--force replaced the image (a new image UUID)" [ "$(info_get "$img" .image.uuid)" != "$uuid_before" ]
lb_ok "restore of the replaced image" restore "$img" "$WORK/forced.bin" &&
    check "the replaced image holds the new source (cmp)" same_bytes "$src" "$WORK/forced.bin"

# A split image replaced by an unsplit one: the old .002... must go.
lb_ok "split capture" capture --force --split 1M "$src" "$WORK/s.lbi" || die "split capture failed"
check "the split image has several volumes" eval '[ -e "$WORK/s.lbi.002" ] && [ -e "$WORK/s.lbi.003" ]'
mv "$WORK/s.lbi" "$WORK/s.first"
lb_expect 2 "capture onto a leftover IMAGE.002 without --force" capture "$src" "$WORK/s.lbi"
check "nothing created at s.lbi" [ ! -e "$WORK/s.lbi" ]
mv "$WORK/s.first" "$WORK/s.lbi"
lb_ok "capture --force over a split image" capture --force "$src" "$WORK/s.lbi" &&
    check "--force removed the old image's extra volumes" eval '[ ! -e "$WORK/s.lbi.002" ] && [ ! -e "$WORK/s.lbi.003" ]'
lb_expect 0 "the unsplit replacement verifies" verify "$WORK/s.lbi"
rm -f "$WORK"/s.lbi* "$WORK/forced.bin"

# --- 2. things that do not exist --------------------------------------------
lb_expect 7 "capture of a missing source" capture "$WORK/no-such-source" "$WORK/new.lbi"
err_has "the message names the missing source" "no-such-source"
check "no image created for a missing source" eval '[ ! -e "$WORK/new.lbi" ] && [ ! -e "$WORK/new.lbi.partial" ]'
lb_expect 7 "verify of a missing image" verify "$WORK/no-such.lbi"
lb_expect 7 "info of a missing image" info "$WORK/no-such.lbi"
lb_expect 7 "restore of a missing image" restore --yes "$WORK/no-such.lbi" "$WORK/never.bin"
check "a failed restore does not create its target" [ ! -e "$WORK/never.bin" ]

# --- 3. a destination that fills up -------------------------------------------
big=$WORK/big.bin
head -c $((64 * MiB)) /dev/urandom >"$big"
dest_img=$WORK/dest.ext4
truncate -s $((16 * MiB)) "$dest_img"
mkfs.ext4 -q -F "$dest_img"
attach dloop "$dest_img"
dest=$WORK/dest
mkdir -p "$dest"
mounted "$dest" mount "$dloop" "$dest" || die "cannot mount the destination filesystem"
avail=$(df -B1 --output=avail "$dest" | tail -n1 | tr -d ' ')
say "destination: $avail bytes free"
# needed_bytes: the size in the message "... needs about 64.0 MiB", in bytes.
needed_bytes() {
    python3 - "$ERR" <<'PY'
import re, sys
m = re.search(r"needs about ([0-9.]+) (B|KiB|MiB|GiB|TiB)", open(sys.argv[1]).read())
units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
print(int(float(m.group(1)) * units[m.group(2)]) if m else 0)
PY
}
for variant in "" "--split 4M"; do
    what="capture of 64 MiB of random data into $avail free bytes${variant:+ ($variant)}"
    # shellcheck disable=SC2086
    lb_expect 5 "$what" capture $variant "$big" "$dest/full.lbi"
    need=$(needed_bytes)
    if [ "$need" -ge $((48 * MiB)) ] && [ "$need" -le $((96 * MiB)) ]; then
        ok "$what: the message says the image needs about $need bytes"
    else
        bad "$what: the message gives no plausible size needed (read $need bytes; 64 MiB expected)"
        show_err
    fi
    left=$(find "$dest" -mindepth 1 -maxdepth 1 ! -name lost+found -printf '%f ')
    check "$what: nothing left on the destination (found: '${left}')" [ -z "$left" ]
done
unmount "$dest"
detach "$dloop"

# --- 4. confirmation and refusal of the target ---------------------------------
t=$WORK/target.bin
junk "$t" "$N"
before=$(sha "$t")
lb_expect 6 "restore onto an existing file without --yes (stdin /dev/null)" restore "$img" "$t"
err_has "the message points to --yes" "--yes"
check "the unconfirmed target is unchanged" [ "$(sha "$t")" = "$before" ]
rc=0
echo "$t" | "$LB" restore "$img" "$t" >/dev/null 2>&1 || rc=$?
check "typing the target's name on a pipe (not a terminal) still cancels: exit $rc, expected 6" [ "$rc" -eq 6 ]
check "the target is still unchanged" [ "$(sha "$t")" = "$before" ]

# A filesystem mounted read-only on the target loop device.
e4=$WORK/mounted.ext4
truncate -s $((8 * MiB)) "$e4"
mkfs.ext4 -q -F "$e4"
attach mloop "$e4"
mkdir -p "$WORK/m"
mounted "$WORK/m" mount -o ro "$mloop" "$WORK/m" || die "cannot mount $mloop read-only"
before=$(sha "$mloop")
lb_expect 10 "restore onto a device with a mounted filesystem (read-only) is refused as in use" restore --yes "$img" "$mloop"
err_has "the refusal says it is mounted" "mounted|in use"
check "the mounted device is unchanged" [ "$(sha "$mloop")" = "$before" ]
unmount "$WORK/m"
detach "$mloop"

# A device another program holds open exclusively, as an md array, LVM or a
# second Lifeboat would: mountinfo and swaps do not show it, the kernel does.
held=$WORK/held.bin
junk "$held" $((8 * MiB))
attach hloop "$held"
before=$(sha "$hloop")
python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
print("held", flush=True)
time.sleep(300)' "$hloop" >"$WORK/holder.out" &
holder=$!
for _ in $(seq 100); do grep -q held "$WORK/holder.out" && break; sleep 0.1; done
check "a helper holds $hloop exclusively" grep -q held "$WORK/holder.out"
lb_expect 10 "restore onto a device another program holds exclusively is refused as in use" restore --yes "$img" "$hloop"
err_has "the refusal says the kernel reports it in use" "in use: the kernel refuses to open it exclusively"
check "the held device is unchanged" [ "$(sha "$hloop")" = "$before" ]
kill "$holder"
wait "$holder" 2>/dev/null || true
lb_ok "restore onto the same device once it is released" restore --yes "$img" "$hloop" &&
    check "the released device now starts with the source's bytes (cmp)" same_bytes "$src" "$hloop" "$N"
detach "$hloop"

# The image itself as the target: restore would overwrite what it is reading.
# Random data makes the image larger than its stream, so no size check helps.
head -c $((6 * MiB)) /dev/urandom >"$WORK/rnd.bin"
lb_ok "capture of random data" capture "$WORK/rnd.bin" "$WORK/self.lbi"
lb_ok "split capture of random data" capture --split 1M "$WORK/rnd.bin" "$WORK/selfs.lbi"
self_sha=$(sha "$WORK/self.lbi") vol2_sha=$(sha "$WORK/selfs.lbi.002")
lb_expect 11 "restore --yes of an image onto the image itself is refused" restore --yes "$WORK/self.lbi" "$WORK/self.lbi"
check "the image is unchanged after restoring it onto itself" [ "$(sha "$WORK/self.lbi")" = "$self_sha" ]
# (A volume is never as large as the stream, so the size check refuses it already.)
lb restore --yes "$WORK/selfs.lbi" "$WORK/selfs.lbi.002"
check "restore --yes of a split image onto its own volume .002 is refused (exit $RC: 11 or 5)" \
    eval '[ "$RC" -eq 11 ] || [ "$RC" -eq 5 ]'
check "the volume is unchanged" [ "$(sha "$WORK/selfs.lbi.002")" = "$vol2_sha" ]
rm -f "$WORK"/self.lbi "$WORK"/selfs.lbi* "$WORK/rnd.bin"

# --- 5. --progress=json ----------------------------------------------------------
# check_progress WHAT STEPS TOTAL: stdout is JSON lines; each STEP appears with
# done never decreasing, total constant = TOTAL, and its last done = total.
check_progress() {
    local msg
    if msg=$(python3 - "$OUT" "$2" "$3" 2>&1 <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
want = sys.argv[2].split(",")
total = int(sys.argv[3])
seen = {}
for n, line in enumerate(lines, 1):
    try:
        j = json.loads(line)
    except ValueError:
        sys.exit("line %d is not JSON: %r" % (n, line[:80]))
    if "note" in j:
        continue
    for k in ("step", "done", "total"):
        if k not in j:
            sys.exit("line %d has no %s: %s" % (n, k, line))
    seen.setdefault(j["step"], []).append((j["done"], j["total"]))
if list(seen) != want:
    sys.exit("steps %s, expected %s" % (list(seen), want))
for step, ups in seen.items():
    dones = [d for d, _ in ups]
    if any(b < a for a, b in zip(dones, dones[1:])):
        sys.exit("%s: done decreases: %s" % (step, dones))
    if {t for _, t in ups} != {total}:
        sys.exit("%s: total is %s, expected %d" % (step, sorted({t for _, t in ups}), total))
    if dones[-1] != total:
        sys.exit("%s: the last done is %d, not the total %d" % (step, dones[-1], total))
print(", ".join("%s %d lines" % (s, len(u)) for s, u in seen.items()))
PY
    ); then
        ok "$1 --progress=json: $msg"
    else
        bad "$1 --progress=json: $msg"
        head -n 5 "$OUT" | sed 's/^/     | /'
    fi
}
# 64 MiB on one worker thread: long enough for several updates per step.
bimg=$WORK/big.lbi
lb_ok "capture --progress=json" capture --threads 1 --progress=json "$big" "$bimg" &&
    check_progress "capture" "capture,verify" $((64 * MiB))
check "capture --progress=json prints no progress on stderr" [ "$(grep -c -E '^\{|"step"' "$ERR")" -eq 0 ]
lb_ok "verify --progress=json" verify --threads 1 --progress=json "$bimg"
# verify prints its one-line result on stdout too; keep the JSON lines only.
grep '^{' "$OUT" >"$WORK/verify.json"
check "verify's stdout is JSON lines and one result line" [ $(($(wc -l <"$OUT") - $(wc -l <"$WORK/verify.json"))) -eq 1 ]
cp "$WORK/verify.json" "$OUT"
check_progress "verify" "verify" $((64 * MiB))
lb_ok "restore --progress=json" restore --threads 1 --progress=json "$bimg" "$WORK/big.out" &&
    check_progress "restore" "restore" $((64 * MiB))
check "the restore under --progress=json is byte-identical" same_bytes "$big" "$WORK/big.out"
rm -f "$big" "$bimg" "$WORK/big.out"
lb_ok "capture --progress=none" capture --force --progress=none "$src" "$img" &&
    check "--progress=none prints nothing on stdout" [ ! -s "$OUT" ]

# --- 6. usage errors -----------------------------------------------------------------
usage_case() {  # WHAT ARGS...
    local what=$1
    shift
    lb_expect 2 "$what" "$@"
    check "$what: no image created" eval '[ ! -e "$WORK/u.lbi" ] && [ ! -e "$WORK/u.lbi.partial" ]'
}
usage_case "unknown option of capture" capture --frobnicate "$src" "$WORK/u.lbi"
usage_case "unknown option of restore" restore --frobnicate "$img" "$WORK/u.lbi"
usage_case "unknown option of verify" verify --frobnicate "$img"
usage_case "unknown option of info" info --frobnicate "$img"
usage_case "unknown global option" --frobnicate
usage_case "unknown command" frobnicate "$img"
usage_case "capture without IMAGE" capture "$src"
usage_case "restore without TARGET" restore "$img"
usage_case "--level 0" capture --level 0 "$src" "$WORK/u.lbi"
usage_case "--level 20" capture --level 20 "$src" "$WORK/u.lbi"
usage_case "--split 12Q" capture --split 12Q "$src" "$WORK/u.lbi"
usage_case "--split 512K (under 1 MiB)" capture --split 512K "$src" "$WORK/u.lbi"
usage_case "--progress=loud" capture --progress=loud "$src" "$WORK/u.lbi"
usage_case "--threads -1" capture --threads -1 "$src" "$WORK/u.lbi"
usage_case "a directory as the source" capture "$WORK" "$WORK/u.lbi"
lb_expect 0 "--help" --help
lb_expect 0 "capture --help" capture --help

# --- 7. options that shape the image ------------------------------------------------
lb_ok "capture --note" capture --force --note "before the upgrade, 2026" "$src" "$img" &&
    check "--note is stored in the manifest" [ "$(info_get "$img" .manifest.note)" = "before the upgrade, 2026" ]
err_has "capture says it verified the image" ", verified"
lb_ok "capture --no-verify" capture --force --no-verify "$src" "$img" && err_has "--no-verify says so" "not verified"
text=$WORK/text.bin
find /usr/share/doc -name 'copyright' -type f -print0 2>/dev/null | xargs -0 cat 2>/dev/null | head -c $((6 * MiB)) >"$text"
lb_ok "capture --level 1 --threads 1" capture --level 1 --threads 1 "$text" "$WORK/l1.lbi"
lb_ok "capture --level 19" capture --level 19 "$text" "$WORK/l19.lbi"
s1=$(fsize "$WORK/l1.lbi") s19=$(fsize "$WORK/l19.lbi")
check "--level 19 ($s19 bytes) is smaller than --level 1 ($s1) on $(fsize "$text") bytes of text" [ "$s19" -lt "$s1" ]
for l in l1 l19; do
    lb_ok "restore $l" restore "$WORK/$l.lbi" "$WORK/$l.bin" &&
        check "restore of $l.lbi is byte-identical" same_bytes "$text" "$WORK/$l.bin"
done
rm -f "$WORK"/l1.* "$WORK"/l19.* "$text"

# --- 8. the other exit codes ------------------------------------------------------
# err_line DESCRIPTION LINE: the last stderr holds exactly LINE.
err_line() {
    if grep -q -x -F -- "$2" "$ERR"; then ok "$1"; else bad "$1: no line '$2' on stderr"; show_err; fi
}
# run COMMAND...: as lb, for a command line that starts lifeboat itself.
run() {
    OUT=$WORK/lb.out ERR=$WORK/lb.err RC=0
    "$@" </dev/null >"$OUT" 2>"$ERR" || RC=$?
}

# 14: the target changed since it was chosen (the wizard passes what it chose).
chosen=$WORK/chosen.bin
junk "$chosen" $((8 * MiB))
attach cloop "$chosen"
chosen_size=$(blockdev --getsize64 "$cloop")
lb_expect 0 "restore --dry-run --expect-size of the size the target has" restore --dry-run --expect-size "$chosen_size" "$img" "$cloop"
truncate -s $((12 * MiB)) "$chosen"
losetup -c "$cloop"  # another disk in its place: 12 MiB now
check "the chosen loop device is 12 MiB now" [ "$(blockdev --getsize64 "$cloop")" -eq $((12 * MiB)) ]
before=$(sha "$cloop")
lb_expect 14 "restore --expect-size onto a target whose size changed" restore --yes --expect-size "$chosen_size" "$img" "$cloop"
err_line "exit 14 says why" "lifeboat: refusing to restore onto $cloop: its size or serial changed since it was chosen"
err_line "exit 14 says what to do" "  check which disk this is and choose it again; nothing was written"
check "the changed target is unchanged (sha256)" [ "$(sha "$cloop")" = "$before" ]
# A loop device has no serial: any serial chosen is not this disk's.
lb_expect 14 "restore --expect-serial onto a target with another serial" \
    restore --yes --expect-size $((12 * MiB)) --expect-serial LB-TEST-SERIAL "$img" "$cloop"
err_line "exit 14 for the serial says why" "lifeboat: refusing to restore onto $cloop: its size or serial changed since it was chosen"
check "the target is still unchanged (sha256)" [ "$(sha "$cloop")" = "$before" ]
detach "$cloop"

# 8: not root. An image and a device only root may read, read as nobody.
cp "$img" "$WORK/private.lbi"
chmod 600 "$WORK/private.lbi"
chmod 755 "$WORK"
attach ploop "$src"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
run nobody "$LB" info "$WORK/private.lbi"
check "info of an image only root may read, as nobody: exit $RC, expected 8" [ "$RC" -eq 8 ]
err_line "exit 8 names the file and the error" "lifeboat: open $WORK/private.lbi: Permission denied"
run nobody "$LB" capture "$ploop" "$WORK/nobody.lbi"
check "capture of a device only root may read, as nobody: exit $RC, expected 8" [ "$RC" -eq 8 ]
err_line "exit 8 names the device and the error" "lifeboat: open $ploop: Permission denied"
check "nothing created by the refused capture" eval '[ ! -e "$WORK/nobody.lbi" ] && [ ! -e "$WORK/nobody.lbi.partial" ]'
detach "$ploop"
rm -f "$WORK/private.lbi"

# 12: an image of a disk with 4096-byte sectors onto a file, whose sectors
# are 512 bytes: refused while planning, a new file (not created) as an
# existing one (unchanged). Exit 4 (a capture destination that became
# read-only) is the wizard's; tests/unit/cli_exit_codes_test.cpp pins its number.
k4=$WORK/k4.bin
junk "$k4" $((16 * MiB))
attach k4loop "$k4" --sector-size 4096
quiet sgdisk -n 1:256:+4M -t 1:8300 "$k4loop" || bad "sgdisk on $k4loop failed"
lb_ok "capture of a disk with 4096-byte sectors" capture "$k4loop" "$WORK/k4.lbi" || die "4096-byte capture failed"
detach "$k4loop"
lb_expect 12 "restore of a 4096-byte-sector image onto a new file" restore --yes "$WORK/k4.lbi" "$WORK/k4new.bin"
err_line "exit 12 says why" "lifeboat: refusing to restore onto $WORK/k4new.bin: a new file has 512-byte sectors, the image's disk 4096-byte ones"
check "no file was created" [ ! -e "$WORK/k4new.bin" ]
junk "$WORK/k4old.bin" $((16 * MiB))
before=$(sha "$WORK/k4old.bin")
lb_expect 12 "restore of a 4096-byte-sector image onto an existing file" restore --yes "$WORK/k4.lbi" "$WORK/k4old.bin"
err_line "exit 12 says why" "lifeboat: refusing to restore onto $WORK/k4old.bin: its sectors are 512 bytes, the image's 4096"
check "the existing file is unchanged (sha256)" [ "$(sha "$WORK/k4old.bin")" = "$before" ]
rm -f "$WORK"/k4*

# 1: an I/O error. btrfs checks its data's checksums: a byte changed under
# the filesystem makes reading that block fail with EIO. The damage sits at
# 40 MiB so that bars are drawn before the error (section 9 reads this run).
bt=$WORK/btrfs.img
truncate -s 160M "$bt"
quiet mkfs.btrfs -q -f "$bt" || die "mkfs.btrfs failed"
mkdir -p "$WORK/bt"
mounted "$WORK/bt" mount -o loop "$bt" "$WORK/bt" || die "cannot mount the btrfs"
{ head -c $((40 * MiB)) /dev/urandom; printf 'LIFEBOAT-EIO-MARK'; head -c $((8 * MiB)) /dev/urandom; } >"$WORK/bt/data.bin"
unmount "$WORK/bt"
at=$(grep -obUa LIFEBOAT-EIO-MARK "$bt" | head -n1 | cut -d: -f1)
if [ -n "$at" ]; then
    printf 'X' | dd of="$bt" bs=1 seek="$at" conv=notrunc status=none
    mounted "$WORK/bt" mount -o loop,ro "$bt" "$WORK/bt" || die "cannot mount the damaged btrfs"
    check "the damaged file reads with an I/O error" eval '! cat "$WORK/bt/data.bin" >/dev/null 2>&1'
    run env COLUMNS=60 "$LB" capture --threads 1 --progress=text "$WORK/bt/data.bin" "$WORK/eio.lbi"
    check "capture of a file that reads with EIO: exit $RC, expected 1" [ "$RC" -eq 1 ]
    err_line "exit 1 names the read and the error" "lifeboat: read $WORK/bt/data.bin at 0x2800000: Input/output error"
    check "no image left by the failed capture" eval '[ ! -e "$WORK/eio.lbi" ] && [ ! -e "$WORK/eio.lbi.partial" ]'
    cp "$ERR" "$WORK/eio.err"
    unmount "$WORK/bt"
else
    bad "the marker was not found in $bt: the data is not where the test expects"
fi
rm -f "$bt"

# --- 9. --progress=text ----------------------------------------------------------------
# bars_fit WHAT COLUMNS FILE STEPS LAST: FILE (stderr) holds, for each of the
# comma-separated STEPS, one line of bars (\r-separated, each under COLUMNS
# characters) ended by a newline; the line after the last bar starts with LAST.
bars_fit() {
    local msg
    if msg=$(python3 - "$2" "$3" "$4" "$5" 2>&1 <<'PY'
import sys
columns, text, steps, last = int(sys.argv[1]), open(sys.argv[2], encoding="utf-8", newline="").read(), sys.argv[3].split(","), sys.argv[4]
if not text.endswith("\n"):
    sys.exit("stderr does not end with a newline: %r" % text[-80:])
lines = text[:-1].split("\n")
bars = [n for n, l in enumerate(lines) if "\r" in l]
if not bars:
    sys.exit("no bar at all")
for n in bars:
    if not lines[n].startswith("\r"):
        sys.exit("a bar shares its line with other output: %r" % lines[n][:100])
    shown = lines[n].split("\r")[1:]
    for seg in shown:
        if len(seg) >= columns:
            sys.exit("a bar of %d characters in %d columns: %r" % (len(seg), columns, seg))
    if len({seg.split()[0] for seg in shown}) != 1:
        sys.exit("one line holds bars of several steps: %r" % lines[n][:100])
got = [lines[n].split("\r")[1].split()[0] for n in bars]
if got != steps:
    sys.exit("bar lines for %s, expected %s" % (got, steps))
after = lines[bars[-1] + 1] if bars[-1] + 1 < len(lines) else ""
if not after.startswith(last):
    sys.exit("the line after the last bar does not start with %r: %r" % (last, after[:100]))
widest = max(len(seg) for n in bars for seg in lines[n].split("\r"))
print("%d bar lines, %d bars, the widest %d" % (len(bars), sum(lines[n].count("\r") for n in bars), widest))
PY
    ); then
        ok "$1: $msg"
    else
        bad "$1: $msg"
        tr '\r' '\n' <"$3" | head -n 6 | sed 's/^/     | /'
    fi
}
if [ -f "$WORK/eio.err" ]; then
    bars_fit "--progress=text, 60 columns, then an I/O error" 60 "$WORK/eio.err" capture "lifeboat: read "
fi
head -c $((32 * MiB)) /dev/urandom >"$WORK/bar.bin"
for columns in 80 60 40; do
    run env COLUMNS="$columns" "$LB" capture --force --threads 1 --progress=text "$WORK/bar.bin" "$WORK/bar.lbi"
    bars_fit "capture --progress=text, $columns columns" "$columns" "$ERR" capture,verify "captured "
    run env COLUMNS="$columns" "$LB" restore --yes --threads 1 --progress=text "$WORK/bar.lbi" "$WORK/bar.out"
    bars_fit "restore --progress=text, $columns columns" "$columns" "$ERR" restore "restored "
done
check "the restore under --progress=text is byte-identical" same_bytes "$WORK/bar.bin" "$WORK/bar.out"
# A whole disk: each bar also names its part ("partition 2", "boot area / gap").
disk=$WORK/disk.bin
junk "$disk" $((24 * MiB))
quiet sgdisk -n 1:2048:+8M -t 1:8300 -c 1:first-partition-with-a-long-name -n 2:0:+8M -t 2:8300 "$disk" ||
    bad "sgdisk on $disk failed"
run env COLUMNS=60 "$LB" capture --threads 1 --progress=text "$disk" "$WORK/disk.lbi"
bars_fit "whole-disk capture --progress=text, 60 columns" 60 "$ERR" capture,verify "captured "
run env COLUMNS=40 "$LB" restore --yes --threads 1 --progress=text "$WORK/disk.lbi" "$WORK/disk.out"
bars_fit "whole-disk restore --progress=text, 40 columns" 40 "$ERR" restore "restored "

lb_finish
