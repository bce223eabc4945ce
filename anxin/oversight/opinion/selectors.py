"""Every read of the 舆情 register, already cut to what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from anxin.access.matrix import access, allowed, scoped
from anxin.cases.models import Case
from anxin.cases.selectors import cases_visible
from anxin.org.models import Unit
from anxin.org.selectors import schools_where

from .models import OpinionEvent, Status


def can_view(user: Any) -> bool:
    return allowed(user, "opinion", "view")


def can_change(user: Any) -> bool:
    return allowed(user, "opinion", "change")


def opinions_visible(user: Any, action: str = "view") -> QuerySet[OpinionEvent]:
    return scoped(user, "opinion", action, OpinionEvent.objects.select_related("school", "case"))


def opinion_get(user: Any, pk: Any, *, action: str = "view") -> OpinionEvent:
    """The event, or NotFound alike when it does not exist or is out of reach."""
    qs = OpinionEvent.objects.select_related("school", "case", "created_by")
    event: OpinionEvent = access(user, "opinion", action, qs, pk)
    return event


def opinion_list(
    user: Any,
    *,
    status: str = "",
    source: str = "",
    heat: str = "",
    school_id: int | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> QuerySet[OpinionEvent]:
    """Filters that are not a known value are ignored (a hand-edited address shows everything)."""
    qs = opinions_visible(user)
    if status == "open":
        qs = qs.exclude(status=Status.CLOSED)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if heat:
        qs = qs.filter(heat=heat)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if overdue:
        qs = qs.filter(first_response_at__isnull=True, respond_by__lt=now or timezone.now())
    return qs.order_by("-first_seen", "-pk")


def opinion_schools(user: Any) -> list[tuple[int, str]]:
    """(id, name) of the schools that have events the caller may see: the list's school filter."""
    rows = opinions_visible(user).order_by("school__name").values_list("school_id", "school__name").distinct()
    return list(rows[:500])


def open_counts(user: Any, now: datetime | None = None) -> dict[str, int]:
    """Events not yet closed, and those of them past 24 hours without a first response (one query)."""
    from django.db.models import Count, Q

    row = (
        opinions_visible(user)
        .exclude(status=Status.CLOSED)
        .aggregate(
            open=Count("pk"),
            overdue=Count(
                "pk", filter=Q(first_response_at__isnull=True, respond_by__lt=now or timezone.now())
            ),
        )
    )
    return {"open": row["open"] or 0, "overdue": row["overdue"] or 0}


def schools_for(user: Any) -> QuerySet[Unit]:
    """The schools the caller may register events for."""
    return schools_where(user, "opinion", "change")


def case_by_number(user: Any, number: str) -> Case | None:
    """The case of that number if the caller may see it, else None (whether missing or out of reach)."""
    number = number.strip()
    if not number or len(number) > 40:
        return None
    return cases_visible(user).select_related("school").filter(number=number).first()


@dataclass(frozen=True)
class Clock:
    """Where an event stands against its 24-hour first response, in whole hours."""

    met: bool
    overdue: bool
    hours: int

    @property
    def css(self) -> str:
        if self.met:
            return "text-bg-success" if not self.overdue else "text-bg-secondary"
        return "text-bg-danger" if self.overdue else "text-bg-warning"


def _hours(seconds: float) -> int:
    # Round up while counting down ("还剩 1 小时" until the last second), down when counting past.
    return max(0, int(-(-seconds // 3600)))


def clock(event: OpinionEvent, now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    if event.first_response_at is not None:
        late = (event.first_response_at - event.respond_by).total_seconds()
        taken = (event.first_response_at - event.first_seen).total_seconds()
        return Clock(met=True, overdue=late > 0, hours=_hours(taken))
    left = (event.respond_by - now).total_seconds()
    if left > 0:
        return Clock(met=False, overdue=False, hours=_hours(left))
    return Clock(met=False, overdue=True, hours=int(-left // 3600))


def clock_label(c: Clock) -> str:
    from django.utils.translation import gettext as _

    if c.met:
        if c.overdue:
            return _("已回应（超时，用时 %(n)s 小时）") % {"n": c.hours}
        return _("已按时回应（用时 %(n)s 小时）") % {"n": c.hours}
    if c.overdue:
        return _("已超时 %(n)s 小时") % {"n": c.hours}
    return _("还剩 %(n)s 小时") % {"n": c.hours}
