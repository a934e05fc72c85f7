#!/bin/bash
# Restore onto a smaller disk, and sizes chosen with --size (issue 21,
# docs/SHRINK.md). Each source's data is pushed to the end of its filesystem
# first (a filler written, the files copied, the filler deleted), so that a
# shrink must move it.
#   1. GPT, a Linux disk (BIOS boot, ESP, ext4 root, swap) onto 60%: the plan
#      names what shrinks and moves; sgdisk -v clean; every partition's type,
#      GUID and name kept; BIOS boot and ESP at their place and size; the ext4
#      shrunk (e2fsck -fn clean, identity, every file's sha256); the swap
#      moved, its header mkswap's for the new size with UUID and label kept.
#   2. GPT, a Windows-like disk (ESP, MSR, NTFS C:, NTFS recovery) onto 55%:
#      C: shrunk by ntfsresize (ntfsfix -n clean, files), the recovery
#      partition moved down with it, its boot sector and backup naming its new
#      start sector, its files and identity kept; the MSR byte for byte.
#   2b. MBR, ext4, NTFS, FAT16, all shrunk: the NTFS moved too, checked clean,
#      its boot sectors naming its new start; the FAT16 made again smaller and
#      moved (still FAT16, fsck.fat clean, identity, files, hidden sectors).
#   3. MBR with logical partitions (FAT32, then ext4 and swap in an extended
#      partition) onto 50%: the FAT32 made again at its size (fsck.fat clean,
#      volume id, label, boot code, files), the logicals shrunk and moved,
#      sfdisk -V clean, the disk signature and boot code kept.
#   4. Refusals that write nothing (the target's sha256 unchanged): data that
#      cannot fit (exit 5, the numbers and each partition's least); exFAT kept
#      at its size and named when it does not fit; --size below a minimum or
#      on a partition that keeps its size or onto a file not made yet (exit
#      2); a smaller disk from standard input (exit 2).
#   5. --size onto a larger disk: the ext4 in the middle grows to the size
#      asked, fills it, and the swap after it moves.
#   5b. --grow with a FAT32 last: made again at the new size, every file kept.
#   6. A damaged chunk past the new end, read while shrinking: exit 3, the
#      chunk named, the aftermath says the table was not written.
#   usage: disk_shrink.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init disk-shrink "${1:-}"
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
disk_init
need_tools ntfsresize resize2fs dumpe2fs mkfs.exfat sgdisk mdir

# onto SRC-IMAGE MIB WHAT [OPTIONS...]: restores the image onto a new junk-free file of MIB MiB, $t.
onto() {
    local image=$1 mib=$2 what=$3
    shift 3
    t=$WORK/target.img
    rm -f "$t" && truncate -s $((mib * MiB)) "$t"
    lb_ok "$what: restore onto $mib MiB" restore --yes --progress none "$@" "$image" "$t"
}

# ------------------------------------------------------ 1. a Linux disk --
say "--- 1. GPT Linux disk (BIOS boot, ESP, ext4, swap) onto 60%"
linux=$WORK/linux.img
new_disk "$linux" 280M <<'EOF'
label: gpt
start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name="bios"
start=4096, size=81920, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"
start=86016, size=409600, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
start=495616, size=65536, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name="swap"
EOF
head -c $MiB /dev/urandom | dd of="$linux" bs=512 seek=2048 conv=notrunc status=none  # GRUB's core.img stands in
put_fs "$linux" 2 fat32 ESP
put_fs "$linux" 3 ext4 root
put_fs "$linux" 4 swap lbswap
push_high "$linux" 3 ext4
lb_ok "linux: capture" capture --progress none "$linux" "$WORK/linux.lbi" || die "cannot capture"

