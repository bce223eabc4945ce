"""Samples of intake's alarm devices for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from anxin.testing import Cast, place_student

from ..models import Device


def _device(cast: Cast, place: str) -> Device:
    school = place_student(cast, place).school
    return Device.objects.create(school=school, place="toilet", label=f"样本装置{place}", secret="s")


SAMPLES = {"alarm_device": _device}
SCHOOL_LEVEL = {"alarm_device"}
