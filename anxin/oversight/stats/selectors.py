"""Reads for the dashboards, the big screen and the API: count tables only, cut to the caller's schools.

A period's flow is summed from whole months in ``MonthlyCount`` and the days at its ragged ends in
``DailyCount``; a stock is read on the period's last counted day. The number of queries does not
grow with the number of schools, days or records.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Max, Q, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from anxin.access.matrix import reach
from anxin.cases.models import Gravity
from anxin.intake.models import Channel, Place, TimeBand
from anxin.ledgers.education.schooldays import school_days_back, term_of
from anxin.org.models import Unit, UnitKind
from anxin.surveys.selectors import MIN_CELL as SURVEY_MIN_CELL
from anxin.surveys.selectors import MIN_SCHOOLS as SURVEY_MIN_SCHOOLS

from .models import STOCKS, DailyCount, Duty, Metric, MonthlyCount
from .services import first_of_month, month_end

RESOURCE = "oversight_stats"
#: School days looked back for "no 1530 at all" (SCENARIOS.md §7: ten school days).
QUIET_SCHOOL_DAYS = 10
#: Months on the trend chart.
TREND_MONTHS = 12
#: Terms on the term table.
TREND_TERMS = 6


def schools_in_reach(user: Any, action: str = "view") -> QuerySet[Unit]:
    """Active schools whose figures the caller may see (none for people without the action)."""
    r = reach(user, RESOURCE, action)
    qs = Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True).select_related("parent").order_by("path")
    if r.everything:
        return qs
    q = Q(pk__in=[])
    for path in r.paths:
        q |= Q(path__startswith=path)
    return qs.filter(q)


def school_in_reach(user: Any, school_id: int, action: str = "view") -> Unit | None:
    return schools_in_reach(user, action).filter(pk=school_id).first()


def counties_of(schools: Iterable[Unit]) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for s in schools:
        if s.parent is not None and s.parent.kind == UnitKind.COUNTY:
            seen.setdefault(s.parent.pk, s.parent)
    return sorted(seen.values(), key=lambda u: u.path)


# --- reading the tables --------------------------------------------------------------------------


def _restrict(qs: QuerySet[Any], school_ids: list[int] | None) -> QuerySet[Any]:
    return qs if school_ids is None else qs.filter(school_id__in=school_ids)


def flow_sums(
    school_ids: list[int] | None,
    since: date,
    until: date,
    metrics: Iterable[str],
    *,
    by: tuple[str, ...] = ("school_id", "metric", "key"),
) -> dict[tuple[Any, ...], int]:
    """Flows summed over since..until, grouped ``by`` (fields common to both tables)."""
    metrics = [m for m in metrics if m not in STOCKS]
    out: dict[tuple[Any, ...], int] = defaultdict(int)
    if until < since or not metrics:
        return out
    first_whole = since if since.day == 1 else first_of_month(month_end(since) + timedelta(days=1))
    last_whole = (
        first_of_month(until)
        if until == month_end(until)
        else first_of_month(first_of_month(until) - timedelta(days=1))
    )
    day_ranges: list[tuple[date, date]] = []
    if first_whole <= last_whole:
        months = MonthlyCount.objects.filter(
            month__gte=first_whole, month__lte=last_whole, metric__in=metrics
        )
        for *group, total in (
            _restrict(months, school_ids).values_list(*by).annotate(t=Sum("value")).order_by()
        ):
            out[tuple(group)] += total
        if since < first_whole:
            day_ranges.append((since, first_whole - timedelta(days=1)))
        if month_end(last_whole) < until:
            day_ranges.append((month_end(last_whole) + timedelta(days=1), until))
    else:
        day_ranges.append((since, until))
    for lo, hi in day_ranges:
        days = DailyCount.objects.filter(day__gte=lo, day__lte=hi, metric__in=metrics)
        for *group, total in _restrict(days, school_ids).values_list(*by).annotate(t=Sum("value")).order_by():
            out[tuple(group)] += total
    return out


def stock_day(until: date) -> date | None:
    """The last counted day on or before ``until``: stocks are read there."""
    found = DailyCount.objects.filter(day__lte=until).aggregate(d=Max("day"))["d"]
    return found


def stock_values(
    school_ids: list[int] | None, day: date | None, metrics: Iterable[str]
) -> dict[tuple[int, str, str], int]:
    if day is None:
        return {}
    rows = DailyCount.objects.filter(day=day, metric__in=list(metrics))
    return {
        (s, m, k): v
        for s, m, k, v in _restrict(rows, school_ids).values_list("school_id", "metric", "key", "value")
    }


# --- the dashboard -------------------------------------------------------------------------------


@dataclass
class Ratio:
    done: int = 0
    due: int = 0

    @property
    def percent(self) -> int | None:
        return None if self.due == 0 else round(min(1.0, self.done / self.due) * 100)


@dataclass
class SchoolRow:
    school: Unit
    county: str
    reports: int = 0
    urgent: int = 0
    cases_opened: int = 0
    serious_determined: int = 0
    police: int = 0
    reexams: int = 0
    warnings_raised: int = 0
    open_cases: int = 0
    serious_open: int = 0
    overdue_cases: int = 0
    overdue_deadlines: int = 0
    warnings_open: int = 0
    safety_1530: Ratio = field(default_factory=Ratio)
    patrol: Ratio = field(default_factory=Ratio)
    #: 1530 due but not one recorded on the last ten school days.
    quiet_1530: bool = False
    poster_printed: bool = False
    ack_minutes: int = 0
    ack_count: int = 0
    survey_answers: int = 0
    survey_bullied: int = 0
    #: Schools with survey answers in the period (a roll-up's rate needs SURVEY_MIN_SCHOOLS).
    survey_schools: int = 0

    @property
    def survey_rate(self) -> int | None:
        """The share of survey answers bullied 每月两三次 or more, in percent; None (not shown) over
        fewer answers or schools than the survey's own results would show (anxin.surveys)."""
        if self.survey_answers < SURVEY_MIN_CELL:
            return None
        if self.survey_schools and self.survey_schools < SURVEY_MIN_SCHOOLS:
            return None
        return round(100 * self.survey_bullied / self.survey_answers)

    @property
    def ack_average(self) -> int | None:
        return None if self.ack_count == 0 else round(self.ack_minutes / self.ack_count)

    @property
    def needs_attention(self) -> bool:
        return bool(self.overdue_cases or self.quiet_1530 or not self.poster_printed or self.serious_open)


