#!/bin/bash
# What a whole-disk image keeps outside the partitions (docs/FORMAT.md,
# "Whole disks"). A GPT disk of junk whose partitions leave a 24 MiB space
# between them and 39 MiB after them (a shrunk partition's old bytes), and an
# MBR disk whose logical partitions sit far apart in their extended partition:
#   1. by default the image stores everything before the first partition, the
#      first and last MiB of the large space, the backup GPT and every EBR,
#      and nothing else of it: `info` and the restore plan say how much was
#      left out; restored onto junk, the kept bytes are the source's, the
#      left-out ones the target's old ones, the table and every filesystem whole;
#   2. `capture --all-gaps` stores every byte: restored, the whole disk is the
#      source's but for the backup GPT written anew;
#   3. the MBR disk's EBRs (the one of logical 6 moved 10 MiB into the 20 MiB
#      space before it, as some tools place them) are kept: restored, sfdisk --verify is clean, the table and the
#      EBR chain are the source's, both logicals whole.
#   usage: disk_gaps.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init disk-gaps "${1:-}"
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
disk_init

MiB=$((1 << 20))

# same_range A B OFFSET LENGTH: bytes [OFFSET, OFFSET+LENGTH) of A and B are equal.
same_range() { cmp -s -i "$3:$3" -n "$4" "$1" "$2"; }

# ----------------------------------------------------------------- GPT --
say "--- GPT: ext4 at 1 MiB, a 24 MiB space, ext4, 39 MiB free at the end"
gpt=$WORK/gpt.img
junk "$gpt" $((96 * MiB))
sfdisk -q "$gpt" <<'EOF' >/dev/null 2>&1 || die "sfdisk $gpt"
label: gpt
start=2048, size=32768, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="one"
start=83968, size=32768, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="two"
EOF
put_fs "$gpt" 1 ext4 one
put_fs "$gpt" 2 ext4 two
p1_end=$(((2048 + 32768) * 512)) p2_start=$((83968 * 512)) p2_end=$(((83968 + 32768) * 512))
size=$((96 * MiB)) backup=$((33 * 512))

lb_ok "GPT: capture" capture --progress none "$gpt" "$WORK/gpt.lbi" || die "capture $gpt"
gaps=$(info_get "$WORK/gpt.lbi" '[.manifest.streams[] | select(.role == "gap") | "\(.offset)+\(.size)"] | join(" ")')
check "GPT: the gaps stored are the boot area, the first and last MiB of the space, the backup GPT ($gaps)" \
    [ "$gaps" = "0+$MiB $p1_end+$MiB $((p2_start - MiB))+$MiB $((size - backup))+$backup" ]
left=$((p2_start - p1_end - 2 * MiB + size - backup - p2_end))
lb_ok "GPT: info" info "$WORK/gpt.lbi" &&
    check "GPT: info says $left bytes (61.0 MiB) were left out and names --all-gaps" \
        grep -q "^Left out    61\.0 MiB outside every partition .*--all-gaps" "$OUT"

t=$WORK/target.img
junk "$t" "$size"
cp "$t" "$WORK/old.img"
lb_ok "GPT: restore --dry-run" restore --dry-run "$WORK/gpt.lbi" "$t" &&
    check "GPT: the plan says 61.0 MiB outside every partition stay as they are" \
        grep -q "^Leaves  61\.0 MiB outside every partition as they are" "$OUT"
lb_ok "GPT: restore onto junk" restore --yes --progress none "$WORK/gpt.lbi" "$t" && {
    same_table "$gpt" "$t" "GPT"
    gpt_at_end "$t" "GPT"
    judge_part "$gpt" "$t" 1 ext4 "GPT"
    judge_part "$gpt" "$t" 2 ext4 "GPT"
    check "GPT: the boot area (past the table) is the source's" same_range "$gpt" "$t" $((34 * 512)) $((MiB - 34 * 512))
    check "GPT: the space's first and last MiB are the source's" \
        eval 'same_range "$gpt" "$t" $p1_end $MiB && same_range "$gpt" "$t" $((p2_start - MiB)) $MiB'
    check "GPT: the middle of the space holds the target's old bytes" \
        same_range "$WORK/old.img" "$t" $((p1_end + MiB)) $((p2_start - p1_end - 2 * MiB))
    check "GPT: after partition 2 the target's old bytes, up to its last MiB" \
        same_range "$WORK/old.img" "$t" $p2_end $((size - MiB - p2_end))
}

