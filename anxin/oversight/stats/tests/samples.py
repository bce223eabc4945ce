"""Samples of this area's resource for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from anxin.testing import Cast, place_class

from ..models import DailyCount, Metric


def _count(cast: Cast, place: str) -> DailyCount:
    school = place_class(cast, place).school
    assert school is not None
    return DailyCount.objects.create(
        school=school,
        day=date(2026, 10, 1),
        metric=Metric.REPORTS,
        key=place,
        value=1,
    )


SAMPLES: dict[str, Any] = {"oversight_stats": _count}
