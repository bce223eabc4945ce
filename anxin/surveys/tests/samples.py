"""Samples of the survey for the permission-matrix test (anxin/core/tests/test_permission_matrix.py).

A campaign really sits at a bureau; the matrix test places every record at a class, so its sample
campaign is placed there (which schools see a bureau's campaign is tested in test_pages.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from anxin.testing import Cast, place_class

from ..models import Campaign, Response, SurveyCode


def _campaign(cast: Cast, place: str) -> Campaign:
    klass = place_class(cast, place)
    today = timezone.localdate()
    return Campaign.objects.create(
        bureau=klass,
        unit_path=klass.path,
        title="样本",
        starts_on=today,
        ends_on=today + timedelta(days=7),
        created_by=cast.users["county_admin"],
    )


def _code(cast: Cast, place: str) -> SurveyCode:
    klass = place_class(cast, place)
    return SurveyCode.objects.create(
        campaign=_campaign(cast, place),
        school_id=klass.school_id or 0,
        klass=klass,
        unit_path=klass.path,
        code=f"S{place.upper():>7}".replace(" ", "A")[:8],
    )


def _response(cast: Cast, place: str) -> Response:
    klass = place_class(cast, place)
    return Response.objects.create(
        campaign=_campaign(cast, place),
        school_id=klass.school_id or 0,
        klass=klass,
        unit_path=klass.path,
        grade=7,
        version="v1",
        day=timezone.localdate(),
        victim=0,
        perpetrator=0,
    )


SAMPLES: dict[str, Any] = {"survey_campaign": _campaign, "survey_code": _code, "survey_result": _response}
