from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.django_db


def _assert_refused(response) -> None:  # noqa: ANN001
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_characters"
    assert body["message"] == "提交的内容含有无法处理的控制字符，请删除后重试。"


def test_nul_in_an_api_query_is_422_not_a_database_error(login, cast):
    # Found by schemathesis: on PostgreSQL this was a 500 from the audit log's filter query.
    client = login(cast.users["principal"])
    _assert_refused(client.get("/api/audit/events", {"action": "report\x00"}))
    assert client.get("/api/audit/events", {"action": "report"}).status_code == 200


def test_nul_in_a_json_body_is_refused_and_nothing_is_stored(client, cast):
    from anxin.intake.models import Report

    body = {
        "school": cast.school.code,
        "text": "课间他们把我堵在楼梯口要钱\x00，说不给就打我",
        "about": "self",
    }
    _assert_refused(client.post("/api/intake/reports", json.dumps(body), content_type="application/json"))
    assert Report.objects.count() == 0


def test_nul_in_a_form_field_is_refused(client, cast):
    body = urlencode({"username": "t_principal\x00", "password": "x"})
    _assert_refused(client.post("/api/auth/token", body, content_type="application/x-www-form-urlencoded"))


def test_pages_outside_the_api_are_left_to_their_own_forms(client, cast):
    assert client.get("/box/follow/", {"x": "\x00"}).status_code == 200


def test_a_typed_backslash_u_0000_is_text_not_a_nul(client, cast):
    from anxin.intake.models import Report

    text = r"他在我本子上写了 \u0000 这样的乱码，还把本子扔进垃圾桶"
    body = {"school": cast.school.code, "text": text, "about": "self"}
    response = client.post("/api/intake/reports", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert Report.objects.get().text == text


def test_an_oversized_json_body_keeps_the_apis_413(client, cast):
    body = {"school": cast.school.code, "text": "很长" * 3_000_000}
    response = client.post("/api/intake/reports", json.dumps(body), content_type="application/json")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
