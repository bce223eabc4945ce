"""PDF documents rendered in-process by WeasyPrint: the Chinese font they need, and one render
function that loads nothing from outside (no network, no files beyond the font).

Used by the intake poster, the case file and parents' notices, and the printable ledger forms.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone

#: The family the template asks for; Debian package fonts-wqy-microhei provides it.
FONT_FAMILY = "WenQuanYi Micro Hei"
FONT_PACKAGE = "fonts-wqy-microhei"
FONT_INSTALL_COMMAND = f"apt-get install -y {FONT_PACKAGE}"
RASTER_PACKAGE = "poppler-utils"

#: Where Debian puts the font, for machines without the ``fc-list`` command.
_KNOWN_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
)

#: Documents say local time whatever the server's or request's zone.
SHANGHAI = ZoneInfo("Asia/Shanghai")


class FontMissing(Exception):
    """The server lacks the Chinese font; a PDF without it would show empty boxes."""

    def __init__(self) -> None:
        self.font = FONT_FAMILY
        self.install_command = FONT_INSTALL_COMMAND
        super().__init__(f"{FONT_FAMILY} missing: {FONT_INSTALL_COMMAND}")


def cjk_font_file() -> str | None:
    """The file of the poster's Chinese font as fontconfig (which WeasyPrint uses) sees it, or None."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run(
                [fc_list, f":family={FONT_FAMILY}", "file"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            path = line.strip().rstrip(":").strip()
            if path:
                return path
        return None
    for path in _KNOWN_FONT_FILES:
        if Path(path).is_file():
            return path
    return None


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render a self-contained HTML template to PDF; FontMissing when the Chinese font is absent."""
    if cjk_font_file() is None:
        raise FontMissing()
    import weasyprint  # imported late: heavy, and needs Pango, which a broken host may lack

    with timezone.override(SHANGHAI):
        html = render_to_string(template, {**context, "font_family": FONT_FAMILY})
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=no_fetcher()).write_pdf()
    return pdf


def no_fetcher() -> Any:
    """A URL fetcher that refuses everything: the documents are self-contained."""
    from weasyprint.urls import URLFetcher

    class NoFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint has no types
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"documents load nothing: {url[:100]}")

    return NoFetcher(allowed_protocols=())
