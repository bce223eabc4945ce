"""/api/oversight: the dashboard's figures and the count table's series, scoped like the pages.

Counts only, never a name. Bad input answers 422 with a Chinese ``message`` and a stable ``code``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from anxin.access.matrix import allowed, reach
from anxin.core.errors import Invalid, NotFound
from anxin.core.params import parse_id
from anxin.core.schemas import ErrorOut

from . import selectors
from .errors import StatsError
from .models import Metric
from .periods import period_from

router = Router(tags=["oversight"])

ERRORS = {404: ErrorOut, 422: ErrorOut}
RESOURCE = selectors.RESOURCE


class RatioOut(Schema):
    done: int
    due: int
    percent: int | None


class SchoolOut(Schema):
    school_id: int
    school: str
    county: str
    reports: int
    urgent: int
    ack_average_minutes: int | None
    cases_opened: int
    serious_determined: int
    police_referrals: int
    reexaminations: int
    warnings_raised: int
    open_cases: int
    serious_open: int
    overdue_cases: int
    overdue_deadlines: int
    warnings_open: int
    safety_1530: RatioOut
    patrol: RatioOut
    quiet_1530: bool
    poster_printed: bool
    #: Survey answers in the period and the share bullied 每月两三次 or more (percent); the share is
    #: null below 5 answers, and for a roll-up below 2 schools, as on the survey's own pages.
    survey_answers: int
    survey_bullied_percent: int | None


class TrendOut(Schema):
    label: str
    reports: int
    urgent: int
    cases_opened: int
    serious_determined: int
    warnings_raised: int
    safety_1530: RatioOut


class CellOut(Schema):
    place: str
    time_band: str
    reports: int


class KeyCountOut(Schema):
    key: str
    label: str
    count: int


class DashboardOut(Schema):
    since: date
    until: date
    as_of: date | None
    schools: list[SchoolOut]
    totals: SchoolOut
    months: list[TrendOut]
    terms: list[TrendOut]
    place_time: list[CellOut]
    channels: list[KeyCountOut]
    determinations: list[KeyCountOut]


class PointOut(Schema):
    day: date
    key: str
    value: int


class CountsOut(Schema):
    metric: str
    label: str
    since: date
    until: date
    school_id: int | None
    points: list[PointOut]


def _ratio(r: selectors.Ratio) -> dict[str, Any]:
    return {"done": r.done, "due": r.due, "percent": r.percent}


def _school(r: selectors.SchoolRow) -> dict[str, Any]:
    return {
        "school_id": r.school.pk or 0,
        "school": r.school.name,
        "county": r.county,
        "reports": r.reports,
        "urgent": r.urgent,
        "ack_average_minutes": r.ack_average,
        "cases_opened": r.cases_opened,
        "serious_determined": r.serious_determined,
        "police_referrals": r.police,
        "reexaminations": r.reexams,
        "warnings_raised": r.warnings_raised,
        "open_cases": r.open_cases,
        "serious_open": r.serious_open,
        "overdue_cases": r.overdue_cases,
        "overdue_deadlines": r.overdue_deadlines,
        "warnings_open": r.warnings_open,
        "safety_1530": _ratio(r.safety_1530),
        "patrol": _ratio(r.patrol),
        "quiet_1530": r.quiet_1530,
        "poster_printed": r.poster_printed,
        "survey_answers": r.survey_answers,
        "survey_bullied_percent": r.survey_rate,
    }


def _trend(t: selectors.Trend) -> dict[str, Any]:
    return {
        "label": t.label,
        "reports": t.reports,
        "urgent": t.urgent,
        "cases_opened": t.cases_opened,
        "serious_determined": t.serious_determined,
        "warnings_raised": t.warnings_raised,
        "safety_1530": _ratio(t.safety_1530),
    }


def _schools(user: Any, raw_school: str | None) -> tuple[list[Any], bool]:
    """The caller's schools, or the one asked for (404 when out of reach), and whether that is every school."""
    if not allowed(user, RESOURCE, "view"):
        raise NotFound()
    schools = list(selectors.schools_in_reach(user))
    if raw_school not in (None, ""):
        school_id = parse_id(raw_school)
        schools = [s for s in schools if s.pk == school_id]
        if not schools:
            raise NotFound()
        return schools, False
    return schools, reach(user, RESOURCE, "view").everything


@router.get(
    "/dashboard", response={200: DashboardOut, **ERRORS}, summary="监管看板的数字（只有数量，没有姓名）"
)
def dashboard(
    request: HttpRequest, since: str | None = None, until: str | None = None, school: str | None = None
) -> Any:
    schools, everything = _schools(request.user, school)
    period = period_from(since, until, today=timezone.localdate())
    board = selectors.cached_dashboard(schools, period.since, period.until, everything=everything)
    return {
        "since": board.since,
        "until": board.until,
        "as_of": board.as_of,
        "schools": [_school(r) for r in board.schools],
        "totals": _school(board.totals),
        "months": [_trend(t) for t in board.months],
        "terms": [_trend(t) for t in board.terms],
        "place_time": [
            {"place": p, "time_band": b, "reports": n}
            for (p, _pl), row in zip(board.grid.places, board.grid.rows, strict=True)
            for (b, _bl), n in zip(board.grid.bands, row, strict=True)
        ],
        "channels": [{"key": k, "label": label, "count": n} for k, label, n in board.channels],
        "determinations": [{"key": k, "label": label, "count": n} for k, label, n in board.gravities],
    }


@router.get("/counts", response={200: CountsOut, **ERRORS}, summary="某一指标的每日数量（按分组）")
def counts(
    request: HttpRequest,
    metric: str,
    since: str | None = None,
    until: str | None = None,
    school: str | None = None,
) -> Any:
    schools, everything = _schools(request.user, school)
    if metric not in Metric.values:
        raise Invalid(
            _("指标“%(metric)s”不存在。") % {"metric": metric[:40]},
            code=StatsError.BAD_METRIC,
            detail={"metrics": list(Metric.values)},
        )
    period = period_from(since, until, today=timezone.localdate())
    ids = None if everything else [s.pk for s in schools]
    points = selectors.series(ids, metric, period.since, period.until)
    return {
        "metric": metric,
        "label": str(Metric(metric).label),
        "since": period.since,
        "until": period.until,
        "school_id": schools[0].pk if school not in (None, "") else None,
        "points": [{"day": d, "key": k, "value": v} for d, k, v in points],
    }
