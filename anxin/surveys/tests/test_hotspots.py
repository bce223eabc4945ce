from __future__ import annotations

from datetime import date, timedelta

import pytest

from anxin.testing import Cast
from anxin.warnings.models import Rule, Warning
from anxin.warnings.services import evaluate

from .helpers import answers_in, open_campaign

pytestmark = pytest.mark.django_db

OPENED = date(2026, 11, 2)


def _campaign_with(cast: Cast, clock, n: int, **kw):  # noqa: ANN001, ANN202
    clock(OPENED)
    campaign = open_campaign(cast, starts_on=OPENED, ends_on=OPENED + timedelta(days=13))
    answers_in(campaign, cast.class_a1, n, bullied=n, place="toilet", time_band="break", **kw)
    answers_in(campaign, cast.class_a1, 20)  # calm answers elsewhere
    return campaign


def test_a_survey_hotspot_becomes_a_warning_for_the_moral_director(cast: Cast, clock, client) -> None:  # noqa: ANN001
    campaign = _campaign_with(cast, clock, 6)
    clock(OPENED + timedelta(days=14, hours=10))  # the campaign has ended
    evaluate(cast.school)
    warning = Warning.objects.get(school=cast.school, rule=Rule.SURVEY_HOTSPOT)
    assert warning.subject_id == campaign.pk
    assert warning.responsible_id == cast.users["moral_director"].pk
    assert "厕所 · 课间：6 名学生" in " ".join(warning.reasons)
    evaluate(cast.school)  # evaluated again: the same warning, not a second
    assert Warning.objects.filter(rule=Rule.SURVEY_HOTSPOT).count() == 1
    assert not Warning.objects.filter(school=cast.school_b, rule=Rule.SURVEY_HOTSPOT).exists()
    client.force_login(cast.users["moral_director"])
    page = client.get(f"/ledgers/warnings/{warning.pk}/")
    assert page.status_code == 200 and "厕所" in page.content.decode()
    assert "专项调查显示欺凌多发地点与时段" in client.get("/").content.decode()  # on 工作台


def test_a_cell_the_results_would_hide_raises_nothing(cast: Cast, clock) -> None:  # noqa: ANN001
    _campaign_with(cast, clock, 4)
    clock(OPENED + timedelta(days=14, hours=10))
    evaluate(cast.school)
    assert not Warning.objects.filter(rule=Rule.SURVEY_HOTSPOT).exists()


def test_a_running_or_long_past_campaign_raises_nothing(cast: Cast, clock) -> None:  # noqa: ANN001
    _campaign_with(cast, clock, 8)
    clock(OPENED + timedelta(days=5, hours=10))  # still answering: the picture is not complete
    evaluate(cast.school)
    assert not Warning.objects.filter(rule=Rule.SURVEY_HOTSPOT).exists()
    clock(OPENED + timedelta(days=13 + 400))  # more than a year on: too old to speak for the school
    evaluate(cast.school)
    assert not Warning.objects.filter(rule=Rule.SURVEY_HOTSPOT).exists()
