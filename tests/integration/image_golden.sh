#!/bin/bash
# Format compatibility (docs/FORMAT.md, "Compatibility"): the golden images of
# format version 1 in tests/data, written once by the first Lifeboat of that
# version (tests/data/README.md), are read by this one:
#   1. they are the very files that were made (sha256 of the .lbi files);
#   2. `verify` passes; the seals recomputed from the specification match;
#      together they hold zstd, stored and zero records;
#   3. `info --json` gives every field recorded in golden-v1*.info.json
#      (new fields may be added; none may change or disappear);
#   4. restored onto fresh files, the bytes and every file inside (debugfs
#      rdump) have the sha256 in golden-v1.sha256, and e2fsck -fn passes;
#   5. restored over junk, the ext4 files are the same and e2fsck passes, and
#      the raw part is byte-identical.
# If this fails, a change broke the reading of images users already have:
# fix the reader, never the golden files.
#   usage: image_golden.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init golden "${1:-}"
need_tools e2fsck debugfs jq python3 sha256sum cmp

data=$(cd "$(dirname "$0")/../data" && pwd)
# The golden files themselves: these must never change.
declare -A GOLDEN_SHA=(
    [golden-v1.lbi]=c8847f5ae49da279d8d6bb296d36dc0f7376f5edd647d3d951cd537655084282
    [golden-v1-raw.lbi]=d3d8e514473828702e6ad764cf8d1de297f319c9167792b07d35444e378ca6be
    [golden-v1-inline.lbi]=36a0d2e459ec7aa932500c00836d58acc92d297b621d22f9a39fde8b7e62ca15
)
for f in "${!GOLDEN_SHA[@]}"; do
    [ -f "$data/$f" ] || die "$data/$f is missing"
    check "$f is the golden file as made (sha256)" [ "$(sha "$data/$f")" = "${GOLDEN_SHA[$f]}" ]
    cp "$data/$f" "$WORK/"   # read-only use; a copy keeps tests/data untouched whatever happens
done

for name in golden-v1 golden-v1-raw; do
    img=$WORK/$name.lbi
    lb_expect 0 "verify $name.lbi" verify "$img" && check "verify says OK" grep -q ': OK, ' "$OUT"
    check "$name.lbi: seals and hashes recomputed from docs/FORMAT.md match" lbimage check-seals "$img"

    # Every recorded field, at any depth, must come back equal.
    if lb_ok "info --json $name.lbi" info --json "$img"; then
        if msg=$(python3 - "$data/$name.info.json" "$OUT" <<'PY'
import json, sys
want = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
problems = []
leaves = [0]
def walk(w, g, path):
    if isinstance(w, dict):
        if not isinstance(g, dict):
            problems.append("%s: expected an object, got %r" % (path, g)); return
        for k, v in w.items():
            if k not in g:
                problems.append("%s.%s is missing" % (path, k))
            else:
                walk(v, g[k], path + "." + k)
    elif isinstance(w, list):
        if not isinstance(g, list) or len(g) != len(w):
            problems.append("%s: expected %d items, got %r" % (path, len(w), g)); return
        for i, (a, b) in enumerate(zip(w, g)):
            walk(a, b, "%s[%d]" % (path, i))
    else:
        leaves[0] += 1
        if w != g or type(w) is not type(g):
            problems.append("%s: expected %r, got %r" % (path, w, g))
walk(want, got, "")
print("\n".join(problems) if problems else "%d recorded fields equal" % leaves[0])
sys.exit(1 if problems else 0)
PY
        ); then
            ok "info --json $name.lbi: $msg"
        else
            bad "info --json $name.lbi differs from $name.info.json:"
            sed 's/^/     | /' <<<"$msg" | head -n 20
        fi
    fi
done
check "info: the ext4 golden is a filesystem stream: ext4, label lbgolden, uuid 601d0000-..." \
    [ "$(info_get "$WORK/golden-v1.lbi" '.manifest.streams[0] | [.kind, .filesystem.type, .filesystem.label, .filesystem.uuid, .filesystem.block_size] | join(" ")')" \
        = "filesystem ext4 lbgolden 601d0000-1111-4222-8333-000000000001 1024" ]
