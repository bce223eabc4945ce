"""A flood cannot drown the 爱心信箱: a limit per address and school, urgent letters never suspect,
and a burst of letters is one notice to the staff, not a hundred."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.urls import reverse

from anxin.core.models import Notification
from anxin.intake import selectors, services
from anxin.intake.models import Report
from anxin.testing import frozen_time

from .test_public import ADDRESS, assert_private

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
KNIFE = "宿舍两个室友每天晚上打我，还说明天带刀来收拾我"
QUEUE_STAFF = {"t_principal", "t_vice_principal", "t_moral_director", "t_safety_officer"}


def letter(i: int, **extra: object) -> dict[str, object]:
    return {"text": f"第{i}封：班上有人一直叫我外号，还把我的书撕了", "about": "self", **extra}


@pytest.fixture
def rate(settings):  # noqa: ANN001, ANN201
    settings.INTAKE_SUBMIT_RATE = "10/10m"
    # The limit's windows are aligned to the clock: a test crossing a boundary would start afresh.
    with frozen_time(datetime(2026, 11, 3, 21, 1, 0, tzinfo=SHANGHAI)):
        yield settings


# --- The limit per address and school -----------------------------------------------------------


def test_eleventh_letter_from_one_address_gets_a_calm_429_and_keeps_the_text(client, cast, rate):
    url = reverse("box:box", args=[cast.school.code])
    for i in range(10):
        assert client.post(url, letter(i), REMOTE_ADDR=ADDRESS).status_code == 200
    refused = client.post(url, letter(10), REMOTE_ADDR=ADDRESS)
    assert refused.status_code == 429
    assert_private(refused)
    page = refused.content.decode()
    assert "没有发送出去" in page and "请过 10 分钟再发送" in page
    assert "110" in page and "12355" in page and 'href="tel:110"' in page
    assert "第10封：班上有人一直叫我外号" in page  # the letter is still in the form
    assert Report.objects.count() == 10
    # Someone else, or the same address writing to another school, is not held up.
    assert client.post(url, letter(11), REMOTE_ADDR="198.51.100.9").status_code == 200
    other = reverse("box:box", args=[cast.school_b.code])
    assert client.post(other, letter(12), REMOTE_ADDR=ADDRESS).status_code == 200
    assert Report.objects.count() == 12


def test_refused_forms_do_not_count_towards_the_limit(client, cast, rate):
    url = reverse("box:box", args=[cast.school.code])
    for _ in range(12):
        assert client.post(url, {"text": "太短"}, REMOTE_ADDR=ADDRESS).status_code == 422
    assert client.post(url, letter(1), REMOTE_ADDR=ADDRESS).status_code == 200


def test_api_limit_answers_429_with_a_stable_code(client, cast, rate):
    rate.INTAKE_SUBMIT_RATE = "2/10m"
    body = {"school": cast.school.code, "text": "班上有人一直叫我外号，还把我的书撕了"}
    for _ in range(2):
        ok = client.post(
            "/api/intake/reports", json.dumps(body), content_type="application/json", REMOTE_ADDR=ADDRESS
        )
        assert ok.status_code == 201
    refused = client.post(
        "/api/intake/reports", json.dumps(body), content_type="application/json", REMOTE_ADDR=ADDRESS
    )
    assert refused.status_code == 429
    error = refused.json()
    assert set(error) == {"code", "message", "detail"}
    assert error["code"] == "too_many_reports"
    assert "110" in error["message"] and "12355" in error["message"]
    assert "Set-Cookie" not in refused.headers
    assert Report.objects.count() == 2


def test_the_limit_keeps_no_address_in_the_cache(client, cast, rate):
    url = reverse("box:box", args=[cast.school.code])
    client.post(url, letter(1), REMOTE_ADDR=ADDRESS)
    cache = caches["default"]._cache
    assert cache  # the counter is there ...
    assert all(ADDRESS not in str(key) and ADDRESS not in str(value) for key, value in cache.items())


# --- Urgent letters are never buried -------------------------------------------------------------


def test_urgent_letter_past_the_hourly_cap_is_not_suspect_and_pinned_on_top(cast, settings):
    settings.INTAKE_SCHOOL_HOURLY_CAP = 3
    for i in range(5):
        services.report_submit(school_code=cast.school.code, **letter(i))
    assert Report.objects.filter(suspect=True).count() == 2
    urgent = services.report_submit(school_code=cast.school.code, text=KNIFE).report
    after = services.report_submit(school_code=cast.school.code, **letter(9)).report
    urgent.refresh_from_db()
    assert urgent.urgent is True
    assert urgent.suspect is False and urgent.suspect_reasons == []
    assert after.suspect is True  # the flood itself is still marked
    queue = list(selectors.reports_visible(cast.users["principal"], open_only=True))
    assert queue[0] == urgent
    # The same text twice is no reason to doubt a child in danger either.
    again = services.report_submit(school_code=cast.school.code, text=KNIFE + "！").report
    assert again.suspect is False


# --- A burst of letters is one notice -----------------------------------------------------------


def _notices(cast):  # noqa: ANN001, ANN202
    return Notification.objects.filter(user__in=cast.users.values())


def test_a_burst_of_ordinary_letters_is_one_notice_per_person(cast, django_capture_on_commit_callbacks):
    with frozen_time(datetime(2026, 11, 3, 21, 0, 5, tzinfo=SHANGHAI)) as clock:
        for i in range(7):
            services.report_submit(school_code=cast.school.code, **letter(i))
            clock.shift(30)
        notices = _notices(cast).filter(urgent=False)
        assert set(notices.values_list("user__username", flat=True)) == QUEUE_STAFF
        assert notices.count() == len(QUEUE_STAFF)  # one each, not seven each
        assert set(notices.values_list("title", flat=True)) == {"7 条新举报"}
        assert set(notices.values_list("url", flat=True)) == {reverse("intake:queue")}
        # Urgent letters still each alert the leaders at once, by SMS and email too.
        with django_capture_on_commit_callbacks(execute=True):
            services.report_submit(school_code=cast.school.code, text=KNIFE)
            services.report_submit(school_code=cast.school.code, text="他们说放学后要用刀捅我，我很害怕")
        urgent = _notices(cast).filter(urgent=True, user=cast.users["principal"])
        assert urgent.count() == 2


def test_a_read_group_notice_comes_back_unread_with_the_new_count(cast):
    with frozen_time(datetime(2026, 11, 3, 21, 0, 5, tzinfo=SHANGHAI)):
        services.report_submit(school_code=cast.school.code, **letter(1))
        notice = _notices(cast).get(user=cast.users["principal"])
        assert notice.title == "新的欺凌举报"
        assert notice.url == reverse("intake:report", args=[Report.objects.get().pk])
        Notification.objects.filter(pk=notice.pk).update(read_at=notice.created_at)
        services.report_submit(school_code=cast.school.code, **letter(2))
        notice.refresh_from_db()
        assert notice.read_at is None and notice.title == "2 条新举报"


def test_the_next_window_starts_a_new_notice(cast, settings):
    settings.INTAKE_ALERT_WINDOW = 600
    with frozen_time(datetime(2026, 11, 3, 21, 0, 5, tzinfo=SHANGHAI)) as clock:
        services.report_submit(school_code=cast.school.code, **letter(1))
        clock.shift(600)
        services.report_submit(school_code=cast.school.code, **letter(2))
    titles = list(_notices(cast).filter(user=cast.users["principal"]).values_list("title", flat=True))
    assert titles == ["新的欺凌举报", "新的欺凌举报"]


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(client, cast, rate):
    # Without CLIENT_IP_HEADER the address is the connection's own; headers a sender writes are ignored.
    rate.INTAKE_SUBMIT_RATE = "2/10m"
    url = reverse("box:box", args=[cast.school.code])
    answers = [
        client.post(
            url,
            letter(i),
            REMOTE_ADDR=ADDRESS,
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
            HTTP_X_REAL_IP=f"10.0.1.{i}",
        ).status_code
        for i in range(4)
    ]
    assert answers == [200, 200, 429, 429]
