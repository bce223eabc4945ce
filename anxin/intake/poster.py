"""The printable 爱心信箱 poster each school must display (DOMAIN.md §3.1).

One HTML template, rendered by WeasyPrint to an A4 PDF; the PNG is that same PDF page rasterised
by poppler's ``pdftoppm``, so the two can never disagree. Chinese text needs a CJK font known to
fontconfig; WeasyPrint embeds (a subset of) it in the PDF. Many schools go into one HTML document
with page breaks, which is far faster than one document per school.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import segno
from django.template.loader import render_to_string
from django.urls import reverse

from anxin.core.pdf import FONT_FAMILY, FONT_INSTALL_COMMAND, RASTER_PACKAGE, cjk_font_file
from anxin.org.models import Unit

#: One batch PDF at most: WeasyPrint spends ~50 ms of CPU and ~1 MB of memory per page and keeps
#: every page in memory, so 400 pages is ~20 s and ~450 MB. Bigger units print county by county.
BATCH_MAX_SCHOOLS = 400

#: PNG resolution: A4 at 150 dpi is 1240 × 1754 px, sharp on a phone and small enough to share.
PNG_DPI = 150
_SUBPROCESS_TIMEOUT = 120


class PosterUnavailable(Exception):
    """The machine lacks something rendering needs; the message says what to install."""

    def __init__(self, missing: str, install_command: str) -> None:
        self.missing = missing
        self.install_command = install_command
        super().__init__(f"{missing} missing: {install_command}")


def require_font() -> None:
    if cjk_font_file() is None:
        raise PosterUnavailable(FONT_FAMILY, FONT_INSTALL_COMMAND)


def box_url(school: Unit, *, base_url: str) -> str:
    """The absolute address of the school's online 爱心信箱: the QR code's payload."""
    return urljoin(base_url, reverse("box:box", args=[school.code]))


def qr_code(url: str) -> segno.QRCode:
    # Level Q survives a scuffed or partly covered poster on a corridor wall.
    return segno.make_qr(url, error="q", boost_error=False)


def qr_data_uri(url: str) -> str:
    return qr_code(url).svg_data_uri(scale=4, border=0, dark="#123c33", light=None)


def _name_size(name: str) -> str:
    """A size class that keeps a long school name on the header band."""
    if len(name) <= 10:
        return "xl"
    if len(name) <= 16:
        return "l"
    if len(name) <= 24:
        return "m"
    return "s"


@dataclass(frozen=True)
class PosterData:
    school: Unit
    url: str
    qr: str
    contact_person: str
    hotline: str
    email: str
    name_size: str


def poster_data(school: Unit, *, base_url: str) -> PosterData:
    profile = getattr(school, "profile", None)
    url = box_url(school, base_url=base_url)
    return PosterData(
        school=school,
        url=url,
        qr=qr_data_uri(url),
        contact_person=getattr(profile, "contact_person", "") or "",
        hotline=getattr(profile, "hotline", "") or "",
        email=getattr(profile, "email", "") or "",
        name_size=_name_size(school.name),
    )


def poster_html(schools: Iterable[Unit], *, base_url: str) -> str:
    posters = [poster_data(s, base_url=base_url) for s in schools]
    return render_to_string(
        "intake/poster/poster.html",
        {"posters": posters, "font_family": FONT_FAMILY},
    )


#: The poster's artwork; relative URLs in the template resolve here, read from disk, never the network.
ASSETS_DIR = Path(__file__).parent / "static" / "intake" / "poster"


def render_pdf(schools: Sequence[Unit], *, base_url: str) -> bytes:
    """One A4 page per school, in the order given."""
    if not schools:
        raise ValueError("render_pdf needs at least one school")
    require_font()
    import weasyprint  # imported late: heavy, and needs Pango, which a broken host may lack

    html = poster_html(schools, base_url=base_url)
    document = weasyprint.HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=_local_fetcher())
    return document.write_pdf()


def _local_fetcher() -> Any:
    """A URL fetcher that reads inline data and the poster's own assets, and nothing else."""
    from weasyprint.urls import URLFetcher

    assets = ASSETS_DIR.resolve()

    class LocalFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parsed = urlparse(url)
            if parsed.scheme == "file" and Path(unquote(parsed.path)).resolve().is_relative_to(assets):
                return super().fetch(url, headers)
            raise ValueError(f"poster may not load {url[:100]}")

    return LocalFetcher(allowed_protocols=("data", "file"))


def pdf_to_png(pdf: bytes, *, dpi: int = PNG_DPI) -> bytes:
    """The PDF's first page as PNG, through poppler's ``pdftoppm`` (stdin to stdout)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise PosterUnavailable("pdftoppm", f"apt-get install -y {RASTER_PACKAGE}")
    result = subprocess.run(
        [pdftoppm, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile"],
        input=pdf,
        capture_output=True,
        timeout=_SUBPROCESS_TIMEOUT,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.startswith(b"\x89PNG"):
        raise RuntimeError(f"pdftoppm failed ({result.returncode}): {result.stderr[:500]!r}")
    return result.stdout


def render_png(school: Unit, *, base_url: str, dpi: int = PNG_DPI) -> bytes:
    return pdf_to_png(render_pdf([school], base_url=base_url), dpi=dpi)


def filename(stem: str, ext: str) -> str:
    """A download name without characters that file systems or headers choke on."""
    cleaned = "".join(c for c in stem if c not in '\\/:*?"<>|\r\n\t').strip() or "poster"
    return f"{cleaned}.{ext}"


def unavailable_context(exc: PosterUnavailable) -> dict[str, Any]:
    return {"missing": exc.missing, "install_command": exc.install_command}
