from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from anxin.org.models import Unit
from anxin.testing import Cast

from .. import services
from ..models import Campaign, Response, SurveyCode


def open_campaign(cast: Cast, **kw: Any) -> Campaign:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "actor": cast.users["county_admin"],
        "bureau": cast.county,
        "title": "秋季学期防欺凌专项调查",
        "starts_on": today - timedelta(days=1),
        "ends_on": today + timedelta(days=13),
    }
    data.update(kw)
    return services.campaign_open(**data)


def codes(campaign: Campaign, klass: Unit, n: int) -> list[SurveyCode]:
    return services.codes_issue(actor=None, campaign=campaign, klass=klass, count=n)


CALM = {"victim": "0", "perpetrator": "0", "safe": "0", "gender": "M"}


def answers_in(
    campaign: Campaign,
    klass: Unit,
    n: int,
    *,
    bullied: int = 0,
    gender: str = "M",
    day: date | None = None,
    **kw: Any,
) -> None:
    """n answers straight into the table (bullied of them 每月两三次)."""
    grade = klass.parent.number if klass.parent else 0
    Response.objects.bulk_create(
        Response(
            campaign=campaign,
            school_id=klass.school_id or 0,
            klass=klass,
            unit_path=klass.path,
            grade=grade or 0,
            version="v1",
            day=day or timezone.localdate(),
            gender=gender,
            victim=2 if i < bullied else 0,
            perpetrator=0,
            **kw,
        )
        for i in range(n)
    )
