"""Benchmark: what five 99-megapixel PNGs cost the 爱心信箱 now (issue 9, item 4).

    .venv/bin/python bench/intake_bombs.py             # the refusal, as a letter's photos go through
    .venv/bin/python bench/intake_bombs.py --decode    # also decode one, as the old 100 MP line let through

Builds a real RGB PNG of 9950 × 9950 pixels (99 MP; small on the wire because it compresses well),
hands it five times to ``anxin.intake.images.clean_image`` and prints the CPU seconds and the peak
memory of the process. With ``--decode`` it then decodes one copy with Pillow's limit lifted, which
is what each of the five cost before: the refusal is from the header, so the difference is the
whole decoding. A measurement, not a gate: it always exits 0.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import struct
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rgb_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(range(256)) * (width * 3 // 256) + b"\x00" * (width * 3 % 256)
    squeeze = zlib.compressobj(6)
    idat = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decode", action="store_true", help="also decode one copy (slow, large)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    import django

    django.setup()
    from PIL import Image

    from anxin.core.errors import Invalid
    from anxin.intake import images

    data = rgb_png(9950, 9950)
    print(f"PNG: 9950 x 9950 = {9950 * 9950 / 1e6:.1f} MP, {len(data) / 1e6:.2f} MB on the wire")
    before, cpu0, wall0 = peak_mb(), time.process_time(), time.perf_counter()
    codes = []
    for i in range(5):
        try:
            images.clean_image(io.BytesIO(data), name=f"{i}.png")
            codes.append("accepted")
        except Invalid as exc:
            codes.append(exc.code)
    print(f"five uploads: {codes}")
    print(
        f"  CPU {time.process_time() - cpu0:.3f} s, wall {time.perf_counter() - wall0:.3f} s, "
        f"peak RSS {peak_mb():.0f} MB (was {before:.0f} MB before)"
    )
    if args.decode:
        Image.MAX_IMAGE_PIXELS = None
        cpu0 = time.process_time()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            im.convert("RGB").thumbnail((images.MAX_SIDE, images.MAX_SIDE))
        print(
            f"decoding ONE copy instead: CPU {time.process_time() - cpu0:.1f} s, peak RSS {peak_mb():.0f} MB"
        )


if __name__ == "__main__":
    main()
