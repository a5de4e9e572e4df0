#!/usr/bin/env python3
"""Renders Hookbench's app icon (a hook catching an event) to every file src-tauri/tauri.conf.json names.

Pure Python 3 (zlib + struct), no image libraries: each size is drawn from signed distance functions, so
small sizes stay crisp instead of being scaled down from a big one. Run from anywhere:
    python3 icons/render.py
The outputs are committed; rerun this after changing the shapes or colours below.
"""
import math
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

# Shapes in unit coordinates (0..1, y down).
INSET, CORNER = 0.04, 0.22                      # the rounded tile
TOP, BOTTOM = (0x4F, 0x46, 0xE5), (0x1E, 0x1B, 0x4B)  # tile gradient: indigo to deep indigo
HOOK = (0xF8, 0xFA, 0xFC)
EVENT = (0xFB, 0xBF, 0x24)
DX, DY = 0.02, 0.11                            # centres the glyph on the tile
HW = 0.042                                      # half the hook's stroke width
EYE = (0.58 + DX, 0.16 + DY, 0.08)              # ring: centre x, y, radius
SHANK = ((0.58 + DX, 0.16 + DY + 0.08), (0.58 + DX, 0.56 + DY))
BEND = (0.44 + DX, 0.56 + DY, 0.14)             # lower half circle: centre x, y, radius
POINT = ((0.30 + DX, 0.56 + DY), (0.30 + DX, 0.45 + DY))
BARB = ((0.30 + DX, 0.445 + DY), (0.35 + DX, 0.505 + DY))
DROP = (0.44 + DX, 0.60 + DY, 0.05)             # the caught event, resting in the bend


def seg(px, py, a, b):
    ax, ay = a
    bx, by = b
    vx, vy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)))
    return math.hypot(px - ax - t * vx, py - ay - t * vy)


def hook_distance(px, py):
    cx, cy, r = EYE
    d = abs(math.hypot(px - cx, py - cy) - r)
    d = min(d, seg(px, py, *SHANK))
    cx, cy, r = BEND
    if py >= cy:
        d = min(d, abs(math.hypot(px - cx, py - cy) - r))
    d = min(d, seg(px, py, *POINT))
    d = min(d, seg(px, py, *BARB) + 0.01)      # the barb is a little thinner than the hook
    return d - HW


def tile_distance(px, py):
    half = 0.5 - INSET
    qx = abs(px - 0.5) - half + CORNER
    qy = abs(py - 0.5) - half + CORNER
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - CORNER


def coverage(d, pixel):
    return max(0.0, min(1.0, 0.5 - d / pixel))


def over(dst, colour, alpha):
    r, g, b, a = dst
    out_a = alpha + a * (1 - alpha)
    if out_a == 0:
        return (0.0, 0.0, 0.0, 0.0)
    mix = lambda s, d: (s * alpha + d * a * (1 - alpha)) / out_a
    return (mix(colour[0], r), mix(colour[1], g), mix(colour[2], b), out_a)


def render(size):
    pixel = 1.0 / size
    rows = []
    for y in range(size):
        row = bytearray()
        py = (y + 0.5) * pixel
        t = py
        bg = tuple(TOP[i] * (1 - t) + BOTTOM[i] * t for i in range(3))
        for x in range(size):
            px = (x + 0.5) * pixel
            c = over((0.0, 0.0, 0.0, 0.0), bg, coverage(tile_distance(px, py), pixel))
            c = over(c, HOOK, coverage(hook_distance(px, py), pixel))
            cx, cy, r = DROP
            c = over(c, EVENT, coverage(math.hypot(px - cx, py - cy) - r, pixel))
            row += bytes((round(c[0]), round(c[1]), round(c[2]), round(c[3] * 255)))
        rows.append(bytes(row))
    return rows


def png(size):
    rows = render(size)
    raw = b"".join(b"\x00" + row for row in rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ico(sizes):
    images = [png(s) for s in sizes]
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for s, data in zip(sizes, images):
        dim = 0 if s >= 256 else s
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return out + b"".join(images)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    write("32x32.png", png(32))
    write("128x128.png", png(128))
    write("128x128@2x.png", png(256))
    write("icon.png", png(512))
    write("icon.ico", ico([16, 24, 32, 48, 64, 256]))


if __name__ == "__main__":
    main()
