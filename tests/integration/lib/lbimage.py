#!/usr/bin/env python3
"""Reads and patches Lifeboat images (docs/FORMAT.md, version 1) for the tests.

Independent of the C++ code on purpose: it parses the format from its
specification, so a test that uses it checks the writer against the document.

  lbimage.py layout IMAGE              JSON: volumes, header, manifest, records
                                       (with file and file offset), index, trailer
  lbimage.py flip FILE OFFSET          XORs one byte with 0xff
  lbimage.py patch-header IMAGE AT WIDTH VALUE
                                       sets a header field, re-seals the header
                                       (XXH3-128), the trailer's header hash and
                                       the trailer
  lbimage.py patch-trailer IMAGE AT WIDTH VALUE
  lbimage.py patch-volume FILE AT WIDTH VALUE
                                       the same for a trailer / volume header field
  lbimage.py check-seals IMAGE         recomputes every seal and hash: exit 0 if
                                       all match (proves the XXH3-128 binding)
  lbimage.py has-xxh3                  exit 0 if XXH3-128 can be computed

XXH3-128 comes from libxxhash (libxxhash0, installed with libxxhash-dev) through
ctypes, or from `xxhsum -H2` (package xxhash). The canonical form (the bytes
the format stores) is big-endian: high 64 bits, then low 64 bits.
"""
import ctypes
import ctypes.util
import json
import os
import shutil
import struct
import subprocess
import sys

VOLUME_HEADER = 64
HEADER = 256
TRAILER = 128
RECORD = 48
KINDS = {1: "zstd", 2: "stored", 3: "zeros"}


class _XXH128(ctypes.Structure):
    _fields_ = [("low64", ctypes.c_uint64), ("high64", ctypes.c_uint64)]


def _load_lib():
    names = [ctypes.util.find_library("xxhash"), "libxxhash.so.0", "libxxhash.so",
             "/usr/lib/x86_64-linux-gnu/libxxhash.so.0"]
    for name in names:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            fn = lib.XXH3_128bits
            fn.restype = _XXH128
            fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
            return fn
        except (OSError, AttributeError):
            continue
    return None


_xxh3 = _load_lib()


def xxh128(data: bytes) -> bytes:
    if _xxh3 is not None:
        h = _xxh3(data, len(data))
        return struct.pack(">QQ", h.high64, h.low64)
    if shutil.which("xxhsum"):
        out = subprocess.run(["xxhsum", "-H2", "-"], input=data, capture_output=True, check=True).stdout
        return bytes.fromhex(out.split()[0].decode().split("_")[-1])
    raise SystemExit("no XXH3-128: install libxxhash0 or xxhash (xxhsum)")


def has_xxh3() -> bool:
    if _xxh3 is not None or shutil.which("xxhsum"):
        try:  # the XXH3-128 of no bytes, from the xxHash test vectors
            return xxh128(b"").hex() == "99aa06d3014798d86001c324468d497f"
        except Exception:
            return False
    return False


def volume_name(image, number):
    return image if number <= 1 else "%s.%03d" % (image, number)


class Image:
    """The logical byte stream over an image's volume files."""

    def __init__(self, path):
        self.path = path
        self.volumes = []
        logical = 0
        number = 1
        while os.path.exists(volume_name(path, number)):
            name = volume_name(path, number)
            with open(name, "rb") as f:
                vh = f.read(VOLUME_HEADER)
            size = os.path.getsize(name)
            if len(vh) < VOLUME_HEADER or vh[:8] != b"LBVOLUME":
                raise SystemExit("%s: no volume header" % name)
            version, num = struct.unpack_from("<II", vh, 8)
            uuid = vh[16:32]
            off, = struct.unpack_from("<Q", vh, 32)
            self.volumes.append({"path": name, "number": num, "version": version, "uuid": uuid.hex(),
                                 "logical_offset": off, "file_size": size,
                                 "payload": size - VOLUME_HEADER, "start": logical,
                                 "sealed": xxh128(vh[:48]) == vh[48:64] if has_xxh3() else None})
            logical += size - VOLUME_HEADER
            number += 1
        self.size = logical

    def locate(self, logical):
        """(file, file offset) of a logical offset."""
        for v in self.volumes:
            if v["start"] <= logical < v["start"] + v["payload"]:
                return v["path"], VOLUME_HEADER + logical - v["start"]
        raise SystemExit("logical offset %d is past the end" % logical)

    def read(self, logical, n):
        out = b""
        while n > 0:
            path, at = self.locate(logical)
            with open(path, "rb") as f:
                f.seek(at)
                v = next(v for v in self.volumes if v["path"] == path)
                take = min(n, v["start"] + v["payload"] - logical)
                piece = f.read(take)
            out += piece
            logical += take
            n -= take
        return out

    def write(self, logical, data):
        while data:
            path, at = self.locate(logical)
            v = next(v for v in self.volumes if v["path"] == path)
            take = min(len(data), v["start"] + v["payload"] - logical)
            with open(path, "r+b") as f:
                f.seek(at)
                f.write(data[:take])
            data = data[take:]
            logical += take


