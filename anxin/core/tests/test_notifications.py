from __future__ import annotations

import pytest

from anxin.core.models import Notification
from anxin.core.notify import notify

pytestmark = pytest.mark.django_db


def test_notify_once_per_subject(cast):
    principal = cast.users["principal"]
    notify([principal, principal], title="测试", subject_key="x:1")
    notify([principal], title="测试", subject_key="x:1")
    assert Notification.objects.filter(user=principal).count() == 1


def test_notifications_page_shows_own_only_and_opens(cast, login):
    principal = cast.users["principal"]
    notify([principal], title="紧急举报：凶器", url="/intake/", urgent=True, subject_key="a")
    notify([cast.outsider], title="别人的通知", subject_key="b")
    mine = Notification.objects.get(user=principal, subject_key="a")
    other = Notification.objects.get(user=cast.outsider, subject_key="b")
    client = login(principal)
    page = client.get("/notifications/").content.decode()
    assert "紧急举报：凶器" in page and "别人的通知" not in page
    home = client.get("/").content.decode()
    assert 'data-testid="notifications-link"' in home and "btn-danger" in home
    response = client.post(f"/notifications/{mine.pk}/")
    assert response.status_code == 302 and response["Location"] == "/intake/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post(f"/notifications/{other.pk}/").status_code == 404


def test_notification_with_outside_url_does_not_redirect_away(cast, login):
    principal = cast.users["principal"]
    notify([principal], title="x", url="https://evil.example.com/", subject_key="c")
    notice = Notification.objects.get(user=principal, subject_key="c")
    response = login(principal).post(f"/notifications/{notice.pk}/")
    assert response["Location"] == "/notifications/"


def test_notifications_are_listed_newest_first_with_their_absolute_local_time(cast, login):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    principal = cast.users["principal"]
    shanghai = ZoneInfo("Asia/Shanghai")
    for key, title, hour, read in (("old", "较早的通知", 8, False), ("new", "较新的通知", 22, True)):
        notify([principal], title=title, subject_key=key)
        Notification.objects.filter(subject_key=key).update(
            created_at=datetime(2026, 12, 1, hour, 40, tzinfo=shanghai),
            read_at=datetime(2026, 12, 2, tzinfo=shanghai) if read else None,
        )
    page = login(principal).get("/notifications/").content.decode()
    # Read or not, newest first; times in Asia/Shanghai, not UTC.
    assert page.index("较新的通知") < page.index("较早的通知")
    assert "2026-12-01 22:40" in page and "2026-12-01 08:40" in page
