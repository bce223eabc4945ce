from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from anxin.testing import Cast

from ..models import Campaign, Response, SurveyCode
from .helpers import answers_in, codes, open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _json(client: Client, method: str, url: str, body: object = None):  # noqa: ANN202
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


def test_campaign_api_for_the_county(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["county_admin"])
    today = timezone.localdate()
    body = {
        "bureau_id": cast.county.pk,
        "title": "秋季",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=10)).isoformat(),
        "extra_items": [{"text": "开过主题班会吗？", "options": ["开过", "没开过"]}],
    }
    r = _json(client, "post", "/api/surveys/campaigns", body)
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert [c["id"] for c in client.get("/api/surveys/campaigns").json()] == [cid]
    detail = client.get(f"/api/surveys/campaigns/{cid}").json()
    assert {s["name"] for s in detail["schools"]} == {"实验中学", "城关小学"}
    for bad, code in (
        ({**body, "title": ""}, "title_required"),
        ({**body, "ends_on": "2020-01-01"}, "bad_window"),
        ({**body, "starts_on": "nope"}, "invalid_input"),
        ({**body, "extra_items": [{"text": "x", "options": []}]}, "bad_extra_item"),
    ):
        r = _json(client, "post", "/api/surveys/campaigns", bad)
        assert r.status_code == 422 and r.json()["code"] == code
    assert (
        _json(client, "post", "/api/surveys/campaigns", {**body, "bureau_id": cast.county2.pk}).status_code
        == 404
    )
    assert Campaign.objects.count() == 1
    r = client.post(f"/api/surveys/campaigns/{cid}/remind")
    assert r.status_code == 200 and "schools_told" in r.json()
    assert client.get("/api/surveys/campaigns/99999999").status_code == 404


def test_codes_api_and_outsider(cast: Cast, login) -> None:  # noqa: ANN001
    c = open_campaign(cast)
    client = login(cast.users["class_teacher"])
    r = _json(
        client, "post", f"/api/surveys/campaigns/{c.pk}/codes", {"class_id": cast.class_a1.pk, "count": 3}
    )
    assert r.status_code == 201 and len(r.json()["codes"]) == 3
    for bad, status in (
        ({"class_id": cast.class_a1.pk, "count": 0}, 422),
        ({"class_id": cast.class_a1.pk, "count": 500}, 422),
        ({"class_id": cast.class_a1.pk, "count": "x"}, 422),
        ({"class_id": cast.class_a2.pk, "count": 3}, 404),
        ({"class_id": -5, "count": 3}, 404),
    ):
        assert _json(client, "post", f"/api/surveys/campaigns/{c.pk}/codes", bad).status_code == status
    assert SurveyCode.objects.count() == 3
    outsider = login(cast.far_outsider)
    assert outsider.get(f"/api/surveys/campaigns/{c.pk}").status_code == 404
    assert outsider.get(f"/api/surveys/campaigns/{c.pk}/results").status_code == 404
    assert (
        _json(
            outsider,
            "post",
            f"/api/surveys/campaigns/{c.pk}/codes",
            {"class_id": cast.class_a1.pk, "count": 1},
        ).status_code
        == 404
    )
    assert outsider.post(f"/api/surveys/campaigns/{c.pk}/remind").status_code == 404


def test_answering_api_without_an_account(cast: Cast) -> None:
    c = open_campaign(cast)
    [sc] = codes(c, cast.class_a1, 1)
    client = Client(enforce_csrf_checks=True)
    form = client.get(f"/api/surveys/answer/{sc.code}").json()
    assert form["stage"] == "secondary" and form["items"][0]["key"] == "definition"
    r = _json(client, "put", f"/api/surveys/answer/{sc.code}/draft", {"answers": {"victim": "4"}})
    assert r.status_code == 200 and r.json()["answers"] == {"victim": "4"}
    r = _json(client, "post", f"/api/surveys/answer/{sc.code}", {"answers": {"victim": "9"}})
    assert r.status_code == 422 and r.json()["code"] == "bad_answer"
    r = _json(client, "post", f"/api/surveys/answer/{sc.code}", {"answers": {}})
    assert r.status_code == 422 and r.json()["code"] == "answer_missing"
    r = _json(client, "post", f"/api/surveys/answer/{sc.code}", {"answers": {"perpetrator": "0"}})
    assert r.status_code == 201 and r.json()["hurt_now"] is True and r.json()["help"]["police"] == "110"
    r = _json(
        client, "post", f"/api/surveys/answer/{sc.code}", {"answers": {"victim": "0", "perpetrator": "0"}}
    )
    assert r.status_code == 409 and r.json()["code"] == "code_used"
    assert client.get("/api/surveys/answer/ABCD-EFGH").json()["code"] == "code_unknown"
    assert _json(client, "post", "/api/surveys/answer/x", {"answers": []}).status_code in (404, 422)
    assert Response.objects.count() == 1 and not client.cookies


def test_results_api_hides_small_cells(cast: Cast, login) -> None:  # noqa: ANN001
    c = open_campaign(cast)
    answers_in(c, cast.class_a1, 12, bullied=3)
    answers_in(c, cast.class_a2, 2, bullied=1)
    client = login(cast.users["principal"])
    r = client.get(f"/api/surveys/campaigns/{c.pk}/results").json()
    assert r["total"]["n"] == 14
    assert all(cell["hidden"] and cell["n"] is None for cell in r["by_class"])
    county = login(cast.users["county_admin"]).get(f"/api/surveys/campaigns/{c.pk}/results").json()
    assert county["rollup_blocked"] is True and county["total"]["n"] is None
    assert (
        login(cast.users["county_admin"])
        .get(f"/api/surveys/campaigns/{c.pk}/results?school_id=0")
        .status_code
        == 422
    )
