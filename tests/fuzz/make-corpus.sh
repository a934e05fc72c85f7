#!/bin/bash
# Makes the seed corpus of every fuzz target in BUILD/corpus/<target>/ from
# real files: the golden images (their volume header, header, manifest,
# index and trailer cut out of them), whole-disk images captured by the fuzz
# build's own core (fuzz_tool capture) from small GPT and MBR disks made with
# sgdisk and sfdisk (an extended partition with logical ones) holding
# filesystems made by mkfs.ext2/ext4, mkfs.vfat (FAT12/16/32), mkfs.exfat,
# mkfs.ntfs and mkswap, those filesystems themselves, the terminfo entries
# of the build machine (the ones Lifeboat embeds and more, plus one tic
# compiles), and a verified mark. Nothing is committed: the seeds are made
# here, once per change of this script or of the golden images (a stamp in
# BUILD/corpus), and only ever added to a corpus, so what bench/fuzz.sh has
# found stays. Seeds are named seed-<sha1>, the way libFuzzer names inputs.
# The GPT with 4096-byte sectors needs root (a loop device with 4 KiB
# sectors); without one it is left out, with a note.
#   usage: tests/fuzz/make-corpus.sh [BUILD_DIR] [--force]   (BUILD_DIR: build/fuzz)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build/fuzz}
build=$(cd "$build" && pwd)
tool=$build/tests/fuzz/fuzz_tool
corpus=$build/corpus
[ -x "$tool" ] || { echo "make-corpus: $tool is missing: build the fuzz preset first" >&2; exit 1; }

stamp=$corpus/.seeds-$(cat "$0" "$top"/tests/data/golden-v1*.lbi | sha1sum | cut -c1-16)
if [ -f "$stamp" ] && [ "${2:-}" != "--force" ]; then
    echo "make-corpus: the seeds in $corpus are up to date"
    exit 0
fi
for t in sgdisk sfdisk mkfs.ext4 mkfs.ext2 mkfs.vfat mcopy mkfs.exfat mkfs.ntfs mkswap mkfs.xfs mkfs.btrfs python3 tic infocmp; do
    command -v "$t" >/dev/null || { echo "make-corpus: $t is missing (tools/install-deps installs it)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-corpus.XXXXXX")
