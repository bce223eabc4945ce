"""The 台账 home page's entries for hazard screening and CCTV."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.ledgers.menu import MenuEntry

from . import selectors


def entries(user: Any, *, figures: bool = True) -> list[MenuEntry]:
    """``figures=False``: only which entries there are (the site menu asks on every page)."""
    result: list[MenuEntry] = []
    if allowed(user, "ledger_hazard_grid", "view"):
        percent = None
        if figures:
            start, end = selectors.default_period(timezone.localdate())
            completeness, _rows = selectors.screening_completeness(selectors.places_visible(user), start, end)
            percent = completeness.percent
        result.append(
            MenuEntry(
                title=_("隐患排查"),
                url=reverse("ledgers:hazards_screenings"),
                icon="search",
                hint=_("近 28 天重点部位排查完成率"),
                percent=percent,
            )
        )
    if allowed(user, "ledger_hazard", "view"):
        result.append(
            MenuEntry(
                title=_("隐患整改"),
                url=reverse("ledgers:hazards_list"),
                icon="cone-striped",
                hint=_("发现、整改、复查、销号"),
            )
        )
    elif allowed(user, "ledger_hazard", "record"):
        result.append(
            MenuEntry(title=_("上报隐患"), url=reverse("ledgers:hazards_report"), icon="cone-striped")
        )
    if allowed(user, "ledger_hazard_grid", "view"):
        result.append(
            MenuEntry(
                title=_("视频监控与录像回看"), url=reverse("ledgers:hazards_reviews"), icon="camera-video"
            )
        )
    return result
