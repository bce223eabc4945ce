from __future__ import annotations

import json

import pytest
from django.test import Client

from anxin.testing import totp_code

pytestmark = pytest.mark.django_db


def _token(client: Client, username: str, password: str, otp: str | None = None):  # noqa: ANN202
    body = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return client.post("/api/auth/token", data=json.dumps(body), content_type="application/json")


def test_token_with_right_password_gives_token_and_expiry(client, cast, password):
    response = _token(client, "t_principal", password, totp_code(cast.users["principal"]))
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("ax_")
    assert "expires_at" in body
    listed = client.get("/api/org/students", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert listed.status_code == 200


def test_wrong_password_is_401_with_chinese_message(client, cast):
    response = _token(client, "t_principal", "wrong-password")
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"
    assert response.json()["message"] == "用户名或密码错误。"


def test_five_failures_lock_the_account_at_that_address_with_429(client, cast, password):
    for _ in range(5):
        assert _token(client, "t_principal", "nope-nope").status_code == 401
    locked = _token(client, "t_principal", password, totp_code(cast.users["principal"]))
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert "锁定" in locked.json()["message"]
    # Another account is not affected.
    assert _token(client, "t_moral_director", password).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        json.dumps({"username": "x"}),
        json.dumps([1, 2]),
        json.dumps({"username": 1, "password": None}),
    ],
)
def test_malformed_token_request_is_422_not_500(client, cast, body):
    response = client.post("/api/auth/token", data=body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("invalid_input", "bad_request")
    assert response.json()["message"]


def test_bad_token_is_401(client, cast):
    response = client.get("/api/org/students", HTTP_AUTHORIZATION="Bearer ax_not-a-real-token")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_503_when_database_unreachable(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", boom)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_openapi_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/auth/token" in paths
    assert "/api/org/students" in paths


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