loop=
cleanup() {
    [ -z "$loop" ] || losetup -d "$loop" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
mkdir raw
export ASAN_OPTIONS=detect_leaks=0 E2FSPROGS_FAKE_TIME=1795000000

# Deterministic file contents for the filesystems.
mkdir files files/dir
echo "Lifeboat fuzz seed" >files/hello.txt
seq 1 3000 >files/dir/lines.txt
head -c 20000 /dev/zero | tr '\0' 'x' >files/dir/xs.bin

# ---- filesystems (raw/fs-*.img)
mk() { rm -f "$1"; truncate -s "$2" "$1"; }
mk raw/fs-ext2.img 1M;  mkfs.ext2 -q -F -b 1024 -L seed2 -d files raw/fs-ext2.img
mk raw/fs-ext4.img 2M;  mkfs.ext4 -q -F -b 1024 -L seed4 -d files raw/fs-ext4.img
mk raw/fs-ext4k.img 4M; mkfs.ext4 -q -F -b 4096 -O ^has_journal -d files raw/fs-ext4k.img
mk raw/fs-fat12.img 1M;  mkfs.vfat -F 12 -n SEED12 raw/fs-fat12.img >/dev/null
mk raw/fs-fat16.img 3M;  mkfs.vfat -F 16 -s 1 -n SEED16 raw/fs-fat16.img >/dev/null
mk raw/fs-fat32.img 34M; mkfs.vfat -F 32 -s 1 -n SEED32 raw/fs-fat32.img >/dev/null
for f in raw/fs-fat12.img raw/fs-fat16.img raw/fs-fat32.img; do
    MTOOLS_SKIP_CHECK=1 mcopy -s -i "$f" files/hello.txt files/dir ::/
done
mk raw/fs-exfat.img 2M;  mkfs.exfat -b 16K -c 4K -L seedx raw/fs-exfat.img >/dev/null
mk raw/fs-ntfs.img 1536K; mkfs.ntfs -q -F -Q -L seedn raw/fs-ntfs.img >/dev/null 2>&1
mk raw/fs-swap.img 64K;  mkswap -L seeds raw/fs-swap.img >/dev/null 2>&1
# mkfs.xfs makes one under 300 MiB only in xfstests' environment (all three variables).
mk raw/fs-xfs.img 16M;  TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -b size=1024 -m reflink=0 -L seedxfs raw/fs-xfs.img
# Mixed block groups: the smallest btrfs, with 4 KiB tree blocks.
mk raw/fs-btrfs.img 16M; mkfs.btrfs -q -f --mixed -L seedbtrfs -U 5eed0000-0000-4000-8000-00000000b7f5 --rootdir files \
    raw/fs-btrfs.img >/dev/null 2>&1

# ---- disks (raw/disk-*.img): small tables for the table readers...
mk raw/disk-gpt.img 64K
sgdisk -a 1 -n 1:34:60 -t 1:8300 -c 1:root -n 2:61:0 -t 2:ef00 -c 2:EFI raw/disk-gpt.img >/dev/null
mk raw/disk-mbr.img 64K
printf 'label: dos\nlabel-id: 0x12345678\n2,20,83,*\n22,100,5\n24,30,83\n56,40,7\n' |
    sfdisk --no-reread -q raw/disk-mbr.img
mk raw/disk-gpt4k.img 256K
if loop=$(losetup --sector-size 4096 -f --show raw/disk-gpt4k.img 2>/dev/null); then
    sgdisk -a 1 -n 1:6:30 -t 1:8300 -n 2:31:0 -t 2:0700 "$loop" >/dev/null
    losetup -d "$loop"
    loop=
else
    echo "make-corpus: note: no loop device with 4096-byte sectors (not root?): no 4Kn GPT seed"
    rm raw/disk-gpt4k.img
fi
# ...and whole disks with filesystems in their partitions, to capture.
put() { dd if="$1" of="$2" bs=512 seek="$3" conv=notrunc status=none; }
mk gpt-disk.img 8M
sgdisk -n 1:2048:4095 -t 1:8300 -c 1:root -n 2:4096:8191 -t 2:ef00 -c 2:EFI \
       -n 3:8192:10239 -t 3:8200 -n 4:10240:13311 -t 4:0700 -c 4:data gpt-disk.img >/dev/null
put raw/fs-ext2.img gpt-disk.img 2048
mk fat2m.img 2M; mkfs.vfat -F 12 -n ESP fat2m.img >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -i fat2m.img files/hello.txt ::/
put fat2m.img gpt-disk.img 4096
mk swap1m.img 1M; mkswap swap1m.img >/dev/null 2>&1; put swap1m.img gpt-disk.img 8192
put raw/fs-ntfs.img gpt-disk.img 10240
mk mbr-disk.img 8M
printf 'label: dos\nlabel-id: 0x0badcafe\n2048,2048,83,*\n4096,12288,5\n6144,4096,7\n12288,2048,c\n' |
    sfdisk --no-reread -q mbr-disk.img
put raw/fs-ext2.img mbr-disk.img 2048
put raw/fs-exfat.img mbr-disk.img 6144
mk fat1m.img 1M; mkfs.vfat -F 12 -n LOGICAL fat1m.img >/dev/null; put fat1m.img mbr-disk.img 12288

# ---- images (raw/image-*.lbi): the golden ones and captures of the disks and filesystems
cp "$top"/tests/data/golden-v1.lbi raw/image-golden-v1.lbi
cp "$top"/tests/data/golden-v1-raw.lbi raw/image-golden-v1-raw.lbi
"$tool" capture gpt-disk.img raw/image-gpt-disk.lbi
"$tool" capture mbr-disk.img raw/image-mbr-disk.lbi
for f in ext4 fat16 exfat swap; do "$tool" capture raw/fs-$f.img raw/image-fs-$f.lbi; done
"$tool" volume-set raw/image-golden-v1.lbi 2 raw/volume-set-golden-2
"$tool" volume-set raw/image-golden-v1-raw.lbi 3 raw/volume-set-golden-raw-3
"$tool" volume-set raw/image-mbr-disk.lbi 3 raw/volume-set-mbr-3
"$tool" volume-set raw/image-golden-v1.lbi 1 raw/volume-set-golden-1

# ---- terminfo entries (raw/terminfo-*)
for name in linux vt100 vt220 xterm xterm-256color screen screen-256color tmux rxvt-unicode ansi dumb; do
    for dir in /usr/share/terminfo /lib/terminfo; do
        f=$dir/${name:0:1}/$name
        if [ -f "$f" ]; then cp "$f" "raw/terminfo-$name"; break; fi
    done
done
infocmp -x xterm-256color >xterm.src && tic -x -o tic-out xterm.src && cp tic-out/x/xterm-256color raw/terminfo-tic-x
"$tool" mark-seed raw/verified-mark

# ---- the seeds, cut and framed as each target reads its input (see each *_fuzz.cpp)
mkdir -p "$corpus"
python3 - "$corpus" <<'PY'
import glob, hashlib, os, struct, sys
corpus = sys.argv[1]
VOL, HDR, TRL = 64, 256, 128

def seed(target, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    name = os.path.join(d, "seed-" + hashlib.sha1(data).hexdigest())
    if not os.path.exists(name):
        open(name, "wb").write(data)

def read(path):
    return open(path, "rb").read()

def sized(data, drop_last_sector=False):
    # fuzz::SizedInput: size in 512-byte sectors, then the bytes up to the last non-zero one.
    size = len(data)
    if drop_last_sector:
        data = data[:-512]
    return struct.pack("<I", size // 512) + data.rstrip(b"\0")

def u64(b, at):
    return struct.unpack_from("<Q", b, at)[0]

for path in sorted(glob.glob("raw/image-*.lbi")):
    f = read(path)
    golden = os.path.basename(path).startswith("image-golden")
    manifest_at, manifest_size = VOL + u64(f, VOL + 56), u64(f, VOL + 64)
    t = len(f) - TRL
    index_at, index_size = VOL + u64(f, t + 32), u64(f, t + 40)
    seed("manifest", f[manifest_at:manifest_at + manifest_size])
    seed("image", b"\0" + f)
    if golden:  # the templates these targets put their input into
        flags = b"\2" if path.endswith("-raw.lbi") else b"\0"
        seed("volume_header", flags + f[:VOL])
        seed("header", flags + f[VOL:VOL + HDR])
        seed("trailer", flags + f[t:])
        seed("index", flags + f[index_at:index_at + index_size])

for path in sorted(glob.glob("raw/volume-set-*")):
    seed("volume_set", read(path))

for path in sorted(glob.glob("raw/disk-*.img")):
    for target in ("gpt", "mbr"):
        seed(target, b"\0" + sized(read(path)))

descriptor = {"ext": "ext", "fat": "fat", "exfat": "exfat", "ntfs": "ntfs", "swap": "swap", "xfs": "xfs", "btrfs": "btrfs"}
for path in sorted(glob.glob("raw/fs-*.img")):
    kind = os.path.basename(path)[3:-4].rstrip("0123456789k")
    data = read(path)
    seed(descriptor[kind], sized(data))
    if kind == "ntfs":  # also without the backup boot sector at its end: 1.3 MB instead of 1.5
        seed("ntfs", sized(data, drop_last_sector=True))

for path in sorted(glob.glob("raw/terminfo-*")):
    seed("terminfo", read(path))
seed("verified_mark", read("raw/verified-mark"))

# What nginx's WebDAV and OpenSSH's sftp-server answer (their forms, written out).
seed("listings", b"\0" + b"""<?xml version="1.0" encoding="utf-8" ?>
<D:multistatus xmlns:D="DAV:"><D:response><D:href>/images/</D:href><D:propstat><D:prop>
<D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
</D:response><D:response><D:href>/images/pc%20one.lbi</D:href><D:propstat><D:prop><D:resourcetype/>
<D:getcontentlength>31629216</D:getcontentlength></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
</D:response><D:response><D:href>http://files:8080/images/pc.lbi.002</D:href><D:propstat><D:prop>
<D:resourcetype/><D:getcontentlength>4000</D:getcontentlength></D:prop></D:propstat></D:response>
<D:response><D:href>/images/new.lbi.partial</D:href><D:propstat><D:prop><D:resourcetype/>
<D:getcontentlength>12</D:getcontentlength></D:prop></D:propstat></D:response></D:multistatus>
""")
seed("listings", b"\1" + b"""drwxr-xr-x    2 root     root         4096 Dec  6 17:20 .
drwxr-xr-x    3 root     root         4096 Dec  6 17:20 ..
-rw-r--r--    1 root     root     31629216 Dec  6 17:20 pc.lbi
-rw-r--r--    1 backup   backup       4000 Nov 30  2025 pc one.lbi.002
lrwxrwxrwx    1 root     root            6 Dec  6 17:20 link.lbi -> pc.lbi
-rw-r--r--    1 root     root           12 Dec  6 17:21 new.lbi.partial
""")
# An S3 ListObjectsV2 page for /images (the form AWS and Swift's s3api answer with).
seed("listings", b"\2" + b"""<?xml version='1.0' encoding='UTF-8'?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>lifeboat</Name><Prefix>images/</Prefix>
<KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
<NextContinuationToken>aW1hZ2VzL3BjLmxiaQ==</NextContinuationToken>
<Contents><Key>images/pc.lbi</Key><LastModified>2026-12-07T00:33:00.000Z</LastModified>
<ETag>"5d41402abc4b2a76b9719d911017c592-2"</ETag><Size>31629216</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>images/pc.lbi.002</Key><Size>4000</Size></Contents>
<Contents><Key>images/old/pc.lbi</Key><Size>12</Size></Contents>
<CommonPrefixes><Prefix>images/old/</Prefix></CommonPrefixes></ListBucketResult>
""")
PY
touch "$stamp"
for d in "$corpus"/*/; do
    printf 'make-corpus: %-14s %3d seeds\n' "$(basename "$d")" "$(ls "$d" | wc -l)"
done
