#!/usr/bin/env python3
"""Renders the tray icon in its three receiver states from the app icon (icons/render.py):

    listening.png  the app tile with a green dot
    faulted.png    the app tile with an amber dot and a "!" cut out of it
    off.png        the tile in grey with a grey dot and a bar cut out of it (connections refused)

32 px, RGBA; the dot sits in the lower right corner with a transparent ring around it so it reads on
light and dark panels. Pure Python 3 like the app icon. Run from anywhere:
    python3 src-tauri/icons/tray/render.py
The outputs are committed and compiled into the app (src/tray.rs); rerun after changing the shapes.
"""
import math
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "icons"))
import render as app  # noqa: E402  (the app icon's shapes and compositing)

SIZE = 32
DOT = (0.76, 0.76, 0.22)     # centre x, y, radius (unit coordinates)
RING = 0.06                  # transparent gap around the dot
GREEN = (0x22, 0xC5, 0x5E)
AMBER = (0xF5, 0x9E, 0x0B)
GREY = (0x94, 0xA3, 0xB8)
MARK = (0xFF, 0xFF, 0xFF)


def grey(c):
    y = 0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2]
    return (y * 0.8 + 30, y * 0.8 + 30, y * 0.8 + 40, c[3])


def box(px, py, cx, cy, hw, hh):
    """Signed distance to an axis-aligned box."""
    qx, qy = abs(px - cx) - hw, abs(py - cy) - hh
    return math.hypot(max(qx, 0.0), max(qy, 0.0)) + min(max(qx, qy), 0.0)


def mark_distance(state, px, py):
    cx, cy, _ = DOT
    if state == "faulted":  # "!": a bar and a dot
        return min(box(px, py, cx, cy - 0.045, 0.028, 0.08), math.hypot(px - cx, py - (cy + 0.11)) - 0.03)
    if state == "off":  # a horizontal bar: no entry
        return box(px, py, cx, cy, 0.13, 0.03)
    return 1.0


def pixels(state):
    base = app.render(SIZE)
    pixel = 1.0 / SIZE
    colour = {"listening": GREEN, "faulted": AMBER, "off": GREY}[state]
    rows = []
    for y in range(SIZE):
        src = base[y]
        row = bytearray()
        py = (y + 0.5) * pixel
        for x in range(SIZE):
            px = (x + 0.5) * pixel
            r, g, b, a = src[4 * x : 4 * x + 4]
            c = (float(r), float(g), float(b), a / 255)
            if state == "off":
                c = grey(c)
            cx, cy, radius = DOT
            d = math.hypot(px - cx, py - cy) - radius
            # Cut the ring out of the tile, then draw the dot and its mark.
            keep = 1.0 - app.coverage(d - RING, pixel)
            c = (c[0], c[1], c[2], c[3] * keep)
            c = app.over(c, colour, app.coverage(d, pixel))
            c = app.over(c, MARK, app.coverage(mark_distance(state, px, py), pixel) * app.coverage(d, pixel))
            row += bytes((round(c[0]), round(c[1]), round(c[2]), round(c[3] * 255)))
        rows.append(bytes(row))
    return rows


def png(rows):
    raw = b"".join(b"\x00" + row for row in rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    for state in ("listening", "faulted", "off"):
        with open(os.path.join(HERE, f"{state}.png"), "wb") as f:
            f.write(png(pixels(state)))


if __name__ == "__main__":
    main()
