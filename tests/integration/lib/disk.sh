# shellcheck shell=bash
# Helpers of the disk_*.sh integration tests (whole-disk images, issue 4), on
# top of common.sh (source that first, then lb_init, then this file's
# disk_init). The host kernel parses no partition tables: partitions are made
# in separate files (or by offset) and dd'ed in, and judged through read-only
# offset loop devices, debugfs, mtools and ntfs-3g (FUSE).
#
#   disk_init                       # test data in $DATA, its sums in $DATA_SUMS
#   new_disk FILE SIZE <<<SCRIPT    # a sparse disk image with an sfdisk-made table
#   part_start DISK N, part_size DISK N, disk_sectors DISK   (in SECTOR-byte sectors:
#                                   # 512, or 4096 for a test that sets SECTOR=4096
#                                   # and gives loop devices made with -b 4096)
#   put_fs DISK N KIND LABEL        # make and fill partition N: ext4 ext2 fat16
#                                   # fat32 ntfs swap raw
#   judge_part SRC DST N KIND WHAT  # partition N of DST against SRC's: the
#                                   # checker, blkid identity, every file or byte
#   same_table SRC DST WHAT         # sfdisk --json equal but for size fields
#   gpt_at_end DISK WHAT            # sgdisk -v clean, backup GPT on the last sector
#   ends_last DISK N WHAT           # GPT partition N ends on the last usable sector
#   unchanged_after SHA DEV WHAT    # DEV still hashes to SHA
#   push_high DISK N KIND           # partition N's files moved to its end (ext4 ntfs fat16 fat32)
#   judge_moved SRC DST N KIND WHAT # judge_part for a partition that moved or was resized
#   same_entries SRC DST WHAT       # every partition's type, GUID and name, the disk's id
#   sgdisk_clean DISK WHAT          # sgdisk -v finds no problem
#   swap_fits DISK N WHAT           # partition N's swap header covers it

SECTOR=${SECTOR:-512}
MiB=$((1 << 20))

# The sectors a GPT of 128 entries takes at the disk's end: the entry array and the header.
gpt_tail() { echo $((16384 / SECTOR + 1)); }

disk_init() {
    need_tools sfdisk sgdisk mkfs.ext4 mke2fs e2fsck debugfs mkfs.vfat fsck.fat mcopy mkfs.ntfs ntfs-3g ntfsfix \
        mkswap blkid losetup jq python3 cmp
    need_loop
    need_fuse
    DATA=$WORK/data DATA_SUMS=$WORK/data.sums
    make_data "$DATA"
    tree_sums "$DATA" >"$DATA_SUMS"
    mkdir -p "$WORK/mnt"
}

# new_disk FILE SIZE: a sparse file of SIZE (truncate syntax) partitioned by
# the sfdisk script on stdin.
new_disk() {
    rm -f "$1"
    truncate -s "$2" "$1" || die "truncate $1"
    sfdisk -q "$1" >"$WORK/sfdisk.out" 2>&1 || { cat "$WORK/sfdisk.out"; die "sfdisk $1"; }
}

# part_json DISK N FIELD: one field of partition N in `sfdisk --json`.
part_json() {
    sfdisk --json "$1" 2>/dev/null |
        jq -r --arg n "$2" --arg f "$3" '.partitiontable.partitions[] | select(.node | test("[^0-9]" + $n + "$")) | .[$f]'
}
part_start() { part_json "$1" "$2" start; }
part_size() { part_json "$1" "$2" size; }
disk_sectors() { echo $(($(fsize "$1") / SECTOR)); }

# part_loop VAR DISK N [SIZE-SECTORS]: a read-only loop device over partition N.
part_loop() {
    local var=$1 disk=$2 n=$3 start size
    start=$(part_start "$disk" "$n") size=${4:-$(part_size "$disk" "$n")}
    [ -n "$start" ] && [ -n "$size" ] || die "$disk has no partition $n"
    attach "$var" "$disk" -r -o $((start * SECTOR)) --sizelimit $((size * SECTOR))
}

