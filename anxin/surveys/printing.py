"""The sheet of slips a class teacher prints and cuts up: each slip a QR code to the answering page
with the code in it, the short code to type, and one line on what to do. A4, 3 × 6 slips a page,
rendered like the 爱心信箱 poster by WeasyPrint with the Chinese font (anxin.core.pdf)."""

from __future__ import annotations

from urllib.parse import urljoin

import segno
from django.urls import reverse
from django.utils.safestring import mark_safe

from anxin.core.pdf import render_pdf
from anxin.org.models import Unit

from .models import Campaign, SurveyCode
from .selectors import Results
from .services import pretty_code

SLIPS_PER_PAGE = 18


def answer_url(code: str, *, base_url: str) -> str:
    return urljoin(base_url, reverse("surveys_answer:start", args=[code]))


def enter_url(*, base_url: str) -> str:
    return urljoin(base_url, reverse("surveys_answer:enter"))


def qr_svg(url: str) -> str:
    """The QR code as inline SVG: the PDF renderer loads nothing from outside, not even data URIs."""
    svg: str = segno.make_qr(url, error="m", boost_error=False).svg_inline(scale=3, border=0)
    return mark_safe(svg)  # noqa: S308  (segno's own markup; the URL inside is ours and escaped)


def slips_pdf(campaign: Campaign, klass: Unit, codes: list[SurveyCode], *, base_url: str) -> bytes:
    """FontMissing (anxin.core.pdf) when the server lacks the Chinese font."""
    slips = [
        {"code": pretty_code(c.code), "qr": qr_svg(answer_url(c.code, base_url=base_url))} for c in codes
    ]
    pages = [slips[i : i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)] or [[]]
    return render_pdf(
        "surveys/slips.html",
        {
            "campaign": campaign,
            "klass": klass,
            "school": klass.school,
            "pages": pages,
            "enter_url": enter_url(base_url=base_url),
        },
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def results_pdf(res: Results) -> bytes:
    """The results as a PDF for a school's or a county's report: the figures of the page and of the
    Excel workbook, the same cells hidden, no free text. FontMissing without the Chinese font."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    return render_pdf(
        "surveys/results_pdf.html",
        {
            "r": res,
            "generated": timezone.now(),
            "total_perp": _pct(res.total.perp_rate),
            "total_unsafe": _pct(res.total.unsafe_rate),
            "groups": [
                (_("学校"), res.by_school),
                (_("年级"), res.by_grade),
                (_("班级"), res.by_class),
                (_("性别"), res.by_gender),
            ],
            "forms": [
                {
                    "label": f["label"],
                    "pct": _pct(f["rate"]),
                    "ci": f"{_pct(f['low'])}–{_pct(f['high'])}",
                }
                for f in res.forms
            ],
            "trend": [{**t, "pct": _pct(t["rate"])} for t in res.trend],
        },
    )