#: Columns a school table may be sorted by: name -> (label, value of a row).
SORTS: dict[str, Any] = {
    "name": lambda r: r.school.path,
    "reports": lambda r: r.reports,
    "urgent": lambda r: r.urgent,
    "open": lambda r: r.open_cases,
    "serious": lambda r: r.serious_open,
    "overdue": lambda r: r.overdue_cases,
    "warnings": lambda r: r.warnings_open,
    "1530": lambda r: -1 if r.safety_1530.percent is None else r.safety_1530.percent,
    "patrol": lambda r: -1 if r.patrol.percent is None else r.patrol.percent,
    "poster": lambda r: r.poster_printed,
    "ack": lambda r: -1 if r.ack_average is None else r.ack_average,
}


@dataclass
class Trend:
    label: str
    reports: int = 0
    urgent: int = 0
    cases_opened: int = 0
    serious_determined: int = 0
    warnings_raised: int = 0
    safety_1530: Ratio = field(default_factory=Ratio)


@dataclass
class Grid:
    places: list[tuple[str, str]]
    bands: list[tuple[str, str]]
    #: rows[i][j]: reports at places[i] in bands[j]
    rows: list[list[int]]
    top: int = 0

    @property
    def labelled(self) -> list[tuple[str, list[int]]]:
        return [(label, row) for (_v, label), row in zip(self.places, self.rows, strict=True)]