# put_fs DISK N KIND LABEL: makes a filesystem of KIND the size of partition N
# in a separate file, fills it with $DATA and writes it into the partition.
put_fs() {
    local disk=$1 n=$2 kind=$3 label=$4 start size f=$WORK/part.fs
    start=$(part_start "$disk" "$n") size=$(part_size "$disk" "$n")
    rm -f "$f" && truncate -s $((size * SECTOR)) "$f"
    case $kind in
    ext2 | ext4)  # on 4096-byte sectors, blocks of 4096 (mke2fs picks 1024 for a small one)
        # shellcheck disable=SC2046
        mke2fs -q -F -t "$kind" $([ "$SECTOR" = 512 ] || echo -b "$SECTOR") -L "$label" -d "$DATA" "$f" ||
            die "mke2fs $kind for $disk $n" ;;
    fat16 | fat32)
        # shellcheck disable=SC2046  # on 4096-byte sectors, clusters of one sector (a small FAT16 fits then)
        mkfs.vfat -F "${kind#fat}" -S "$SECTOR" $([ "$SECTOR" = 512 ] || echo -s 1) -n "${label^^}" -h "$start" \
            "$f" >/dev/null ||
            die "mkfs.vfat for $disk $n"
        mcopy -s -i "$f" "$DATA"/* ::/ || die "mcopy into $disk $n"
        ;;
    ntfs)  # -p: the partition start in the boot sector, as Windows wants it
        mkfs.ntfs -F -Q -L "$label" -s "$SECTOR" -p "$start" -H 255 -S 63 "$f" >/dev/null 2>&1 ||
            die "mkfs.ntfs for $disk $n"
        mounted "$WORK/mnt" ntfs-3g "$f" "$WORK/mnt" || die "ntfs-3g $f"
        cp -r "$DATA/." "$WORK/mnt/" || die "copy into NTFS"
        unmount "$WORK/mnt" "$f"
        ;;
    xfs)  # the files through the kernel's XFS on a loop device
        mkfs.xfs -q -f -L "$label" "$f" || die "mkfs.xfs for $disk $n"
        local loop
        attach loop "$f"
        mounted "$WORK/mnt" mount -t xfs "$loop" "$WORK/mnt" || die "mount the XFS of $disk $n"
        cp -r "$DATA/." "$WORK/mnt/" || die "copy into XFS"
        unmount "$WORK/mnt" "$loop"
        detach "$loop"
        ;;
    btrfs) mkfs.btrfs -q -f -L "$label" --rootdir "$DATA" "$f" >/dev/null 2>&1 || die "mkfs.btrfs for $disk $n" ;;
    swap) mkswap -L "$label" "$f" >/dev/null 2>&1 || die "mkswap for $disk $n" ;;
    raw) head -c $((size * SECTOR)) /dev/urandom >"$f" ;;
    *) die "put_fs: unknown kind $kind" ;;
    esac
    dd if="$f" of="$disk" bs=1M seek=$((start * SECTOR)) oflag=seek_bytes conv=notrunc,sparse status=none ||
        die "dd into $disk $n"
    rm -f "$f"
}

# files_of KIND DEV DIR: copies every file of the filesystem on DEV into DIR.
files_of() {
    local kind=$1 dev=$2 dir=$3
    rm -rf "$dir" && mkdir -p "$dir"
    case $kind in
    ext*) debugfs -R "rdump / $dir" "$dev" >/dev/null 2>"$WORK/debugfs.err" ;;
    fat*) mcopy -s -n -i "$dev" '::*' "$dir/" 2>"$WORK/mcopy.err" ;;  # ("Could not get geometry" on a loop)
    ntfs)
        mounted "$WORK/mnt" ntfs-3g -o ro "$dev" "$WORK/mnt" || return 1
        cp -r "$WORK/mnt/." "$dir/"
        unmount "$WORK/mnt" "$dev"
        ;;
    xfs)  # norecovery: a read-only look that replays nothing
        mounted "$WORK/mnt" mount -t xfs -o ro,norecovery "$dev" "$WORK/mnt" || return 1
        cp -r "$WORK/mnt/." "$dir/"
        unmount "$WORK/mnt" "$dev"
        ;;
    btrfs) btrfs restore -i "$dev" "$dir" >/dev/null 2>&1 ;;  # read without mounting
    *) return 1 ;;
    esac
}

# ident DEV: "TYPE/UUID/LABEL" as blkid -p sees it.
ident() {
    local t
    for t in TYPE UUID LABEL; do printf '%s/' "$(blkid -p -o value -s "$t" "$1" 2>/dev/null)"; done
}

# esp_root_disk DISK SIZE ROOT_SECTORS: a GPT disk of SIZE with a 40 MiB ESP
# (FAT32, label ESP) and after it an ext4 "root" of ROOT_SECTORS, both filled.
esp_root_disk() {
    new_disk "$1" "$2" <<EOF
label: gpt
start=2048, size=81920, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"
start=86016, size=$3, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF
    put_fs "$1" 1 fat32 ESP
    put_fs "$1" 2 ext4 root
}

# judge_part SRC DST N KIND WHAT: partition N of DST (at the same start as in
# SRC; its size may differ after --grow) against SRC's: same blkid identity,
# checker clean, every file equal; swap: the header page equal; raw: every byte.
judge_part() {
    local src=$1 dst=$2 n=$3 kind=$4 what="$5: partition $3 ($4)" s d
    [ "$(part_start "$src" "$n")" = "$(part_start "$dst" "$n")" ] || {
        bad "$what: starts at $(part_start "$dst" "$n"), the source at $(part_start "$src" "$n")"
        return
    }
    part_loop s "$src" "$n"
    part_loop d "$dst" "$n"
    case $kind in
    raw) check "$what: every byte equal" same_bytes "$s" "$d" ;;
    swap)
        check "$what: blkid -p identity $(ident "$s") kept" [ "$(ident "$s")" = "$(ident "$d")" ]
        check "$what: the header page is identical" same_bytes "$s" "$d" 4096
        ;;
    *)
        check "$what: blkid -p identity $(ident "$s") kept" [ "$(ident "$s")" = "$(ident "$d")" ]
        check "$what: its checker passes" fs_check "$kind" "$d"
        if files_of "$kind" "$d" "$WORK/files"; then
            same_tree "$what: files" "$DATA_SUMS" "$WORK/files"
        else
            bad "$what: cannot read its files"
        fi
        rm -rf "$WORK/files"
        ;;
    esac
    detach "$d"
    detach "$s"
}

# ext_fills DISK N WHAT: the ext4 in partition N is as large as the partition.
ext_fills() {
    local disk=$1 n=$2 what=$3 p blocks bs dev
    part_loop p "$disk" "$n"
    dumpe2fs -h "$p" >"$WORK/dumpe2fs.out" 2>/dev/null
    blocks=$(sed -n 's/^Block count: *//p' "$WORK/dumpe2fs.out")
    bs=$(sed -n 's/^Block size: *//p' "$WORK/dumpe2fs.out")
    dev=$(($(part_size "$disk" "$n") * SECTOR))
    check "$what: ext4 is $blocks blocks of $bs bytes, the partition $dev bytes" \
        eval '[ -n "$blocks" ] && [ $((dev - blocks * bs)) -ge 0 ] && [ $((dev - blocks * bs)) -lt $((32 * bs)) ]'
    detach "$p"
}

