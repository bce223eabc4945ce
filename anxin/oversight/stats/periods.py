"""The period a dashboard or an API answer covers, read from input the same way everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from anxin.core.errors import Invalid
from anxin.intake.errors import IntakeError
from anxin.ledgers.education.schooldays import term_of
from anxin.ledgers.errors import LedgerError

#: The longest period one page or answer covers.
MAX_DAYS = 5 * 366
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    since: date
    until: date


def _parse(raw: Any, name: str) -> date:
    try:
        day = date.fromisoformat(str(raw).strip()) if raw is not None and len(str(raw)) <= 10 else None
    except ValueError:
        day = None
    if day is None or day < EARLIEST:
        raise Invalid(_("“%(name)s”应为 YYYY-MM-DD 格式的日期。") % {"name": name}, code=IntakeError.BAD_DATE)
    return day


def period_from(since: Any, until: Any, *, today: date) -> Period:
    """since/until from input; missing ones default to the current term up to today."""
    end = _parse(until, _("截止日期")) if until not in (None, "") else today
    start = _parse(since, _("起始日期")) if since not in (None, "") else term_of(min(end, today)).start
    if end < start:
        raise Invalid(_("截止日期不能早于起始日期。"), code=LedgerError.BAD_PERIOD)
    if (end - start).days > MAX_DAYS:
        raise Invalid(_("统计期间不能超过五年。"), code=LedgerError.BAD_PERIOD)
    return Period(start, end)


def presets(today: date) -> list[tuple[str, Period]]:
    """The periods offered as one-click choices on the pages."""
    term = term_of(today)
    previous = term_of(term.start - timedelta(days=1))
    return [
        (_("本月"), Period(today.replace(day=1), today)),
        (_("本学期"), Period(term.start, today)),
        (_("上学期"), Period(previous.start, previous.end)),
        (_("近一年"), Period(today - timedelta(days=364), today)),
    ]
