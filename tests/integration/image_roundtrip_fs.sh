#!/bin/bash
# Capture and restore of one filesystem (issue 3), for every filesystem
# Lifeboat knows, each made by its own mkfs on an image file and filled with
# real files (about 6 MiB: documents, binaries, random bytes, a zero run):
#   ext2, ext3, ext4 (mkfs -d), FAT12/16/32 (mkfs.vfat + mcopy), exFAT
#   (mkfs.exfat + exfat-fuse), NTFS (mkfs.ntfs -Q + ntfs-3g), swap (mkswap),
#   XFS (mkfs.xfs, the kernel's XFS through a loop device), btrfs (mkfs.btrfs
#   --rootdir; read back by btrfs restore).
# The list comes from the filesystem records (`lifeboat filesystems --json`):
# a filesystem with a used-block reader and no maker here fails.
# For each one:
#   1. capture, and capture --split 1M (several volumes);
#   2. `info --json`: one stream, no disk; filesystem type, UUID, label and
#      version as blkid sees the source; or kind "raw" when Lifeboat has no
#      used-block map for it (still must round-trip; listed at the end); a
#      bare filesystem taken for a partitioned disk fails;
#   3. the image is smaller than the used data (numbers printed);
#   4. restore onto a same-size target full of random junk: the checker its
#      record names passes (e2fsck -fn, fsck.fat -n, fsck.exfat -n, ntfsfix -n,
#      xfs_repair -n),
#      and every file read back (debugfs rdump, mcopy, FUSE mounted read-only)
#      has the sha256 of the original; swap: blkid -p shows the same UUID and
#      LABEL; a raw capture restores byte for byte;
#   5. the split image restores to the very same bytes (cmp);
#   6. a bigger target: the first bytes equal the same-size restore, the rest
#      is untouched junk; ext4 also onto a loop device.
# LB_FS="ext4 ntfs" runs only those. LIFEBOAT_REQUIRE_FS_MAPS=1 makes a raw
# fallback a failure (once every used-block map exists).
#   usage: image_roundtrip_fs.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init roundtrip-fs "${1:-}"
need_tools mkfs.ext4 mke2fs e2fsck debugfs mkfs.vfat fsck.fat mcopy mkfs.exfat fsck.exfat mount.exfat-fuse \
    mkfs.ntfs ntfs-3g ntfsfix mkswap mkfs.xfs xfs_repair mkfs.btrfs btrfs blkid losetup cmp jq python3
need_loop
need_fuse

MiB=$((1 << 20))
# Every filesystem whose record has a used-block reader (`lifeboat
# filesystems --json`), by the kinds made of it here: a new record without a
# maker below fails.
kinds_of() { case $1 in ext4) echo ext2 ext3 ext4 ;; vfat) echo fat12 fat16 fat32 ;; *) echo "$1" ;; esac; }
readers=$("$LB" filesystems --json | jq -r '.[] | select(.used_blocks) | .name') || die "lifeboat filesystems --json"
FS_LIST=${LB_FS:-$(for r in $readers; do kinds_of "$r"; done)}
RAW_ONES=()
DISK_ONES=()
SUMMARY=()

data=$WORK/data
make_data "$data"
tree_sums "$data" >"$WORK/expected.sums"
say "test data: $(wc -l <"$WORK/expected.sums") files, $(du -sb "$data" | cut -f1) bytes"
mkdir -p "$WORK/mnt"

# blkid_of FILE TAG: one tag of `blkid -p` (low-level probe, no cache).
blkid_of() { blkid -p -o value -s "$2" "$1" 2>/dev/null; }

