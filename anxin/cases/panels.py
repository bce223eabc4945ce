"""The cases' panels on the 工作台: measures waiting for their owner, the cases one handles, and
for a principal what was escalated to them."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.core.workbench import Panel, panel_provider

from .deadlines import urgency
from .models import Deadline
from .selectors import calendar_gap_years, escalated_to_me, my_cases_due, my_open_measures, provisional_cases

SHOWN = 8


@panel_provider
def measures_panel(request: HttpRequest) -> list[Panel]:
    """Each measure stays on its owner's 工作台 until it is recorded as done."""
    user = request.user
    if not user.is_authenticated:
        return []
    measures = list(my_open_measures(user)[: SHOWN + 1])
    if not measures:
        return []
    rows = [{"m": m, "urgency": urgency(Deadline(due_on=m.due_on))} for m in measures[:SHOWN]]
    overdue = any(r["urgency"] == "overdue" for r in rows)
    return [
        Panel(
            title=_("待落实的处理措施"),
            template="cases/panel_measures.html",
            context={"rows": rows, "more": len(measures) > SHOWN, "overdue": overdue},
            order=8 if overdue else 20,
        )
    ]


@panel_provider
def my_cases_panel(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not user.is_authenticated:
        return []
    due = my_cases_due(user)
    if not due:
        return []
    rows = [{"case": case, "deadline": {"d": d, "urgency": urgency(d)}} for case, d in due[:SHOWN]]
    overdue = any(r["deadline"]["urgency"] == "overdue" for r in rows)
    return [
        Panel(
            title=_("我经办的案件"),
            template="cases/panel_mine.html",
            context={"rows": rows, "total": len(due), "overdue": overdue},
            order=9 if overdue else 25,
        )
    ]


@panel_provider
def escalated_panel(request: HttpRequest) -> list[Panel]:
    """A principal sees first what the deadline sweep reported to them: overdue and still not met."""
    user = request.user
    if not user.is_authenticated:
        return []
    due = escalated_to_me(user)
    if not due:
        return []
    rows = [{"case": case, "deadline": {"d": d, "urgency": urgency(d)}} for case, d in due[:SHOWN]]
    return [
        Panel(
            title=_("逾期上报给我的"),
            template="cases/panel_escalated.html",
            context={"rows": rows, "total": len(due)},
            order=0,
        )
    ]


@panel_provider
def provisional_panel(request: HttpRequest) -> list[Panel]:
    """A principal learns which of the school's cases have 暂定 deadlines, and why."""
    user = request.user
    if not user.is_authenticated:
        return []
    cases = list(provisional_cases(user)[: SHOWN + 1])
    if not cases:
        return []
    years = calendar_gap_years(cases[:SHOWN])
    return [
        Panel(
            title=_("期限为暂定日期的案件"),
            template="cases/panel_provisional.html",
            context={
                "cases": cases[:SHOWN],
                "more": len(cases) > SHOWN,
                "years": "、".join(str(y) for y in years),
            },
            order=30,
        )
    ]
