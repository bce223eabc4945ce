"""Samples of the 舆情 register for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from anxin.testing import Cast, place_class

from ..models import OpinionEvent


def _event(cast: Cast, place: str) -> OpinionEvent:
    school = place_class(cast, place).school
    assert school is not None
    now = timezone.now()
    return OpinionEvent.objects.create(
        school=school,
        unit_path=school.path,
        source="weibo",
        first_seen=now,
        summary="样本",
        respond_by=OpinionEvent.deadline_for(now),
        created_by=cast.users["county_admin"],
    )


SAMPLES: dict[str, Any] = {"opinion": _event}
SCHOOL_LEVEL = {"opinion"}
