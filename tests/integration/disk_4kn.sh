#!/bin/bash
# Disks with 4096-byte logical sectors (4Kn): loop devices made with
# `losetup -b 4096` over files. A GPT disk (ESP with FAT16 of 4096-byte
# sectors, ext4 of 4096-byte blocks, free space after them) and an MBR disk
# (ext4, NTFS) are captured whole and
#   1. restored onto a 4Kn disk of the same size: the same table (sfdisk),
#      sgdisk -v clean with the backup GPT (5 sectors at 4096 bytes, not 33) on
#      the last sector, every partition's checker clean and every file equal;
#   2. restored onto a larger 4Kn disk with --grow: the last partition ends on
#      the last usable sector, its ext4 fills it; and without --grow, the plan's
#      note counts the room after it in 4096-byte sectors;
#   3. restored with --partition 2 onto a file: the ext4 alone, whole;
#   4. refused (exit 12, nothing written) onto a disk with 512-byte sectors.
#   usage: disk_4kn.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init disk-4kn "${1:-}"
SECTOR=4096
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
disk_init
need_tools resize2fs dumpe2fs

MiB=$((1 << 20))

# disk4k VAR FILE SIZE-MIB: a file of junk behind a loop device with 4096-byte sectors.
disk4k() {
    junk "$2" $(($3 * MiB))
    attach "$1" "$2" -b 4096
}

# --------------------------------------------------------------- GPT --
say "--- GPT on 4096-byte sectors: ESP (FAT16), ext4, free space after"
disk4k src "$WORK/src.img" 80
sfdisk -q "$src" <<'EOF' >/dev/null 2>&1 || die "sfdisk on $src"  # (the host kernel re-reads no table)
label: gpt
label-id: 4C1F0000-1111-4222-8333-444455556666
start=256, size=8192, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"
start=8448, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF
put_fs "$src" 1 fat16 ESP
put_fs "$src" 2 ext4 root
check "the source has 4096-byte sectors" [ "$(blockdev --getss "$src")" = 4096 ]
lb_ok "GPT 4Kn: capture" capture --progress none "$src" "$WORK/gpt.lbi" || die "cannot capture $src"
check "the image records 4096-byte sectors" [ "$(info_get "$WORK/gpt.lbi" .manifest.disk.logical_sector_size)" = 4096 ]
check "the image records the backup GPT's 5 sectors as stored, the free space before it not" \
    [ "$(info_get "$WORK/gpt.lbi" '[.manifest.streams[] | select(.role == "gap") | .size] | last')" = $((5 * 4096)) ]

disk4k dst "$WORK/dst.img" 80
lb_ok "GPT 4Kn: restore onto a 4Kn disk of the same size" restore --yes --progress none "$WORK/gpt.lbi" "$dst" && {
    same_table "$src" "$dst" "GPT 4Kn"
    gpt_at_end "$dst" "GPT 4Kn"
    judge_part "$src" "$dst" 1 fat16 "GPT 4Kn"
    judge_part "$src" "$dst" 2 ext4 "GPT 4Kn"
}
detach "$dst"

disk4k big "$WORK/big.img" 112
lb_ok "GPT 4Kn: restore --dry-run onto a larger 4Kn disk" restore --dry-run "$WORK/gpt.lbi" "$big" &&
    # (28672 - 6 - 16639) sectors of 4096 bytes: 47.0 MiB; counted with a 512-byte GPT's 34, 46.9 MiB.
    check "GPT 4Kn, no --grow: the plan's note counts the room after partition 2 in 4096-byte sectors" \
        grep -qx "Note    $big is 32\.0 MiB larger than the source disk; the 47\.0 MiB after partition 2 stay in no partition (--grow lets partition 2 fill them)" "$OUT"
lb_ok "GPT 4Kn: restore --grow onto a larger 4Kn disk" restore --yes --grow --progress none "$WORK/gpt.lbi" "$big" && {
    err_has "GPT 4Kn --grow: the restore says ext4 now fills partition 2" 'partition 2 \(ext4\).* now fill'
    ends_last "$big" 2 "GPT 4Kn --grow"
    gpt_at_end "$big" "GPT 4Kn --grow"
    ext_fills "$big" 2 "GPT 4Kn --grow: partition 2"
    judge_part "$src" "$big" 1 fat16 "GPT 4Kn --grow"
    judge_part "$src" "$big" 2 ext4 "GPT 4Kn --grow"
}
detach "$big"

lb_ok "GPT 4Kn: restore --partition 2 onto a new file" \
    restore --yes --progress none --partition 2 "$WORK/gpt.lbi" "$WORK/root.img" && {
    check "--partition 2: the file is the partition's size" [ "$(fsize "$WORK/root.img")" = $((8192 * 4096)) ]
    check "--partition 2: e2fsck -fn passes" fs_check ext4 "$WORK/root.img"
    if files_of ext4 "$WORK/root.img" "$WORK/files"; then
        same_tree "--partition 2: files" "$DATA_SUMS" "$WORK/files"
    else
        bad "--partition 2: cannot read its files"
    fi
    rm -rf "$WORK/files" "$WORK/root.img"
}

junk "$WORK/t512.img" $((80 * MiB))
attach t512 "$WORK/t512.img"
before=$(sha "$t512")
lb_expect 12 "GPT 4Kn onto a disk of 512-byte sectors: refused" restore --yes --progress none "$WORK/gpt.lbi" "$t512"
err_has "the refusal names both sector sizes" 'sectors are 512 bytes, the image.s 4096'
unchanged_after "$before" "$t512" "refused onto 512-byte sectors"
detach "$t512"

# --------------------------------------------------------------- MBR --
say "--- MBR on 4096-byte sectors: ext4, NTFS"
disk4k msrc "$WORK/msrc.img" 48
sfdisk -q "$msrc" <<'EOF' >/dev/null 2>&1 || die "sfdisk on $msrc"
label: dos
label-id: 0x4c1f4c1f
start=256, size=4096, type=83, bootable
start=4352, size=6144, type=7
EOF
put_fs "$msrc" 1 ext4 mroot
put_fs "$msrc" 2 ntfs mdata
lb_ok "MBR 4Kn: capture" capture --progress none "$msrc" "$WORK/mbr.lbi" || die "cannot capture $msrc"
disk4k mdst "$WORK/mdst.img" 64
lb_ok "MBR 4Kn: restore --grow onto a larger 4Kn disk" restore --yes --grow --progress none "$WORK/mbr.lbi" "$mdst" && {
    err_has "MBR 4Kn --grow: the restore says NTFS now fills partition 2" 'partition 2 \(ntfs\).* now fill'
    check "MBR 4Kn --grow: sfdisk --verify finds no problem" quiet sfdisk --verify "$mdst"
    check "MBR 4Kn --grow: partition 2 ends on the last sector" \
        [ $(($(part_start "$mdst" 2) + $(part_size "$mdst" 2))) = $((64 * MiB / 4096)) ]
    judge_part "$msrc" "$mdst" 1 ext4 "MBR 4Kn --grow"
    judge_part "$msrc" "$mdst" 2 ntfs "MBR 4Kn --grow"
}
detach "$mdst"

lb_finish