@dataclass
class Dashboard:
    since: date
    until: date
    as_of: date | None
    schools: list[SchoolRow]
    totals: SchoolRow
    months: list[Trend]
    terms: list[Trend]
    grid: Grid
    channels: list[tuple[str, str, int]]
    gravities: list[tuple[str, str, int]]

    @property
    def attention(self) -> list[SchoolRow]:
        return [r for r in self.schools if r.needs_attention]


ROW_FLOWS: dict[str, str] = {
    Metric.REPORTS: "reports",
    Metric.REPORTS_URGENT: "urgent",
    Metric.CASES_OPENED: "cases_opened",
    Metric.POLICE_REFERRALS: "police",
    Metric.REEXAMS_APPLIED: "reexams",
    Metric.WARNINGS_RAISED: "warnings_raised",
    Metric.ACK_MINUTES: "ack_minutes",
    Metric.ACK_COUNT: "ack_count",
    Metric.SURVEY_ANSWERS: "survey_answers",
    Metric.SURVEY_BULLIED: "survey_bullied",
}
ROW_STOCKS: dict[str, str] = {
    Metric.CASES_OPEN: "open_cases",
    Metric.CASES_SERIOUS_OPEN: "serious_open",
    Metric.CASES_OVERDUE: "overdue_cases",
    Metric.DEADLINES_OVERDUE: "overdue_deadlines",
    Metric.WARNINGS_OPEN: "warnings_open",
}
SERIOUS_GRAVITIES = (Gravity.SERIOUS, Gravity.ILLEGAL)


def _add(row: SchoolRow | Trend, metric: str, key: str, value: int) -> None:
    if metric in ROW_FLOWS and hasattr(row, ROW_FLOWS[metric]):
        setattr(row, ROW_FLOWS[metric], getattr(row, ROW_FLOWS[metric]) + value)
    elif metric == Metric.DETERMINATIONS and key in SERIOUS_GRAVITIES:
        row.serious_determined += value
    elif metric == Metric.LEDGER_DUE and key == Duty.SAFETY_1530:
        row.safety_1530.due += value
    elif metric == Metric.LEDGER_DONE and key == Duty.SAFETY_1530:
        row.safety_1530.done += value
    elif (
        isinstance(row, SchoolRow)
        and metric in (Metric.LEDGER_DUE, Metric.LEDGER_DONE)
        and key == Duty.PATROL
    ):
        if metric == Metric.LEDGER_DUE:
            row.patrol.due += value
        else:
            row.patrol.done += value


@dataclass
class CountyRow:
    county: Unit
    #: The county's school rows added up (its ``school`` is the county).
    figures: SchoolRow
    schools: int = 0
    attention: int = 0
    quiet_1530: int = 0
    no_poster: int = 0


def county_rows(board: Dashboard) -> list[CountyRow]:
    """The school rows added up per county, in path order: the city's first table."""
    found: dict[int, CountyRow] = {}
    for r in board.schools:
        county = r.school.parent
        if county is None:
            continue
        row = found.setdefault(county.pk, CountyRow(county, SchoolRow(school=county, county=county.name)))
        total = row.figures
        for attr in [*ROW_FLOWS.values(), *ROW_STOCKS.values(), "serious_determined"]:
            setattr(total, attr, getattr(total, attr) + getattr(r, attr))
        total.safety_1530.due += r.safety_1530.due
        total.safety_1530.done += r.safety_1530.done
        total.patrol.due += r.patrol.due
        total.patrol.done += r.patrol.done
        total.survey_schools += bool(r.survey_answers)
        row.schools += 1
        row.attention += r.needs_attention
        row.quiet_1530 += r.quiet_1530
        row.no_poster += not r.poster_printed
    return sorted(found.values(), key=lambda c: c.county.path)


def data_version() -> tuple[int, int]:
    """Changes with every rebuild: a rebuild inserts its rows afresh and rolls its months up again,
    so the newest row ids move (two index lookups)."""
    daily = DailyCount.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    monthly = MonthlyCount.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return daily, monthly