lb_ok "linux: dry run onto 60%" restore --dry-run --progress none "$WORK/linux.lbi" "$(truncate -s 168M "$WORK/dry.img" && echo "$WORK/dry.img")"
check "linux: the plan says the ext4 shrinks, with its use and least" \
    grep -q -E 'partition 3 \(ext4 .root.\): shrinks 200\.0 MiB -> [0-9.]+ MiB; its filesystem uses [0-9.]+ MiB, keeps [0-9.]+ MiB free \(at least [0-9.]+ MiB\)' "$OUT"
check "linux: the plan says the ESP keeps its size, and why" \
    grep -q "partition 2 (vfat 'ESP'): keeps its 40.0 MiB (EFI system partition)" "$OUT"
check "linux: the plan says the swap moves" grep -q -E "partition 4 \(swap 'lbswap'\): shrinks .*; moves from byte 253755392 to" "$OUT"
check "linux: the dry run wrote nothing" [ "$(sha "$WORK/dry.img")" = "$(head -c $((168 * MiB)) /dev/zero | sha256sum | cut -d' ' -f1)" ]

if onto "$WORK/linux.lbi" 168 "linux"; then
    err_has "linux: the restore says resize2fs shrank it" 'partition 3 \(ext4\): shrunk by resize2fs'
    sgdisk_clean "$t" "linux"
    same_entries "$linux" "$t" "linux"
    check "linux: BIOS boot partition byte for byte at its place" \
        eval 'cmp -s <(dd if="$linux" bs=512 skip=2048 count=2048 status=none) <(dd if="$t" bs=512 skip=2048 count=2048 status=none)'
    judge_part "$linux" "$t" 2 fat32 "linux"
    judge_moved "$linux" "$t" 3 ext4 "linux"
    check "linux: partition 3 is smaller than on the source" [ "$(part_size "$t" 3)" -lt "$(part_size "$linux" 3)" ]
    check "linux: the partitions end within the target" \
        [ $(($(part_start "$t" 4) + $(part_size "$t" 4))) -le $(($(disk_sectors "$t") - $(gpt_tail))) ]
    part_loop s "$linux" 4
    part_loop d "$t" 4
    check "linux: swap UUID and label kept ($(ident "$s"))" [ "$(ident "$s")" = "$(ident "$d")" ]
    detach "$d"
    detach "$s"
    swap_fits "$t" 4 "linux"
fi

# ---------------------------------------------------- 2. a Windows disk --
say "--- 2. GPT Windows-like disk (ESP, MSR, NTFS C:, NTFS recovery) onto 55%"
win=$WORK/win.img
new_disk "$win" 300M <<'EOF'
label: gpt
start=2048, size=81920, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"
start=83968, size=32768, type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE, name="Microsoft reserved partition"
start=116736, size=409600, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"
start=526336, size=61440, type=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC, name="Recovery"
EOF
put_fs "$win" 1 fat32 SYSTEM
head -c $((32768 * 512)) /dev/urandom | dd of="$win" bs=512 seek=83968 conv=notrunc status=none
put_fs "$win" 3 ntfs Windows
put_fs "$win" 4 ntfs Recovery
push_high "$win" 3 ntfs
lb_ok "windows: capture" capture --progress none "$win" "$WORK/win.lbi" || die "cannot capture"
if onto "$WORK/win.lbi" 165 "windows"; then
    err_has "windows: the restore says ntfsresize shrank C:" 'partition 3 \(ntfs\): shrunk by ntfsresize'
    sgdisk_clean "$t" "windows"
    same_entries "$win" "$t" "windows"
    judge_part "$win" "$t" 1 fat32 "windows"
    judge_part "$win" "$t" 2 raw "windows"
    judge_moved "$win" "$t" 3 ntfs "windows"
    judge_moved "$win" "$t" 4 ntfs "windows"
    new=$(part_start "$t" 4) size=$(part_size "$t" 4)
    check "windows: the recovery partition moved down (sector $new, was 526336)" [ "$new" -lt 526336 ]
    check "windows: its boot sector names its new start sector $new" \
        [ "$(od -An -t u4 -j $((new * 512 + 28)) -N 4 "$t" | tr -d ' ')" = "$new" ]
    check "windows: so does its backup boot sector, on its last sector" \
        [ "$(od -An -t u4 -j $(((new + size - 1) * 512 + 28)) -N 4 "$t" | tr -d ' ')" = "$new" ]
