"""Uploaded photos: checked by content, never by name, and re-encoded so no metadata survives.

Only JPEG, PNG and HEIC are taken. The pixels are copied into a fresh image, so EXIF (GPS, device,
time), XMP, IPTC, ICC comments and PNG text chunks are all left behind. A file that would unpack to
more pixels than a phone camera makes is refused before it is decoded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from anxin.core.errors import Invalid

MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 5
#: 100 megapixels: above any phone camera, far below what a decompression bomb asks for.
MAX_PIXELS = 100_000_000
#: Stored copies are scaled down to this longest side; evidence stays legible, storage stays small.
MAX_SIDE = 2560

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


@dataclass
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[4:8] == b"ftyp" and head[8:12] in {
        b"heic",
        b"heix",
        b"hevc",
        b"hevx",
        b"mif1",
        b"msf1",
        b"heim",
        b"heis",
    }:
        return "HEIF"
    return None


def clean_image(fileobj: IO[bytes], *, name: str = "") -> CleanImage:
    """Validate one upload and return a metadata-free re-encoding of it."""
    data = fileobj.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(_("照片“%(name)s”超过 10 MB。") % {"name": name[:60]}, code="photo_too_large")
    if not data:
        raise Invalid(_("照片“%(name)s”是空文件。") % {"name": name[:60]}, code="photo_empty")
    kind = _sniff(data[:16])
    if kind is None:
        raise Invalid(
            _("“%(name)s”不是 JPEG、PNG 或 HEIC 照片。") % {"name": name[:60]}, code="photo_bad_type"
        )
    if kind == "HEIF":
        _register_heif()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in {"JPEG", "PNG", "HEIF"} or probe.format != kind:
                raise Invalid(
                    _("“%(name)s”的内容与照片格式不符。") % {"name": name[:60]}, code="photo_bad_type"
                )
            width, height = probe.size
            if width * height > MAX_PIXELS or width <= 0 or height <= 0:
                raise Invalid(
                    _("照片“%(name)s”尺寸异常，无法接收。") % {"name": name[:60]}, code="photo_bomb"
                )
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise Invalid(
            _("照片“%(name)s”已损坏或无法识别。") % {"name": name[:60]}, code="photo_corrupt"
        ) from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    pixels = Image.new("RGBA" if has_alpha else "RGB", image.size)
    pixels.paste(image.convert("RGBA" if has_alpha else "RGB"))
    pixels.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if has_alpha:
        pixels.save(out, format="PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        pixels.save(out, format="JPEG", quality=88, optimize=True)
        content_type, extension = "image/jpeg", "jpg"
    return CleanImage(out.getvalue(), content_type, extension, pixels.width, pixels.height)