#: Seconds a computed dashboard is kept; a rebuild makes it stale at once (see data_version).
CACHE_SECONDS = 60 * 60


def cached_dashboard(schools: list[Unit], since: date, until: date, *, everything: bool = False) -> Dashboard:
    """:func:`dashboard`, kept in the cache until the next rebuild: the figures only change when the
    hourly job runs, and a city's page is asked for far more often than that."""
    scope = "all" if everything else ",".join(str(s.pk) for s in schools)
    raw = f"{scope}|{since}|{until}|{data_version()}|{get_language()}"
    key = "oversight_stats:dashboard:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, Dashboard):
        return found
    board = dashboard(schools, since, until, everything=everything)
    cache.set(key, board, CACHE_SECONDS)
    return board


def warm_dashboards(today: date) -> int:
    """Compute and cache the default dashboard (this term) of the city and of every county, as
    their administrators' pages ask for it, so that the first page after a rebuild is quick too.
    Returns how many were computed."""
    from django.conf import settings
    from django.utils import translation

    from .periods import period_from

    period = period_from(None, None, today=today)
    areas = Unit.objects.filter(kind__in=[UnitKind.CITY, UnitKind.COUNTY], is_active=True)
    everyone = list(
        Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True).select_related("parent").order_by("path")
    )
    done = 0
    with translation.override(settings.LANGUAGE_CODE):
        for area in areas:
            schools = [s for s in everyone if s.path.startswith(area.path)]
            if schools:
                cached_dashboard(schools, period.since, period.until)
                done += 1
    return done


def dashboard(schools: list[Unit], since: date, until: date, *, everything: bool = False) -> Dashboard:
    """The figures of ``schools`` (already cut to the caller's reach) for since..until.

    ``everything``: the schools are every school (the city), so the tables need no school filter.
    """
    ids = None if everything else [s.pk for s in schools]
    as_of = stock_day(until)
    rows = {s.pk: SchoolRow(school=s, county=s.parent.name if s.parent else "") for s in schools}
    flows = flow_sums(
        ids, since, until, [*ROW_FLOWS, Metric.DETERMINATIONS, Metric.LEDGER_DUE, Metric.LEDGER_DONE]
    )
    for (school_id, metric, key), value in flows.items():
        if school_id in rows:
            _add(rows[school_id], metric, key, value)
    for (school_id, metric, _key), value in stock_values(ids, as_of, ROW_STOCKS).items():
        row = rows.get(school_id)
        if row is not None:
            setattr(row, ROW_STOCKS[metric], getattr(row, ROW_STOCKS[metric]) + value)
    printed = (
        _restrict(MonthlyCount.objects.filter(metric=Metric.POSTERS_PRINTED, month__lte=until), ids)
        .values_list("school_id", flat=True)
        .distinct()
    )
    for school_id in printed:
        if school_id in rows:
            rows[school_id].poster_printed = True
    if as_of is not None:
        window = school_days_back(as_of, QUIET_SCHOOL_DAYS)
        if window:
            quiet = flow_sums(
                ids,
                window[0],
                window[-1],
                [Metric.LEDGER_DUE, Metric.LEDGER_DONE],
                by=("school_id", "metric", "key"),
            )
            due = {
                s for (s, m, k), v in quiet.items() if m == Metric.LEDGER_DUE and k == Duty.SAFETY_1530 and v
            }
            done = {
                s for (s, m, k), v in quiet.items() if m == Metric.LEDGER_DONE and k == Duty.SAFETY_1530 and v
            }
            for school_id in due - done:
                if school_id in rows:
                    rows[school_id].quiet_1530 = True
    school_rows = list(rows.values())
    totals = SchoolRow(school=Unit(name=_("合计")), county="")
    for r in school_rows:
        for attr in [*ROW_FLOWS.values(), *ROW_STOCKS.values(), "serious_determined"]:
            setattr(totals, attr, getattr(totals, attr) + getattr(r, attr))
        totals.safety_1530.due += r.safety_1530.due
        totals.safety_1530.done += r.safety_1530.done
        totals.patrol.due += r.patrol.due
        totals.patrol.done += r.patrol.done
        totals.survey_schools += bool(r.survey_answers)
    months, terms = trends(ids, until)
    return Dashboard(
        since=since,
        until=until,
        as_of=as_of,
        schools=school_rows,
        totals=totals,
        months=months,
        terms=terms,
        grid=place_time_grid(ids, since, until),
        channels=_breakdown(ids, since, until, Metric.REPORTS, Channel.choices),
        gravities=_breakdown(
            ids, since, until, Metric.DETERMINATIONS, [*Gravity.choices, ("not_bullying", _("不构成欺凌"))]
        ),
    )


