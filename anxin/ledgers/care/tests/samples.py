"""Samples of this area's resources for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from anxin.org.models import User
from anxin.testing import Cast, place_student

from ..models import CarePlan, Mood, PeerRelation, Talk, Topic, WatchEntry


def _talk(cast: Cast, place: str, author: User | None = None) -> Talk:
    student = place_student(cast, place)
    return Talk.objects.create(
        school=student.school,
        recorded_by=author or cast.users["psych_teacher"],
        student=student,
        talked_on=date(2026, 3, 2),
        topic=Topic.PEERS,
        content="样本谈话",
        mood=Mood.CALM,
        peers=PeerRelation.GOOD,
    )


def _plan(cast: Cast, place: str) -> CarePlan:
    student = place_student(cast, place)
    return CarePlan.objects.create(
        school=student.school,
        recorded_by=cast.users["psych_teacher"],
        student=student,
        owner=cast.users["psych_teacher"],
        goals="样本",
        measures="样本",
        next_review_on=date(2026, 4, 1),
    )


def _watch(cast: Cast, place: str) -> WatchEntry:
    student = place_student(cast, place)
    return WatchEntry.objects.create(
        school=student.school, recorded_by=cast.users["psych_teacher"], student=student, seen="样本"
    )


SAMPLES: dict[str, Any] = {
    "ledger_talk": _talk,
    "ledger_care_plan": _plan,
    "ledger_watch": _watch,
}
OWNED_SAMPLES: dict[str, Any] = {
    "ledger_talk": lambda cast, user: _talk(cast, "a1", author=user),
}
