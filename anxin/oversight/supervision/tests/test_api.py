from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.test import Client
from PIL import Image

from anxin.oversight.supervision import services
from anxin.oversight.supervision.models import Notice, NoticeReceipt, Order, ScorecardPolicy, Visit
from anxin.testing import Cast

pytestmark = pytest.mark.django_db

API = "/api/oversight"
TODAY = date(2026, 11, 16)
LATER = (TODAY + timedelta(days=7)).isoformat()


@pytest.fixture(autouse=True)
def _today(clock) -> None:  # noqa: ANN001
    clock(TODAY)


def _post(client: Client, url: str, data: object):  # noqa: ANN202
    return client.post(url, data, content_type="application/json")


def _order(cast: Cast) -> Order:
    return services.order_issue(
        actor=cast.users["county_admin"], school=cast.school, title="海报", items=["打印海报"], deadline=TODAY
    )


def test_the_order_loop_through_the_api(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["county_admin"])
    r = _post(
        client,
        f"{API}/orders",
        {
            "school": cast.school.pk,
            "title": "1530无记录",
            "items": [{"text": "补齐", "item": "safety_1530"}],
            "deadline": LATER,
        },
    )
    assert r.status_code == 201, r.content
    order_id = r.json()["id"]
    assert r.json()["status"] == "issued"
    client.force_login(cast.users["principal"])
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    buf.seek(0)
    buf.name = "e.png"
    r = client.post(f"{API}/orders/{order_id}/respond", {"response": "已补齐", "evidence": buf})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "responded" and r.json()["has_evidence"]
    client.force_login(cast.users["county_admin"])
    r = _post(client, f"{API}/orders/{order_id}/check", {"action": "send_back", "reason": "不全"})
    assert r.json()["status"] == "returned"
    client.force_login(cast.users["principal"])
    r = _post(client, f"{API}/orders/{order_id}/respond", {"response": "再补"})
    assert r.json()["status"] == "responded"
    client.force_login(cast.users["county_admin"])
    r = _post(client, f"{API}/orders/{order_id}/check", {"action": "close"})
    assert r.json()["status"] == "closed"
    assert [o["id"] for o in client.get(f"{API}/orders?status=closed").json()] == [order_id]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"school": 0}, "invalid_input"),
        ({"school": "x"}, "invalid_input"),
        ({"title": "x", "items": [{"text": "a"}], "deadline": "2020-01-01"}, "order_deadline_past"),
        ({"title": "x", "items": [], "deadline": LATER}, "order_items_invalid"),
        ({"title": "", "items": [{"text": "a"}], "deadline": LATER}, "missing_inputs"),
        ({"title": "x", "items": [{"text": "a"}], "deadline": "soon"}, "invalid_input"),
        ({"title": "x", "items": [{"text": "a"}], "deadline": LATER, "level": "loud"}, "invalid_input"),
        ({"title": "x", "items": [{"text": "a", "item": "nope"}], "deadline": LATER}, "order_items_invalid"),
    ],
)
def test_bad_order_bodies(cast: Cast, client: Client, body: dict, code: str) -> None:
    client.force_login(cast.users["county_admin"])
    r = _post(client, f"{API}/orders", {"school": cast.school.pk, **body})
    assert 400 <= r.status_code < 500 and r.json()["code"] == code, r.content
    assert r.json()["message"]
    assert not Order.objects.exists()


