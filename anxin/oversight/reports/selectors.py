"""Every read of the reports upward, cut to the caller's reach."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from anxin.access.matrix import access, allowed, reach, scoped
from anxin.cases.models import Case
from anxin.cases.selectors import cases_visible
from anxin.org.models import Unit, UnitKind

from .models import ReportArchive


def can_view(user: Any) -> bool:
    return allowed(user, "oversight_report", "view")


def can_generate(user: Any) -> bool:
    return allowed(user, "oversight_report", "generate")


def can_export_cases(user: Any) -> bool:
    return allowed(user, "case", "bureau")


def archive_visible(user: Any) -> QuerySet[ReportArchive]:
    return scoped(
        user, "oversight_report", "view", ReportArchive.objects.select_related("unit", "generated_by")
    )


def archive_get(user: Any, pk: Any) -> ReportArchive:
    entry: ReportArchive = access(
        user, "oversight_report", "view", ReportArchive.objects.select_related("unit"), pk
    )
    return entry


def bureau_units(user: Any, action: str = "generate") -> QuerySet[Unit]:
    """The counties and cities the caller may make reports for: those at or below where they hold
    a bureau role."""
    units = Unit.objects.filter(kind__in=[UnitKind.CITY, UnitKind.COUNTY], is_active=True).order_by("path")
    r = reach(user, "oversight_report", action)
    if r.everything:
        return units
    from django.db.models import Q

    q = Q(pk__in=[])
    for path in r.paths:
        q |= Q(path__startswith=path)
    return units.filter(q)


def export_cases(user: Any, *, serious: bool) -> QuerySet[Case]:
    """The cases a bureau member may export: their area's, serious ones only for the serious list."""
    qs = cases_visible(user, "bureau").select_related("school")
    if serious:
        qs = qs.filter(serious=True)
    return qs.order_by("school__path", "opened_on", "pk")
