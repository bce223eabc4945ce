"""值班巡逻 on the 台账 home page, with the patrol points' completeness over the last 7 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.ledgers.menu import MenuEntry

from . import selectors


def entries(user: Any, *, figures: bool = True) -> list[MenuEntry]:
    """``figures=False``: only which entries there are (the site menu asks on every page)."""
    out: list[MenuEntry] = []
    if allowed(user, "ledger_patrol_checkin", "view") or allowed(user, "ledger_patrol_point", "view"):
        today = timezone.localdate()
        start = today - timedelta(days=6)
        due = done = 0
        schools = selectors.schools_for(user, "ledger_patrol_point", "view")[:200] if figures else []
        for school in schools:
            c = selectors.checkin_completeness(school, start, today)
            due, done = due + c.due, done + c.done
        percent = None if due == 0 else round(min(1.0, done / due) * 100)
        out.append(
            MenuEntry(
                title=_("值班巡逻"),
                url=reverse("ledgers:patrol_home"),
                icon="shield-check",
                hint=_("巡查打卡、交接班、值班安排（近 7 天完成率）"),
                percent=percent,
            )
        )
    if allowed(user, "ledger_patrol_dorm", "view"):
        out.append(
            MenuEntry(
                title=_("熄灯后巡查"),
                url=reverse("ledgers:patrol_dorm_list"),
                icon="moon-stars",
                hint=_("宿舍楼层点名、缺勤床位、异常情况"),
            )
        )
    return out