fi

say "--- 2b. MBR: ext4, NTFS, FAT16; all shrink, the NTFS and the FAT16 move"
ntm=$WORK/ntfs-moves.img
new_disk "$ntm" 200M <<'EOF'
label: dos
start=2048, size=81920, type=83
start=83968, size=122880, type=7
start=206848, size=81920, type=6
EOF
put_fs "$ntm" 1 ext4 first
put_fs "$ntm" 2 ntfs second
put_fs "$ntm" 3 fat16 third
push_high "$ntm" 2 ntfs
push_high "$ntm" 3 fat16
lb_ok "ntfs moves: capture" capture --progress none "$ntm" "$WORK/ntm.lbi" || die "cannot capture"
if onto "$WORK/ntm.lbi" 110 "ntfs moves"; then
    err_has "ntfs moves: the restore says the FAT16 was made again" 'partition 3 \(vfat\): made again by mkfs.fat'
    new3=$(part_start "$t" 3) size3=$(part_size "$t" 3)
    check "ntfs moves: the FAT16 shrank and moved (sector $new3, $size3 sectors)" \
        eval '[ "$new3" -lt 206848 ] && [ "$size3" -lt 81920 ]'
    judge_moved "$ntm" "$t" 3 fat16 "ntfs moves"
    check "ntfs moves: still FAT16, its boot sector naming sector $new3" \
        eval '[ "$(dd if="$t" bs=1 skip=$((new3 * 512 + 54)) count=8 status=none)" = "FAT16   " ] &&
              [ "$(od -An -t u4 -j $((new3 * 512 + 28)) -N 4 "$t" | tr -d " ")" = "$new3" ]'
    new=$(part_start "$t" 2) size=$(part_size "$t" 2)
    check "ntfs moves: the NTFS shrank and moved (sector $new, $size sectors)" eval '[ "$new" -lt 83968 ] && [ "$size" -lt 122880 ]'
    judge_moved "$ntm" "$t" 1 ext4 "ntfs moves"
    judge_moved "$ntm" "$t" 2 ntfs "ntfs moves"
    check "ntfs moves: its boot sector and the backup on its last sector name sector $new" \
        eval '[ "$(od -An -t u4 -j $((new * 512 + 28)) -N 4 "$t" | tr -d " ")" = "$new" ] &&
              [ "$(od -An -t u4 -j $(((new + size - 1) * 512 + 28)) -N 4 "$t" | tr -d " ")" = "$new" ]'
fi

