"""School days and the 1530 safety education due on each (DOMAIN.md §5).

School days are China's official working days (:mod:`anxin.core.workdays`: weekends, statutory
holidays and the make-up working days 调休, from ``chinese-calendar`` (2004–2026) or a year an
administrator entered). For other years we fall back to Monday–Friday and mark the day
"节假日数据未知" (``known=False``) rather than fail.

One session is due per class per school day, of the largest kind that applies:

- 30 minutes (节前): the day is the last working day before a run of two or more non-working days
  that includes at least one statutory holiday (a plain weekend does not count; a holiday that
  falls on a single day between working days does not either);
- 5 minutes (周末): the day is the last working day of its Monday–Sunday week (a make-up Saturday
  can be that day);
- 1 minute: every other school day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.core import workdays

#: How far ahead we look for the next working day; the longest Chinese holiday run is under 10 days.
LOOKAHEAD = 15


class SessionKind(models.TextChoices):
    ONE = "1min", _("1分钟")
    FIVE = "5min", _("5分钟")
    THIRTY = "30min", _("30分钟")


#: A larger session covers a smaller one.
RANK = {SessionKind.ONE: 1, SessionKind.FIVE: 2, SessionKind.THIRTY: 3}

UNKNOWN_LABEL = _("节假日数据未知")


@dataclass(frozen=True)
class DayInfo:
    working: bool
    #: A statutory holiday (not a plain weekend).
    holiday: bool
    #: False when the official calendar has no data for the year (Monday–Friday assumed).
    known: bool


def day_info(day: date) -> DayInfo:
    if not workdays.is_known(day):
        return DayInfo(working=day.weekday() < 5, holiday=False, known=False)
    facts = workdays.day_facts(day)
    return DayInfo(working=facts.working, holiday=bool(facts.holiday), known=True)


def is_school_day(day: date) -> bool:
    return day_info(day).working


@dataclass(frozen=True)
class DueSession:
    day: date
    kind: SessionKind
    #: Whether the holiday data behind this day's kind is known (see module docstring).
    known: bool

    @property
    def kind_label(self) -> str:
        return str(self.kind.label)


def due_on(day: date) -> DueSession | None:
    """The session due on ``day``, or None when it is not a school day."""
    return _due_on(day, workdays.generation())


@lru_cache(maxsize=4096)
def _due_on(day: date, generation: int) -> DueSession | None:
    # ``generation`` keys the cache on the calendar, so that a newly entered year is seen.
    info = day_info(day)
    if not info.working:
        return None
    known = info.known
    # The run of non-working days right after this day.
    run: list[DayInfo] = []
    cursor = day + timedelta(days=1)
    for _i in range(LOOKAHEAD):
        nxt = day_info(cursor)
        known = known and nxt.known
        if nxt.working:
            break
        run.append(nxt)
        cursor += timedelta(days=1)
    if len(run) >= 2 and any(d.holiday for d in run):
        return DueSession(day, SessionKind.THIRTY, known)
    # The rest of the week (Monday–Sunday): is there another working day after this one?
    last_of_week = True
    cursor = day + timedelta(days=1)
    while cursor.weekday() != 0:
        nxt = day_info(cursor)
        known = known and nxt.known
        if nxt.working:
            last_of_week = False
            break
        cursor += timedelta(days=1)
    kind = SessionKind.FIVE if last_of_week else SessionKind.ONE
    return DueSession(day, kind, known)


def due_between(start: date, end: date) -> list[DueSession]:
    """Every session due from ``start`` to ``end`` inclusive, oldest first."""
    out: list[DueSession] = []
    day = start
    while day <= end:
        due = due_on(day)
        if due is not None:
            out.append(due)
        day += timedelta(days=1)
    return out


def school_days_back(today: date, count: int) -> list[date]:
    """The last ``count`` school days up to and including ``today``, oldest first."""
    days: list[date] = []
    day = today
    # A year back is far more than any count we are asked for; it bounds the loop.
    limit = today - timedelta(days=max(count, 1) * 3 + 30)
    while len(days) < count and day >= limit:
        if is_school_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return list(reversed(days))


@dataclass(frozen=True)
class Term:
    start: date
    end: date
    label: str


def term_of(day: date) -> Term:
    """The term a date falls in: autumn Sep 1–Jan 31 (August counts toward it: meetings held before
    the term opens serve it), spring Feb 1–Jul 31."""
    if day.month >= 8:
        year = day.year
        return Term(
            date(year, 8, 1), date(year + 1, 1, 31), str(_("%(y)s学年第一学期") % {"y": f"{year}-{year + 1}"})
        )
    if day.month == 1:
        year = day.year - 1
        return Term(
            date(year, 8, 1), date(year + 1, 1, 31), str(_("%(y)s学年第一学期") % {"y": f"{year}-{year + 1}"})
        )
    year = day.year - 1
    return Term(
        date(day.year, 2, 1), date(day.year, 7, 31), str(_("%(y)s学年第二学期") % {"y": f"{year}-{year + 1}"})
    )
