"""Uploaded photos: checked by content, never by name, and re-encoded so no metadata survives.

Only JPEG, PNG and HEIC are taken. The pixels are copied into a fresh image, so EXIF (GPS, device,
time), XMP, IPTC, ICC comments and PNG text chunks are all left behind.

A file is refused by the pixel count its header declares, before a single pixel is decoded: a 1.6 MB
PNG may declare 99 megapixels, and decoding five of them cost 45 s of CPU and 1.5 GB of memory.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from anxin.core.errors import Invalid

from .errors import IntakeError

MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 5
#: 40 megapixels: what a phone camera saves by default is 12 to 20 (a 48 MP sensor saves 12 unless
#: asked); a screenshot is under 4. Above this a file is refused from its header, undecoded.
MAX_PIXELS = 40_000_000
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


def limit_decoder() -> None:
    """Make Pillow itself refuse what we refuse, for any code path that opens an image.

    Pillow raises above twice MAX_IMAGE_PIXELS and only warns between once and twice; clean_image
    refuses everything above MAX_PIXELS from the header itself, so the warning says nothing new and
    is silenced here, once for the process (not per photo: warnings filters are global state).
    Called once from IntakeConfig.ready().
    """
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def _too_big(name: str) -> Invalid:
    return Invalid(
        _("照片“%(name)s”的像素太多了（超过 %(n)d 万像素），请换一张，或截图后再传。")
        % {"name": name[:60], "n": MAX_PIXELS // 10_000},
        code=IntakeError.PHOTO_TOO_MANY_PIXELS,
    )


def clean_image(fileobj: IO[bytes], *, name: str = "") -> CleanImage:
    """Validate one upload and return a metadata-free re-encoding of it."""
    data = fileobj.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(_("照片“%(name)s”超过 10 MB。") % {"name": name[:60]}, code=IntakeError.PHOTO_TOO_LARGE)
    if not data:
        raise Invalid(_("照片“%(name)s”是空文件。") % {"name": name[:60]}, code=IntakeError.PHOTO_EMPTY)
    kind = _sniff(data[:16])
    if kind is None:
        raise Invalid(
            _("“%(name)s”不是 JPEG、PNG 或 HEIC 照片。") % {"name": name[:60]},
            code=IntakeError.PHOTO_BAD_TYPE,
        )
    if kind == "HEIF":
        _register_heif()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in {"JPEG", "PNG", "HEIF"} or probe.format != kind:
                raise Invalid(
                    _("“%(name)s”的内容与照片格式不符。") % {"name": name[:60]},
                    code=IntakeError.PHOTO_BAD_TYPE,
                )
            # Only the header has been read so far: nothing is decoded before this check.
            width, height = probe.size
            if width <= 0 or height <= 0:
                raise Invalid(
                    _("照片“%(name)s”尺寸异常，无法接收。") % {"name": name[:60]}, code=IntakeError.PHOTO_BOMB
                )
            if width * height > MAX_PIXELS:
                raise _too_big(name)
            if probe.format == "JPEG":
                # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale: no more pixels than are kept.
                probe.draft("RGB", (MAX_SIDE, MAX_SIDE))
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except Invalid:
        raise
    except Image.DecompressionBombError:  # past twice Image.MAX_IMAGE_PIXELS, from the header
        raise _too_big(name) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise Invalid(
            _("照片“%(name)s”已损坏或无法识别。") % {"name": name[:60]}, code=IntakeError.PHOTO_CORRUPT
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
