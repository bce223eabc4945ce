"""China's official working-day calendar, for case deadlines and school days (DOMAIN.md §3).

Where the facts for a year come from, first match wins:

1. a year an administrator entered (:class:`~anxin.core.models.CalendarYear` and its
   :class:`~anxin.core.models.CalendarDay` exceptions), so that a wrong or late package can be
   corrected;
2. the installed ``chinese-calendar`` package (2004–2026 in 1.11.0);
3. nothing: :class:`CalendarUnknown` from the strict questions (:func:`is_workday`,
   :func:`add_period`). A case deadline must still have a date, so :func:`add_period_provisional`
   counts such a year from what 《全国年节及纪念日放假办法》 fixes (weekends and the statutory
   holiday days, the lunar ones computed) and marks the result 暂定: only the make-up working days
   (调休) and bridged weekdays the State Council announces each year are unknown, and the caller
   reminds by the earliest date those could bring.

Counting a period: the start day is not counted. A calendar-day period ends on ``start + days``,
moved to the next working day when that is a rest day; a working-day period counts working days
only. Example: from 2026-09-24, 10 days end on 2026-10-08 (calendar) or 2026-10-15 (working).

The deadline sweep asks about tens of thousands of cases, so the entered years are read once into
a process-wide snapshot with memoised answers. A process that loads a year drops its snapshot at
once; every process re-reads the (small) tables at most every :data:`RECHECK_SECONDS` and keeps its
snapshot when nothing changed. Tests that write calendars call :func:`clear_cache`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .calendar_package import package_knows
from .errors import ErrorCode, ServiceError
from .models import CalendarDay, CalendarYear

#: How often a process re-reads the entered years to see another process's changes.
RECHECK_SECONDS = 60

HOLIDAY, WORKDAY = "休", "班"


class PeriodUnit(models.TextChoices):
    CALENDAR = "calendar", gettext_lazy("自然日")
    WORKING = "working", gettext_lazy("工作日")


class CalendarUnknown(ServiceError):
    """A day was asked about in a year whose official holiday schedule nobody has entered."""

    status = 409
    code = ErrorCode.CALENDAR_UNKNOWN

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            _("%(year)s 年的法定节假日安排尚未录入，无法计算工作日。请市教育局管理员在“工作日历”中录入。")
            % {"year": year},
            detail={"year": year},
        )


@dataclass(frozen=True, slots=True)
class DayFacts:
    working: bool
    #: The statutory holiday the day belongs to (Chinese name), "" for working days and plain weekends.
    holiday: str
    #: From an administrator-entered year rather than the installed package.
    entered: bool
    #: Guessed from the statutory holidays alone: the year's official schedule is unknown.
    provisional: bool = False
    #: Provisional only: a weekend day next to a statutory holiday, which the official schedule
    #: often turns into a make-up working day (调休).
    maybe_workday: bool = False


# -- the installed package ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _holiday_names() -> dict[str, str]:
    import chinese_calendar

    return {h.value: h.chinese for h in chinese_calendar.Holiday}


def _package_facts(day: date) -> DayFacts:
    import chinese_calendar

    working = chinese_calendar.is_workday(day)
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    holiday = _holiday_names().get(name, name) if on_holiday and name else ""
    return DayFacts(working=working, holiday=holiday, entered=False)


# -- a year nobody has entered: the statutory holidays alone ------------------------------------

#: How many days before or after a statutory holiday a weekend day may become a make-up working day.
MAKEUP_REACH = 7


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """The rest days 《全国年节及纪念日放假办法》 (2024 revision, in force from 2025) fixes for
    ``year``: 元旦 1 day; 春节 4 days from 除夕; 清明 1 day; 劳动节 2 days; 端午 1 day; 中秋 1 day;
    国庆 3 days. It says nothing of the make-up working days (调休), which each year's notice adds."""
    import chinese_calendar
    from lunardate import LunarDate

    days: dict[date, str] = {date(year, 1, 1): _("元旦")}
    new_year = LunarDate(year, 1, 1).to_solar_date()
    for offset in range(-1, 3):
        days[new_year + timedelta(days=offset)] = _("春节")
    qingming = [d for d, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))]
    if qingming:
        days[qingming[0]] = _("清明节")
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = _("劳动节")
    days[LunarDate(year, 5, 5).to_solar_date()] = _("端午节")
    days[LunarDate(year, 8, 15).to_solar_date()] = _("中秋节")
    for d in (1, 2, 3):
        days[date(year, 10, d)] = _("国庆节")
    return days


