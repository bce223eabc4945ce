"""The education ledgers on the 台账 home page, with their completeness where there is one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.ledgers.menu import MenuEntry

from . import selectors

#: The 1530 completeness on the menu covers the last 30 days.
MENU_DAYS = 30


def entries(user: Any, *, figures: bool = True) -> list[MenuEntry]:
    """``figures=False``: only which entries there are (the site menu asks on every page)."""
    out: list[MenuEntry] = []
    today = timezone.localdate()
    if allowed(user, "ledger_1530", "view"):
        percent = None
        if figures:
            classes = list(selectors.classes_for(user)[:300])
            start = today - timedelta(days=MENU_DAYS - 1)
            percent = selectors.session_completeness(classes, start, today).percent
        out.append(
            MenuEntry(
                title=_("1530安全教育"),
                url=reverse("ledgers:education_home"),
                icon="alarm",
                hint=_("放学前1分钟、周末5分钟、节前30分钟；近30天完成率"),
                percent=percent,
            )
        )
    if allowed(user, "ledger_class_meeting", "view"):
        meetings = None
        if figures:
            _term, counts = selectors.meeting_counts(user, today)
            meetings = selectors.meeting_completeness(counts).percent
        out.append(
            MenuEntry(
                title=_("防欺凌主题班会"),
                url=reverse("ledgers:education_meetings"),
                icon="people",
                hint=_("每班每学期至少2次"),
                percent=meetings,
            )
        )
    if allowed(user, "ledger_edu_activity", "view"):
        out.append(
            MenuEntry(
                title=_("教育活动"),
                url=reverse("ledgers:education_activities"),
                icon="megaphone",
                hint=_("讲座、国旗下讲话、警示教育、培训、家长学校、班主任会议"),
            )
        )
    if allowed(user, "ledger_edu_document", "view"):
        out.append(
            MenuEntry(
                title=_("学校防欺凌文件"),
                url=reverse("ledgers:education_documents"),
                icon="file-earmark-text",
                hint=_("工作预案、公开联系方式、委员会说明（含历史版本）"),
            )
        )
    return out
