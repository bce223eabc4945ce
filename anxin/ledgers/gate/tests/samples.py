"""Samples of this area's resources for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from anxin.ledgers.gate.models import DangerousItem, ExitOutcome, LeavePass, StopAction, StudentExit, Visitor
from anxin.org.models import Role, RoleAssignment, User
from anxin.testing import Cast, place_class, place_student


def _author(cast: Cast, place: str) -> User:
    school = place_class(cast, place).school
    user, _ = User.objects.get_or_create(
        username=f"gate_sample_{place}", defaults={"full_name": f"门卫{place}"}
    )
    RoleAssignment.objects.get_or_create(user=user, role=Role.GATE_GUARD, unit=school)
    return user


def visitor_at(cast: Cast, place: str) -> Visitor:
    school = place_class(cast, place).school
    return Visitor.objects.create(
        school=school,
        recorded_by=_author(cast, place),
        name="张大爷",
        id_last4="123X",
        host_text="初一(1)班",
        reason="送午饭",
        time_in=timezone.now(),
    )


def leave_at(cast: Cast, place: str) -> LeavePass:
    student = place_student(cast, place)
    now = timezone.now()
    return LeavePass.objects.create(
        school=student.school,
        recorded_by=_author(cast, place),
        student=student,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
        reason="看病",
    )


def exit_at(cast: Cast, place: str, owner: Any = None) -> StudentExit:
    student = place_student(cast, place)
    return StudentExit.objects.create(
        school=student.school,
        recorded_by=owner or _author(cast, place),
        student=student,
        outcome=ExitOutcome.STOPPED,
        action=StopAction.BACK_TO_CLASS,
    )


def item_at(cast: Cast, place: str, owner: Any = None) -> DangerousItem:
    school = place_class(cast, place).school
    return DangerousItem.objects.create(
        school=school, recorded_by=owner or _author(cast, place), kind="lighter", action="held"
    )


SAMPLES: dict = {
    "ledger_gate_visitor": visitor_at,
    "ledger_gate_leave": leave_at,
    "ledger_gate_exit": exit_at,
    "ledger_gate_item": item_at,
}
OWNED_SAMPLES: dict = {
    "ledger_gate_exit": lambda cast, user: exit_at(cast, "a1", owner=user),
    "ledger_gate_item": lambda cast, user: item_at(cast, "a1", owner=user),
}
SCHOOL_LEVEL = {"ledger_gate_visitor", "ledger_gate_item"}
