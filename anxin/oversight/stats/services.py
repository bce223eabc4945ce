"""Writes of the count table: :func:`rebuild`, the only one.

Idempotent: each day's rows are deleted and inserted afresh inside one transaction, so running it
twice, or after a crash halfway, leaves the same table. Readers see a day either before or after
its rebuild, never half of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from anxin.org.models import Unit, UnitKind

from .compute import gather
from .models import SNAPSHOTS, STOCKS, DailyCount, MonthlyCount

#: Days computed per read of the raw records: bounds memory on a long backfill.
CHUNK_DAYS = 31


@dataclass
class RebuildResult:
    days: int = 0
    rows: int = 0
    schools: int = 0


def rebuild(
    start: date,
    end: date,
    schools: Sequence[Unit] | None = None,
    *,
    progress: Callable[[date, date, int], None] | None = None,
) -> RebuildResult:
    """Recount ``start``..``end`` (inclusive) for ``schools`` (every school when None).

    Days after today get no rows. A past day keeps its snapshot metrics (``SNAPSHOTS``), which
    cannot be counted again after the fact; today's are replaced.
    """
    today = timezone.localdate()
    end = min(end, today)
    if schools is None:
        school_ids = list(Unit.objects.filter(kind=UnitKind.SCHOOL).values_list("pk", flat=True))
    else:
        school_ids = [s.pk for s in schools]
    result = RebuildResult(schools=len(school_ids))
    chunk_start = start
    while chunk_start <= end:
        chunk_end = min(end, chunk_start + timedelta(days=CHUNK_DAYS - 1))
        counts = gather(chunk_start, chunk_end, school_ids, today=today)
        by_day: dict[date, list[DailyCount]] = defaultdict(list)
        for (school_id, day, metric, key), value in counts.items():
            by_day[day].append(DailyCount(school_id=school_id, day=day, metric=metric, key=key, value=value))
        day = chunk_start
        written = 0
        while day <= chunk_end:
            rows = by_day.get(day, [])
            with transaction.atomic():
                old = DailyCount.objects.filter(day=day, school_id__in=school_ids)
                if day != today:
                    old = old.exclude(metric__in=SNAPSHOTS)
                    rows = [r for r in rows if r.metric not in SNAPSHOTS]
                old.delete()
                DailyCount.objects.bulk_create(rows, batch_size=1000)
            written += len(rows)
            result.days += 1
            day += timedelta(days=1)
        result.rows += written
        for month in months_between(chunk_start, chunk_end):
            roll_up(month, school_ids, today=today)
        if progress is not None:
            progress(chunk_start, chunk_end, written)
        chunk_start = chunk_end + timedelta(days=1)
    return result


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def months_between(start: date, end: date) -> list[date]:
    """The first days of every month that start..end touches (31 days from 31 January touch three)."""
    months = []
    month = first_of_month(start)
    while month <= end:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    return months


def roll_up(month: date, school_ids: Sequence[int] | None, *, today: date) -> int:
    """Rewrite the month's rows of ``MonthlyCount`` from ``DailyCount`` (None: every school)."""
    last = min(month_end(month), today)
    days = DailyCount.objects.filter(day__gte=month, day__lte=month_end(month))
    if school_ids is not None:
        days = days.filter(school_id__in=school_ids)
    # A stock's value is the one of the month's last counted day (for the snapshot: its last day).
    stock_day = days.filter(day__lte=last).order_by("-day").values_list("day", flat=True).first()
    flows = (
        days.exclude(metric__in=STOCKS)
        .values_list("school_id", "metric", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    rows = [MonthlyCount(school_id=s, month=month, metric=m, key=k, value=v) for s, m, k, v in flows]
    if stock_day is not None:
        stocks = days.filter(day=stock_day, metric__in=STOCKS).values_list(
            "school_id", "metric", "key", "value"
        )
        rows += [MonthlyCount(school_id=s, month=month, metric=m, key=k, value=v) for s, m, k, v in stocks]
    with transaction.atomic():
        old = MonthlyCount.objects.filter(month=month)
        if school_ids is not None:
            old = old.filter(school_id__in=school_ids)
        old.delete()
        MonthlyCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rebuild_recent() -> RebuildResult:
    """Yesterday and today: what the periodic job keeps fresh (a night's rounds end the next morning)."""
    today = timezone.localdate()
    return rebuild(today - timedelta(days=1), today)
