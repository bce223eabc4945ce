"""Samples of supervision's resources for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from anxin.org.models import User
from anxin.testing import Cast, place_class

from ..models import InspectorAssignment, Interview, Notice, NoticeReceipt, Order, Visit


def _someone(place: str) -> User:
    return User.objects.create(username=f"sv_sample_{place}", full_name=f"督导样本{place}")


def _school(cast: Cast, place: str) -> Any:
    return place_class(cast, place).school


def _order(cast: Cast, place: str) -> Order:
    return Order.objects.create(
        school=_school(cast, place),
        title="样本",
        items=[{"text": "a", "item": ""}],
        deadline=date(2026, 12, 1),
        issued_by=_someone(place),
    )


def _visit(cast: Cast, place: str) -> Visit:
    return Visit.objects.create(
        school=_school(cast, place), inspector=_someone(place), visited_on=date(2026, 11, 1)
    )


def _interview(cast: Cast, place: str) -> Interview:
    return Interview.objects.create(
        school=_school(cast, place),
        person="校长",
        held_on=date(2026, 11, 1),
        reason="样本",
        recorded_by=_someone(place),
    )


def _receipt(cast: Cast, place: str) -> NoticeReceipt:
    school = _school(cast, place)
    notice = Notice.objects.create(unit=school.parent, title="样本", body="样本", issued_by=_someone(place))
    return NoticeReceipt.objects.create(notice=notice, school=school)


def _assignment(cast: Cast, place: str) -> InspectorAssignment:
    return InspectorAssignment.objects.create(inspector=_someone(place), school=_school(cast, place))


SAMPLES: dict[str, Any] = {
    "supervision_scorecard": _school,
    "supervision_inspector": _assignment,
    "supervision_order": _order,
    "supervision_visit": _visit,
    "supervision_interview": _interview,
    "supervision_notice": _receipt,
}
SCHOOL_LEVEL = set(SAMPLES)
