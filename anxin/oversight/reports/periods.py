"""The periods reports cover: a calendar month, a school term, a calendar year.

Terms follow the school year: the first term runs 1 September to the end of January, the second
1 February to the end of August (the summer holiday closes the school year).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from .models import ReportKind


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date
    label: str


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_of(kind: str, day: date) -> Period:
    """The period of ``kind`` containing ``day``."""
    if kind == ReportKind.MONTHLY:
        return Period(kind, day.replace(day=1), _month_end(day.year, day.month), f"{day.year}年{day.month}月")
    if kind == ReportKind.ANNUAL:
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31), f"{day.year}年")
    if kind == ReportKind.TERM:
        if day.month >= 9 or day.month == 1:
            first = day.year if day.month >= 9 else day.year - 1
            return Period(
                kind, date(first, 9, 1), _month_end(first + 1, 1), f"{first}—{first + 1}学年第一学期"
            )
        return Period(
            kind, date(day.year, 2, 1), date(day.year, 8, 31), f"{day.year - 1}—{day.year}学年第二学期"
        )
    raise ValueError(kind)


def ended_with(month_end: date) -> list[Period]:
    """The periods that end on the last day of the month of ``month_end``: always that month, and the
    term (January, August) or the year (December) it closes."""
    out = [period_of(ReportKind.MONTHLY, month_end)]
    for kind in (ReportKind.TERM, ReportKind.ANNUAL):
        p = period_of(kind, month_end)
        if p.end == out[0].end:
            out.append(p)
    return out


def last_month(today: date) -> date:
    return today.replace(day=1) - timedelta(days=1)