# ---------------------------------------------- 3. MBR with logicals ----
say "--- 3. MBR: FAT32, then ext4 and swap as logical partitions, onto 50%"
mbr=$WORK/mbr.img
new_disk "$mbr" 360M <<'EOF'
label: dos
label-id: 0x5eed1e55
start=2048, size=409600, type=c
start=411648, size=325632, type=5
start=413696, size=204800, type=83
start=620544, size=116736, type=82
EOF
dd if=/dev/urandom of="$mbr" bs=440 count=1 conv=notrunc status=none
put_fs "$mbr" 1 fat32 DATA
put_fs "$mbr" 5 ext4 logical
put_fs "$mbr" 6 swap lbswap2
push_high "$mbr" 1 fat32
push_high "$mbr" 5 ext4
lb_ok "mbr: capture" capture --progress none "$mbr" "$WORK/mbr.lbi" || die "cannot capture"
if onto "$WORK/mbr.lbi" 180 "mbr"; then
    err_has "mbr: the restore says the FAT32 was made again" 'partition 1 \(vfat\): made again by mkfs.fat'
    check "mbr: sfdisk -V finds no error" eval 'sfdisk -V "$t" >"$WORK/sfdisk-v.out" 2>&1'
    same_entries "$mbr" "$t" "mbr"
    check "mbr: boot code (bytes 0..439) kept" same_bytes "$mbr" "$t" 440
    judge_moved "$mbr" "$t" 1 fat32 "mbr"
    part_loop s "$mbr" 1
    part_loop d "$t" 1
    check "mbr: the FAT32's boot code (bytes 90..509) kept" \
        eval 'cmp -s <(dd if="$s" bs=1 skip=90 count=420 status=none) <(dd if="$d" bs=1 skip=90 count=420 status=none)'
    check "mbr: the FAT32 is smaller" [ "$(part_size "$t" 1)" -lt 409600 ]
    detach "$d"
    detach "$s"
    judge_moved "$mbr" "$t" 5 ext4 "mbr"
    swap_fits "$t" 6 "mbr"
    check "mbr: the extended partition holds its logicals" \
        [ $(($(part_start "$t" 2) + $(part_size "$t" 2))) -ge $(($(part_start "$t" 6) + $(part_size "$t" 6))) ]
fi

# ------------------------------------------------------------ 4. refusals --
say "--- 4. refusals write nothing"
refused() {  # CODE WHAT MIB ARGS...: restore refused with CODE, the target unchanged
    local code=$1 what=$2 mib=$3 before
    shift 3
    t=$WORK/refused.img
    junk "$t" $((mib * MiB))
    before=$(sha "$t")
    lb_expect "$code" "$what" restore --yes --progress none "$@" "$t"
    unchanged_after "$before" "$t" "$what"
}
refused 5 "linux onto 25%: the data does not fit" 70 "$WORK/linux.lbi"
err_has "the refusal says what the data needs and what the disk holds" \
    'holds 70\.0 MiB \(73400320 bytes\); the image.s partitions need at least [0-9.]+ MiB .*: [0-9.]+ MiB more than it holds'
err_has "the refusal names each partition's least" 'partition 3 \(ext4 .root.\): uses [0-9.]+ MiB, can shrink to [0-9.]+ MiB'
err_has "the refusal says the ESP keeps its size" "partition 2 \(vfat 'ESP'\): keeps its 40.0 MiB \(EFI system partition\)"
refused 2 "--size below the filesystem's least" 400 --size 3=8M "$WORK/linux.lbi"
err_has "the refusal names the least" 'partition 3 \(ext4 .root.\) needs at least'
refused 2 "--size on a partition the image holds raw" 400 --size 2=8M "$WORK/win.lbi"
err_has "the refusal says it keeps its size" 'keeps its size \(the image holds it raw\)'
lb_expect 2 "--size onto a file that does not exist" restore --yes --progress none --size 3=100M "$WORK/linux.lbi" "$WORK/new.img"
check "--size onto a missing file: no file made" [ ! -e "$WORK/new.img" ]
err_has "--size onto a missing file: the refusal says why" 'needs a target of a known size: .*new\.img does not exist'
err_has "--size onto a missing file: and to make it first" 'make the file first at the size it should have \(truncate -s SIZE FILE\)'
t=$WORK/refused.img
junk "$t" $((168 * MiB))
before=$(sha "$t")
RC=0
"$LB" restore --yes --progress none - "$t" <"$WORK/linux.lbi" >"$OUT" 2>"$ERR" || RC=$?
check "a smaller disk from standard input: exit 2 (got $RC)" [ "$RC" = 2 ]
unchanged_after "$before" "$t" "a smaller disk from standard input"
err_has "the refusal says to restore from the file" 'only from an image read by its index'

