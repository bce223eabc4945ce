"""The gate's entries on the 台账 home page.

Completeness here is not "due against recorded": visitors and student exits happen when they
happen, so nothing is due. The visitor entry shows instead today's count and how many visitors are
still inside (the guard's to-do: mark them out); the exit entry's percentage is the share of
student exits in school hours over the last 30 days that had an approved leave pass (持假条离校
against all recorded exits, stopped ones included), within what the viewer may see. No exits: no
percentage.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.ledgers.menu import MenuEntry

from . import selectors
from .selectors import EXIT, ITEM, LEAVE, VISITOR


def entries(user: Any, *, figures: bool = True) -> list[MenuEntry]:
    """``figures=False``: only which entries there are (the site menu asks on every page)."""
    found: list[MenuEntry] = []
    shown = None
    if figures and (allowed(user, VISITOR, "view") or allowed(user, EXIT, "view")):
        shown = selectors.gate_figures(user)
    if allowed(user, VISITOR, "view"):
        found.append(
            MenuEntry(
                title=_("来访登记"),
                url=reverse("ledgers:gate_list"),
                icon="person-badge",
                hint=_("今日来访 %(n)d 人，%(m)d 人仍在校内") % {"n": shown.visitors, "m": shown.inside}
                if shown
                else "",
            )
        )
    if allowed(user, EXIT, "view"):
        found.append(
            MenuEntry(
                title=_("学生出校"),
                url=reverse("ledgers:gate_exits"),
                icon="door-open",
                hint=_("近30天在校时间出校持假条比例"),
                percent=shown.leave_percent if shown else None,
            )
        )
    if allowed(user, LEAVE, "view"):
        found.append(MenuEntry(title=_("请假条"), url=reverse("ledgers:gate_leaves"), icon="calendar-check"))
    if allowed(user, ITEM, "view"):
        found.append(
            MenuEntry(title=_("危险物品"), url=reverse("ledgers:gate_items"), icon="exclamation-octagon")
        )
    return found
