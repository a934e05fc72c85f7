# shellcheck shell=bash
# Shared helpers of the image_*.sh integration tests (sourced, not run).
#
#   source "$(dirname "$0")/lib/common.sh"
#   lb_init NAME "$@"            # root check, $LB, $WORK, the cleanup trap
#   need_tools mkfs.ext4 ...     # fail (1) when a tool is missing
#   ... ok "what held" / bad "what did not" ...
#   lb_finish                    # prints "N passed, N failed", exits 0 or 1
#
# A failed check is reported and counted, and the script goes on so that one
# run shows every mismatch; `die` stops at once when going on makes no sense.
# Everything a test attaches or mounts is registered here and undone by the
# EXIT trap in reverse order: servers it started, FUSE and kernel mounts, then loop devices, then
# $WORK. Only what this test made is ever touched.

set -uo pipefail

LB_PASSED=0
LB_FAILED=0
LB_LOOPS=()    # loop devices this test attached
LB_MOUNTS=()   # mount points this test mounted (kernel or FUSE)
LB_SERVERS=()  # processes (servers) this test started, stopped first
LB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf '%s\n' "$*"; }
ok() {
    LB_PASSED=$((LB_PASSED + 1))
    printf 'ok   %s\n' "$*"
}
bad() {
    LB_FAILED=$((LB_FAILED + 1))
    printf 'FAIL %s\n' "$*"
}
# skip WHY: ctest's "skipped" (77), for what this machine cannot do (not
# root, no loop devices); never for a missing tool (need_tools), and never
# once a check has failed, which it must not hide.
skip() {
    printf 'SKIP: %s\n' "$*"
    if [ "$LB_FAILED" -gt 0 ]; then
        printf '%s: %d passed, %d failed before the skip\n' "${LB_TEST_NAME:-test}" "$LB_PASSED" "$LB_FAILED"
        exit 1
    fi
    exit 77
}
die() {
    printf 'FAIL %s (stopping)\n' "$*"
    LB_FAILED=$((LB_FAILED + 1))
    lb_finish
}
lb_finish() {
    printf '%s: %d passed, %d failed\n' "$LB_TEST_NAME" "$LB_PASSED" "$LB_FAILED"
    [ "$LB_FAILED" -eq 0 ] && [ "$LB_PASSED" -gt 0 ] && exit 0
    exit 1
}

# quiet COMMAND...: COMMAND with its output discarded (for `check`).
quiet() { "$@" >/dev/null 2>&1; }

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds, bad otherwise.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

