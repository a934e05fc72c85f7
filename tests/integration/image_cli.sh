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
#   7. --note, --no-verify, --level, --threads.
#   usage: image_cli.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
# shellcheck disable=SC2154  # loop variables are set by attach (lib/common.sh)
source "$(dirname "$0")/lib/common.sh"
lb_init cli "${1:-}"
need_tools mkfs.ext4 losetup mount umount cmp jq python3 sha256sum
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
    if msg=$(python3 - "$OUT" "$2" "$3" <<'PY'
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

lb_finish
