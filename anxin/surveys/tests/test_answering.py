from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from anxin.core.errors import Invalid
from anxin.testing import Cast, frozen_time

from .. import instrument, services
from ..errors import SurveyError
from ..models import Response, SurveyCode
from .helpers import CALM, codes, open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_a_code_answers_once_and_the_answer_keeps_no_link_to_it(cast: Cast) -> None:
    c = open_campaign(cast)
    [code] = codes(c, cast.class_b1, 1)
    found = services.code_check(code.code.lower()[:4] + "-" + code.code[4:])
    assert found.pk == code.pk
    services.draft_save(code=found, answers={"victim": "3", "gender": "F"})
    hurt = services.response_submit(
        code=found, answers={"perpetrator": "0", "place": "toilet", "time_band": "break"}
    )
    assert hurt is True
    r = Response.objects.get()
    assert (r.victim, r.gender, r.place, r.grade, r.klass_id) == (3, "F", "toilet", 3, cast.class_b1.pk)
    assert r.day == timezone.localdate()
    field_names = {f.name for f in Response._meta.get_fields()}
    assert not field_names & {"code", "ip", "session", "created_at", "user"}
    code.refresh_from_db()
    assert code.used is True and code.draft is None
    with pytest.raises(services.CodeUsed):
        services.code_check(code.code)
    with pytest.raises(services.CodeUsed):
        services.response_submit(code=found, answers=CALM)
    assert Response.objects.count() == 1


def test_follow_up_items_are_dropped_for_a_pupil_not_bullied(cast: Cast) -> None:
    c = open_campaign(cast)
    [code] = codes(c, cast.class_a1, 1)
    assert services.response_submit(code=code, answers={**CALM, "place": "toilet"}) is False
    assert Response.objects.get().place == ""


def test_threats_even_once_show_help(cast: Cast) -> None:
    assert instrument.hurt_now({"victim": "1", "f_threats": "1"}) is True
    assert instrument.hurt_now({"victim": "1", "f_names": "1"}) is False
    assert instrument.hurt_now({"victim": "2"}) is True


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"victim": "9", "perpetrator": "0"}, SurveyError.BAD_ANSWER),
        ({"victim": "0", "perpetrator": "0", "nonsense": "1"}, SurveyError.BAD_ANSWER),
        ({"victim": "0", "perpetrator": "0", "told": ["nobody", "police"]}, SurveyError.BAD_ANSWER),
        ({"victim": "0", "perpetrator": "0", "comment": "长" * 400}, SurveyError.BAD_ANSWER),
        ({"victim": "0"}, SurveyError.ANSWER_MISSING),
    ],
)
def test_bad_answers_are_refused_and_the_code_stays_unused(cast: Cast, answers: dict, code: str) -> None:
    c = open_campaign(cast)
    [sc] = codes(c, cast.class_a1, 1)
    with pytest.raises(Invalid) as exc:
        services.response_submit(code=sc, answers=answers)
    assert exc.value.code == code
    sc.refresh_from_db()
    assert sc.used is False and Response.objects.count() == 0


def test_expired_and_not_yet_open_codes(cast: Cast) -> None:
    today = timezone.localdate()
    later = open_campaign(cast, starts_on=today + timedelta(days=3), ends_on=today + timedelta(days=10))
    [sc] = codes(later, cast.class_a1, 1)
    with pytest.raises(services.NotOpen):
        services.code_check(sc.code)
    with pytest.raises(services.CodeExpired):
        services.code_check(sc.code, today=today + timedelta(days=11))
    with pytest.raises(services.CodeUnknown):
        services.code_check("ZZZZ-ZZZZ")
    with pytest.raises(services.CodeUnknown):
        services.code_check("'; drop table")


def test_draft_is_forgotten_after_24_hours(cast: Cast) -> None:
    c = open_campaign(cast)
    [sc] = codes(c, cast.class_a1, 1)
    services.draft_save(code=sc, answers={"victim": "1"})
    sc.refresh_from_db()
    assert services.draft_of(sc) == {"victim": "1"}
    assert services.draft_of(sc, now=timezone.now() + timedelta(hours=25)) == {}
    assert services.drafts_forget() == 0
    assert services.drafts_forget(timezone.now() + timedelta(hours=25)) == 1
    sc.refresh_from_db()
    assert sc.draft is None and sc.draft_until is None


def test_grade_3_pupil_answers_on_the_pages(cast: Cast) -> None:
    c = open_campaign(cast)
    [sc] = codes(c, cast.class_b1, 1)
    client = Client()
    r = client.post("/s/", {"code": sc.code})
    assert r.status_code == 302 and r["Location"] == f"/s/{sc.code}/0/"
    page = client.get(r["Location"]).content.decode()
    assert "什么是欺负" in page and "故意一次又一次" in page  # the primary wording
    assert not client.cookies
    r = client.post(f"/s/{sc.code}/0/", {})
    assert r["Location"] == f"/s/{sc.code}/1/"
    client.post(f"/s/{sc.code}/1/", {"a": "F"})
    page = client.get(f"/s/{sc.code}/2/").content.decode()
    assert "这学期，你被同学欺负过吗？" in page and "每月两三次" in page
    r = client.post(f"/s/{sc.code}/2/", {})  # a required item left out
    assert r.status_code == 422 and "需要回答" in r.content.decode()
    client.post(f"/s/{sc.code}/2/", {"a": "2"})
    # bullied: the forms follow; go back and the given answer is marked
    page = client.get(f"/s/{sc.code}/3/").content.decode()
    assert "有人打你" in page
    back = client.get(f"/s/{sc.code}/2/").content.decode()
    assert 'value="2">' in back and "is-given" in back
    n = 3
    while True:
        r = client.post(f"/s/{sc.code}/{n}/", {"skip": "1"})
        if r.status_code == 422:  # the required "took part" item
            r = client.post(f"/s/{sc.code}/{n}/", {"a": "0"})
        assert r.status_code == 302
        if r["Location"].endswith("/review/"):
            break
        n += 1
    r = client.post(f"/s/{sc.code}/review/")
    page = r.content.decode()
    assert r.status_code == 200 and "交好了" in page
    assert 'href="tel:110"' in page and "12355" in page and f"/box/{cast.school_b.code}/" in page
    assert r["Cache-Control"] == "no-store"
    again = Client().post("/s/", {"code": sc.code})
    assert again.status_code == 409 and "只能用一次" in again.content.decode()
    assert Response.objects.count() == 1


def test_unknown_codes_are_limited(cast: Cast, settings) -> None:  # noqa: ANN001
    settings.SURVEY_CODE_RATE = "3/10m"
    client = Client()
    statuses = [client.post("/s/", {"code": f"AAAA-AAA{ch}"}).status_code for ch in "BCDEF"]
    assert statuses[:3] == [404, 404, 404] and statuses[-1] == 429
    c = open_campaign(cast)
    [sc] = codes(c, cast.class_a1, 1)
    assert client.post("/s/", {"code": sc.code}).status_code == 429


def test_expired_code_page_is_calm(cast: Cast) -> None:
    c = open_campaign(cast)
    [sc] = codes(c, cast.class_a1, 1)
    with frozen_time(timezone.now() + timedelta(days=30)):
        r = Client().get(f"/s/{sc.code}/")
    assert r.status_code == 410 and "调查已经结束" in r.content.decode()
    assert 'data-code="code_expired"' in r.content.decode()
    assert SurveyCode.objects.get().used is False