exfat=$WORK/exfat.img
new_disk "$exfat" 200M <<'EOF'
label: gpt
start=2048, size=204800, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="exfat"
start=206848, size=200704, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="linux"
EOF
attach p "$exfat" -o $((2048 * SECTOR)) --sizelimit $((204800 * SECTOR))
mkfs.exfat -L lbexfat "$p" >/dev/null 2>&1 || die "mkfs.exfat"
detach "$p"
put_fs "$exfat" 2 ext4 beside
lb_ok "exfat: capture" capture --progress none "$exfat" "$WORK/exfat.lbi" || die "cannot capture"
refused 5 "exFAT larger than the disk" 90 "$WORK/exfat.lbi"
err_has "the refusal names exFAT and why" 'partition 1 \(exfat .lbexfat.\): keeps its 100\.0 MiB \(exFAT has no tool that resizes it\)'
if onto "$WORK/exfat.lbi" 130 "exfat"; then
    judge_part "$exfat" "$t" 1 raw "exfat kept"
    judge_moved "$exfat" "$t" 2 ext4 "exfat"
fi

# ---------------------------------------------------------- 5. --size ----
say "--- 5. --size onto a larger disk: the middle partition grows, the next moves"
if onto "$WORK/linux.lbi" 400 "--size 3=300M" --size 3=300M; then
    sgdisk_clean "$t" "--size"
    check "--size: partition 3 is 300 MiB" [ "$(part_size "$t" 3)" = $((300 * MiB / SECTOR)) ]
    ext_fills "$t" 3 "--size"
    judge_moved "$linux" "$t" 3 ext4 "--size"
    check "--size: the swap moved up after it" [ "$(part_start "$t" 4)" = $((86016 + 300 * MiB / SECTOR)) ]
    swap_fits "$t" 4 "--size"
fi

say "--- 5b. --grow with FAT32 last: made again to fill the disk"
fatlast=$WORK/fat-last.img
new_disk "$fatlast" 160M <<'EOF'
label: gpt
start=2048, size=65536, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="linux"
start=67584, size=81920, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="data"
EOF
put_fs "$fatlast" 1 ext4 lin
put_fs "$fatlast" 2 fat32 DATA
lb_ok "fat last: capture" capture --progress none "$fatlast" "$WORK/fatlast.lbi" || die "cannot capture"
if onto "$WORK/fatlast.lbi" 300 "fat last --grow" --grow; then
    err_has "fat last: the restore says the FAT32 was made again" 'partition 2 \(vfat\): made again by mkfs.fat'
    ends_last "$t" 2 "fat last"
    judge_moved "$fatlast" "$t" 2 fat32 "fat last"
    part_loop d "$t" 2
    total=$(od -An -t u4 -j 32 -N 4 "$d" | tr -d ' ') size=$(part_size "$t" 2)
    check "fat last: the FAT32 fills its partition ($total of its $size sectors: mkfs.fat rounds down a little)" \
        eval '[ $((size - total)) -ge 0 ] && [ $((size - total)) -lt 64 ]'
    detach "$d"
fi

# ------------------------------------------- 6. damage while shrinking --
say "--- 6. a damaged chunk past the new end"
# The ext4's data chunk furthest from its start: the shrink reads it from the image.
lbimage layout "$WORK/linux.lbi" >"$WORK/layout.json" || die "lbimage cannot parse the image"
rec=$(jq -c '[.records[] | select(.stream == 3 and .kind == "zstd")] | max_by(.offset)' "$WORK/layout.json")
cp "$WORK/linux.lbi" "$WORK/damaged.lbi"
lbimage flip "$WORK/damaged.lbi" $(($(jq '.file_offset' <<<"$rec") + $(jq '.stored_size' <<<"$rec") / 2))
t=$WORK/damaged-target.img
rm -f "$t" && truncate -s $((168 * MiB)) "$t"
lb_expect 3 "damaged: the restore stops" restore --yes --progress none "$WORK/damaged.lbi" "$t"
err_has "damaged: the chunk is named" 'chunk [0-9]+ .*is damaged'
err_has "damaged: the aftermath says the table was not written" 'table (was )?not written|not written.*table'

lb_finish
