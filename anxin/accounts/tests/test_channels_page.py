"""The profile page where one chooses outside channels and quiet hours, and sees what was sent."""

from __future__ import annotations

from datetime import time

import pytest

from anxin.core.models import ChannelSettings, Delivery

pytestmark = pytest.mark.django_db
URL = "/account/channels/"


def test_choosing_channels_and_quiet_hours(cast, login, settings):
    settings.NOTIFY_CHANNELS = ["wecom_app", "sms"]
    client = login(cast.users["principal"])
    page = client.get(URL)
    assert page.status_code == 200 and "通知渠道与免打扰" in page.content.decode()
    response = client.post(
        URL,
        {
            "channels": ["wecom_app", "sms"],
            "wecom_userid": "ZhangSan",
            "sms_phone": "13800000009",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },  # fmt: skip
    )
    assert response.status_code == 302
    prefs = ChannelSettings.objects.get(user=cast.users["principal"])
    assert (prefs.channels, prefs.wecom_userid, prefs.quiet_start, prefs.quiet_end) == (
        ["wecom_app", "sms"], "ZhangSan", time(22), time(7)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"channels": ["pigeon"]}, "bad_channels"),
        ({"channels": ["wecom_app"]}, "channel_address_missing"),
        ({"channels": ["sms"], "sms_phone": "12345"}, "bad_channel_address"),
        ({"wecom_userid": "有 空格<script>"}, "bad_channel_address"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "bad_quiet_hours"),
        ({"quiet_start": "22:00"}, "bad_quiet_hours"),
    ],
)
def test_bad_input_is_422_with_a_chinese_message_and_code(cast, login, data, code):
    client = login(cast.users["principal"])
    response = client.post(URL, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'data-code="{code}"' in html and "channels-error" in html
    assert not ChannelSettings.objects.exists()


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_my_deliveries_are_listed_with_their_state(cast, login):
    user = cast.users["principal"]
    Delivery.objects.create(user=user, channel="sms", to="13800000009", text="x", status="gave_up", attempts=5,
                            last_error="HTTP 500")  # fmt: skip
    Delivery.objects.create(user=cast.users["vice_principal"], channel="sms", to="13900000000", text="y")
    html = login(user).get(URL).content.decode()
    assert "多次失败，已放弃" in html and "HTTP 500" in html and "13900000000" not in html
