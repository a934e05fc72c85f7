#!/bin/bash
# The shipped binary (LIFEBOAT_STATIC=ON): statically linked, stripped, under
# 12 MiB (8 MiB before the network stores' TLS and SSH: docs/DEPENDENCIES.md),
# and needing nothing of the system it runs on: no shared libraries, no glibc
# NSS, no /bin/sh. It is run alone in an empty chroot with only /dev, /proc
# and /sys bound in, and must list the same disks as on the host, exit 0
# after reading a GPT image (libparted linked in once crashed at exit, in
# ped_disk_atari_done, and once at start, popen()ing dmidecode), and resolve a
# server's name from the chroot's /etc/hosts (c-ares, not NSS).
#   usage: static_binary.sh PATH/TO/lifeboat   (root; exit 77 = skipped)
set -euo pipefail

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "${LIFEBOAT_STATIC:-}" = ON ] || skip "not a static build (LIFEBOAT_STATIC=${LIFEBOAT_STATIC:-})"
lifeboat=$(realpath "$1")
for tool in file ldd python3 sgdisk mkfs.ext4 chroot; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (run tools/install-deps as root: it installs every tool the tests use)"
done

########## the file itself
description=$(file -b "$lifeboat")
case $description in *"statically linked"*) ;; *) fail "file does not say statically linked: $description" ;; esac
case $description in *", stripped"*) ;; *) fail "file does not say stripped: $description" ;; esac
ldd_out=$(ldd "$lifeboat" 2>&1 || true)
case $ldd_out in *"not a dynamic executable"*) ;; *) fail "ldd does not say 'not a dynamic executable': $ldd_out" ;; esac
size=$(stat -c %s "$lifeboat")
[ "$size" -lt $((12 * 1024 * 1024)) ] || fail "the binary is $size bytes, over 12 MiB"
# glibc's NSS (getpwnam, getaddrinfo, ...) would dlopen() libnss_* modules
# of the system it runs on, which a static binary cannot carry. (c-ares, the
# resolver, reads /etc/nsswitch.conf as text for the order of files and dns:
# that name alone is no NSS.)
if grep -aqE 'libnss_' "$lifeboat"; then fail "the binary carries glibc NSS (libnss_ modules)"; fi
echo "ok   static, stripped, $size bytes, no NSS"

[ "$(id -u)" -eq 0 ] || skip "the chroot part needs root"