TREND_METRICS = [
    Metric.REPORTS,
    Metric.REPORTS_URGENT,
    Metric.CASES_OPENED,
    Metric.DETERMINATIONS,
    Metric.WARNINGS_RAISED,
    Metric.LEDGER_DUE,
    Metric.LEDGER_DONE,
]


def trends(school_ids: list[int] | None, until: date) -> tuple[list[Trend], list[Trend]]:
    """Monthly figures for the last TREND_MONTHS months and per term for the last TREND_TERMS terms,
    read from the monthly table (the current month as counted so far)."""
    first_term = term_of(until)
    for _i in range(TREND_TERMS - 1):
        first_term = term_of(first_term.start - timedelta(days=1))
    start = first_term.start
    months_qs = MonthlyCount.objects.filter(
        month__gte=start, month__lte=first_of_month(until), metric__in=TREND_METRICS
    )
    by_month: dict[date, Trend] = {}
    by_term: dict[date, Trend] = {}
    month = start
    while month <= until:
        by_month[month] = Trend(label=f"{month:%Y-%m}")
        term = term_of(month)
        by_term.setdefault(term.start, Trend(label=term.label))
        month = month_end(month) + timedelta(days=1)
    term_starts = {m: term_of(m).start for m in by_month}
    # Grouped in the order of the (metric, month, key, value) index, which covers the query.
    for metric, month, key, total in (
        _restrict(months_qs, school_ids)
        .values_list("metric", "month", "key")
        .annotate(t=Sum("value"))
        .order_by()
    ):
        for trend in (by_month.get(month), by_term.get(term_starts.get(month, month))):
            if trend is not None:
                _add(trend, metric, key, total)
    return list(by_month.values())[-TREND_MONTHS:], list(by_term.values())


def place_time_grid(school_ids: list[int] | None, since: date, until: date) -> Grid:
    sums = flow_sums(school_ids, since, until, [Metric.REPORTS_PLACE_TIME], by=("key",))
    places = [(str(v), str(label)) for v, label in Place.choices]
    bands = [(str(v), str(label)) for v, label in TimeBand.choices]
    rows = [[sums.get((f"{p}|{b}",), 0) for b, _l in bands] for p, _l in places]
    return Grid(places=places, bands=bands, rows=rows, top=max((max(r) for r in rows), default=0))


def _breakdown(
    school_ids: list[int] | None, since: date, until: date, metric: str, choices: Iterable[tuple[Any, Any]]
) -> list[tuple[str, str, int]]:
    sums = flow_sums(school_ids, since, until, [metric], by=("key",))
    return [(str(v), str(label), sums.get((str(v),), 0)) for v, label in choices]


# --- the API's raw series -------------------------------------------------------------------------


def series(
    school_ids: list[int] | None, metric: str, since: date, until: date
) -> list[tuple[date, str, int]]:
    """One metric per day over since..until (summed over the schools), by key."""
    qs = DailyCount.objects.filter(metric=metric, day__gte=since, day__lte=until)
    return [
        (day, key, total)
        for day, key, total in _restrict(qs, school_ids)
        .values_list("day", "key")
        .annotate(t=Sum("value"))
        .order_by("day", "key")
    ]
