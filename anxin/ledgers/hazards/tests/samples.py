"""Samples of this area's resources for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from anxin.org.models import User
from anxin.testing import Cast, place_class

from ..models import Hazard, KeyPlace


def _stranger(place: str) -> User:
    return User.objects.create(username=f"hz_sample_{place}", full_name=f"排查样本{place}")


def _place_at(cast: Cast, place: str) -> KeyPlace:
    school = place_class(cast, place).school
    return KeyPlace.objects.create(
        school=school, name=f"B栋后楼梯{place}", kind="stairs", responsible=_stranger(place)
    )


def _hazard_at(cast: Cast, place: str, user: User | None = None) -> Hazard:
    school = place_class(cast, place).school
    who = user or _stranger(place)
    return Hazard.objects.create(school=school, recorded_by=who, owner=user, description="楼梯灯坏了")


SAMPLES: dict[str, Any] = {
    "ledger_hazard_grid": _place_at,
    "ledger_hazard": _hazard_at,
}
OWNED_SAMPLES: dict[str, Any] = {
    "ledger_hazard": lambda cast, user: _hazard_at(cast, "a1", user),
}
SCHOOL_LEVEL = {"ledger_hazard_grid", "ledger_hazard"}
