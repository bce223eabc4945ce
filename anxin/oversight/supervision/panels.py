"""Supervision's panels on the 工作台: a school's open rectification orders and unread 通报, and the
orders waiting for a bureau's check or overdue in its area."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core.workbench import Panel, panel_provider

from .permissions import ORDER, allowed_any
from .selectors import open_orders_at_school, orders_to_check, orders_visible, unread_receipts

SHOWN = 6


@panel_provider
def school_orders_panel(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not user.is_authenticated:
        return []
    today = timezone.localdate()
    orders = list(open_orders_at_school(user)[: SHOWN + 1])
    unread = list(unread_receipts(user)[:SHOWN])
    if not orders and not unread:
        return []
    rows = [{"order": o, "overdue": o.is_overdue(today)} for o in orders[:SHOWN]]
    return [
        Panel(
            title=_("待整改的督办事项"),
            template="oversight/supervision/panel_school.html",
            context={"rows": rows, "more": len(orders) > SHOWN, "unread": unread},
            order=1 if any(r["overdue"] for r in rows) or any(o.level == "listed" for o in orders) else 12,
        )
    ]


@panel_provider
def bureau_orders_panel(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not user.is_authenticated or not allowed_any(user, ORDER, "check"):
        return []
    today = timezone.localdate()
    to_check = list(orders_to_check(user)[: SHOWN + 1])
    overdue_qs = orders_visible(user, overdue_on=today).order_by("deadline")
    overdue = list(overdue_qs[:SHOWN])
    open_total = orders_visible(user).exclude(status__in=["closed", "cancelled"]).count()
    return [
        Panel(
            title=_("整改督办"),
            template="oversight/supervision/panel_bureau.html",
            context={
                "to_check": to_check[:SHOWN],
                "more": len(to_check) > SHOWN,
                "overdue": overdue,
                "overdue_total": overdue_qs.count(),
                "open_total": open_total,
            },
            order=6 if to_check or overdue else 30,
        )
    ]
