from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.core.models import Notification
from anxin.testing import Cast

from .. import events, selectors
from ..models import Campaign, SurveyCode
from .helpers import codes, open_campaign

pytestmark = pytest.mark.django_db


def test_county_opens_a_campaign_and_its_schools_see_it(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["county_admin"])
    today = timezone.localdate()
    r = client.post(
        "/surveys/new/",
        {
            "bureau": cast.county.pk,
            "title": "秋季专项调查",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=14)).isoformat(),
            "extra": "你们班开过防欺凌主题班会吗？|开过|没开过|不记得",
        },
    )
    c = Campaign.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/surveys/{c.pk}/"
    assert c.extra_items == [
        {"key": "x1", "text": "你们班开过防欺凌主题班会吗？", "options": ["开过", "没开过", "不记得"]}
    ]
    assert AuditEvent.objects.filter(action=events.CAMPAIGN_OPENED).count() == 1
    page = client.get(f"/surveys/{c.pk}/").content.decode()
    assert "实验中学" in page and "城关小学" in page and "东城中学" not in page
    client = login(cast.users["principal"])
    assert c in selectors.campaigns_visible(cast.users["principal"])
    assert client.get("/surveys/").status_code == 200
    page = client.get(f"/surveys/{c.pk}/").content.decode()
    assert "初一(1)班" in page and "生成" in page
    # Another county's principal does not see it at all.
    client = login(cast.far_outsider)
    assert client.get(f"/surveys/{c.pk}/").status_code == 404
    assert client.get(f"/surveys/{c.pk}/results/").status_code == 404


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": ""}, "title_required"),
        ({"ends_on": "2020-01-01"}, "bad_window"),
        ({"starts_on": "not a day"}, "bad_window"),
        ({"extra": "只有题目没有选项"}, "bad_extra_item"),
        ({"bureau": "999999"}, "invalid"),
    ],
)
def test_bad_campaign_input_is_refused(cast: Cast, login, change: dict, code: str) -> None:  # noqa: ANN001
    today = timezone.localdate()
    data = {
        "bureau": cast.county.pk,
        "title": "秋季专项调查",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=14)).isoformat(),
        "extra": "",
        **change,
    }
    r = login(cast.users["county_admin"]).post("/surveys/new/", data)
    assert r.status_code in (400, 422) and f'data-code="{code}"' in r.content.decode()
    assert Campaign.objects.count() == 0


def test_schools_cannot_open_campaigns(cast: Cast, login) -> None:  # noqa: ANN001
    assert login(cast.users["principal"]).get("/surveys/new/").status_code == 404


def test_class_teacher_prints_the_codes_of_their_class_only(cast: Cast, login) -> None:  # noqa: ANN001
    c = open_campaign(cast)
    client = login(cast.users["class_teacher"])
    r = client.post(f"/surveys/{c.pk}/codes/", {"klass": cast.class_a1.pk, "count": "30"})
    assert r.status_code == 302
    assert SurveyCode.objects.filter(klass=cast.class_a1).count() == 30
    pdf = client.get(f"/surveys/{c.pk}/codes/{cast.class_a1.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        client.post(f"/surveys/{c.pk}/codes/", {"klass": cast.class_a2.pk, "count": "3"}).status_code == 404
    )
    assert client.get(f"/surveys/{c.pk}/codes/{cast.class_a2.pk}.pdf").status_code == 404
    for bad in ("0", "81", "abc", "1e3", "-1"):
        client.post(f"/surveys/{c.pk}/codes/", {"klass": cast.class_a1.pk, "count": bad})
    assert SurveyCode.objects.filter(klass=cast.class_a1).count() == 30
    # The outsider (class teacher at school B) cannot print for A1.
    client = login(cast.outsider)
    assert (
        client.post(f"/surveys/{c.pk}/codes/", {"klass": cast.class_a1.pk, "count": "3"}).status_code == 404
    )
    assert client.get(f"/surveys/{c.pk}/codes/{cast.class_a1.pk}.pdf").status_code == 404


def test_slips_carry_the_qr_link_and_the_short_code(cast: Cast) -> None:
    from .. import printing

    c = open_campaign(cast)
    [sc] = codes(c, cast.class_a1, 1)
    assert (
        printing.answer_url(sc.code, base_url="https://ax.example.cn/")
        == f"https://ax.example.cn/s/{sc.code}/"
    )
    pdf = printing.slips_pdf(c, cast.class_a1, [sc], base_url="https://ax.example.cn/")
    assert pdf.startswith(b"%PDF")


def test_remind_tells_the_leaders_of_low_rate_schools(cast: Cast, login) -> None:  # noqa: ANN001
    from .. import services

    c = open_campaign(cast)
    a = codes(c, cast.class_a1, 4)
    [b] = codes(c, cast.class_b1, 1)
    services.response_submit(code=a[0], answers={"victim": "0", "perpetrator": "0"})
    services.response_submit(code=b, answers={"victim": "0", "perpetrator": "0"})
    assert login(cast.users["principal"]).post(f"/surveys/{c.pk}/remind/").status_code == 404
    client = login(cast.users["county_admin"])
    page = client.get(f"/surveys/{c.pk}/").content.decode()
    assert "25%" in page and "100%" in page
    r = client.post(f"/surveys/{c.pk}/remind/")
    assert r.status_code == 302
    # School A answered 1 of 4 (25%), school B 1 of 1: only A's principal and 政教主任 are told.
    told = Notification.objects.filter(title__contains="答题率偏低")
    assert sorted(told.values_list("user__username", flat=True)) == ["t_moral_director", "t_principal"]
    assert all(n.body.startswith("实验中学 目前答题率 25%") for n in told)
    assert AuditEvent.objects.filter(action=events.REMINDED).count() == 1
    # What the oversight scorecard reads: the answers per school of the campaign covering it.
    got = selectors.answered_by_school([cast.school.pk, cast.school_c.pk], c.starts_on, c.ends_on)
    assert got == {cast.school.pk: (c.title, 1)}  # school C is in another county: not asked
    assert (
        selectors.answered_by_school(
            [cast.school.pk], c.ends_on + timedelta(days=1), c.ends_on + timedelta(days=90)
        )
        == {}
    )


def test_automatic_reminder_three_days_before_the_end(cast: Cast) -> None:
    from anxin.core.periodic import JOBS

    from .. import services

    assert "surveys.remind_low_rates" in JOBS
    today = timezone.localdate()
    c = open_campaign(cast, ends_on=today + timedelta(days=3))
    open_campaign(cast, title="还早", ends_on=today + timedelta(days=10))
    codes(c, cast.class_a1, 4)
    assert services.remind_due() == 2  # both schools of the county: A answered nothing, B has no codes
    services.remind_due()
    told = Notification.objects.filter(title__contains="答题率偏低")
    assert sorted(told.values_list("user__username", flat=True)) == ["t_moral_director", "t_principal"]
    assert "未发码" not in told[0].body and "0%" in told[0].body
