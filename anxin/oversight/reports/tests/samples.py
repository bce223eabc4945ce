"""Samples of the report archive for the permission-matrix test: an archived report of the county the
place's school is in (only bureau roles have the resource, so the school-level oracle holds)."""

from __future__ import annotations

from datetime import date
from typing import Any

from anxin.testing import Cast, place_class

from ..models import ReportArchive


def _archive(cast: Cast, place: str) -> ReportArchive:
    school = place_class(cast, place).school
    assert school is not None and school.parent is not None
    county = school.parent
    return ReportArchive.objects.create(
        unit=county,
        unit_path=county.path,
        kind="monthly",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        period_label="2026年11月",
        fmt="xlsx",
        file="oversight/reports/sample.xlsx",
    )


SAMPLES: dict[str, Any] = {"oversight_report": _archive}
SCHOOL_LEVEL = {"oversight_report"}