# table_json DISK: sfdisk --json without the fields that depend on the disk's
# size or name.
table_json() {
    sfdisk --json "$1" | jq 'del(.partitiontable.device, .partitiontable.lastlba) | .partitiontable.partitions[] |= del(.node)'
}
same_table() {
    if diff <(table_json "$1") <(table_json "$2") >"$WORK/table.diff"; then
        ok "$3: sfdisk --json equal but for size fields ($(table_json "$1" | jq '.partitiontable.partitions | length') partitions)"
    else
        bad "$3: the partition tables differ:"
        sed 's/^/     | /' "$WORK/table.diff" | head -n 12
    fi
}

# le64 DISK BYTE: the little-endian 64-bit number at BYTE.
le64() { od -An -t u8 -j "$2" -N 8 --endian=little "$1" | tr -d ' '; }

# gpt_at_end DISK WHAT: sgdisk -v finds nothing, the primary header points at
# the last sector, and a backup header that says so lies there.
gpt_at_end() {
    local disk=$1 what=$2 last
    last=$(($(disk_sectors "$disk") - 1))
    if sgdisk -v "$disk" >"$WORK/sgdisk.out" 2>&1 && grep -q 'No problems found' "$WORK/sgdisk.out"; then
        ok "$what: sgdisk -v finds no problem"
    else
        bad "$what: sgdisk -v:"
        sed 's/^/     | /' "$WORK/sgdisk.out" | head -n 12
    fi
    check "$what: primary GPT header names LBA $last as the backup's" [ "$(le64 "$disk" $((SECTOR + 32)))" = "$last" ]
    check "$what: backup GPT header ('EFI PART', MyLBA $last) on the last sector" \
        eval '[ "$(dd if="$disk" bs=$SECTOR skip=$last count=1 status=none | head -c 8)" = "EFI PART" ] &&
              [ "$(le64 "$disk" $((last * SECTOR + 24)))" = "$last" ]'
    check "$what: last usable LBA is $((last - $(gpt_tail)))" \
        [ "$(le64 "$disk" $((SECTOR + 48)))" = "$((last - $(gpt_tail)))" ]
}

# ends_last DISK N WHAT: GPT partition N ends on the last usable sector (--grow).
ends_last() {
    local disk=$1 n=$2 what=$3 last
    last=$(($(disk_sectors "$disk") - 1 - $(gpt_tail)))
    check "$what: partition $n ends at the last usable sector $last" \
        [ $(($(part_start "$disk" "$n") + $(part_size "$disk" "$n") - 1)) = "$last" ]
}