work=$(realpath "$(mktemp -d /tmp/lifeboat-static.XXXXXX)")
root=$work/root
bound=()
cleanup() {
    set +e
    for ((i = ${#bound[@]} - 1; i >= 0; i--)); do umount "${bound[i]}"; done
    # Never delete through a bind mount of the host's /dev, /proc or /sys.
    for dir in dev proc sys; do
        if mountpoint -q "$root/$dir"; then
            echo "static_binary: $root/$dir is still mounted; leaving $work in place" >&2
            return
        fi
    done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

mkdir -p "$root/dev" "$root/proc" "$root/sys"
cp "$lifeboat" "$root/lifeboat"
for dir in dev proc sys; do
    mount --bind "/$dir" "$root/$dir" || fail "mount --bind /$dir failed"
    bound+=("$root/$dir")
done
[ "$(find "$root" -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')" = "$root/dev $root/lifeboat $root/proc $root/sys " ] ||
    fail "the chroot holds more than the binary and three mount points"

########## a server's name from /etc/hosts, without NSS: port 1 of 127.0.0.1
# refuses, so a name that resolved says "refused", one that did not "not known".
mkdir -p "$root/etc"
echo "127.0.0.1 lifeboat-static-test" >"$root/etc/hosts"
rc=0
chroot "$root" /lifeboat info http://lifeboat-static-test:1/pc.lbi >/dev/null 2>"$work/resolve.err" || rc=$?
grep -q "127.0.0.1:1\|lifeboat-static-test:1 cannot be reached or refused the connection" "$work/resolve.err" ||
    fail "in the chroot, a name from /etc/hosts did not resolve: $(cat "$work/resolve.err")"
rc=0
chroot "$root" /lifeboat info http://lifeboat-no-such-host:1/pc.lbi >/dev/null 2>"$work/resolve.err" || rc=$?
[ "$rc" -eq 7 ] && grep -q "lifeboat-no-such-host is not known" "$work/resolve.err" ||
    fail "in the chroot, an unknown name gave exit $rc: $(cat "$work/resolve.err")"
# The NFS store resolves through getaddrinfo(), which the static link hands to c-ares.
rc=0
chroot "$root" /lifeboat info "nfs://lifeboat-static-test:1/srv/pc.lbi?mountport=1" >/dev/null 2>"$work/resolve.err" || rc=$?
grep -q "lifeboat-static-test:1 cannot be reached" "$work/resolve.err" ||
    fail "in the chroot, NFS did not resolve a name from /etc/hosts: $(cat "$work/resolve.err")"
rc=0
chroot "$root" /lifeboat info nfs://lifeboat-no-such-host/srv/pc.lbi >/dev/null 2>"$work/resolve.err" || rc=$?
[ "$rc" -eq 7 ] && grep -q "lifeboat-no-such-host is not known" "$work/resolve.err" ||
    fail "in the chroot, NFS gave exit $rc for an unknown name: $(cat "$work/resolve.err")"
rm -r "$root/etc"
echo "ok   names resolve from /etc/hosts in the chroot (c-ares, for libcurl and getaddrinfo), unknown ones are said"

# in_root OUT ARGS...: runs /lifeboat ARGS in the chroot, stdout to OUT.
in_root() {
    local out=$1 rc=0
    shift
    chroot "$root" /lifeboat "$@" >"$out" 2>"$work/stderr" || rc=$?
    [ "$rc" -eq 0 ] || { cat "$work/stderr" >&2; fail "in the empty chroot, lifeboat $* exited $rc"; }
}

########## --version and --help
in_root "$work/version" --version
want_version=
if [ -n "${SOURCE_DIR:-}" ] && [ -f "$SOURCE_DIR/CMakeLists.txt" ]; then
    want_version=$(sed -n 's/^project(lifeboat VERSION \([0-9.]*\).*/\1/p' "$SOURCE_DIR/CMakeLists.txt")
fi
if [ -n "$want_version" ]; then
    [ "$(cat "$work/version")" = "lifeboat $want_version" ] ||
        fail "--version says '$(cat "$work/version")', want 'lifeboat $want_version'"
else
    grep -qE '^lifeboat [0-9]+\.[0-9]+\.[0-9]+$' "$work/version" || fail "--version says '$(cat "$work/version")'"
fi
in_root "$work/help" --help
grep -q "disks" "$work/help" || fail "--help does not list the disks command"
grep -q "Exit codes: 0 ok" "$work/help" || fail "--help does not list the exit codes"
echo "ok   --version ($(cat "$work/version")) and --help in an empty chroot"

########## disks --json: the same devices as on the host
# Others may attach loop devices meanwhile: compare when two host runs agree.
paths_of() {
    python3 -c 'import json,sys; print(" ".join(d["path"] for d in json.load(open(sys.argv[1]))["devices"]))' "$1" ||
        fail "$1 is not the JSON of a device list: $(head -c 300 "$1")"
}
same=
for attempt in 1 2 3 4 5; do
    "$lifeboat" disks --json >"$work/host1.json" || fail "lifeboat disks --json failed on the host"
    in_root "$work/chroot.json" disks --json
    "$lifeboat" disks --json >"$work/host2.json" || fail "lifeboat disks --json failed on the host"
    host1=$(paths_of "$work/host1.json")
    host2=$(paths_of "$work/host2.json")
    inside=$(paths_of "$work/chroot.json")
    if [ "$host1" = "$host2" ]; then
        [ "$inside" = "$host1" ] || fail "the chroot lists '$inside', the host '$host1'"
        same=yes
        break
    fi
    sleep 1
done
[ -n "$same" ] || fail "the host's device list kept changing; could not compare"
[ -n "$host1" ] || echo "note: this machine lists no block devices at all"
echo "ok   disks --json in the chroot lists the host's devices: ${host1:-none}"

########## a GPT image: read with libblkid and libparted, then a clean exit
guid=4a3b2c1d-0e9f-4876-a5b4-c3d2e1f0a9b8
fs_uuid=6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f
truncate -s 48M "$root/disk.img"
sgdisk -o -U "$guid" -n 1:2048:+8M -t 1:ef00 -c 1:ESP -n 2:0:+32M -t 2:8300 -c 2:root "$root/disk.img" >/dev/null ||
    fail "sgdisk failed"
part2=$(sgdisk -i 2 "$root/disk.img" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
mkfs.ext4 -q -F -E offset=$((part2 * 512)) -L static-root -U "$fs_uuid" "$root/disk.img" 32768k || fail "mkfs.ext4 failed"
check_image_json() {
    python3 - "$1" "$2" "$guid" "$fs_uuid" $((part2 * 512)) <<'PY' || fail "$2: wrong description of the GPT image (above)"
import json, sys
doc, where, guid, fs_uuid, start2 = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
errors = []
devs = doc["devices"]
if len(devs) != 1:
    sys.exit(f"{where}: {len(devs)} devices, want 1")
d = devs[0]
def want(what, got, expected):
    if got != expected:
        errors.append(f"{what} = {got!r}, want {expected!r}")
want("table", d["table"], {"type": "gpt", "id": guid})
want("size", d["size"], 48 << 20)
want("transport", d["transport"], "file")
parts = d["partitions"]
want("partition numbers", [p["number"] for p in parts], [1, 2])
if len(parts) == 2:
    want("partition 1 start", parts[0]["start"], 1 << 20)
    want("partition 1 size", parts[0]["size"], 8 << 20)
    want("partition 1 name", parts[0]["name"], "ESP")
    want("partition 1 has esp flag", "esp" in parts[0]["flags"], True)
    want("partition 2 start", parts[1]["start"], start2)
    want("partition 2 name", parts[1]["name"], "root")
    want("partition 2 filesystem", parts[1]["filesystem"],
         {"type": "ext4", "label": "static-root", "uuid": fs_uuid, "version": "1.0"})
for e in errors:
    print(f"FAIL [{where}] {e}", file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}
in_root "$work/image.json" disks --json /disk.img
check_image_json "$work/image.json" "chroot: disks --json /disk.img"
in_root "$work/image.txt" disks /disk.img
grep -qF "table gpt $guid" "$work/image.txt" || fail "chroot: disks /disk.img does not show the table: $(cat "$work/image.txt")"
rc=0
"$lifeboat" disks --json "$root/disk.img" >"$work/host-image.json" 2>"$work/stderr" || rc=$?
[ "$rc" -eq 0 ] || { cat "$work/stderr" >&2; fail "on the host, lifeboat disks --json IMAGE exited $rc"; }
check_image_json "$work/host-image.json" "host: disks --json IMAGE"
echo "ok   disks on a GPT image exits 0, in the chroot and on the host"
echo "static_binary: all checks passed"