# make_fs NAME FILE: makes and fills the filesystem NAME in FILE.
make_fs() {
    local name=$1 img=$2 loop
    case $name in
    ext2 | ext3 | ext4)
        truncate -s $((32 * MiB)) "$img"
        mke2fs -q -F -t "$name" -d "$data" -L "lb$name" -U "0e4c0000-0000-4000-8000-00000000000${name#ext}" "$img"
        ;;
    fat12 | fat16 | fat32)
        local bits=${name#fat}
        truncate -s $(((bits == 32 ? 48 : 32) * MiB)) "$img"
        mkfs.vfat -F "$bits" -n "LBFAT$bits" -i "1A2B3C$bits" "$img" >/dev/null &&
            mcopy -s -i "$img" "$data"/* ::/
        ;;
    exfat)  # exfat-fuse wants a block device
        truncate -s $((32 * MiB)) "$img"
        mkfs.exfat -L lbexfat "$img" >/dev/null || return 1
        attach loop "$img"
        mounted "$WORK/mnt" mount.exfat-fuse "$loop" "$WORK/mnt" 2>/dev/null || return 1
        cp -r "$data/." "$WORK/mnt/" || return 1
        unmount "$WORK/mnt" "$loop"
        detach "$loop"
        ;;
    ntfs)
        truncate -s $((32 * MiB)) "$img"
        mkfs.ntfs -F -Q -L lbntfs "$img" >/dev/null 2>&1 || return 1
        mounted "$WORK/mnt" ntfs-3g "$img" "$WORK/mnt" || return 1
        cp -r "$data/." "$WORK/mnt/" || return 1
        unmount "$WORK/mnt" "$img"
        ;;
    swap)
        truncate -s $((16 * MiB)) "$img"
        mkswap -L lbswap -U 5a5a0000-1111-4222-8333-444455556666 "$img" >/dev/null 2>&1
        ;;
    xfs)  # mkfs.xfs makes nothing under 300 MiB
        truncate -s $((304 * MiB)) "$img"
        mkfs.xfs -q -L lbxfs "$img" || return 1
        attach loop "$img"
        mounted "$WORK/mnt" mount -t xfs "$loop" "$WORK/mnt" || return 1
        cp -r "$data/." "$WORK/mnt/" || return 1
        unmount "$WORK/mnt" "$loop"
        detach "$loop"
        ;;
    btrfs)  # the files go in by mkfs (--rootdir); subvolumes and snapshots: tests/unit/fs_btrfs_test.cpp
        truncate -s $((256 * MiB)) "$img"
        mkfs.btrfs -q -f -L lbbtrfs -U b7f50000-0000-4000-8000-000000000001 --rootdir "$data" "$img" >/dev/null 2>&1
        ;;
    *) say "no maker for $name here (make_fs, extract)"; return 1 ;;
    esac
}

# extract NAME FILE DIR: copies every file of the filesystem out, read-only.
extract() {
    local name=$1 img=$2 dir=$3 loop
    rm -rf "$dir" && mkdir -p "$dir"
    case $name in
    ext*) debugfs -R "rdump / $dir" "$img" >/dev/null 2>"$WORK/debugfs.err" ;;
    fat*) mcopy -s -n -i "$img" '::*' "$dir/" ;;
    exfat)
        attach loop "$img" -r
        mounted "$WORK/mnt" mount.exfat-fuse -o ro "$loop" "$WORK/mnt" 2>/dev/null || { detach "$loop"; return 1; }
        cp -r "$WORK/mnt/." "$dir/"
        unmount "$WORK/mnt" "$loop"
        detach "$loop"
        ;;
    ntfs)
        mounted "$WORK/mnt" ntfs-3g -o ro "$img" "$WORK/mnt" || return 1
        cp -r "$WORK/mnt/." "$dir/"
        unmount "$WORK/mnt" "$img"
        ;;
    xfs)  # norecovery: a read-only look that replays nothing
        attach loop "$img" -r
        mounted "$WORK/mnt" mount -t xfs -o ro,norecovery "$loop" "$WORK/mnt" || { detach "$loop"; return 1; }
        cp -r "$WORK/mnt/." "$dir/"
        unmount "$WORK/mnt" "$loop"
        detach "$loop"
        ;;
    btrfs) btrfs restore -i "$img" "$dir" >/dev/null 2>&1 ;;  # read without mounting
    *) return 1 ;;
    esac
}

roundtrip() {
    local started=$SECONDS name=$1 src=$WORK/$1.src img=$WORK/$1.lbi simg=$WORK/$1-split.lbi
    say "--- $name"
    make_fs "$name" "$src" || { bad "$name: making the source filesystem failed"; return; }
    local size type uuid label version
    size=$(fsize "$src")
    type=$(blkid_of "$src" TYPE) uuid=$(blkid_of "$src" UUID) label=$(blkid_of "$src" LABEL)
    version=$(blkid_of "$src" VERSION)
    [ -n "$type" ] && [ -n "$uuid" ] || { bad "$name: blkid does not recognise the source"; return; }
    fs_check "$name" "$src" || { bad "$name: the source itself fails its checker"; return; }

    lb_ok "$name: capture" capture "$src" "$img" || return
    lb_ok "$name: capture --split 1M" capture --split 1M "$src" "$simg" || return
    local nvol
    nvol=$(info_get "$simg" .image.volumes)
    local want_vol=$((($(fsize "$img") + MiB - 1) / MiB))   # at least this many 1 MiB files
    check "$name: --split 1M made $nvol volumes (>= $want_vol), none over 1 MiB" \
        eval '[ "$nvol" -ge "$want_vol" ] && [ -z "$(find "$WORK" -maxdepth 1 -name "$name-split.lbi*" -size +1024k)" ]'
    check "$name: the volume files are exactly $nvol: NAME, NAME.002, ..." \
        [ "$(find "$WORK" -maxdepth 1 -name "$name-split.lbi*" | wc -l)" -eq "$nvol" ]

    # --- what the manifest says ---
    lb_ok "$name: info --json" info --json "$img" || return
    cp "$OUT" "$WORK/$name.info.json"
    j() { jq -r "$1" "$WORK/$name.info.json"; }
    local kind used image_bytes
    kind=$(j .manifest.source.kind)
    image_bytes=$(fsize "$img")
    if [ "$kind" = disk ]; then
        # A bare filesystem is not a partitioned disk (blkid -p may add a PTTYPE
        # when a boot sector ends in 55 aa; the filesystem is what is there).
        bad "$name: a bare $type filesystem was captured as a whole disk (table '$(j .manifest.disk.label)', $(j '.manifest.disk.partitions | length') partitions, streams: $(j '[.manifest.streams[].role] | join(",")'); blkid -p PTTYPE='$(blkid_of "$src" PTTYPE)')"
        DISK_ONES+=("$name")
        used=$(j .image.data_bytes)
    else
        check "$name: one stream, no disk, stream kind = source kind ($kind)" \
            [ "$(j '[(.manifest.streams | length), .manifest.disk, .manifest.streams[0].kind] | map(tostring) | join(" ")')" = "1 null $kind" ]
        check "$name: stream size is the source's $size bytes" [ "$(j '.manifest.streams[0].size')" -eq "$size" ]
    fi
    if [ "$kind" = filesystem ]; then
        check "$name: stream role is filesystem" [ "$(j '.manifest.streams[0].role')" = filesystem ]
        local f='.manifest.streams[0].filesystem'
        check "$name: manifest type '$(j "$f.type")' = blkid's '$type'" [ "$(j "$f.type")" = "$type" ]
        check "$name: manifest uuid '$(j "$f.uuid")' = blkid's '$uuid'" [ "$(j "$f.uuid")" = "$uuid" ]
        check "$name: manifest label '$(j "$f.label")' = blkid's '$label'" [ "$(j "$f.label")" = "$label" ]
        [ -n "$version" ] && check "$name: manifest version '$(j "$f.version")' = blkid's '$version'" \
            [ "$(j "$f.version")" = "$version" ]
        used=$(j "$f.used_bytes")
        check "$name: used_bytes ($used) is below the filesystem size ($size)" eval '[ "$used" -gt 0 ] && [ "$used" -lt "$size" ]'
        check "$name: block_size $(j "$f.block_size") is a power of two >= 512" \
            eval '[ "$(j "$f.block_size")" -ge 512 ] && [ $(( $(j "$f.block_size") & ($(j "$f.block_size") - 1) )) -eq 0 ]'
    elif [ "$kind" = raw ]; then
        say "NOTE $name: captured as raw (no used-block map used)"
        RAW_ONES+=("$name")
        [ "${LIFEBOAT_REQUIRE_FS_MAPS:-0}" = 1 ] && bad "$name: captured raw, LIFEBOAT_REQUIRE_FS_MAPS=1"
        check "$name: raw: stream filesystem is null, role device" \
            [ "$(j '.manifest.streams[0] | [(.filesystem|tostring), .role] | join(" ")')" = "null device" ]
        used=$(j .image.data_bytes)
        check "$name: raw: data_bytes + zero_bytes = $size" [ $((used + $(j .image.zero_bytes))) -eq "$size" ]
    elif [ "$kind" != disk ]; then
        bad "$name: source.kind is '$kind' (filesystem or raw expected)"
    fi
    # The stored data: documents and binaries compress, 1 MiB of random does not.
    check "$name: image $image_bytes bytes < used data $used bytes (ratio $(python3 -c "print(f'{$image_bytes/$used:.3f}')"))" \
        [ "$image_bytes" -lt "$used" ]
    SUMMARY+=("$(printf '%-6s %-10s size %9d  used %9d  image %9d  split %d volumes' \
        "$name" "$kind" "$size" "$used" "$image_bytes" "$nvol")")

    # --- same-size target full of junk ---
    local t=$WORK/$name.same
    junk "$WORK/$name.junk" "$size"
    cp "$WORK/$name.junk" "$t"
    lb_ok "$name: restore onto junk" restore --yes "$img" "$t" || return
    check "$name: restored target is still $size bytes" [ "$(fsize "$t")" -eq "$size" ]
    [ "$kind" != filesystem ] && check "$name: $kind restore is byte-identical to the source" same_bytes "$src" "$t"
    check "$name: checker passes on the restored target" fs_check "$name" "$t"
    if [ "$name" = swap ]; then
        check "swap: blkid -p on the target: TYPE swap, UUID $uuid, LABEL $label" \
            [ "$(blkid_of "$t" TYPE)/$(blkid_of "$t" UUID)/$(blkid_of "$t" LABEL)" = "swap/$uuid/$label" ]
        check "swap: UUID and label are the ones mkswap was given" \
            [ "$uuid/$label" = "5a5a0000-1111-4222-8333-444455556666/lbswap" ]
        check "swap: the header page is identical" same_bytes "$src" "$t" 4096
    else
        check "$name: blkid -p on the target: same TYPE/UUID/LABEL" \
            [ "$(blkid_of "$t" TYPE)/$(blkid_of "$t" UUID)/$(blkid_of "$t" LABEL)" = "$type/$uuid/$label" ]
        if extract "$name" "$t" "$WORK/$name.files"; then
            same_tree "$name: files read back from the restored target" "$WORK/expected.sums" "$WORK/$name.files"
        else
            bad "$name: cannot read the files of the restored target"
        fi
        rm -rf "$WORK/$name.files"
    fi

    # --- the split image, onto the same junk ---
    cp "$WORK/$name.junk" "$WORK/$name.split"
    lb_ok "$name: restore of the split image" restore --yes "$simg" "$WORK/$name.split" &&
        check "$name: split image restores the very same bytes (cmp)" same_bytes "$t" "$WORK/$name.split"
    rm -f "$WORK/$name.split" "$simg"*

    # --- a bigger target ---
    local big=$WORK/$name.big
    cp "$WORK/$name.junk" "$big"
    head -c $((8 * MiB + 512)) /dev/urandom >>"$big"
    cp "$big" "$WORK/$name.big.orig"
    if lb_ok "$name: restore onto a bigger target" restore --yes "$img" "$big"; then
        check "$name: bigger target: first $size bytes equal the same-size restore" same_bytes "$t" "$big" "$size"
        check "$name: bigger target: the junk after $size is untouched" same_tail "$big" "$WORK/$name.big.orig" "$size"
    fi
    rm -f "$big" "$WORK/$name.big.orig"

    # --- ext4 onto a loop device ---
    if [ "$name" = ext4 ]; then
        local loop
        cp "$WORK/$name.junk" "$WORK/$name.loopfile"
        attach loop "$WORK/$name.loopfile"
        if lb_ok "ext4: restore onto $loop" restore --yes "$img" "$loop"; then
            check "ext4: the loop device holds the same bytes as the file restore" same_bytes "$t" "$loop"
            check "ext4: e2fsck -fn on $loop" fs_check ext4 "$loop"
        fi
        detach "$loop"
        check "ext4: the loop's backing file holds them too" same_bytes "$t" "$WORK/$name.loopfile"
        rm -f "$WORK/$name.loopfile"
    fi
    rm -f "$src" "$img" "$t" "$WORK/$name.junk"
    say "    ($name took $((SECONDS - started)) s)"
}

for fs in $FS_LIST; do roundtrip "$fs"; done

say "--- summary (bytes)"
for line in "${SUMMARY[@]}"; do say "$line"; done
if [ ${#RAW_ONES[@]} -gt 0 ]; then
    say "captured as raw (no used-block map used): ${RAW_ONES[*]}"
elif [ ${#DISK_ONES[@]} -eq 0 ]; then
    say "every filesystem was captured by its used-block map"
fi
[ ${#DISK_ONES[@]} -gt 0 ] && say "captured as a whole disk (wrong): ${DISK_ONES[*]}"
lb_finish
