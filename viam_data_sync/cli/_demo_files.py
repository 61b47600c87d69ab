"""Files the demo makes up: small valid PNG images and an ASCII point cloud, from the
standard library only (no image library needed)."""

from __future__ import annotations

import hashlib
import math
import struct
import zlib


def make_png(width: int, height: int, seed: int) -> bytes:
    """A small, valid RGB PNG (a colour gradient), made with zlib and struct only.

    Example::

        Path("x.png").write_bytes(make_png(64, 48, seed=1))
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes(
                (
                    (x * 255 // max(1, width - 1) + seed * 37) % 256,
                    (y * 255 // max(1, height - 1) + seed * 91) % 256,
                    (seed * 53 + (x ^ y)) % 256,
                )
            )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def make_pcd(points: int, seed: int) -> bytes:
    """An ASCII PCD point cloud (what a lidar's NextPointCloud captures)."""
    header = (
        "# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
        f"COUNT 1 1 1\nWIDTH {points}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {points}\nDATA ascii\n"
    )
    lines = []
    for i in range(points):
        angle = (i * 0.013 + seed) % (2 * math.pi)
        radius = 2.0 + math.sin(i * 0.07) * 0.5
        lines.append(
            f"{radius * math.cos(angle):.4f} {radius * math.sin(angle):.4f} {math.sin(i * 0.001):.4f}"
        )
    return (header + "\n".join(lines) + "\n").encode()


def sha256(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()
