#!/bin/bash
# Whole-disk images (issue 4): capture a GPT and an MBR disk made by sgdisk,
# sfdisk and the real mkfs tools, restore onto junk-filled targets of the same
# and a larger size (whose last MiB past the image is zeroed, the rest kept), and judge with sgdisk -v, sfdisk --json, the filesystems'
# own checkers, file checksums and byte comparisons of the boot areas. Then
# --grow, --dry-run, --partition, and each refusal leaving the target's bytes
# unchanged. Partitions are reached by offset (the host kernel parses no tables).
set -u
LB=$(realpath "$1")
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
work=$(mktemp -d)
# Loops are found by their backing files at cleanup (attach runs in $(...),
# a subshell, so it cannot record them): loops stacked on ours first.
backed_by() { losetup -nO NAME,BACK-FILE | awk -v b="$1" 'index($2, b) == 1 {print $1}'; }
cleanup() {
    for m in "$work"/mnt*; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
    local ours
    ours=$(backed_by "$work/")
    for l in $ours; do
        for s in $(losetup -nO NAME,BACK-FILE | awk -v b="$l" '$2 == b {print $1}'); do losetup -d "$s"; done
    done
    for l in $ours; do losetup -d "$l" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
junk() { head -c "$2" /dev/urandom > "$1"; }
attach() { losetup -f --show "$@"; }
# sha256 of every file below a directory, as "sum path" lines
tree_sums() { (cd "$1" && find . -type f ! -path './lost+found/*' -exec sha256sum {} + | sort -k2); }

# --- the GPT source: BIOS boot (random), ESP (FAT32), ext4 with files, swap, a gap
mkdir files && cp -r /usr/share/doc/lib[a-c]* files/ 2>/dev/null
truncate -s 200M gpt.img
sgdisk -U 11111111-2222-3333-4444-555555555555 \
    -n1:2048:+1M -t1:ef02 -n2:0:+40M -t2:ef00 -c2:ESP -n3:0:+100M -t3:8300 -c3:root \
    -u3:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee -n4:+4M:+20M -t4:8200 gpt.img >/dev/null
start() { sgdisk -i "$2" "$1" | sed -n 's/^First sector: \([0-9]*\).*/\1/p'; }
s1=$(start gpt.img 1) s2=$(start gpt.img 2) s3=$(start gpt.img 3) s4=$(start gpt.img 4)
dd if=/dev/urandom of=gpt.img bs=512 seek="$s1" count=2048 conv=notrunc status=none
dd if=/dev/urandom of=gpt.img bs=440 count=1 conv=notrunc status=none
mkfs.vfat -F 32 --offset "$s2" -n MYESP gpt.img 40960 >/dev/null
mmd -i "gpt.img@@$((s2 * 512))" ::/EFI && mcopy -i "gpt.img@@$((s2 * 512))" /etc/os-release ::/EFI/release
mkfs.ext4 -q -L rootfs -d files -E offset=$((s3 * 512)) gpt.img 100M
truncate -s 20M sw.img && mkswap -L myswap -U 99999999-8888-7777-6666-555555555555 sw.img >/dev/null 2>&1
dd if=sw.img of=gpt.img bs=512 seek="$s4" conv=notrunc status=none

"$LB" capture --progress none gpt.img gpt.lbi || { echo "FAIL: capture gpt"; exit 1; }
info=$("$LB" info --json gpt.lbi)
check "manifest records the disk GUID" \
    "[ \"\$(echo '$info' | jq -r .manifest.disk.disk_id)\" = 11111111-2222-3333-4444-555555555555 ]"
check "manifest records partition 3's GUID and name" \
    "echo '$info' | jq -e '.manifest.disk.partitions[2] | .uuid == \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\" and .name == \"root\"' >/dev/null"
check "manifest records the esp and bios_grub flags" \
    "echo '$info' | jq -e '[.manifest.disk.partitions[].flags[]] | index(\"esp\") and index(\"bios_grub\")' >/dev/null"

judge_gpt() {  # target label
    local t=$1 what=$2
    check "$what: sgdisk -v finds no problem" "sgdisk -v $t | grep -q 'No problems found'"
    check "$what: sfdisk --json matches but for size fields" \
        "diff <(sfdisk --json gpt.img | jq 'del(.partitiontable.device, .partitiontable.lastlba) | .partitiontable.partitions[] |= del(.node)') \
              <(sfdisk --json $t | jq 'del(.partitiontable.device, .partitiontable.lastlba) | .partitiontable.partitions[] |= del(.node)')"
    check "$what: protective MBR boot code identical" "cmp -n 440 gpt.img $t"
    check "$what: BIOS boot partition identical" "cmp -i $((s1 * 512)) -n $((2048 * 512)) gpt.img $t"
    dd if="$t" of=esp.img bs=512 skip="$s2" count=81920 status=none
    check "$what: fsck.fat -n passes" "fsck.fat -n esp.img >/dev/null"
    check "$what: ESP file matches" "mtype -i esp.img ::/EFI/release | cmp - /etc/os-release"
    local l
    l=$(attach -r -o $((s3 * 512)) --sizelimit $((204800 * 512)) "$t")
    check "$what: e2fsck -fn passes" "e2fsck -fn $l >/dev/null 2>&1"
    mkdir -p mnt && mount -o ro "$l" mnt
    check "$what: every file matches" "diff <(tree_sums files) <(tree_sums mnt) >/dev/null"
    umount mnt
    check "$what: swap keeps UUID and label" \
        "blkid -p -O $((s4 * 512)) $t | grep -q 'LABEL=\"myswap\" UUID=\"99999999-8888-7777-6666-555555555555\"'"
}

junk same.img 200M
"$LB" restore --yes --progress none gpt.lbi same.img 2>/dev/null
check "restore onto same size exits 0" "[ $? = 0 ]"
judge_gpt same.img "same size"
junk big.img 300M
l=$(attach big.img)
"$LB" restore --yes --progress none gpt.lbi "$l" 2>/dev/null
check "restore onto a larger loop device exits 0" "[ $? = 0 ]"
judge_gpt "$l" "larger disk"
check "larger disk: backup GPT at the new end" "sgdisk -p $l | grep -q 'last usable sector is 614366'"
# The old disk's last MiB (where RAID and pool labels live) is zeros, but for the new backup GPT.
check "larger disk: the rest of its last MiB is zeros" \
    "tail -c $((1 << 20)) big.img | head -c $(((1 << 20) - 33 * 512)) | cmp -s - <(head -c $(((1 << 20) - 33 * 512)) /dev/zero)"

# --grow with an ext4 last: drop the swap from a copy and capture again
cp gpt.img g.img && sgdisk -d 4 g.img >/dev/null
"$LB" capture --progress none g.img g.lbi 2>/dev/null
junk grow.img 300M
"$LB" restore --yes --grow --progress none g.lbi grow.img 2>/dev/null
check "--grow: partition 3 reaches the end" "[ \"\$(sgdisk -i 3 grow.img | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')\" = 614366 ]"
l=$(attach -r -o $((s3 * 512)) grow.img)
check "--grow: e2fsck -fn passes" "e2fsck -fn $l >/dev/null 2>&1"
check "--grow: ext4 fills the partition" "[ \$(dumpe2fs -h $l 2>/dev/null | sed -n 's/^Block count: *//p') -gt 150000 ]"

# --- the MBR source: bootable primary, a primary 0x07, extended with two logicals
truncate -s 120M mbr.img
printf 'label: dos\nlabel-id: 0x1234abcd\nstart=2048, size=40960, type=83, bootable\nstart=43008, size=20480, type=7\nstart=65536, type=5\nstart=67584, size=20480, type=83\nstart=90112, size=20480, type=7\n' | sfdisk -q mbr.img
dd if=/dev/urandom of=mbr.img bs=512 seek=1 count=2047 conv=notrunc status=none
dd if=/dev/urandom of=mbr.img bs=440 count=1 conv=notrunc status=none
mkfs.ext4 -q -L prim -d files -E offset=$((2048 * 512)) mbr.img 20M
mkfs.ext4 -q -L logi -E offset=$((67584 * 512)) mbr.img 10M
"$LB" capture --progress none mbr.img mbr.lbi 2>/dev/null
junk mt.img 160M
past=$(dd if=mt.img bs=1M skip=120 count=39 status=none | sha256sum)
"$LB" restore --yes --progress none mbr.lbi mt.img 2>/dev/null
check "MBR: restore exits 0" "[ $? = 0 ]"
check "MBR: the larger target's last MiB, past the image, is zeros" \
    "tail -c $((1 << 20)) mt.img | cmp -s - <(head -c $((1 << 20)) /dev/zero)"
check "MBR: the rest past the image keeps its bytes" \
    "[ \"\$(dd if=mt.img bs=1M skip=120 count=39 status=none | sha256sum)\" = \"$past\" ]"
check "MBR: sfdisk -d identical" "diff <(sfdisk -d mbr.img | sed 1,3d | sed 's/mbr.img/X/') <(sfdisk -d mt.img | sed 1,3d | sed 's/mt.img/X/')"
check "MBR: sector 0 and the whole post-MBR gap identical" "cmp -n $((2048 * 512)) mbr.img mt.img"
check "MBR: EBR area identical" "cmp -i $((65536 * 512)) -n $((2048 * 512)) mbr.img mt.img"
l=$(attach -r -o $((2048 * 512)) --sizelimit $((40960 * 512)) mt.img)
check "MBR: primary e2fsck -fn passes" "e2fsck -fn $l >/dev/null 2>&1"
l=$(attach -r -o $((67584 * 512)) --sizelimit $((20480 * 512)) mt.img)
check "MBR: logical e2fsck -fn passes" "e2fsck -fn $l >/dev/null 2>&1"

# --- --dry-run and --partition
junk dry.img 200M
before=$(sha256sum < dry.img)
out=$("$LB" restore --dry-run gpt.lbi dry.img 2>&1)
check "--dry-run prints the plan" "echo \"\$out\" | grep -q 'partition 3 (ext4' && echo \"\$out\" | grep -q 'nothing was written'"
check "--dry-run writes nothing" "[ \"\$(sha256sum < dry.img)\" = \"$before\" ]"
"$LB" restore --partition 3 --progress none gpt.lbi part3.img 2>/dev/null
check "--partition 3 onto a new file: e2fsck -fn passes" "e2fsck -fn part3.img >/dev/null 2>&1"
check "--partition 3 is the partition's size" "[ \$(stat -c %s part3.img) = $((204800 * 512)) ]"

# --- refusals: each exits with its own code and leaves the target byte-identical
refused() {  # name expected-code target [restore args...]
    local name=$1 code=$2 t=$3; shift 3
    local h; h=$(sha256sum < "$t")
    "$LB" restore --yes --progress none "$@" "$t" >/dev/null 2>&1
    local rc=$?
    check "refusal ($name) exits $code" "[ $rc = $code ]"
    check "refusal ($name) leaves the target unchanged" "[ \"\$(sha256sum < $t)\" = \"$h\" ]"
}
junk small.img 40M  # less than the BIOS boot partition and the ESP, which keep their size (docs/SHRINK.md)
refused "too small" 5 small.img gpt.lbi
junk mounted.img 200M
cp gpt.img mounted.img   # a disk whose ext4 is mounted (read-only) through an offset loop
l=$(attach -r -o $((s3 * 512)) --sizelimit $((204800 * 512)) mounted.img)
mkdir -p mnt2 && mount -o ro "$l" mnt2
refused "partition mounted through an offset loop" 10 mounted.img gpt.lbi
umount mnt2
junk k4.img 200M
l=$(attach --sector-size 4096 k4.img)
refused "4096-byte sectors" 12 "$l" gpt.lbi
junk store.img 300M   # the image lives on an ext4 filesystem on the target
mkfs.ext4 -q -F store.img && mkdir -p mnt3 && mount store.img mnt3 && cp gpt.lbi mnt3/ && umount mnt3
mount -o ro store.img mnt3
l=$(losetup -j store.img | cut -d: -f1 | head -n1)
refused "holds the image" 11 "$l" mnt3/gpt.lbi
umount mnt3

exit $fail
