"""What a county or city administrator must look at today, until the oversight dashboard (issue
#12) gives the full picture: overdue and serious cases, schools without 1530 or without a poster,
and open warnings in their area. Counts only: opening a list is where names may be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from anxin.access.matrix import allowed, scoped
from anxin.audit.models import AuditEvent
from anxin.cases.selectors import bureau_cases
from anxin.intake import events as intake_events
from anxin.ledgers.education.models import SafetySession
from anxin.ledgers.education.schooldays import school_days_back
from anxin.org.models import Unit
from anxin.org.selectors import schools_visible

from .models import LIVE, Warning

#: School days looked back for "no 1530 at all".
QUIET_DAYS = 5
#: School names listed under a count; the rest is "…".
NAMES_SHOWN = 5


@dataclass
class AreaToday:
    overdue: int = 0
    serious: int = 0
    schools: int = 0
    without_1530: list[Unit] = field(default_factory=list)
    without_poster: list[Unit] = field(default_factory=list)
    open_warnings: int = 0


def area_today(user: Any, today: date) -> AreaToday | None:
    """None for people who do not oversee several schools."""
    if not allowed(user, "case", "bureau"):
        return None
    schools = list(schools_visible(user).filter(is_active=True).order_by("path"))
    if len(schools) < 2:
        return None
    found = AreaToday(schools=len(schools))
    lists = bureau_cases(user)
    found.overdue = lists["overdue"].count()
    found.serious = lists["serious"].count()
    window = school_days_back(today, QUIET_DAYS)
    if window:
        active = set(
            SafetySession.objects.filter(school__in=schools, date__gte=window[0], date__lte=window[-1])
            .values_list("school_id", flat=True)
            .distinct()
        )
        found.without_1530 = [s for s in schools if s.pk not in active]
    printed = set(
        AuditEvent.objects.filter(action=intake_events.POSTER_PRINTED, unit__in=schools)
        .values_list("unit_id", flat=True)
        .distinct()
    )
    found.without_poster = [s for s in schools if s.pk not in printed]
    if allowed(user, "ledger_warning", "view"):
        found.open_warnings = scoped(
            user, "ledger_warning", "view", Warning.objects.filter(status__in=LIVE)
        ).count()
    return found