lb_cleanup() {
    local i
    set +e
    for ((i = ${#LB_SERVERS[@]} - 1; i >= 0; i--)); do
        kill -TERM "${LB_SERVERS[i]}" 2>/dev/null && wait "${LB_SERVERS[i]}" 2>/dev/null
    done
    for ((i = ${#LB_MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${LB_MOUNTS[i]}" 2>/dev/null || umount -l "${LB_MOUNTS[i]}" 2>/dev/null
    done
    for ((i = ${#LB_LOOPS[@]} - 1; i >= 0; i--)); do losetup -d "${LB_LOOPS[i]}" 2>/dev/null; done
    [ -n "${WORK:-}" ] && [ -d "$WORK" ] && rm -rf "$WORK"
}

# lb_init NAME LIFEBOAT: checks root, sets LB (the binary) and WORK (a fresh
# directory under ${LB_TMPDIR:-/tmp}) and installs the cleanup trap.
lb_init() {
    LB_TEST_NAME=$1
    [ $# -ge 2 ] && [ -n "$2" ] || { echo "usage: $0 PATH/TO/lifeboat" >&2; exit 2; }
    LB=$(realpath "$2")
    [ -x "$LB" ] || { echo "FAIL: $LB is not an executable" >&2; exit 1; }
    [ "$(id -u)" -eq 0 ] || skip "needs root (loop devices, mounts)"
    WORK=$(realpath "$(mktemp -d "${LB_TMPDIR:-/tmp}/lifeboat-$LB_TEST_NAME.XXXXXX")")
    trap lb_cleanup EXIT
    trap 'exit 1' INT TERM
    export MTOOLS_SKIP_CHECK=1 LC_ALL=C
}

# need_tools TOOL...: fails the test (exit 1) unless every TOOL is on PATH:
# tools/install-deps installs all the tests use, so one missing is a broken
# setup, and a test that did not run must not count as passed or skipped.
need_tools() {
    local t missing=()
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    printf 'FAIL not installed: %s (run tools/install-deps as root: it installs every tool the tests use)\n' \
        "${missing[*]}"
    exit 1
}
need_loop() { [ -e /dev/loop-control ] || skip "no loop devices on this machine"; }
need_fuse() { [ -e /dev/fuse ] || skip "no /dev/fuse on this machine"; }

# True when the binary was built with AddressSanitizer (the dev preset).
lb_is_asan() { grep -q -a -m1 '__asan_init' "$LB" 2>/dev/null; }

# fs_record TYPE FIELD: a field (jq path) of the record of the filesystem
# libblkid calls TYPE, as `lifeboat filesystems --json` prints it.
fs_record() {
    [ -s "$WORK/filesystems.json" ] || "$LB" filesystems --json >"$WORK/filesystems.json" ||
        die "lifeboat filesystems --json failed"
    jq -r --arg t "$1" "first(.[] | select(.blkid_types | index(\$t))) // .[-1] | $2" "$WORK/filesystems.json"
}

# fs_check KIND DEV: the read-only checker the filesystem's record names
# (e2fsck -fn, fsck.fat -n, ...), whose output must say the record's clean
# verdict when it has one; shows its output on failure. KIND: a libblkid type,
# or fat12/16/32. A filesystem whose record names no checker (swap) passes.
fs_check() {
    local type=$1 img=$2 out=$WORK/fsck.out rc=0 line clean words
    case $type in fat*) type=vfat ;; esac
    line=$(fs_record "$type" .checker.line) clean=$(fs_record "$type" .checker.clean)
    [ -n "$line" ] || return 0
    read -r -a words <<<"${line//\{device\}/$img}"
    need_tools "${words[0]}"
    "${words[@]}" >"$out" 2>&1 || rc=$?
    [ -z "$clean" ] || grep -q -- "$clean" "$out" || { [ "$rc" -ne 0 ] || rc=1; }
    # ntfsfix -n names some problems and still exits 0.
    if [ "$type" = ntfs ] && grep -q -i -E 'fail|error|corrupt|inconsisten' "$out"; then [ "$rc" -ne 0 ] || rc=1; fi
    [ "$rc" -eq 0 ] && return 0
    sed 's/^/     | /' "$out" | head -n 15
    return 1
}

# ---------------------------------------------------------------- lifeboat --

# lb ARGS...: runs lifeboat with stdin from /dev/null; sets RC, and OUT / ERR
# (the paths of its stdout and stderr).
OUT='' ERR='' RC=0
lb() {
    OUT=$WORK/lb.out ERR=$WORK/lb.err RC=0
    "$LB" "$@" </dev/null >"$OUT" 2>"$ERR" || RC=$?
    return 0
}
# Prints lifeboat's last stderr, indented, after a failure.
# shellcheck disable=SC2120  # optional line count
show_err() { sed 's/^/     | /' "$ERR" | head -n "${1:-8}"; }

# lb_ok DESCRIPTION ARGS...: runs lifeboat, expects exit 0; returns non-zero otherwise.
lb_ok() {
    local what=$1
    shift
    lb "$@"
    if [ "$RC" -eq 0 ]; then return 0; fi
    bad "$what: lifeboat $* exited $RC, expected 0"
    show_err
    return 1
}

# lb_expect CODE DESCRIPTION ARGS...: runs lifeboat and checks its exit code.
lb_expect() {
    local code=$1 what=$2
    shift 2
    lb "$@"
    if [ "$RC" -eq "$code" ]; then
        ok "$what: exit $RC"
        return 0
    fi
    bad "$what: lifeboat $* exited $RC, expected $code"
    show_err
    return 1
}

# err_has DESCRIPTION REGEX: the last stderr matches REGEX (grep -E -i).
err_has() {
    if grep -q -E -i -- "$2" "$ERR"; then
        ok "$1"
    else
        bad "$1: stderr does not match /$2/"
        show_err
    fi
}

# info_get IMAGE JQ-FILTER: one value of `lifeboat info --json IMAGE`.
info_get() {
    "$LB" info --json "$1" </dev/null 2>/dev/null | jq -r "$2"
}

# ------------------------------------------------------------------- files --

sha() { sha256sum "$1" | cut -d' ' -f1; }
# fsize PATH: the size in bytes of a file or a block device.
fsize() { if [ -b "$1" ]; then blockdev --getsize64 "$1"; else stat -c %s "$1"; fi; }

# junk FILE BYTES: a file of random bytes (what a used disk looks like).
junk() {
    head -c "$2" /dev/urandom >"$1" || die "cannot write $1"
}

# same_bytes A B [N]: cmp of the first N bytes (all when no N).
same_bytes() {
    if [ $# -ge 3 ]; then cmp -s -n "$3" "$1" "$2"; else cmp -s "$1" "$2"; fi
}

# same_tail A B FROM: bytes FROM..end are equal and both files equally long.
same_tail() {
    [ "$(fsize "$1")" -eq "$(fsize "$2")" ] || return 1
    cmp -s -i "$3" "$1" "$2"
}

# tree_sums DIR: "sha256  ./path" of every regular file below DIR, sorted.
tree_sums() {
    (cd "$1" && find . -type f ! -path './lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum)
}

# same_tree DESCRIPTION EXPECTED-SUMS DIR: DIR's files are the expected ones.
same_tree() {
    local got=$WORK/tree.$$.sums
    tree_sums "$3" >"$got"
    if diff -q "$2" "$got" >/dev/null; then
        ok "$1 ($(wc -l <"$2") files, every sha256 equal)"
    else
        bad "$1: files differ from the originals:"
        diff "$2" "$got" | head -n 12 | sed 's/^/     | /'
    fi
}

# ------------------------------------------------------ loops and mounts --

# attach VAR FILE [LOSETUP-ARGS...]: attaches a loop device, names it in VAR.
# (Callers: shellcheck cannot see VAR assigned; SC2154 is expected there.)
attach() {
    local var=$1 file=$2 dev
    shift 2
    dev=$(losetup -f --show "$@" "$file" 2>"$WORK/losetup.err") || { cat "$WORK/losetup.err"; die "losetup -f --show $* $file failed"; }
    LB_LOOPS+=("$dev")
    printf -v "$var" '%s' "$dev"
}
detach() {
    local kept=() l
    losetup -d "$1" || bad "losetup -d $1 failed"
    for l in "${LB_LOOPS[@]}"; do [ "$l" = "$1" ] || kept+=("$l"); done
    LB_LOOPS=("${kept[@]}")
}

# mounted DIR COMMAND...: runs the mount COMMAND and registers DIR.
mounted() {
    local dir=$1
    shift
    "$@" || return 1
    LB_MOUNTS+=("$dir")
}

# unmount DIR [FILE]: unmounts DIR; with FILE (a FUSE mount's image), waits
# until no process holds FILE open any more, so the FUSE daemon has written
# everything before the file is read.
unmount() {
    local kept=() m
    umount "$1" || bad "umount $1 failed"
    for m in "${LB_MOUNTS[@]}"; do [ "$m" = "$1" ] || kept+=("$m"); done
    LB_MOUNTS=("${kept[@]}")
    [ $# -ge 2 ] && wait_closed "$2"
    return 0
}

# wait_closed FILE: waits (30 s at most) until no process has FILE open.
wait_closed() {
    local target i fd
    target=$(realpath "$1")
    for ((i = 0; i < 300; i++)); do
        local busy=0
        for fd in /proc/[0-9]*/fd/*; do
            if [ "$(readlink "$fd" 2>/dev/null)" = "$target" ]; then busy=1; break; fi
        done
        [ "$busy" -eq 0 ] && return 0
        sleep 0.1
    done
    bad "$1 is still open 30 s after its unmount"
}

# ------------------------------------------------------------- the image --

# lbimage ARGS...: the image inspector and patcher (lib/lbimage.py).
lbimage() { python3 "$LB_LIB_DIR/lbimage.py" "$@"; }

# make_data DIR: real files to put in a filesystem, about 6 MiB: documents from
# /usr/share/doc (compressible text, gzip files), a few binaries, 1 MiB of
# random bytes, a file with a 256 KiB zero run inside, an empty file, deep
# directories and a long name with spaces. Names are safe on FAT and exFAT
# (no characters they refuse, none differing only by case in one directory).
make_data() {
    python3 - "$1" <<'PY' || die "cannot make the test data"
import os, re, shutil, sys
dest = sys.argv[1]
os.makedirs(dest, exist_ok=True)
bad = re.compile(r'[:*?"<>|\\\x00-\x1f]')
def copy_tree(root, sub, budget, max_file):
    used = 0
    seen = {}
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root)
            if os.path.islink(p) or not os.path.isfile(p) or bad.search(rel) or len(rel) > 200:
                continue
            size = os.path.getsize(p)
            if size > max_file or used + size > budget:
                continue
            key = os.path.join(sub, rel).lower()
            if key in seen:
                continue
            seen[key] = 1
            out = os.path.join(dest, sub, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            shutil.copyfile(p, out)
            used += size
        if used >= budget:
            break
    return used
copy_tree("/usr/share/doc", "doc", 3 << 20, 256 << 10)
os.makedirs(os.path.join(dest, "bin"), exist_ok=True)
used = 0
for name in ["bash", "ls", "cp", "tar", "gzip", "sed", "grep", "find", "sort", "date", "stat", "dd"]:
    for d in ["/usr/bin", "/bin"]:
        p = os.path.join(d, name)
        if os.path.isfile(p) and used + os.path.getsize(p) <= (2 << 20):
            shutil.copyfile(p, os.path.join(dest, "bin", name))
            used += os.path.getsize(p)
            break
with open(os.path.join(dest, "random.bin"), "wb") as f:
    f.write(os.urandom(1 << 20))
with open(os.path.join(dest, "with zero run.dat"), "wb") as f:
    f.write(os.urandom(200 << 10) + bytes(256 << 10) + b"after the zeros\n" * 6000)
open(os.path.join(dest, "empty"), "wb").close()
deep = os.path.join(dest, "a", "b", "c", "d", "e")
os.makedirs(deep)
with open(os.path.join(deep, "A long file name with spaces, ok.txt"), "w") as f:
    f.write("deep file\n" * 1000)
PY
}
