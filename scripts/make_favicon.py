"""Write static/favicon.ico (usage: python scripts/make_favicon.py static/favicon.ico): a white Σ on the
navbar's dark rounded square, as 16 and 32 px PNG frames, with the standard library only."""

import struct
import sys
import zlib

GLYPH = [
    "................",
    "................",
    "...##########...",
    "...##########...",
    "....##..........",
    ".....##.........",
    "......##........",
    ".......##.......",
    ".......##.......",
    "......##........",
    ".....##.........",
    "....##..........",
    "...##########...",
    "...##########...",
    "................",
    "................",
]
DARK = (0x21, 0x25, 0x29, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def pixels(size):
    scale = size // 16
    radius = 3 * scale
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            # rounded corners
            cx = min(max(x, radius), size - 1 - radius)
            cy = min(max(y, radius), size - 1 - radius)
            if (x - cx) ** 2 + (y - cy) ** 2 > radius**2:
                row.append(CLEAR)
            elif GLYPH[y // scale][x // scale] == "#":
                row.append(WHITE)
            else:
                row.append(DARK)
        rows.append(row)
    return rows


def png(size):
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels(size))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


frames = [(16, png(16)), (32, png(32))]
header = struct.pack("<HHH", 0, 1, len(frames))
offset = 6 + 16 * len(frames)
entries, data = b"", b""
for size, blob in frames:
    entries += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(blob), offset + len(data))
    data += blob
with open(sys.argv[1], "wb") as out:
    out.write(header + entries + data)