def test_bad_respond_and_check_bodies(cast: Cast, client: Client) -> None:
    order = _order(cast)
    client.force_login(cast.users["principal"])
    r = client.post(f"{API}/orders/{order.pk}/respond", "{not json", content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "bad_json"
    r = _post(client, f"{API}/orders/{order.pk}/respond", {"response": 5})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    r = _post(client, f"{API}/orders/{order.pk}/respond", {"response": ""})
    assert r.status_code == 422 and r.json()["code"] == "missing_inputs"
    r = client.post(f"{API}/orders/{order.pk}/respond", {"response": "x", "evidence": io.BytesIO(b"junk")})
    assert r.status_code == 422 and r.json()["code"] == "evidence_invalid"
    r = _post(client, f"{API}/orders/{order.pk}/check", {"action": "close"})
    assert r.status_code == 403
    client.force_login(cast.users["county_admin"])
    r = _post(client, f"{API}/orders/{order.pk}/check", {"action": "explode"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    r = _post(client, f"{API}/orders/{order.pk}/check", {"action": "close"})
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"
    assert Order.objects.get(pk=order.pk).status == "issued"


def test_another_countys_order_is_404_in_the_api(cast: Cast, client: Client) -> None:
    order = _order(cast)
    client.force_login(cast.far_outsider)
    assert client.get(f"{API}/orders/{order.pk}").status_code == 404
    assert _post(client, f"{API}/orders/{order.pk}/respond", {"response": "x"}).status_code == 404
    assert client.get(f"{API}/orders").json() == []
    client.force_login(cast.users["county_admin"])
    r = _post(
        client,
        f"{API}/orders",
        {"school": cast.school_c.pk, "title": "x", "items": [{"text": "a"}], "deadline": LATER},
    )
    assert r.status_code == 404
    assert client.get(f"{API}/orders/999999").status_code == 404


def test_scorecard_api(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["county_admin"])
    r = client.get(f"{API}/scorecard")
    assert r.status_code == 200 and {c["school"]["id"] for c in r.json()} == {
        cast.school.pk,
        cast.school_b.pk,
    }
    assert len(r.json()[0]["items"]) == 11
    assert client.get(f"{API}/scorecard/{cast.school.pk}").status_code == 200
    assert client.get(f"{API}/scorecard/{cast.school_c.pk}").status_code == 404
    r = client.get(f"{API}/scorecard?term=bad")
    assert r.status_code == 400 and r.json()["code"] == "scorecard_bad_term"
    r = _post(client, f"{API}/policies", {"unit": cast.county.pk, "rules": {"pass_percent": 80}})
    assert r.status_code == 201 and r.json()["version"] == 1
    r = _post(client, f"{API}/policies", {"unit": cast.county.pk, "rules": {"pass_percent": "high"}})
    assert r.status_code == 422 and r.json()["code"] == "scorecard_policy_invalid"
    r = _post(client, f"{API}/policies", {"unit": cast.county2.pk, "rules": {}})
    assert r.status_code == 404
    r = _post(client, f"{API}/policies", {"unit": "x", "rules": []})
    assert r.status_code == 422
    assert ScorecardPolicy.objects.count() == 1


def test_visits_api(cast: Cast, client: Client) -> None:
    inspector = cast.users["inspector"]
    services.inspector_assign(actor=cast.users["county_admin"], inspector_id=inspector.pk, school=cast.school)
    client.force_login(inspector)
    body = {"school": cast.school.pk, "results": {"committee": {"result": "fails", "note": "缺家长代表"}}}
    r = _post(client, f"{API}/visits", body)
    assert r.status_code == 201, r.content
    assert [v["id"] for v in client.get(f"{API}/visits").json()] == [r.json()["id"]]
    for bad, code in [
        ({"school": cast.school.pk, "results": {}}, "checklist_invalid"),
        ({"school": cast.school.pk, "results": {"committee": {"result": "meh"}}}, "invalid_input"),
        ({"school": cast.school.pk, "results": {"x": {"result": "meets"}}}, "checklist_invalid"),
        (
            {
                "school": cast.school.pk,
                "results": {"committee": {"result": "meets"}},
                "visited_on": "2099-01-01",
            },
            "visit_date_future",
        ),
        ({"school": cast.school_b.pk, "results": {"committee": {"result": "meets"}}}, "not_found"),
    ]:
        r = _post(client, f"{API}/visits", bad)
        assert 400 <= r.status_code < 500 and r.json()["code"] == code, (bad, r.content)
    assert Visit.objects.count() == 1
    assert client.get(f"{API}/visits?school=abc").status_code == 422


def test_notices_api(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["county_admin"])
    r = _post(client, f"{API}/notices", {"unit": cast.county.pk, "title": "通报", "body": "内容"})
    assert r.status_code == 201 and len(r.json()["receipts"]) == 2
    notice_id = r.json()["id"]
    for bad in [{"unit": cast.county.pk, "title": "", "body": ""}, {"unit": 0, "title": "a", "body": "b"}]:
        assert 400 <= _post(client, f"{API}/notices", bad).status_code < 500
    assert (
        _post(client, f"{API}/notices", {"unit": cast.county2.pk, "title": "a", "body": "b"}).status_code
        == 404
    )
    assert Notice.objects.count() == 1
    client.force_login(cast.users["principal"])
    mine = client.get(f"{API}/notices").json()
    assert len(mine) == 1 and len(mine[0]["receipts"]) == 1
    receipt = mine[0]["receipts"][0]["id"]
    r = _post(client, f"{API}/notices/{notice_id}/read", {"receipt": receipt})
    assert r.status_code == 200 and r.json()["receipts"][0]["read"]
    assert _post(client, f"{API}/notices/{notice_id}/read", {"receipt": receipt}).status_code == 409
    other = NoticeReceipt.objects.get(school=cast.school_b).pk
    assert _post(client, f"{API}/notices/{notice_id}/read", {"receipt": other}).status_code == 404
    assert _post(client, f"{API}/notices/{notice_id}/read", {"receipt": "x"}).status_code == 422
    client.force_login(cast.far_outsider)
    assert client.get(f"{API}/notices").json() == []


def test_extend_and_cancel_through_the_api(cast: Cast, client: Client) -> None:
    order = _order(cast)
    client.force_login(cast.users["principal"])
    r = _post(client, f"{API}/orders/{order.pk}/extend", {"deadline": LATER, "reason": "x"})
    assert r.status_code == 403
    client.force_login(cast.far_outsider)
    assert _post(client, f"{API}/orders/{order.pk}/cancel", {"reason": "x"}).status_code == 404
    client.force_login(cast.users["county_admin"])
    r = _post(client, f"{API}/orders/{order.pk}/extend", {"deadline": "someday", "reason": "x"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    r = _post(client, f"{API}/orders/{order.pk}/extend", {"deadline": TODAY.isoformat(), "reason": "x"})
    assert r.status_code == 422 and r.json()["code"] == "order_deadline_not_later"
    r = _post(client, f"{API}/orders/{order.pk}/extend", {"deadline": LATER, "reason": "等设备到货"})
    assert r.status_code == 200 and r.json()["deadline"] == LATER
    r = _post(client, f"{API}/orders/{order.pk}/cancel", {})
    assert r.status_code == 422
    r = _post(client, f"{API}/orders/{order.pk}/cancel", {"reason": "误发"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = _post(client, f"{API}/orders/{order.pk}/extend", {"deadline": LATER, "reason": "x"})
    assert r.status_code == 409


def test_a_visit_through_the_api_with_a_key_and_photos(cast: Cast, client: Client) -> None:
    inspector = cast.users["inspector"]
    services.inspector_assign(actor=cast.users["county_admin"], inspector_id=inspector.pk, school=cast.school)
    client.force_login(inspector)
    key = "0b5b1f0e-3c1a-4a4e-9d57-6a0e7e5f2c10"
    body = {"school": cast.school.pk, "results": {"committee": {"result": "meets"}}, "client_key": key}
    first, again = _post(client, f"{API}/visits", body), _post(client, f"{API}/visits", body)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert Visit.objects.count() == 1
    r = _post(client, f"{API}/visits", {**body, "client_key": "xyz"})
    assert r.status_code == 422 and r.json()["code"] == "bad_client_key"
    url = f"{API}/visits/{first.json()['id']}/photos"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buf, "JPEG")
    r = client.post(url, {"photo": io.BytesIO(b"junk")})
    assert r.status_code == 422 and r.json()["code"] == "photo_bad_type"
    r = _post(client, url, {"photo": "x"})
    assert r.status_code == 422 and r.json()["code"] == "evidence_invalid"
    photo = io.BytesIO(buf.getvalue())
    photo.name = "a.jpg"
    r = client.post(url, {"photo": photo})
    assert r.status_code == 201 and r.json()["photos"] == 1
    client.force_login(cast.far_outsider)
    photo.seek(0)
    assert client.post(url, {"photo": photo}).status_code == 404