check "info: the raw golden is a raw stream of 616297 bytes" \
    [ "$(info_get "$WORK/golden-v1-raw.lbi" '.manifest.streams[0] | [.kind, .size] | join(" ")')" = "raw 616297" ]
kinds=$( (lbimage layout "$WORK/golden-v1.lbi"; lbimage layout "$WORK/golden-v1-raw.lbi") | jq -r -s '[.[].records[].kind] | unique | join(",")')
check "the golden images hold every record kind (got $kinds)" [ "$kinds" = "stored,zeros,zstd" ]

# --- restore onto fresh files, then the checksums ---
cd "$WORK" || die "cannot cd to $WORK"
lb_ok "restore golden-v1.lbi" restore golden-v1.lbi golden-v1.img
lb_ok "restore golden-v1-raw.lbi" restore golden-v1-raw.lbi golden-v1-raw.img
mkdir -p files
debugfs -R "rdump / $WORK/files" golden-v1.img >/dev/null 2>&1 || bad "debugfs rdump of the restored ext4 failed"
if sha256sum -c "$data/golden-v1.sha256" >sums.out 2>&1; then
    ok "golden-v1.sha256: $(grep -c ': OK$' sums.out) checksums match (restored bytes and files)"
else
    bad "golden-v1.sha256 does not match:"
    grep -v ': OK$' sums.out | sed 's/^/     | /'
fi
check "no file inside the ext4 beyond those listed" \
    [ "$(find files -type f ! -path 'files/lost+found/*' | sort)" = "$(grep -o ' files/.*' "$data/golden-v1.sha256" | cut -c2- | sort)" ]
check "e2fsck -fn passes on the restored golden ext4" quiet e2fsck -fn golden-v1.img

# --- restore over junk ---
junk junk.img "$(fsize golden-v1.img)"
lb_ok "restore golden-v1.lbi over junk" restore --yes golden-v1.lbi junk.img
check "e2fsck -fn passes on the golden ext4 restored over junk" quiet e2fsck -fn junk.img
rm -rf files && mkdir files
debugfs -R "rdump / $WORK/files" junk.img >/dev/null 2>&1
if grep ' files/' "$data/golden-v1.sha256" | sha256sum -c - >sums.out 2>&1; then
    ok "the files of the golden ext4 restored over junk match"
else
    bad "files restored over junk differ:"
    grep -v ': OK$' sums.out | sed 's/^/     | /'
fi
# Records in line (optional feature bit 0, issue 20): golden-v1-raw's bytes, read by its
# index and as a stream, both give the restored bytes golden-v1.sha256 records.
raw_sum=$(grep ' golden-v1-raw.img$' "$data/golden-v1.sha256" | cut -d' ' -f1)
lb_ok "restore golden-v1-inline.lbi" restore golden-v1-inline.lbi inline-file.img &&
    check "golden-v1-inline restored from its file has golden-v1-raw's sha256" [ "$(sha inline-file.img)" = "$raw_sum" ]
"$LB" restore --yes - inline-pipe.img <golden-v1-inline.lbi >/dev/null 2>"$WORK/pipe.err" &&
    check "golden-v1-inline restored from standard input has golden-v1-raw's sha256" [ "$(sha inline-pipe.img)" = "$raw_sum" ] ||
    { bad "restore - of golden-v1-inline.lbi failed"; sed 's/^/     | /' "$WORK/pipe.err"; }
old_rc=0
"$LB" restore --yes - old-pipe.img <golden-v1.lbi >/dev/null 2>&1 || old_rc=$?
check "golden-v1 (before records in line) from standard input: exit 9 ($old_rc), no target" \
    eval '[ "$old_rc" = 9 ] && [ ! -e old-pipe.img ]'
junk junk-raw.img "$(fsize golden-v1-raw.img)"
lb_ok "restore golden-v1-raw.lbi over junk" restore --yes golden-v1-raw.lbi junk-raw.img &&
    check "the raw golden restored over junk is byte-identical" same_bytes golden-v1-raw.img junk-raw.img

lb_finish
