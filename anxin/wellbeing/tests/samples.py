"""Samples of 心理筛查's resources for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone

from anxin.org.models import Student, User
from anxin.testing import Cast, place_class, place_student

from ..models import Invitation, Round, RoundClass, Screening, ScreeningWarning


def _round(cast: Cast, place: str) -> Round:
    school = place_class(cast, place).school
    assert school is not None
    today = timezone.localdate()
    return Round.objects.create(
        school=school,
        unit_path=school.path,
        title="样本",
        opens_on=today,
        closes_on=today + timedelta(days=7),
    )


def _screening(cast: Cast, student: Student) -> Screening:
    rnd = _round(cast, "a1")
    rnd.school = student.school
    rnd.unit_path = student.school.path
    rnd.save()
    RoundClass.objects.get_or_create(
        round=rnd, klass=student.klass, defaults={"unit_path": student.klass.path}
    )
    inv = Invitation.objects.create(
        round=rnd, student=student, unit_path=student.klass.path, code_hash=secrets.token_hex(32)
    )
    return Screening.objects.create(
        invitation=inv,
        round=rnd,
        student=student,
        school=student.school,
        unit_path=student.klass.path,
        instrument_set="2026.1",
        level_rules="levels/1",
        answers={"phq9": [1] * 9, "gad7": [1] * 7},
        phq9=9,
        gad7=7,
        item9=1,
        level="urgent",
    )


def _warning(cast: Cast, place: str, watcher: User | None = None) -> ScreeningWarning:
    s = _screening(cast, place_student(cast, place))
    w = ScreeningWarning.objects.create(
        screening=s, school=s.school, unit_path=s.unit_path, student=s.student, level="urgent"
    )
    if watcher is not None:
        w.watchers.add(watcher)
    return w


SAMPLES: dict[str, Any] = {
    "wellbeing_round": _round,
    "wellbeing_screening": lambda cast, place: _screening(cast, place_student(cast, place)),
    "wellbeing_warning": _warning,
}
OWNED_SAMPLES: dict[str, Any] = {"wellbeing_warning": lambda cast, user: _warning(cast, "a1", user)}
SCHOOL_LEVEL = {"wellbeing_round"}
