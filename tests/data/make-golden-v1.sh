#!/bin/bash
# Made tests/data/golden-v1*.{lbi,sha256,info.json} once, with the lifeboat
# that first wrote format version 1. Kept to show how; NOT to be run again to
# "fix" a failing image_golden test: the golden files are the format's memory,
# and a reader that cannot restore them has broken compatibility.
#   usage: tests/data/make-golden-v1.sh PATH/TO/lifeboat    (root: mkfs -d, losetup not needed)
set -euo pipefail
lb=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/lifeboat-golden.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Deterministic contents: seeded random bytes, generated text.
python3 - <<'PY'
import os, random
r = random.Random(20261124)
os.makedirs("files/dir/sub", exist_ok=True)
open("files/hello.txt", "w").write("Hello from the Lifeboat golden image, format version 1.\n")
open("files/dir/lines.txt", "w").write("".join("line %05d of a compressible text file\n" % i for i in range(2000)))
open("files/dir/sub/random.bin", "wb").write(r.randbytes(48 * 1024))
open("files/empty", "wb").close()
# The raw part: random (stored uncompressed), zeros (a hole), text (zstd), an odd tail.
raw = r.randbytes(96 * 1024) + bytes(256 * 1024) + b"raw stream text, compressible. " * 4000 \
      + bytes(128 * 1024) + r.randbytes(777)
open("raw.bin", "wb").write(raw)
PY

truncate -s 4M fs.img
E2FSPROGS_FAKE_TIME=1795000000 mkfs.ext4 -q -F -b 1024 -L lbgolden -U 601d0000-1111-4222-8333-000000000001 \
    -E root_owner=0:0 -d files fs.img
"$lb" capture --note "golden image v1: ext4" fs.img golden-v1.lbi
"$lb" capture --note "golden image v1: raw" raw.bin golden-v1-raw.lbi

# What a reader must give back: the restored bytes on a fresh file (free
# space reads as zeros there) and every file inside.
"$lb" restore golden-v1.lbi golden-v1.img
"$lb" restore golden-v1-raw.lbi golden-v1-raw.img
cmp -n 4194304 fs.img golden-v1.img >/dev/null 2>&1 || echo "note: free space differs from mkfs's (expected)"
cmp raw.bin golden-v1-raw.img
{
    sha256sum golden-v1.img golden-v1-raw.img
    (find files -type f -print0 | sort -z | xargs -0 sha256sum)
} >golden-v1.sha256
for i in golden-v1 golden-v1-raw; do
    "$lb" info --json "$i.lbi" | jq 'del(.image.path)' >"$i.info.json"
done
cp golden-v1.lbi golden-v1-raw.lbi golden-v1.sha256 golden-v1.info.json golden-v1-raw.info.json "$here/"
ls -l "$here"/golden-v1*