# unchanged_after SHA DEV WHAT
unchanged_after() {
    check "$3: target byte-identical (sha256)" [ "$(sha "$2")" = "$1" ]
}

# ------------------------------------- resized partitions (docs/SHRINK.md) --

# push_high DISK N KIND: fills partition N's filesystem with a filler, copies
# $DATA into /high, deletes the filler: the files end up near its end.
push_high() {
    local disk=$1 n=$2 kind=$3 p free
    attach p "$disk" -o $(($(part_start "$disk" "$n") * SECTOR)) --sizelimit $(($(part_size "$disk" "$n") * SECTOR))
    case $kind in
    ext4 | ntfs)
        if [ "$kind" = ext4 ]; then mounted "$WORK/mnt" mount "$p" "$WORK/mnt"; else mounted "$WORK/mnt" ntfs-3g "$p" "$WORK/mnt"; fi ||
            die "cannot mount partition $n of $disk"
        free=$(df -B1 --output=avail "$WORK/mnt" | tail -n 1)
        head -c $((free - 16 * MiB)) /dev/zero >"$WORK/mnt/filler" 2>/dev/null
        cp -r "$DATA" "$WORK/mnt/high" || die "copy into partition $n"
        rm "$WORK/mnt/filler"
        unmount "$WORK/mnt" "$p"
        ;;
    fat16 | fat32)
        free=$(($(part_size "$disk" "$n") * SECTOR - 24 * MiB))
        head -c "$free" /dev/zero >"$WORK/filler"
        # (mtools says "Could not get geometry" of a loop device, and goes on)
        MTOOLS_SKIP_CHECK=1 mcopy -i "$p" "$WORK/filler" ::/filler 2>/dev/null || die "mcopy filler"
        MTOOLS_SKIP_CHECK=1 mmd -i "$p" ::/high 2>/dev/null &&
            MTOOLS_SKIP_CHECK=1 mcopy -s -i "$p" "$DATA"/* ::/high/ 2>/dev/null || die "mcopy into partition $n"
        MTOOLS_SKIP_CHECK=1 mdel -i "$p" ::/filler 2>/dev/null
        rm -f "$WORK/filler"
        ;;
    esac
    detach "$p"
}

# judge_moved SRC DST N KIND WHAT: partition N of DST, wherever it lies now,
# against SRC's: blkid -p identity, its checker, every file (sha256).
judge_moved() {
    local src=$1 dst=$2 n=$3 kind=$4 what="$5: partition $3 ($4)" s d
    part_loop s "$src" "$n"
    part_loop d "$dst" "$n"
    check "$what: blkid -p identity $(ident "$s") kept" [ "$(ident "$s")" = "$(ident "$d")" ]
    check "$what: its checker passes" fs_check "$kind" "$d"
    if files_of "$kind" "$s" "$WORK/files.src" && files_of "$kind" "$d" "$WORK/files"; then
        tree_sums "$WORK/files.src" >"$WORK/files.sums"
        same_tree "$what: files" "$WORK/files.sums" "$WORK/files"
    else
        bad "$what: cannot read its files"
    fi
    rm -rf "$WORK/files" "$WORK/files.src"
    detach "$d"
    detach "$s"
}

# same_entries SRC DST WHAT: every partition's type, GUID and name (sfdisk --json without places and sizes).
same_entries() {
    local q='[.partitiontable.partitions[] | del(.node, .start, .size)], .partitiontable.id, .partitiontable.label'
    if diff <(sfdisk --json "$1" | jq -c "$q") <(sfdisk --json "$2" | jq -c "$q") >"$WORK/entries.diff"; then
        ok "$3: every partition's type, GUID, name and the disk's id kept"
    else
        bad "$3: partition entries differ:"
        sed 's/^/     | /' "$WORK/entries.diff" | head -n 8
    fi
}

# sgdisk_clean DISK WHAT
sgdisk_clean() {
    if sgdisk -v "$1" >"$WORK/sgdisk.out" 2>&1 && grep -q 'No problems found' "$WORK/sgdisk.out"; then
        ok "$2: sgdisk -v finds no problem"
    else
        bad "$2: sgdisk -v:"
        sed 's/^/     | /' "$WORK/sgdisk.out" | head -n 8
    fi
}

# swap_fits DISK N WHAT: the swap header's last page is the partition's (4 KiB pages).
swap_fits() {
    local pages last
    pages=$(($(part_size "$1" "$2") * SECTOR / 4096))
    last=$(od -An -t u4 -j $(($(part_start "$1" "$2") * SECTOR + 1028)) -N 4 "$1" | tr -d ' ')
    check "$3: the swap header's last page is $((pages - 1)), the partition's" [ "$last" = "$((pages - 1))" ]
}

