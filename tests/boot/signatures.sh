#!/bin/bash
# After a restore, blkid -p and wipefs -n find on the target only what the
# image holds, whatever the disk held before. Two targets are first made to
# hold another disk's labels, with the real tools: another GPT (sgdisk, with a
# third partition where the image has free space), an LVM PV (pvcreate) and
# an md RAID1 member with 1.0 metadata, its superblock at the end (mdadm, run
# in the media's kernel, which has md: guest_toolbox):
#   A. the same size as the source; md on partition 2, whose end the new ext4
#      leaves free (the superblock would stay there unless cleared);
#   B. 32 MiB larger; md on the whole disk, its superblock at the disk's end.
# Each is restored on the host; then the whole disk's signatures are the
# source's (types; offsets but the backup GPT's) and each partition's, by
# wipefs -n and blkid -p, are the source partition's, byte offsets included.
#   usage: signatures.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-signatures "${1:-}"
source "$LB_LIB_DIR/disk.sh"
disk_init
need_tools pvcreate mdadm wipefs

MiB=$((1 << 20))

src=$WORK/source.img
new_disk "$src" 64M <<'SFDISK'
label: gpt
start=2048, size=32768, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="one"
start=34816, size=65536, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="two"
SFDISK
put_fs "$src" 1 ext4 one
put_fs "$src" 2 ext4 two
lb_ok "capture the source" capture --progress none "$src" "$WORK/src.lbi" || die "capture"

# old_disk FILE SIZE: junk with another GPT: partitions 1 and 2 where the
# image has them, 3 in its free space; an LVM PV on partition 1.
old_disk() {
    junk "$1" "$2"
    sgdisk -n1:2048:34815 -n2:34816:100351 -n3:100352:0 -t3:fd00 "$1" >/dev/null || die "sgdisk $1"
    local pv
    attach pv "$1" -o $((2048 * 512)) --sizelimit $((32768 * 512))
    pvcreate -qq -ff -y "$pv" >/dev/null 2>&1 || die "pvcreate on $1 partition 1"
    detach "$pv"
}
old_disk "$WORK/a.img" $((64 * MiB))
old_disk "$WORK/b.img" $((96 * MiB))
cat >"$WORK/md.sh" <<'SCRIPT'
set -e
mdadm --create /dev/md0 --run --metadata=1.0 --level=1 --raid-devices=2 /dev/vda2 missing
mdadm --stop /dev/md0
mdadm --create /dev/md1 --run --metadata=1.0 --level=1 --raid-devices=2 /dev/vdb missing
mdadm --stop /dev/md1
mdadm --examine /dev/vda2 /dev/vdb | grep -c 'Magic : a92b4efc' | grep -qx 2
SCRIPT
guest_toolbox md "$WORK/md.sh" "md-mod raid1" "mdadm" \
    -drive "if=virtio,format=raw,file=$WORK/a.img" -drive "if=virtio,format=raw,file=$WORK/b.img"
check "A held an md member on partition 2 (blkid -p: linux_raid_member)" \
    eval '[ "$(part_loop p "$WORK/a.img" 2; blkid -p -o value -s TYPE "$p"; detach "$p")" = linux_raid_member ]'
check "B held an md member on the whole disk (wipefs -n lists linux_raid_member)" \
    eval 'wipefs -n "$WORK/b.img" | grep -q linux_raid_member'

# signatures DEV: "OFFSET TYPE" lines, as wipefs -n finds them.
signatures() { wipefs -n -J "$1" | jq -r '.signatures[] | "\(.offset) \(.type)"' | sort; }

judge() {  # TARGET WHAT [CLEARED]: CLEARED, a signature type the restore must say it cleared
    local t=$1 what=$2 n s d
    lb_ok "$what: restore" restore --yes --progress none "$WORK/src.lbi" "$t" || return
    [ -z "${3:-}" ] || err_has "$what: the restore says it cleared the old $3" "cleared .*$3 at byte"
    check "$what: the whole disk's signatures are the source's types (wipefs -n)" \
        [ "$(signatures "$t" | cut -d' ' -f2 | sort | tr '\n' ' ')" = "$(signatures "$src" | cut -d' ' -f2 | sort | tr '\n' ' ')" ]
    check "$what: no RAID, LVM or other disk's label on the whole disk" \
        eval '! signatures "$t" | grep -q -E "raid|LVM|xfs"'
    for n in 1 2; do
        part_loop s "$src" "$n"
        part_loop d "$t" "$n"
        check "$what: partition $n: wipefs -n finds what it finds on the source's: $(signatures "$s" | tr '\n' ' ')" \
            [ "$(signatures "$d")" = "$(signatures "$s")" ]
        check "$what: partition $n: blkid -p sees one filesystem, the source's" \
            eval '[ "$(blkid -p -o export "$d" | grep -v ^DEVNAME)" = "$(blkid -p -o export "$s" | grep -v ^DEVNAME)" ]'
        detach "$d"
        detach "$s"
    done
    judge_part "$src" "$t" 1 ext4 "$what"
    judge_part "$src" "$t" 2 ext4 "$what"
}
judge "$WORK/a.img" "A (same size, md on partition 2)" linux_raid_member
judge "$WORK/b.img" "B (larger, md on the whole disk)"

lb_finish
