"""The demo city's dashboard figures: the count tables recounted over the demo's term, as
``anxin oversight_backfill`` would do after an upgrade, so that /oversight/ shows data at once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.cases.models import Case
from anxin.intake.models import Report
from anxin.oversight.stats.services import rebuild

from .ledgers import term_start


def first_day(today: date) -> date:
    """The term's first day, or the earliest report or case before it (a scenario that began earlier)."""
    start = term_start(today)
    first_report = Report.objects.aggregate(t=Min("created_at"))["t"]
    earliest = [
        Case.objects.aggregate(d=Min("opened_on"))["d"],
        timezone.localtime(first_report).date() if first_report else None,
    ]
    found = [d for d in earliest if d is not None and d >= start - timedelta(days=120)]
    return min([start, *found])


def build(stdout: Any) -> None:
    today = timezone.localdate()
    since = first_day(today)
    result = rebuild(since, today)
    stdout.write(
        _("监管看板统计：%(since)s 至 %(until)s，%(schools)s 所学校，%(rows)s 行。")
        % {
            "since": since.isoformat(),
            "until": today.isoformat(),
            "schools": result.schools,
            "rows": result.rows,
        }
    )
