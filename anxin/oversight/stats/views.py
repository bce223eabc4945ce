"""The bureau's dashboard (/oversight/) and the big screen (/oversight/screen/).

Thin: parse, call :mod:`.selectors`, render. Counts only: nothing here names a person, and a number
links to the list behind it, where the list's own page decides what the reader may see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anxin.access.matrix import allowed, reach
from anxin.core.errors import Invalid
from anxin.core.params import parse_id
from anxin.ledgers.errors import LedgerError

from . import selectors
from .periods import period_from, presets

RESOURCE = selectors.RESOURCE
#: School rows per page of the dashboard's table.
SCHOOLS_PER_PAGE = 50
#: Schools listed under "needing attention", most urgent first; the rest are counted.
ATTENTION_SHOWN = 20


def _bad(request: HttpRequest, message: str, code: str) -> HttpResponse:
    return render(
        request,
        "oversight/error.html",
        {"message": message, "code": code, "back": reverse("oversight:dashboard")},
        status=400,
    )


def _linker(user: Any) -> Any:
    """Where each number of a school's row leads: the list behind it, if the reader may open it.
    The permissions are asked once per page, not once per row."""
    cases = reverse("cases:list") if allowed(user, "case", "view") else ""
    warnings = reverse("ledgers:warnings") if allowed(user, "ledger_warning", "view") else ""
    posters = reverse("intake:posters") if allowed(user, "unit", "view") else ""

    def links(row: selectors.SchoolRow) -> dict[str, str]:
        found = {"warnings": warnings, "poster": posters}
        if cases:
            school = row.school.pk
            found["open"] = f"{cases}?school={school}"
            found["serious"] = f"{cases}?school={school}&serious=1"
            found["overdue"] = f"{cases}?school={school}&overdue=1"
        return found

    return links


def _chart_data(board: selectors.Dashboard) -> dict[str, Any]:
    """What oversight/charts.js draws; every chart is also a table on the page."""
    return {
        "months": {
            "labels": [m.label for m in board.months],
            "series": [
                {"name": _("举报"), "data": [m.reports for m in board.months]},
                {"name": _("立案"), "data": [m.cases_opened for m in board.months]},
                {"name": _("严重/涉嫌违法认定"), "data": [m.serious_determined for m in board.months]},
                {"name": _("新预警"), "data": [m.warnings_raised for m in board.months]},
            ],
        },
        "terms": {
            "labels": [t.label for t in board.terms],
            "series": [
                {"name": _("举报"), "data": [t.reports for t in board.terms]},
                {"name": _("立案"), "data": [t.cases_opened for t in board.terms]},
                {"name": _("1530完成率%"), "data": [t.safety_1530.percent for t in board.terms]},
            ],
        },
        "grid": {
            "x": [label for _v, label in board.grid.bands],
            "y": [label for _v, label in board.grid.places],
            "data": [[j, i, n] for i, row in enumerate(board.grid.rows) for j, n in enumerate(row)],
            "max": board.grid.top,
        },
        "channels": [{"name": label, "value": n} for _v, label, n in board.channels if n],
    }


def _sorted(rows: list[selectors.SchoolRow], sort: str) -> list[selectors.SchoolRow]:
    name = sort.lstrip("-")
    return sorted(rows, key=selectors.SORTS[name], reverse=sort.startswith("-"))


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not allowed(user, RESOURCE, "view"):
        raise Http404
    today = timezone.localdate()
    try:
        period = period_from(request.GET.get("since"), request.GET.get("until"), today=today)
    except Invalid as exc:
        return _bad(request, exc.message, exc.code)
    sort = request.GET.get("sort") or "name"
    if sort.lstrip("-") not in selectors.SORTS or sort.count("-") > 1:
        return _bad(request, _("排序方式不正确。"), LedgerError.BAD_FILTER)
    schools = list(selectors.schools_in_reach(user))
    counties = selectors.counties_of(schools)
    county = None
    if request.GET.get("county"):
        county_id = parse_id(request.GET["county"])
        if county_id is None:
            return _bad(request, _("“县/区”的筛选条件不正确。"), LedgerError.BAD_FILTER)
        county = next((c for c in counties if c.pk == county_id), None)
        if county is None:
            raise Http404
        schools = [s for s in schools if s.parent_id == county.pk]
    everything = county is None and reach(user, RESOURCE, "view").everything
    board = selectors.cached_dashboard(schools, period.since, period.until, everything=everything)
    links = _linker(user)
    # A city of 300 schools is 300 rows: sorted whole, shown a page at a time (phones, and the
    # page's time, which grows with the rows rendered).
    page = Paginator(_sorted(board.schools, sort), SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(r, links(r)) for r in page.object_list]
    attention = sorted(
        board.attention, key=lambda r: (-r.overdue_cases, -r.serious_open, not r.quiet_1530, r.school.path)
    )
    keep = {"since": period.since.isoformat(), "until": period.until.isoformat()}
    if county is not None:
        keep["county"] = str(county.pk)
    context = {
        "board": board,
        "rows": rows,
        "page": page,
        "attention": attention[:ATTENTION_SHOWN],
        "attention_more": max(0, len(attention) - ATTENTION_SHOWN),
        "sort": sort,
        "keep": urlencode(keep),
        "county": county,
        "counties": counties if len(counties) > 1 else [],
        "county_rows": selectors.county_rows(board) if county is None and len(counties) > 1 else [],
        "presets": [(label, p, p == period) for label, p in presets(today)],
        "period": period,
        "charts": _chart_data(board),
        "can_screen": allowed(user, RESOURCE, "screen"),
    }
    return render(request, "oversight/dashboard.html", context)


@login_required
@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """数据大屏: 1920×1080, refreshed every minute by oversight/screen.js; counts only, never a name.

    A bureau sees its area (or one of its schools with ``?school=``); a principal their school.
    """
    user = request.user
    if not allowed(user, RESOURCE, "screen"):
        raise Http404
    schools = list(selectors.schools_in_reach(user, "screen"))
    if request.GET.get("school"):
        school_id = parse_id(request.GET["school"])
        schools = [s for s in schools if s.pk == school_id]
    if not schools:
        raise Http404
    today = timezone.localdate()
    period = period_from(None, None, today=today)
    everything = (
        len(schools) > 1 and reach(user, RESOURCE, "screen").everything and not request.GET.get("school")
    )
    board = selectors.cached_dashboard(schools, period.since, period.until, everything=everything)
    ranking = sorted(
        board.schools, key=lambda r: (-r.overdue_cases, -r.serious_open, -r.open_cases, r.school.path)
    )
    context = {
        "board": board,
        "title": schools[0].name
        if len(schools) == 1
        else (schools[0].parent.name if schools[0].parent else ""),
        "single": len(schools) == 1,
        "ranking": ranking[:12],
        "period": period,
        "now": timezone.localtime(),
        "charts": _chart_data(board),
    }
    return render(request, "oversight/screen.html", context)
