"""Samples of this area's resource for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from anxin.org.models import User
from anxin.testing import Cast, place_student

from ..models import Rule, SubjectType, Warning


def _warning(cast: Cast, place: str, responsible: User | None = None) -> Warning:
    student = place_student(cast, place)
    return Warning.objects.create(
        school=student.school,
        unit_path=student.klass.path,
        rule=Rule.STUDENT_NAMED,
        subject_type=SubjectType.STUDENT,
        subject_id=student.pk,
        subject_label=student.masked_name,
        responsible=responsible,
        reasons=["样本"],
    )


def _owned(cast: Cast, user: User) -> Warning:
    # One per person (the walk asks for one per role), so each is its own subject.
    return Warning.objects.create(
        school=cast.school,
        unit_path=cast.class_a1.path,
        rule=Rule.CLASS_NO_TALKS,
        subject_type=SubjectType.CLASS,
        subject_id=user.pk,
        subject_label="样本",
        responsible=user,
        reasons=["样本"],
    )


SAMPLES: dict[str, Any] = {"ledger_warning": _warning}
OWNED_SAMPLES: dict[str, Any] = {"ledger_warning": _owned}
