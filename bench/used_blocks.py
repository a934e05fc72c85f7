#!/usr/bin/env python3
"""Writes the used blocks of an ext2/3/4 image, one after the other, to a file.

usage: used_blocks.py IMAGE OUT

The block bitmap is read by dumpe2fs (e2fsprogs' own reading, independent of
Lifeboat's map): every block not listed under a group's "Free blocks:" is used.
OUT then holds exactly the bytes any block-level imager must read and compress,
which makes `zstd -T0 -3 < OUT` the compression limit the benchmark compares
against. Prints "used_bytes RANGES" on stdout.
"""
import os
import re
import subprocess
import sys


def free_ranges(image):
    out = subprocess.run(["dumpe2fs", image], check=True, capture_output=True, text=True).stdout
    block_count = block_size = None
    free = []
    for line in out.splitlines():
        if line.startswith("Block count:"):
            block_count = int(line.split(":")[1])
        elif line.startswith("Block size:"):
            block_size = int(line.split(":")[1])
        elif line.startswith("  Free blocks: "):  # per group; the header line has no indent
            for part in line.split(":", 1)[1].split(","):
                part = part.strip()
                if not part:
                    continue
                m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
                if not m:
                    raise SystemExit(f"used_blocks.py: cannot parse free range {part!r}")
                a = int(m.group(1))
                b = int(m.group(2) or a)
                free.append((a, b + 1))
    if block_count is None or block_size is None:
        raise SystemExit("used_blocks.py: dumpe2fs printed no block count or size")
    return block_count, block_size, sorted(free)


def used_ranges(block_count, free):
    used = []
    at = 0  # block 0 of a 1 KiB-block filesystem lies before group 0 and holds the boot block: used
    for a, b in free:
        if a > at:
            used.append((at, a))
        at = max(at, b)
    if at < block_count:
        used.append((at, block_count))
    return used


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    image, out = sys.argv[1], sys.argv[2]
    block_count, block_size, free = free_ranges(image)
    used = used_ranges(block_count, free)
    total = 0
    with open(image, "rb") as src, open(out, "wb") as dst:
        for a, b in used:
            offset, length = a * block_size, (b - a) * block_size
            while length > 0:
                n = os.copy_file_range(src.fileno(), dst.fileno(), min(length, 64 << 20), offset)
                if n <= 0:
                    raise SystemExit(f"used_blocks.py: short copy at {offset}")
                offset += n
                length -= n
                total += n
        dst.flush()
        os.fsync(dst.fileno())
    print(total, len(used))


if __name__ == "__main__":
    main()