@lru_cache(maxsize=4096)
def _provisional_facts(day: date) -> DayFacts:
    name = statutory_holidays(day.year).get(day, "")
    if name:
        return DayFacts(working=False, holiday=name, entered=False, provisional=True)
    weekend = day.weekday() >= 5
    near = (day + timedelta(days=k) for k in range(-MAKEUP_REACH, MAKEUP_REACH + 1))
    maybe = weekend and any(d in statutory_holidays(d.year) for d in near)
    return DayFacts(working=not weekend, holiday="", entered=False, provisional=True, maybe_workday=maybe)


# -- the snapshot of entered years ---------------------------------------------------------------


@dataclass
class _Snapshot:
    years: frozenset[int]
    #: date -> (is_workday, name)
    exceptions: dict[date, tuple[bool, str]]
    generation: int
    checked_at: float
    facts: dict[date, DayFacts] = field(default_factory=dict)
    periods: dict[tuple[date, int, str], ProvisionalEnd] = field(default_factory=dict)


_lock = threading.Lock()
_snapshot: _Snapshot | None = None
_generation = 0


def _read() -> tuple[frozenset[int], dict[date, tuple[bool, str]]]:
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    exceptions = {d: (w, n) for d, w, n in CalendarDay.objects.values_list("date", "is_workday", "name")}
    return years, exceptions


def _current() -> _Snapshot:
    global _snapshot, _generation
    snap = _snapshot
    if snap is not None and time.monotonic() - snap.checked_at < RECHECK_SECONDS:
        return snap
    with _lock:
        snap = _snapshot
        now = time.monotonic()
        if snap is not None and now - snap.checked_at < RECHECK_SECONDS:
            return snap
        years, exceptions = _read()
        if snap is not None and snap.years == years and snap.exceptions == exceptions:
            # Unchanged: keep the memoised answers.
            snap.checked_at = now
            return snap
        _generation += 1
        _snapshot = _Snapshot(years=years, exceptions=exceptions, generation=_generation, checked_at=now)
        return _snapshot


def clear_cache() -> None:
    """Forget the entered years; the next question reads them again."""
    global _snapshot
    with _lock:
        _snapshot = None


def generation() -> int:
    """Changes whenever the calendar may have changed: callers key their own caches on it."""
    return _current().generation


def _facts(snap: _Snapshot, day: date, *, provisional: bool = False) -> DayFacts:
    facts = snap.facts.get(day)
    if facts is not None:
        return facts
    if provisional and day.year not in snap.years and not package_knows(day.year):
        return _provisional_facts(day)
    if day.year in snap.years:
        exception = snap.exceptions.get(day)
        if exception is None:
            facts = DayFacts(working=day.weekday() < 5, holiday="", entered=True)
        else:
            working, name = exception
            facts = DayFacts(working=working, holiday="" if working else (name or _("节假日")), entered=True)
    elif package_knows(day.year):
        facts = _package_facts(day)
    else:
        raise CalendarUnknown(day.year)
    snap.facts[day] = facts
    return facts


# -- questions -----------------------------------------------------------------------------------


def day_facts(day: date) -> DayFacts:
    """Whether ``day`` is a working day and which holiday it belongs to; CalendarUnknown if unknown."""
    return _facts(_current(), day)


def is_workday(day: date) -> bool:
    """Whether ``day`` is an official working day (make-up days 调休 included)."""
    return _facts(_current(), day).working


def is_known(day: date) -> bool:
    """Whether the official schedule of ``day``'s year is entered or in the installed package."""
    return day.year in _current().years or package_knows(day.year)


def entered_years() -> frozenset[int]:
    return _current().years


@dataclass(frozen=True, slots=True)
class ProvisionalEnd:
    """The end of a period that may reach a year whose official schedule is unknown."""

    end: date
    #: The earliest the end can turn out to be once the year is entered (make-up working days
    #: only ever come earlier in a working-day count): remind by this one.
    earliest: date
    #: The first unknown year the count reached; None when every day it looked at is known.
    unknown_year: int | None

    @property
    def provisional(self) -> bool:
        return self.unknown_year is not None