lb_ok "GPT: capture --all-gaps" capture --all-gaps --progress none "$gpt" "$WORK/all.lbi" || die "capture --all-gaps"
check "GPT --all-gaps: the streams cover the disk" \
    [ "$(info_get "$WORK/all.lbi" '[.manifest.streams[].size] | add')" = "$size" ]
lb_ok "GPT --all-gaps: info" info "$WORK/all.lbi" &&
    check "GPT --all-gaps: info says nothing was left out" eval '! grep -q "^Left out" "$OUT"'
junk "$t" "$size"
lb_ok "GPT --all-gaps: restore onto junk" restore --yes --progress none "$WORK/all.lbi" "$t" && {
    check "GPT --all-gaps: every byte outside the partitions but the tables is the source's" \
        eval 'same_range "$gpt" "$t" $((34 * 512)) $((MiB - 34 * 512)) &&
              same_range "$gpt" "$t" $p1_end $((p2_start - p1_end)) &&
              same_range "$gpt" "$t" $p2_end $((size - backup - p2_end))'
    gpt_at_end "$t" "GPT --all-gaps"
}
rm -f "$t" "$WORK/old.img" "$WORK/gpt.lbi" "$WORK/all.lbi"

# ----------------------------------------------------------------- MBR --
say "--- MBR: a primary, then logicals 5 and 6 with 20 MiB between them"
mbr=$WORK/mbr.img
junk "$mbr" $((96 * MiB))
sfdisk -q "$mbr" <<'EOF' >/dev/null 2>&1 || die "sfdisk $mbr"
label: dos
label-id: 0x9a9a9a9a
start=2048, size=32768, type=83
start=36864, size=143360, type=5
start=38912, size=32768, type=83
start=112640, size=32768, type=83
EOF
put_fs "$mbr" 1 ext4 prim
put_fs "$mbr" 5 ext4 five
put_fs "$mbr" 6 ext4 six
# sfdisk puts logical 6's EBR right before it; some tools put it right after the
# logical before it, which is where this moves it: 10 MiB from either end of the space.
ebr6=$(python3 - "$mbr" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
def sector(n):
    f.seek(n * 512)
    return bytearray(f.read(512))
def put(n, b):
    f.seek(n * 512)
    f.write(b)
ext = struct.unpack_from('<I', sector(0), 446 + 16 + 8)[0]   # the extended partition, slot 2
ebr5 = sector(ext)
old6 = ext + struct.unpack_from('<I', ebr5, 446 + 16 + 8)[0]  # the link to logical 6's EBR
ebr6 = sector(old6)
start6 = old6 + struct.unpack_from('<I', ebr6, 446 + 8)[0]
new6 = (38912 + 32768) + 20480                                 # 10 MiB past logical 5's end
struct.pack_into('<I', ebr5, 446 + 16 + 8, new6 - ext)
struct.pack_into('<I', ebr6, 446 + 8, start6 - new6)
put(new6, ebr6)
put(old6, bytes(512))
put(ext, ebr5)
print(new6)
PY
)
check "MBR: sfdisk --verify accepts the moved EBR, logical 6 still at 112640" \
    eval 'quiet sfdisk --verify "$mbr" && [ "$(part_start "$mbr" 6)" = 112640 ]'
lb_ok "MBR: capture" capture --progress none "$mbr" "$WORK/mbr.lbi" || die "capture $mbr"
t=$WORK/mtarget.img
junk "$t" $((96 * MiB))
lb_ok "MBR: restore onto junk" restore --yes --progress none "$WORK/mbr.lbi" "$t" && {
    check "MBR: sfdisk --verify finds no problem" quiet sfdisk --verify "$t"
    same_table "$mbr" "$t" "MBR"
    check "MBR: logical 6's EBR is the source's, byte for byte" same_range "$mbr" "$t" $((ebr6 * 512)) 512
    judge_part "$mbr" "$t" 1 ext4 "MBR"
    judge_part "$mbr" "$t" 5 ext4 "MBR"
    judge_part "$mbr" "$t" 6 ext4 "MBR"
}
rm -f "$t" "$WORK/mbr.lbi"

lb_finish
