"""Entering the official working-day calendar of a year (superusers and city administrators).

Reading the calendar (every deadline does) is :mod:`anxin.core.workdays`; the file format is
:mod:`anxin.ops.calendar_file`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from anxin.access.roles import Role
from anxin.audit.services import audit_record
from anxin.core.errors import Invalid, NotFound
from anxin.core.models import CalendarDay, CalendarYear
from anxin.core.workdays import HOLIDAY, WORKDAY, clear_cache

from . import events
from .calendar_file import parse_file, validate
from .errors import OpsError


def can_manage(user: Any) -> bool:
    """Superusers and city bureau administrators enter the calendar; it applies everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.assignments.filter(role=Role.CITY_ADMIN, unit__is_active=True).exists())


def _rows_for_audit(rows: Sequence[tuple[date, bool, str]]) -> list[list[str]]:
    return [[d.isoformat(), WORKDAY if w else HOLIDAY, n] for d, w, n in sorted(rows)]


def load_year(
    *,
    actor: Any,
    year: int,
    rows: Sequence[tuple[date, bool, str]],
    source: str,
    line_numbers: Sequence[int] | None = None,
) -> CalendarYear:
    """Enter (or replace) the official schedule of ``year``: its weekday holidays and weekend
    make-up working days as ``(date, is_workday, name)``.

    Refuses, with Invalid and nothing changed, a date outside ``year``, a date listed twice and a
    row that states the default (a weekend holiday or a weekday working day). ``line_numbers``
    are the file lines of the rows, for messages (default 1, 2, ...). A year the installed package
    knows may be entered too, to correct it; ``overrides_package`` on the result and the audit
    event say so. ``actor=None`` is the system (the command line).
    """
    if actor is not None and not can_manage(actor):
        raise NotFound()
    lines = list(line_numbers) if line_numbers is not None else list(range(1, len(rows) + 1))
    if len(lines) != len(rows):
        raise ValueError("line_numbers must match rows")
    validate(year, rows, lines)
    source = (source or "").strip()[: CalendarYear._meta.get_field("source").max_length] or _("未注明")
    with transaction.atomic():
        old = CalendarYear.objects.select_for_update().filter(year=year).first()
        before = None
        if old is not None:
            before = {
                "source": old.source,
                "loaded_by": str(old.loaded_by) if old.loaded_by else None,
                "loaded_at": old.loaded_at,
                "rows": _rows_for_audit(list(old.days.values_list("date", "is_workday", "name"))),
            }
            old.delete()
        calendar = CalendarYear.objects.create(year=year, source=source, loaded_by=actor)
        CalendarDay.objects.bulk_create(
            CalendarDay(calendar=calendar, date=d, is_workday=w, name=n) for d, w, n in rows
        )
        # Seen at once here, and by this process's other threads once committed.
        clear_cache()
        transaction.on_commit(clear_cache)
        audit_after = {
            "year": year,
            "source": source,
            "overrides_package": calendar.overrides_package,
            "holidays": sum(1 for _d, w, _n in rows if not w),
            "workdays": sum(1 for _d, w, _n in rows if w),
            "rows": _rows_for_audit(rows),
        }
        audit_record(
            actor=actor, action=events.CALENDAR_LOADED, subject=calendar, before=before, after=audit_after
        )
    return calendar


def load_file(*, actor: Any, data: bytes | str, source: str, year: int | None = None) -> CalendarYear:
    """Parse a calendar file and enter it with :func:`load_year`. Without ``year`` the file's
    dates decide it, and they must all lie in one year."""
    parsed = parse_file(data)
    if year is None:
        years = sorted({d.year for d, _w, _n in parsed.rows})
        if len(years) > 1:
            raise Invalid(
                _("文件中的日期跨了多个年份（%(years)s），请只放一年的安排，或指明年份。")
                % {"years": "、".join(str(y) for y in years)},
                code=OpsError.CALENDAR_WRONG_YEAR,
                detail={"years": years},
            )
        if not years:
            raise Invalid(
                _("没有任何日期：请列出工作日放假（休）和周末调休上班（班）的日期。"),
                code=OpsError.CALENDAR_EMPTY,
            )
        year = years[0]
    return load_year(actor=actor, year=year, rows=parsed.rows, source=source, line_numbers=parsed.lines)
