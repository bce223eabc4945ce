"""Reads of 隐患排查整治 and 视频监控, each already cut to the caller's reach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from anxin.access.matrix import access, scoped
from anxin.ledgers.base import Completeness
from anxin.org.models import Unit
from anxin.org.selectors import schools_where

from .models import (
    COVERAGE_KINDS,
    Camera,
    CameraStatus,
    FootageReview,
    Hazard,
    HazardStatus,
    KeyPlace,
    Screening,
)

GRID = "ledger_hazard_grid"
HAZARD = "ledger_hazard"


def schools_for(user: Any, resource: str, action: str) -> QuerySet[Unit]:
    return schools_where(user, resource, action)


def places_visible(user: Any, *, school_id: int | None = None) -> QuerySet[KeyPlace]:
    qs = scoped(user, GRID, "view", KeyPlace.objects.select_related("school", "responsible"))
    return qs.filter(school_id=school_id) if school_id else qs


def places_for_report(user: Any, school: Unit) -> QuerySet[KeyPlace]:
    """The places a member of staff may name when reporting a hazard at their school."""
    return KeyPlace.objects.filter(school=school, is_active=True).order_by("name")


def uncovered_places(qs: QuerySet[KeyPlace]) -> QuerySet[KeyPlace]:
    """Places of a kind that needs CCTV with no working camera: a standing hazard (无视频覆盖)."""
    working = Camera.objects.filter(place=OuterRef("pk"), status=CameraStatus.OK)
    return qs.filter(is_active=True, kind__in=list(COVERAGE_KINDS)).exclude(Exists(working))


def screenings_visible(
    user: Any, *, place_id: int | None = None, start: date | None = None, end: date | None = None
) -> QuerySet[Screening]:
    qs = scoped(user, GRID, "view", Screening.objects.select_related("school", "place", "recorded_by"))
    if place_id:
        qs = qs.filter(place_id=place_id)
    if start:
        qs = qs.filter(screened_on__gte=start)
    if end:
        qs = qs.filter(screened_on__lte=end)
    return qs.order_by("-screened_on", "-recorded_at")


def hazards_visible(
    user: Any,
    *,
    status: str = "",
    place_id: int | None = None,
    overdue: bool = False,
    today: date | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[Hazard]:
    qs = scoped(
        user,
        HAZARD,
        "view",
        Hazard.objects.select_related("school", "place", "owner", "recorded_by", "rectified_by", "closed_by"),
    )
    if status:
        qs = qs.filter(status=status)
    if place_id:
        qs = qs.filter(place_id=place_id)
    if overdue:
        qs = qs.filter(status=HazardStatus.RECTIFYING, deadline__lt=today or date.today())
    if start:
        qs = qs.filter(recorded_at__date__gte=start)
    if end:
        qs = qs.filter(recorded_at__date__lte=end)
    return qs


def hazard_get(user: Any, hazard_id: Any) -> Hazard:
    return access(user, HAZARD, "view", Hazard.objects.select_related("school", "place", "owner"), hazard_id)


def cameras_visible(user: Any) -> QuerySet[Camera]:
    return scoped(user, GRID, "view", Camera.objects.select_related("school", "place"))


def reviews_visible(
    user: Any, *, start: date | None = None, end: date | None = None
) -> QuerySet[FootageReview]:
    qs = scoped(user, GRID, "view", FootageReview.objects.select_related("school", "recorded_by"))
    if start:
        qs = qs.filter(period_to__date__gte=start)
    if end:
        qs = qs.filter(period_from__date__lte=end)
    return qs.prefetch_related("cameras")


def overdue_hazards(school: Unit, today: date) -> QuerySet[Hazard]:
    """For the early-warning engine: tasks still being rectified past their deadline (no caller scope)."""
    return Hazard.objects.filter(school=school, status=HazardStatus.RECTIFYING, deadline__lt=today).order_by(
        "deadline"
    )


@dataclass
class PlaceCompleteness:
    place: KeyPlace
    due: int
    done: int


def screening_completeness(
    places: QuerySet[KeyPlace], start: date, end: date
) -> tuple[Completeness, list[PlaceCompleteness]]:
    """Screenings done against due over [start, end]: each place is due once per window of its
    frequency (counted from ``start``, or from the day the place was set up if later); a window
    counts as done when it holds at least one screening, so two screenings on one day are not two."""
    rows: list[PlaceCompleteness] = []
    places = list(places.filter(is_active=True))
    dates: dict[int, set[date]] = {}
    for place_id, day in Screening.objects.filter(
        place__in=places, screened_on__gte=start, screened_on__lte=end
    ).values_list("place_id", "screened_on"):
        dates.setdefault(place_id, set()).add(day)
    for place in places:
        first = max(start, timezone.localtime(place.created_at).date()) if place.created_at else start
        if first > end:
            continue
        days = (end - first).days + 1
        step = place.frequency_days
        due = -(-days // step)
        windows = {(d - first).days // step for d in dates.get(place.pk, set()) if d >= first}
        rows.append(PlaceCompleteness(place, due, min(due, len(windows))))
    return Completeness(due=sum(r.due for r in rows), done=sum(r.done for r in rows)), rows


def default_period(today: date) -> tuple[date, date]:
    """The last 28 days up to today: four weekly screenings of each place."""
    return today - timedelta(days=27), today


def camera_get(user: Any, camera_id: Any) -> Camera:
    return access(user, GRID, "view", Camera.objects.select_related("school", "place"), camera_id)
