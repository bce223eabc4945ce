"""When the database is down the child is told the letter was NOT sent, keeps the text, and a
retry with the letter's idempotency key stores it exactly once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.core.models import Notification
from anxin.intake.models import Report
from anxin.testing import frozen_time

from .test_public import ADDRESS, assert_nothing_identifying, assert_private

pytestmark = pytest.mark.django_db

TEXT = "班上有两个同学天天叫我难听的外号，还把我的书撕了"
REPORTS = "/api/intake/reports"


@contextmanager
def database_down(*, writes_only: bool = False) -> Iterator[None]:
    """Every query (or every write) fails as if PostgreSQL had gone away."""
    real = CursorWrapper.execute

    def execute(self, sql, params=None):  # noqa: ANN001, ANN202
        if not writes_only or sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "SAVEPOINT")):
            raise OperationalError("server closed the connection unexpectedly")
        return real(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", execute):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # noqa: ANN001, ANN201
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("writes_only", [False, True], ids=["all-down", "writes-fail"])
def test_database_down_says_not_sent_and_gives_the_letter_back(client, cast, writes_only):
    key = str(uuid.uuid4())
    url = reverse("box:box", args=[cast.school.code])
    with database_down(writes_only=writes_only):
        response = client.post(
            url, {"text": TEXT, "about": "self", "names": "初一(2)班 张某", "client_key": key}
        )
    assert response.status_code == 503
    assert_private(response)
    page = response.content.decode()
    assert "信未发送" in page and "没有送到学校" in page
    assert "没有丢失" not in page
    assert TEXT in page and "初一(2)班 张某" in page  # back in the form, from what was posted
    assert f'name="client_key" value="{key}"' in page  # the retry is the same letter
    assert 'href="tel:110"' in page and 'href="tel:12355"' in page
    assert Report.objects.count() == 0


def test_api_database_down_is_503_not_sent(client, cast):
    body = {"school": cast.school.code, "text": TEXT, "client_key": str(uuid.uuid4())}
    with database_down(writes_only=True):
        response = client.post(REPORTS, json.dumps(body), content_type="application/json")
    assert response.status_code == 503
    error = response.json()
    assert set(error) == {"code", "message", "detail"}
    assert error["code"] == "not_sent" and "信未发送" in error["message"]
    assert Report.objects.count() == 0


def test_retry_after_an_outage_stores_the_letter_once(client, cast):
    key = str(uuid.uuid4())
    url = reverse("box:box", args=[cast.school.code])
    letter = {"text": TEXT, "about": "self", "client_key": key}
    with database_down(writes_only=True):
        assert client.post(url, letter).status_code == 503
    first = client.post(url, letter)
    assert first.status_code == 200 and Report.objects.count() == 1


def test_same_key_twice_is_one_report_with_the_same_receipt(client, cast, django_capture_on_commit_callbacks):
    key = str(uuid.uuid4())
    url = reverse("box:box", args=[cast.school.code])
    letter = {"text": TEXT, "about": "self", "client_key": key}
    first = client.post(url, letter)
    # The answer was lost on the way (a proxy's 503, a dropped connection): the child sends again.
    second = client.post(url, letter)
    assert first.status_code == second.status_code == 200
    assert first.context["receipt"] == second.context["receipt"]
    assert Report.objects.count() == 1
    assert AuditEvent.objects.filter(action="report.received").count() == 1
    assert Notification.objects.filter(user=cast.users["principal"]).count() == 1
    # A new letter (a new key) is a new report.
    third = client.post(url, {**letter, "client_key": str(uuid.uuid4())})
    assert third.context["receipt"] != first.context["receipt"]
    assert Report.objects.count() == 2


def test_api_same_key_twice_is_one_report(client, cast):
    body = {"school": cast.school.code, "text": TEXT, "client_key": str(uuid.uuid4())}
    answers = [client.post(REPORTS, json.dumps(body), content_type="application/json") for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["receipt"] == answers[1].json()["receipt"]
    assert Report.objects.count() == 1


def test_the_key_is_never_stored_and_the_receipt_only_sealed(client, cast):
    key = str(uuid.uuid4())
    response = client.post(reverse("box:box", args=[cast.school.code]), {"text": TEXT, "client_key": key})
    receipt = response.context["receipt"]
    assert_nothing_identifying(key, key.replace("-", ""), receipt, receipt.replace("-", ""))


@frozen_time(datetime(2026, 12, 7, 10, 1))  # the limit's window is aligned to the clock
def test_a_retry_past_the_limit_still_gets_its_receipt(client, cast, settings):
    settings.INTAKE_SUBMIT_RATE = "1/10m"
    url = reverse("box:box", args=[cast.school.code])
    letter = {"text": TEXT, "client_key": str(uuid.uuid4())}
    first = client.post(url, letter, REMOTE_ADDR=ADDRESS)
    again = client.post(url, letter, REMOTE_ADDR=ADDRESS)
    assert again.status_code == 200 and again.context["receipt"] == first.context["receipt"]
    other = client.post(url, {**letter, "client_key": str(uuid.uuid4())}, REMOTE_ADDR=ADDRESS)
    assert other.status_code == 429


def test_a_malformed_key_is_a_clear_422(client, cast):
    response = client.post(reverse("box:box", args=[cast.school.code]), {"text": TEXT, "client_key": "abc"})
    assert response.status_code == 422
    assert "提交编号格式不正确" in response.content.decode()
    assert Report.objects.count() == 0


def test_box_page_with_the_database_down_says_so_before_anyone_writes(client, cast):
    with database_down():
        response = client.get(reverse("box:box", args=[cast.school.code]))
    assert response.status_code == 503
    assert_private(response)
    page = response.content.decode()
    assert "暂时出了故障" in page and 'href="tel:110"' in page
    assert "信未发送" not in page  # nothing was sent, nothing was lost


@pytest.mark.parametrize("where", ["other text", "other school"])
def test_a_key_reused_for_another_letter_is_refused_not_answered_with_the_first_receipt(client, cast, where):
    key = str(uuid.uuid4())
    first = client.post(reverse("box:box", args=[cast.school.code]), {"text": TEXT, "client_key": key})
    assert first.status_code == 200
    school, text = (
        (cast.school, "另一个孩子写的另一封信，内容完全不同")
        if where == "other text"
        else (cast.school_b, TEXT)
    )
    again = client.post(reverse("box:box", args=[school.code]), {"text": text, "client_key": key})
    assert again.status_code == 409
    page = again.content.decode()
    assert "这个提交编号已用于另一封信" in page and first.context["receipt"] not in page
    assert Report.objects.count() == 1


@pytest.mark.parametrize("writes_only", [False, True], ids=["all-down", "writes-fail"])
def test_an_outage_is_logged_for_the_operators_without_the_letter(client, cast, caplog, writes_only):
    with database_down(writes_only=writes_only), caplog.at_level("ERROR", logger="anxin.intake.views_public"):
        client.post(
            reverse("box:box", args=[cast.school.code]), {"text": TEXT, "client_key": str(uuid.uuid4())}
        )
    (record,) = [r for r in caplog.records if r.name == "anxin.intake.views_public"]
    assert record.getMessage() == "a letter could not be stored" and record.exc_info is not None
    assert TEXT not in caplog.text


def test_without_javascript_refreshing_the_receipt_page_files_no_second_letter(client, cast):
    import re

    url = reverse("box:box", args=[cast.school.code])
    form = client.get(url).content.decode()
    key = re.search(r'name="client_key" value="([0-9a-f-]{36})"', form).group(1)
    # A second visit gets another key: two letters are two reports.
    assert key not in client.get(url).content.decode()
    first = client.post(url, {"text": TEXT, "client_key": key})
    refreshed = client.post(url, {"text": TEXT, "client_key": key})  # the browser's "resend the form?"
    assert refreshed.status_code == 200 and refreshed.context["receipt"] == first.context["receipt"]
    assert Report.objects.count() == 1
