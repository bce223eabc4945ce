"""Pictures are refused by the pixel count their header declares, before anything is decoded."""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache
from unittest import mock

import pytest
from PIL import Image, ImageFile

from anxin.core.errors import Invalid
from anxin.intake import images, services
from anxin.intake.models import Report

from .test_public import png_bytes


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


@cache
def huge_png(width: int, height: int) -> bytes:
    """A real, complete PNG of ``width`` × ``height`` black pixels (1 bit), compressed to a few KB.

    Built row by row so the test never holds the picture itself in memory.
    """
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + packed pixels
    squeeze = zlib.compressobj(9)
    idat = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


@pytest.fixture
def no_decoding():  # noqa: ANN201
    """Fails loudly if any picture is decoded (ImageFile.load is where every decoder runs)."""
    with mock.patch.object(
        ImageFile.ImageFile, "load", autospec=True, side_effect=AssertionError("decoded")
    ) as load:
        yield load


@pytest.mark.parametrize(("width", "height"), [(8000, 6000), (10000, 9900), (16000, 16000)])
def test_huge_png_is_refused_from_its_header_without_decoding(no_decoding, width: int, height: int) -> None:
    data = huge_png(width, height)
    assert len(data) < 2_000_000  # small on the wire: this is what makes it a bomb
    assert struct.unpack(">II", data[16:24]) == (width, height)
    assert zlib.decompressobj().decompress(data[41:], 64)  # a genuine picture stream follows
    with pytest.raises(Invalid) as refused:
        images.clean_image(io.BytesIO(data), name="IMG_0001.png")
    assert refused.value.code == "photo_too_many_pixels"
    assert "像素太多" in refused.value.message and "4000 万像素" in refused.value.message
    no_decoding.assert_not_called()


def test_forty_megapixels_is_the_line(no_decoding) -> None:  # noqa: ANN001
    with pytest.raises(Invalid):
        images.clean_image(io.BytesIO(huge_png(6400, 6251)), name="a.png")  # 40.0064 MP
    no_decoding.assert_not_called()


def test_pillow_itself_refuses_what_we_refuse() -> None:
    # Set by IntakeConfig.ready(): any other code path that opens an upload is bounded too.
    assert Image.MAX_IMAGE_PIXELS == images.MAX_PIXELS


def test_a_photo_under_the_line_is_still_taken() -> None:
    clean = images.clean_image(io.BytesIO(png_bytes((1200, 900))), name="ok.png")
    assert (clean.width, clean.height) == (1200, 900)


@pytest.mark.django_db
def test_five_bombs_in_one_letter_store_nothing(cast, no_decoding, settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path
    bomb = huge_png(10000, 9900)
    with pytest.raises(Invalid) as refused:
        services.report_submit(
            school_code=cast.school.code,
            text="有人在厕所里拍我的照片，还发到群里",
            photos=[(f"{i}.png", io.BytesIO(bomb)) for i in range(5)],
        )
    assert refused.value.code == "photo_too_many_pixels"
    assert Report.objects.count() == 0
    no_decoding.assert_not_called()
