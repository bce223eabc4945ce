"""The calendar's panel on the 工作台: a year's official holiday schedule that nobody has entered yet."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core import workdays
from anxin.core.workbench import Panel, panel_provider

from .calendar import can_manage

#: From this month on, next year's schedule is asked for (the State Council publishes it in
#: October to December).
ASK_FROM_MONTH = 11


def missing_years(today: date) -> list[int]:
    """This year if unknown, and next year from November on if unknown."""
    years = [today.year]
    if today.month >= ASK_FROM_MONTH:
        years.append(today.year + 1)
    return [y for y in years if not workdays.is_known(date(y, 1, 1))]


@panel_provider
def calendar_panel(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not can_manage(user):
        return []
    missing = missing_years(timezone.localdate())
    if not missing:
        return []
    return [
        Panel(
            title=_("节假日安排待录入"),
            template="ops/panel_calendar.html",
            context={"years": "、".join(str(y) for y in missing)},
            order=5,
        )
    ]
