"""Samples of this area's resources for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from anxin.org.models import Role, RoleAssignment, User
from anxin.testing import Cast, place_class

from ..models import DormRound, DutyShift, PatrolCheckin, PatrolPoint, ShiftHandover


def _school(cast: Cast, place: str) -> Any:
    return place_class(cast, place).school


def _author(cast: Cast, place: str) -> User:
    user, created = User.objects.get_or_create(
        username=f"patrol_{place}", defaults={"full_name": f"巡查{place}"}
    )
    if created:
        RoleAssignment.objects.create(user=user, role=Role.DUTY_STAFF, unit=_school(cast, place))
    return user


def _point(cast: Cast, place: str) -> PatrolPoint:
    return PatrolPoint.objects.create(school=_school(cast, place), name=f"巡查点{place}")


def _checkin(cast: Cast, place: str, user: User | None = None) -> PatrolCheckin:
    point = _point(cast, place)
    return PatrolCheckin.objects.create(
        school=point.school, point=point, recorded_by=user or _author(cast, place)
    )


def _dorm(cast: Cast, place: str, user: User | None = None) -> DormRound:
    return DormRound.objects.create(
        school=_school(cast, place),
        recorded_by=user or _author(cast, place),
        building="1号楼",
        floor="3",
        patrolled_at=timezone.now(),
        expected=10,
        present=10,
    )


def _handover(cast: Cast, place: str, user: User | None = None) -> ShiftHandover:
    other = _author(cast, place)
    return ShiftHandover.objects.create(
        school=_school(cast, place), recorded_by=user or other, receiver=other, handed_at=timezone.now()
    )


def _duty(cast: Cast, place: str, user: User | None = None) -> DutyShift:
    return DutyShift.objects.create(
        school=_school(cast, place), date=date(2026, 3, 2), shift="night", person=user or _author(cast, place)
    )


SAMPLES: dict = {
    "ledger_patrol_point": _point,
    "ledger_patrol_checkin": _checkin,
    "ledger_patrol_dorm": _dorm,
    "ledger_patrol_handover": _handover,
    "ledger_patrol_rota": _duty,
}
OWNED_SAMPLES: dict = {
    "ledger_patrol_checkin": lambda cast, user: _checkin(cast, "a1", user),
    "ledger_patrol_dorm": lambda cast, user: _dorm(cast, "a1", user),
    "ledger_patrol_handover": lambda cast, user: _handover(cast, "a1", user),
    "ledger_patrol_rota": lambda cast, user: _duty(cast, "a1", user),
}
SCHOOL_LEVEL = set(SAMPLES)