def layout(path):
    img = Image(path)
    h = img.read(0, HEADER)
    if h[:8] != b"LIFEBOAT":
        raise SystemExit("%s: no image header" % path)
    version, hsize, req, opt = struct.unpack_from("<IIQQ", h, 8)
    chunk_size, hash_alg, moff, msize = struct.unpack_from("<IIQQ", h, 48)
    t = img.read(img.size - TRAILER, TRAILER)
    if t[:8] != b"LBTRAILR":
        raise SystemExit("%s: no trailer" % path)
    tversion, tsize = struct.unpack_from("<II", t, 8)
    ioff, isize, count, lsize = struct.unpack_from("<QQQQ", t, 32)
    vcount, = struct.unpack_from("<I", t, 64)
    index = img.read(ioff, isize)
    records = []
    for i in range(count):
        off, length, soff, ssize, stream, kind = struct.unpack_from("<QQQIHB", index, i * RECORD)
        rec = {"i": i, "stream": stream, "kind": KINDS.get(kind, kind), "offset": off, "length": length,
               "stored_offset": soff, "stored_size": ssize}
        if kind != 3:
            rec["file"], rec["file_offset"] = img.locate(soff)
        records.append(rec)
    def where(logical):
        f, at = img.locate(logical)
        return {"logical": logical, "file": f, "file_offset": at}
    out = {
        "logical_size": img.size,
        "volumes": img.volumes,
        "header": dict(where(0), version=version, size=hsize, required_features=req, optional_features=opt,
                       chunk_size=chunk_size, hash_algorithm=hash_alg, uuid=h[32:48].hex()),
        "manifest": dict(where(moff), size=msize, json=json.loads(img.read(moff, msize).decode())),
        "records": records,
        "index": dict(where(ioff), size=isize, count=count),
        "trailer": dict(where(img.size - TRAILER), version=tversion, size=tsize, logical_size=lsize,
                        volume_count=vcount, uuid=t[16:32].hex()),
    }
    return out, img


def check_seals(path):
    out, img = layout(path)
    problems = []
    for v in img.volumes:
        if not v["sealed"]:
            problems.append("volume header of %s" % v["path"])
    h = img.read(0, HEADER)
    if xxh128(h[:240]) != h[240:256]:
        problems.append("header seal")
    m = out["manifest"]
    if xxh128(img.read(256, m["size"])) != h[72:88]:
        problems.append("manifest hash")
    t = img.read(img.size - TRAILER, TRAILER)
    if xxh128(t[:112]) != t[112:128]:
        problems.append("trailer seal")
    if xxh128(img.read(out["index"]["logical"], out["index"]["size"])) != t[72:88]:
        problems.append("index hash")
    if xxh128(h) != t[88:104]:
        problems.append("trailer's header hash")
    for p in problems:
        print("mismatch: " + p)
    return 1 if problems else 0


def patch_field(buf, at, width, value):
    buf[at:at + width] = int(value, 0).to_bytes(width, "little")


def reseal_trailer(img, header_bytes=None):
    at = img.size - TRAILER
    t = bytearray(img.read(at, TRAILER))
    if header_bytes is not None:
        t[88:104] = xxh128(bytes(header_bytes))
    t[112:128] = xxh128(bytes(t[:112]))
    img.write(at, bytes(t))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "layout":
        print(json.dumps(layout(argv[2])[0], indent=1))
    elif cmd == "flip":
        path, at = argv[2], int(argv[3], 0)
        with open(path, "r+b") as f:
            f.seek(at)
            b = f.read(1)
            if len(b) != 1:
                raise SystemExit("%s has no byte at %d" % (path, at))
            f.seek(at)
            f.write(bytes([b[0] ^ 0xff]))
    elif cmd == "patch-header":
        img = Image(argv[2])
        h = bytearray(img.read(0, HEADER))
        patch_field(h, int(argv[3], 0), int(argv[4]), argv[5])
        h[240:256] = xxh128(bytes(h[:240]))
        img.write(0, bytes(h))
        reseal_trailer(img, h)
    elif cmd == "patch-trailer":
        img = Image(argv[2])
        at = img.size - TRAILER
        t = bytearray(img.read(at, TRAILER))
        patch_field(t, int(argv[3], 0), int(argv[4]), argv[5])
        img.write(at, bytes(t))
        reseal_trailer(img)
    elif cmd == "patch-volume":
        with open(argv[2], "r+b") as f:
            vh = bytearray(f.read(VOLUME_HEADER))
            patch_field(vh, int(argv[3], 0), int(argv[4]), argv[5])
            vh[48:64] = xxh128(bytes(vh[:48]))
            f.seek(0)
            f.write(bytes(vh))
    elif cmd == "check-seals":
        return check_seals(argv[2])
    elif cmd == "has-xxh3":
        return 0 if has_xxh3() else 1
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