def add_period_provisional(start: date, days: int, unit: str) -> ProvisionalEnd:
    """Like :func:`add_period`, but a day of an unknown year is judged by the statutory holidays
    alone (see :func:`statutory_holidays`) instead of raising, and the result says so."""
    unit = PeriodUnit(unit)
    if days < 0:
        raise ValueError("days must not be negative")
    snap = _current()
    key = (start, days, unit.value)
    cached = snap.periods.get(key)
    if cached is not None:
        return cached
    unknown: int | None = None

    def facts(day: date) -> DayFacts:
        nonlocal unknown
        f = _facts(snap, day, provisional=True)
        if f.provisional and unknown is None:
            unknown = day.year
        return f

    if unit is PeriodUnit.CALENDAR:
        end = earliest = start + timedelta(days=days)
        if days:
            while not facts(end).working:
                end += timedelta(days=1)
            # A rest day at the end may turn out a make-up working day: the end is then that day.
            while earliest < end and not facts(earliest).maybe_workday and not facts(earliest).working:
                earliest += timedelta(days=1)
    else:
        end = earliest = start
        left = left_earliest = days
        cursor = start
        while left or left_earliest:
            cursor += timedelta(days=1)
            f = facts(cursor)
            if left_earliest and (f.working or f.maybe_workday):
                left_earliest -= 1
                earliest = cursor
            if left and f.working:
                left -= 1
                end = cursor
    result = ProvisionalEnd(end=end, earliest=min(earliest, end), unknown_year=unknown)
    snap.periods[key] = result
    return result


def add_period(start: date, days: int, unit: str) -> date:
    """The last day of a period of ``days`` days counted from ``start`` (which is not counted).

    ``unit`` is ``"calendar"``: ``start + days``, or the next working day when that is a rest day;
    or ``"working"``: the ``days``-th working day after ``start``. A period of 0 days ends on
    ``start``. Raises CalendarUnknown when a day it must look at lies in an unknown year (where
    :func:`add_period_provisional` gives a 暂定 date instead).
    """
    result = add_period_provisional(start, days, unit)
    if result.unknown_year is not None:
        raise CalendarUnknown(result.unknown_year)
    return result.end


def subtract_working_days(day: date, n: int, *, provisional: bool = False) -> date:
    """The working day ``n`` working days before ``day`` (``day`` itself for 0), e.g. for a reminder
    two working days before a deadline. ``provisional``: judge a day of an unknown year by the
    statutory holidays, counting a weekend day that may become a make-up working day as working (so
    the result is never later than the real one), instead of raising CalendarUnknown."""
    if n < 0:
        raise ValueError("n must not be negative")
    snap = _current()
    cursor = day
    while n:
        cursor -= timedelta(days=1)
        f = _facts(snap, cursor, provisional=provisional)
        if f.working or f.maybe_workday:
            n -= 1
    return cursor


def working_days_between(a: date, b: date, *, provisional: bool = False) -> int:
    """How many working days ``d`` there are with ``a < d <= b``; 0 when ``b <= a``.
    ``provisional``: judge a day of an unknown year by the statutory holidays instead of raising."""
    snap = _current()
    count = 0
    cursor = a + timedelta(days=1)
    while cursor <= b:
        if _facts(snap, cursor, provisional=provisional).working:
            count += 1
        cursor += timedelta(days=1)
    return count


def year_exceptions(year: int) -> list[tuple[date, bool, str]]:
    """The exceptions of ``year`` as a file would list them: weekday holidays and weekend working
    days, from the entered year or else the package; CalendarUnknown when neither knows it."""
    snap = _current()
    if year not in snap.years and not package_knows(year):
        raise CalendarUnknown(year)
    out: list[tuple[date, bool, str]] = []
    day = date(year, 1, 1)
    while day.year == year:
        facts = _facts(snap, day)
        if facts.working != (day.weekday() < 5):
            out.append((day, facts.working, facts.holiday if not facts.working else _holiday_of_workday(day)))
        day += timedelta(days=1)
    return out


def _holiday_of_workday(day: date) -> str:
    """The name a make-up working day carries (调休 for which holiday)."""
    snap = _current()
    if day.year in snap.years:
        return snap.exceptions.get(day, (True, ""))[1]
    import chinese_calendar

    _on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return _holiday_names().get(name, name) if name else ""
