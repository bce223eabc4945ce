"""The care ledgers on the 台账 home page, with their completeness figures."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.ledgers.menu import MenuEntry
from anxin.org.selectors import home_school

from . import selectors


def entries(user: Any, *, figures: bool = True) -> list[MenuEntry]:
    """``figures=False``: only which entries there are (the site menu asks on every page)."""
    today = timezone.localdate()
    school = home_school(user) if figures else None
    found = []
    if allowed(user, "ledger_talk", "view") or allowed(user, "ledger_talk", "record"):
        found.append(
            MenuEntry(
                title=_("谈心谈话"),
                url=reverse("ledgers:care_list"),
                icon="chat-heart",
                hint=_("近30天有谈话记录的班级占比"),
                percent=selectors.talk_completeness(school, today=today).percent if school else None,
            )
        )
    if allowed(user, "ledger_care_plan", "view"):
        found.append(
            MenuEntry(
                title=_("重点群体关爱帮扶"),
                url=reverse("ledgers:care_plans"),
                icon="people",
                hint=_("近30天按时回顾的帮扶计划占比"),
                percent=selectors.care_completeness(school, today=today).percent if school else None,
            )
        )
    if allowed(user, "ledger_watch", "view"):
        found.append(
            MenuEntry(
                title=_("行为异常"), url=reverse("ledgers:care_watch"), icon="eye", hint=_("观察与记录")
            )
        )
    return found
