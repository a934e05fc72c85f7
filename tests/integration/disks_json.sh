#!/bin/bash
# `lifeboat disks --json`, every field checked against disk images this test
# makes with the real tools:
#   1. a GPT disk: FAT32 ESP + ext4, partition names, a known disk GUID, seen
#      in the full listing, as its loop device and as the image file;
#   2. the same with the ext4 mounted read-only through an offset loop device,
#      stacked on the image file and then on the disk's loop device;
#   3. an MBR disk: bootable primary, extended, two logicals (ext4, swap);
#   4. a btrfs partition mounted read-only (btrfs shows an anonymous 0:N
#      device in mountinfo), when mkfs.btrfs is installed;
#   5. a loop device with 4096-byte logical sectors.
# Nothing is ever mounted read-write, and nothing is written to a device with
# a mounted filesystem.
#   usage: disks_json.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
set -euo pipefail

lifeboat=$(realpath "$1")
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root (loop devices and mounts)"
[ -e /dev/loop-control ] || skip "no loop devices on this machine"
for tool in losetup sgdisk sfdisk parted mkfs.vfat mkfs.ext4 mkswap python3 blockdev mount umount; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (run tools/install-deps as root: it installs every tool the tests use)"
done

work=$(realpath "$(mktemp -d /tmp/lifeboat-disks-json.XXXXXX)")
loops=()   # attached by this test, detached in reverse order
mounts=()  # mounted by this test
cleanup() {
    set +e
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[i]}"; done
    for ((i = ${#loops[@]} - 1; i >= 0; i--)); do losetup -d "${loops[i]}"; done
    rm -rf "$work"
}
trap cleanup EXIT

# attach VAR LOSETUP-ARGS...: attaches a free loop device, names it in VAR.
attach() {
    local var=$1 dev
    shift
    dev=$(losetup -f --show "$@") || fail "losetup -f --show $* failed"
    loops+=("$dev")
    printf -v "$var" '%s' "$dev"
}
# detach DEV: only loops this test attached, so never someone else's.
detach() {
    local kept=() l
    losetup -d "$1" || fail "losetup -d $1 failed"
    for l in "${loops[@]}"; do [ "$l" = "$1" ] || kept+=("$l"); done
    loops=("${kept[@]}")
}
mount_ro() {
    mount -o ro "$1" "$2" || fail "mount -o ro $1 $2 failed"
    mounts+=("$2")
}
unmount() {
    local kept=() m
    umount "$1" || fail "umount $1 failed"
    for m in "${mounts[@]}"; do [ "$m" = "$1" ] || kept+=("$m"); done
    mounts=("${kept[@]}")
}

# lb OUT ARGS...: runs lifeboat, its stdout to OUT; fails on a non-zero exit.
lb() {
    local out=$1 rc=0
    shift
    "$lifeboat" "$@" >"$out" 2>"$work/stderr" || rc=$?
    [ "$rc" -eq 0 ] || { cat "$work/stderr" >&2; fail "lifeboat $* exited $rc"; }
}

lower() { tr 'A-F' 'a-f'; }

# sgdisk_part IMAGE NUM: sets SG_TYPE SG_UUID SG_FIRST SG_LAST SG_NAME from `sgdisk -i`.
sgdisk_part() {
    local out
    out=$(sgdisk -i "$2" "$1")
    SG_TYPE=$(sed -n 's/^Partition GUID code: \([0-9A-Fa-f-]*\).*/\1/p' <<<"$out" | lower)
    SG_UUID=$(sed -n 's/^Partition unique GUID: //p' <<<"$out" | lower)
    SG_FIRST=$(sed -n 's/^First sector: \([0-9]*\).*/\1/p' <<<"$out")
    SG_LAST=$(sed -n 's/^Last sector: \([0-9]*\).*/\1/p' <<<"$out")
    SG_NAME=$(sed -n "s/^Partition name: '\(.*\)'\$/\1/p" <<<"$out")
}

# parted_flags DEVICE NUM: the flags parted prints for a partition, as a JSON list.
parted_flags() {
    parted -sm "$1" unit B print | python3 -c '
import json, sys
num = sys.argv[1]
for line in sys.stdin:
    fields = line.rstrip("\n").rstrip(";").split(":")
    if fields[0] == num:
        print(json.dumps([f for f in fields[6].split(", ") if f]))
        break
else:
    sys.exit("parted lists no partition " + num)' "$2"
}

# The checker: compares one device of a `lifeboat disks --json` document with
# the facts of what the test made. Every field lifeboat prints must be
# expected here: an unknown field fails too, so nothing goes unchecked.
cat >"$work/check.py" <<'PY'
import argparse, json, sys

ap = argparse.ArgumentParser()
ap.add_argument("--facts", required=True)      # size, table, filesystem, partitions
ap.add_argument("--actual", required=True)     # lifeboat's JSON
ap.add_argument("--label", required=True)
ap.add_argument("--path", required=True)
ap.add_argument("--name", required=True)
ap.add_argument("--transport", required=True)
ap.add_argument("--backing")                    # loop devices only
ap.add_argument("--logical", type=int, default=512)
ap.add_argument("--physical", type=int, default=512)
ap.add_argument("--read-only", default="false")
ap.add_argument("--mounted", action="append", default=[])  # NUM=DIR, 0 = the whole device
a = ap.parse_args()

facts = json.load(open(a.facts))
doc = json.load(open(a.actual))
errors = []
def err(msg): errors.append(msg)

mounted = {}
for m in a.mounted:
    num, _, where = m.partition("=")
    mounted.setdefault(int(num), []).append(where)

want_dev = {
    "path": a.path, "name": a.name, "size": facts["size"],
    "logical_sector_size": a.logical, "physical_sector_size": a.physical,
    "model": "", "serial": "", "transport": a.transport, "removable": False,
    "read_only": a.read_only == "true", "in_use": bool(mounted),
    "mountpoints": mounted.get(0, []), "swap": False,
    "table": facts["table"], "filesystem": facts.get("filesystem"),
}
if a.backing is not None:
    want_dev["backing_file"] = a.backing

def compare(got, want, where, ignore=()):
    for key in sorted(set(got) - set(want) - set(ignore)):
        err(f"{where}: field {key!r} = {got[key]!r} is not expected")
    for key, value in want.items():
        if key not in got:
            err(f"{where}: field {key!r} is missing (want {value!r})")
        elif got[key] != value or type(got[key]) != type(value):
            err(f"{where}: {key} = {got[key]!r}, want {value!r}")

devices = doc.get("devices", [])
found = [d for d in devices if d.get("path") == a.path]
if len(found) != 1:
    err(f"{len(found)} devices with path {a.path} (want 1); paths: {[d.get('path') for d in devices]}")
else:
    dev = found[0]
    compare(dev, want_dev, a.path, ignore=("partitions",))
    got_parts = dev.get("partitions", [])
    want_parts = []
    for p in facts["partitions"]:
        p = dict(p)
        p["mountpoints"] = mounted.get(p["number"], [])
        p["swap"] = False
        want_parts.append(p)
    got_numbers = [p.get("number") for p in got_parts]
    want_numbers = [p["number"] for p in want_parts]
    if got_numbers != want_numbers:
        err(f"{a.path}: partition numbers {got_numbers}, want {want_numbers}")
    else:
        for got, want in zip(got_parts, want_parts):
            compare(got, want, f"{a.path} partition {want['number']}")

if errors:
    for e in errors:
        print(f"FAIL [{a.label}] {e}", file=sys.stderr)
    sys.exit(1)
print(f"ok   [{a.label}] {a.path}: {len(want_parts)} partitions, every field as made")
PY

# check LABEL FACTS ACTUAL ARGS...: runs the checker.
check() {
    python3 "$work/check.py" --label "$1" --facts "$2" --actual "$3" "${@:4}" || fail "$1: lifeboat disks --json reported the above"
}

# The full listing: no ram or zram disks, no unattached loops, and every
# listed loop names its backing file.
check_listing() {
    python3 - "$1" <<'PY' || fail "the full listing is wrong (above)"
import json, re, sys
doc = json.load(open(sys.argv[1]))
bad = []
for d in doc["devices"]:
    if re.match(r"(ram|zram)\d", d["name"]):
        bad.append(f"{d['path']} is a ram/zram disk")
    if d["transport"] == "loop" and not d.get("backing_file"):
        bad.append(f"{d['path']} is a loop device without a backing file")
    if not d["path"].startswith("/dev/"):
        bad.append(f"{d['path']} is not a /dev node")
for b in bad:
    print("FAIL [listing]", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }

mib=$((1024 * 1024))

########## 1. GPT disk
gpt=$work/gpt.img
disk_guid=0b4d2c8e-6f1a-4e7b-9c3d-2a5f8e1b7c90
esp_first=2048
esp_sectors=131072   # 64 MiB: FAT32 needs >= 65525 clusters
root_first=$((esp_first + esp_sectors))
root_sectors=61440   # 30 MiB
ext_uuid=3d6b1f4e-8a2c-4f5d-9e1b-7c6a5d4e3f21
truncate -s 100M "$gpt"
sgdisk -o -U "$disk_guid" \
    -n "1:$esp_first:+$((esp_sectors / 2048))M" -t 1:ef00 -c "1:EFI system partition" \
    -n "2:$root_first:+$((root_sectors / 2048))M" -t 2:8300 -c "2:lifeboat root" \
    "$gpt" >/dev/null || fail "sgdisk could not write the GPT"
mkfs.vfat -F 32 -S 512 -s 1 --offset "$esp_first" -i 1A2B3C4D -n LB-ESP "$gpt" $((esp_sectors / 2)) >"$work/mkfs.log" 2>&1 ||
    fail "mkfs.vfat failed: $(cat "$work/mkfs.log")"
mkfs.ext4 -q -F -E "offset=$((root_first * 512))" -L lifeboat-root -U "$ext_uuid" "$gpt" "$((root_sectors / 2))k" ||
    fail "mkfs.ext4 failed"
sgdisk -v "$gpt" | grep -q "No problems found" || fail "the GPT is damaged after mkfs (sgdisk -v)"

# What sgdisk says it made must be what the test asked for.
expect_eq "$(sgdisk -p "$gpt" | sed -n 's/^Disk identifier (GUID): //p' | lower)" "$disk_guid" "sgdisk disk GUID"
sgdisk_part "$gpt" 1
expect_eq "$SG_TYPE" c12a7328-f81f-11d2-ba4b-00a0c93ec93b "sgdisk type of partition 1"
expect_eq "$SG_FIRST/$SG_LAST" "$esp_first/$((esp_first + esp_sectors - 1))" "sgdisk extent of partition 1"
expect_eq "$SG_NAME" "EFI system partition" "sgdisk name of partition 1"
esp_uuid=$SG_UUID
sgdisk_part "$gpt" 2
expect_eq "$SG_TYPE" 0fc63daf-8483-4772-8e79-3d69d8477de4 "sgdisk type of partition 2"
expect_eq "$SG_FIRST/$SG_LAST" "$root_first/$((root_first + root_sectors - 1))" "sgdisk extent of partition 2"
expect_eq "$SG_NAME" "lifeboat root" "sgdisk name of partition 2"
root_uuid=$SG_UUID
esp_flags=$(parted_flags "$gpt" 1)
root_flags=$(parted_flags "$gpt" 2)
python3 -c 'import json,sys; sys.exit("esp" not in json.loads(sys.argv[1]))' "$esp_flags" ||
    fail "parted shows no esp flag on the ESP: $esp_flags"

cat >"$work/gpt.facts" <<EOF
{"size": $((100 * mib)),
 "table": {"type": "gpt", "id": "$disk_guid"},
 "filesystem": null,
 "partitions": [
  {"number": 1, "start": $((esp_first * 512)), "size": $((esp_sectors * 512)),
   "type": "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "type_name": "EFI System",
   "name": "EFI system partition", "uuid": "$esp_uuid", "kind": "", "flags": $esp_flags,
   "filesystem": {"type": "vfat", "label": "LB-ESP", "uuid": "1A2B-3C4D", "version": "FAT32"}},
  {"number": 2, "start": $((root_first * 512)), "size": $((root_sectors * 512)),
   "type": "0fc63daf-8483-4772-8e79-3d69d8477de4", "type_name": "Linux filesystem",
   "name": "lifeboat root", "uuid": "$root_uuid", "kind": "", "flags": $root_flags,
   "filesystem": {"type": "ext4", "label": "lifeboat-root", "uuid": "$ext_uuid", "version": "1.0"}}
 ]}
EOF

attach gpt_loop "$gpt"
gpt_name=${gpt_loop#/dev/}
loop_args=(--path "$gpt_loop" --name "$gpt_name" --transport loop --backing "$gpt"
    --logical "$(blockdev --getss "$gpt_loop")" --physical "$(blockdev --getpbsz "$gpt_loop")")
file_args=(--path "$gpt" --name gpt.img --transport file)
expect_eq "$(blockdev --getss "$gpt_loop")" 512 "logical sector size of $gpt_loop"

lb "$work/all.json" disks --json
check_listing "$work/all.json"
check "gpt, full listing" "$work/gpt.facts" "$work/all.json" "${loop_args[@]}"
lb "$work/one.json" disks --json "$gpt_loop"
python3 -c 'import json,sys; n=len(json.load(open(sys.argv[1]))["devices"]); sys.exit(n != 1 and f"{n} devices for one path")' \
    "$work/one.json" || fail "disks --json $gpt_loop lists more than that device"
check "gpt, disks $gpt_loop" "$work/gpt.facts" "$work/one.json" "${loop_args[@]}"
lb "$work/file.json" disks --json "$gpt"
check "gpt, disks IMAGE" "$work/gpt.facts" "$work/file.json" "${file_args[@]}"

# The table says the same things.
lb "$work/table.txt" disks "$gpt_loop"
for text in "$gpt_loop  100.0 MiB (104857600 bytes)  loop" "table gpt $disk_guid" "backed by $gpt" "not in use" \
    "EFI System" "EFI system partition" "LB-ESP" "1A2B-3C4D" "lifeboat root" "lifeboat-root" "$ext_uuid"; do
    grep -qF -- "$text" "$work/table.txt" || { cat "$work/table.txt" >&2; fail "disks $gpt_loop does not show '$text'"; }
done

########## 2. the ext4 partition mounted read-only through an offset loop
mnt="$work/mnt point"  # a space: mountinfo writes it \040
mkdir -p "$mnt"
cat >"$work/part.facts" <<EOF
{"size": $((root_sectors * 512)), "table": null,
 "filesystem": {"type": "ext4", "label": "lifeboat-root", "uuid": "$ext_uuid", "version": "1.0"},
 "partitions": []}
EOF
for base in "$gpt" "$gpt_loop"; do
    attach part_loop -r -o $((root_first * 512)) --sizelimit $((root_sectors * 512)) "$base"
    mount_ro "$part_loop" "$mnt"
    what="ext4 mounted via $part_loop on $base"
    lb "$work/all.json" disks --json
    check_listing "$work/all.json"
    check "$what, full listing" "$work/gpt.facts" "$work/all.json" "${loop_args[@]}" --mounted "2=$mnt"
    check "$what, the offset loop itself" "$work/part.facts" "$work/all.json" --path "$part_loop" \
        --name "${part_loop#/dev/}" --transport loop --backing "$base" --read-only true --mounted "0=$mnt" \
        --logical "$(blockdev --getss "$part_loop")" --physical "$(blockdev --getpbsz "$part_loop")"
    lb "$work/one.json" disks --json "$gpt_loop"
    check "$what, disks $gpt_loop" "$work/gpt.facts" "$work/one.json" "${loop_args[@]}" --mounted "2=$mnt"
    lb "$work/file.json" disks --json "$gpt"
    check "$what, disks IMAGE" "$work/gpt.facts" "$work/file.json" "${file_args[@]}" --mounted "2=$mnt"
    lb "$work/table.txt" disks "$gpt"
    grep -qF "IN USE" "$work/table.txt" || fail "$what: the table does not say IN USE"
    unmount "$mnt"
    detach "$part_loop"
done
lb "$work/one.json" disks --json "$gpt_loop"
check "gpt, after unmounting" "$work/gpt.facts" "$work/one.json" "${loop_args[@]}"

########## 3. MBR: bootable primary, extended, two logicals
mbr=$work/mbr.img
truncate -s 64M "$mbr"
sfdisk -q "$mbr" <<EOF || fail "sfdisk could not write the MBR"
label: dos
label-id: 0x5eed1234
unit: sectors

start=2048, size=32768, type=6, bootable
start=34816, size=96256, type=5
start=36864, size=32768, type=83
start=71680, size=20480, type=82
EOF
mkfs.vfat -F 16 --offset 2048 -i 5EED0001 -n LB-FAT16 "$mbr" 16384 >"$work/mkfs.log" 2>&1 || fail "mkfs.vfat -F 16 failed: $(cat "$work/mkfs.log")"
logical_uuid=7f0e4a2b-9c1d-4e8f-a6b5-3c2d1e0f9a8b
mkfs.ext4 -q -F -E offset=$((36864 * 512)) -L lb-logical -U "$logical_uuid" "$mbr" 16384k || fail "mkfs.ext4 failed"
swap_uuid=2c4e6a8b-1d3f-4a5b-8c7d-9e0f1a2b3c4d
truncate -s 10M "$work/swap.img"
mkswap -q -L lb-swap -U "$swap_uuid" "$work/swap.img" >/dev/null || fail "mkswap failed"
dd if="$work/swap.img" of="$mbr" bs=512 seek=71680 conv=notrunc status=none
expect_eq "$(sfdisk --dump "$mbr" | sed -n 's/^label-id: //p')" 0x5eed1234 "sfdisk label-id"
expect_eq "$(sfdisk --dump "$mbr" | grep -c 'start=')" 4 "sfdisk partition count"
mbr_flags=()
for n in 1 2 5 6; do mbr_flags[n]=$(parted_flags "$mbr" $n); done
python3 -c 'import json,sys; sys.exit("boot" not in json.loads(sys.argv[1]))' "${mbr_flags[1]}" ||
    fail "parted shows no boot flag on the bootable primary: ${mbr_flags[1]}"

cat >"$work/mbr.facts" <<EOF
{"size": $((64 * mib)),
 "table": {"type": "dos", "id": "0x5eed1234"},
 "filesystem": null,
 "partitions": [
  {"number": 1, "start": $((2048 * 512)), "size": $((32768 * 512)), "type": "0x06", "type_name": "FAT16",
   "name": "", "uuid": "5eed1234-01", "kind": "primary", "flags": ${mbr_flags[1]},
   "filesystem": {"type": "vfat", "label": "LB-FAT16", "uuid": "5EED-0001", "version": "FAT16"}},
  {"number": 2, "start": $((34816 * 512)), "size": $((96256 * 512)), "type": "0x05", "type_name": "Extended",
   "name": "", "uuid": "5eed1234-02", "kind": "extended", "flags": ${mbr_flags[2]}, "filesystem": null},
  {"number": 5, "start": $((36864 * 512)), "size": $((32768 * 512)), "type": "0x83", "type_name": "Linux",
   "name": "", "uuid": "5eed1234-05", "kind": "logical", "flags": ${mbr_flags[5]},
   "filesystem": {"type": "ext4", "label": "lb-logical", "uuid": "$logical_uuid", "version": "1.0"}},
  {"number": 6, "start": $((71680 * 512)), "size": $((20480 * 512)), "type": "0x82", "type_name": "Linux swap",
   "name": "", "uuid": "5eed1234-06", "kind": "logical", "flags": ${mbr_flags[6]},
   "filesystem": {"type": "swap", "label": "lb-swap", "uuid": "$swap_uuid", "version": "1"}}
 ]}
EOF
attach mbr_loop "$mbr"
mbr_loop_args=(--path "$mbr_loop" --name "${mbr_loop#/dev/}" --transport loop --backing "$mbr"
    --logical "$(blockdev --getss "$mbr_loop")" --physical "$(blockdev --getpbsz "$mbr_loop")")
lb "$work/all.json" disks --json
check "mbr, full listing" "$work/mbr.facts" "$work/all.json" "${mbr_loop_args[@]}"
lb "$work/one.json" disks --json "$mbr_loop"
check "mbr, disks $mbr_loop" "$work/mbr.facts" "$work/one.json" "${mbr_loop_args[@]}"
lb "$work/file.json" disks --json "$mbr"
check "mbr, disks IMAGE" "$work/mbr.facts" "$work/file.json" --path "$mbr" --name mbr.img --transport file
# Several paths at once: one device each, in the order given.
lb "$work/two.json" disks --json "$mbr" "$gpt_loop"
python3 -c 'import json,sys; p=[d["path"] for d in json.load(open(sys.argv[1]))["devices"]]; sys.exit(p != sys.argv[2:] and f"paths {p}")' \
    "$work/two.json" "$mbr" "$gpt_loop" || fail "disks --json IMAGE DEVICE did not list exactly those two"

########## 4. btrfs: mounted with an anonymous device number
if command -v mkfs.btrfs >/dev/null && grep -qw btrfs /proc/filesystems; then
    bt=$work/btrfs.img
    bt_uuid=5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d
    bt_sectors=245760  # 120 MiB: mkfs.btrfs wants about 110
    truncate -s 128M "$bt"
    sgdisk -o -U 6f5e4d3c-2b1a-4098-8f7e-6d5c4b3a2918 -n "1:2048:+120M" -t 1:8300 -c 1:"lifeboat btrfs" "$bt" >/dev/null
    attach bt_mkfs -o $((2048 * 512)) --sizelimit $((bt_sectors * 512)) "$bt"
    mkfs.btrfs -q -f -L lb-btrfs -U "$bt_uuid" "$bt_mkfs" >/dev/null 2>&1 || fail "mkfs.btrfs failed"
    detach "$bt_mkfs"
    sgdisk_part "$bt" 1
    cat >"$work/btrfs.facts" <<EOF
{"size": $((128 * mib)),
 "table": {"type": "gpt", "id": "6f5e4d3c-2b1a-4098-8f7e-6d5c4b3a2918"},
 "filesystem": null,
 "partitions": [
  {"number": 1, "start": $((2048 * 512)), "size": $((bt_sectors * 512)),
   "type": "0fc63daf-8483-4772-8e79-3d69d8477de4", "type_name": "Linux filesystem",
   "name": "lifeboat btrfs", "uuid": "$SG_UUID", "kind": "", "flags": $(parted_flags "$bt" 1),
   "filesystem": {"type": "btrfs", "label": "lb-btrfs", "uuid": "$bt_uuid", "version": ""}}
 ]}
EOF
    attach bt_loop "$bt"
    attach bt_part -r -o $((2048 * 512)) --sizelimit $((bt_sectors * 512)) "$bt"
    mount_ro "$bt_part" "$mnt"
    majmin=$(python3 -c '
import sys
for line in open("/proc/self/mountinfo"):
    f = line.split()
    if f[4].replace("\\040", " ") == sys.argv[1]:
        print(f[2])' "$mnt")
    case $majmin in 0:*) ;; *) echo "note: btrfs shows device $majmin here, not an anonymous 0:N" ;; esac
    bt_args=(--path "$bt_loop" --name "${bt_loop#/dev/}" --transport loop --backing "$bt"
        --logical "$(blockdev --getss "$bt_loop")" --physical "$(blockdev --getpbsz "$bt_loop")")
    lb "$work/all.json" disks --json
    check "btrfs mounted, full listing" "$work/btrfs.facts" "$work/all.json" "${bt_args[@]}" --mounted "1=$mnt"
    lb "$work/one.json" disks --json "$bt_loop"
    check "btrfs mounted, disks $bt_loop" "$work/btrfs.facts" "$work/one.json" "${bt_args[@]}" --mounted "1=$mnt"
    lb "$work/file.json" disks --json "$bt"
    check "btrfs mounted, disks IMAGE" "$work/btrfs.facts" "$work/file.json" --path "$bt" --name btrfs.img \
        --transport file --mounted "1=$mnt"
    unmount "$mnt"
    detach "$bt_part"
    detach "$bt_loop"
else
    echo "note: no mkfs.btrfs or no btrfs in this kernel: the btrfs part is not run"
fi

########## 5. 4096-byte logical sectors
if losetup --help | grep -q -- --sector-size; then
    k4=$work/4k.img
    k4_guid=1e2d3c4b-5a69-4788-97a6-b5c4d3e2f101
    k4_uuid=0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d
    truncate -s 64M "$k4"
    attach k4_loop --sector-size 4096 "$k4"
    expect_eq "$(blockdev --getss "$k4_loop")" 4096 "logical sector size of $k4_loop"
    # Nothing is mounted from this device: writing its table is safe.
    sgdisk -o -U "$k4_guid" -n 1:256:+16M -t 1:8300 -c "1:four k" "$k4_loop" >/dev/null 2>&1 ||
        fail "sgdisk on $k4_loop failed"
    mkfs.ext4 -q -F -E offset=$((256 * 4096)) -L lb-4k -U "$k4_uuid" "$k4_loop" 16384k || fail "mkfs.ext4 on 4k failed"
    sgdisk_part "$k4_loop" 1
    expect_eq "$SG_FIRST/$SG_LAST" "256/4351" "sgdisk extent on the 4k disk"
    cat >"$work/4k.facts" <<EOF
{"size": $((64 * mib)),
 "table": {"type": "gpt", "id": "$k4_guid"},
 "filesystem": null,
 "partitions": [
  {"number": 1, "start": $((256 * 4096)), "size": $((16 * mib)),
   "type": "0fc63daf-8483-4772-8e79-3d69d8477de4", "type_name": "Linux filesystem",
   "name": "four k", "uuid": "$SG_UUID", "kind": "", "flags": $(parted_flags "$k4_loop" 1),
   "filesystem": {"type": "ext4", "label": "lb-4k", "uuid": "$k4_uuid", "version": "1.0"}}
 ]}
EOF
    k4_args=(--path "$k4_loop" --name "${k4_loop#/dev/}" --transport loop --backing "$k4"
        --logical 4096 --physical "$(blockdev --getpbsz "$k4_loop")")
    lb "$work/one.json" disks --json "$k4_loop"
    check "4096-byte sectors, disks $k4_loop" "$work/4k.facts" "$work/one.json" "${k4_args[@]}"
    lb "$work/all.json" disks --json
    check "4096-byte sectors, full listing" "$work/4k.facts" "$work/all.json" "${k4_args[@]}"
else
    echo "note: this losetup has no --sector-size: the 4096-byte part is not run"
fi

########## errors
rc=0
"$lifeboat" disks --json "$work/no-such.img" >"$work/out" 2>"$work/err" || rc=$?
expect_eq "$rc" 7 "exit code of disks on a missing path"
[ ! -s "$work/out" ] || fail "disks on a missing path printed to stdout"
grep -qF "$work/no-such.img" "$work/err" || fail "the error does not name the path: $(cat "$work/err")"

echo "disks_json: all checks passed"
