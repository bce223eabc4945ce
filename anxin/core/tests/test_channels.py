"""Each outside channel against a local fake server that checks the exact request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from urllib.parse import quote_plus

import pytest

from anxin.core import channels
from anxin.core.channels import ChannelError, RateLimited
from anxin.core.delivery import MAX_ATTEMPTS, backoff, deliveries_due, deliveries_plan, delivery_send
from anxin.core.models import ChannelSettings, Delivery, DeliveryStatus
from anxin.core.notify import notify
from anxin.testing import SHANGHAI, frozen_time

from .fakehttp import Seen, fake_server


@pytest.fixture
def fake(settings):  # noqa: ANN001, ANN201
    channels.forget_tokens()
    with fake_server() as server:
        settings.WECOM_API_BASE = server.url
        settings.DINGTALK_API_BASE = server.url
        settings.WECHAT_API_BASE = server.url
        settings.ALIYUN_SMS_ENDPOINT = server.url + "/"
        settings.WECOM_CORP_ID, settings.WECOM_CORP_SECRET, settings.WECOM_AGENT_ID = (
            "ww123",
            "corp-secret",
            1000002,
        )
        settings.DINGTALK_SECRET = "SEC-ding"
        settings.ALIYUN_ACCESS_KEY_ID, settings.ALIYUN_ACCESS_KEY_SECRET = "LTAI-id", "ali-secret"
        settings.ALIYUN_SMS_SIGN_NAME, settings.ALIYUN_SMS_TEMPLATE = "安心校园", "SMS_123"
        settings.WECHAT_APPID, settings.WECHAT_SECRET, settings.WECHAT_TEMPLATE_ID = (
            "wx-app",
            "wx-secret",
            "TPL1",
        )
        settings.NOTIFY_CHANNELS = ["wecom_robot", "wecom_app", "dingtalk", "sms", "wechat"]
        yield server
    channels.forget_tokens()


TEXT = "城关二中有一条紧急举报待处理"
LINK = "https://anxin.example.cn/intake/reports/7/"


def test_wecom_robot_text_is_the_documented_request(fake):
    channels.wecom_robot_send("robot-key", TEXT, LINK)
    (seen,) = fake.seen
    assert (seen.method, seen.path, seen.query) == ("POST", "/cgi-bin/webhook/send", {"key": "robot-key"})
    assert seen.headers["content-type"].startswith("application/json")
    assert seen.json() == {"msgtype": "text", "text": {"content": f"{TEXT}\n{LINK}"}}


def test_wecom_robot_markdown(fake):
    channels.wecom_robot_send("robot-key", TEXT, LINK, markdown=True)
    assert fake.seen[0].json() == {
        "msgtype": "markdown",
        "markdown": {"content": f"{TEXT}\n[点击查看]({LINK})"},
    }


def test_wecom_robot_content_is_cut_to_2048_bytes_on_a_character_boundary(fake):
    channels.wecom_robot_send("robot-key", "紧" * 1000)  # 3000 bytes of UTF-8
    content = fake.seen[0].json()["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048
    assert content == "紧" * 682  # 2046 bytes: the 683rd character would be cut in half


def test_truncate_utf8_keeps_short_text_and_mixed_text_whole_characters():
    assert channels.truncate_utf8("abc", 2048) == "abc"
    assert channels.truncate_utf8("a紧b", 3) == "a"


def test_wecom_robot_sends_at_most_20_a_minute_per_robot(fake):
    for _ in range(20):
        channels.wecom_robot_send("robot-key", TEXT)
    with pytest.raises(RateLimited) as exc:
        channels.wecom_robot_send("robot-key", TEXT)
    assert 0 < exc.value.retry_after <= 61
    channels.wecom_robot_send("other-robot", TEXT)  # the limit is per robot
    assert len(fake.seen) == 21


def test_wecom_robot_refusal_is_a_channel_error_with_its_reason(fake):
    fake.answer = lambda seen: (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    with pytest.raises(ChannelError, match="93000"):
        channels.wecom_robot_send("robot-key", TEXT)


def test_wecom_app_gets_a_token_then_sends_to_the_user(fake):
    def answer(seen: Seen) -> tuple[int, object]:
        if seen.path == "/cgi-bin/gettoken":
            return 200, {"errcode": 0, "access_token": "TOKEN-1", "expires_in": 7200}
        return 200, {"errcode": 0, "errmsg": "ok"}

    fake.answer = answer
    channels.wecom_app_send("zhangsan", TEXT, LINK)
    channels.wecom_app_send("lisi", TEXT, LINK)
    token, first, second = fake.seen  # the token is fetched once and kept
    assert (token.method, token.path, token.query) == (
        "GET",
        "/cgi-bin/gettoken",
        {"corpid": "ww123", "corpsecret": "corp-secret"},
    )
    assert (first.method, first.path, first.query) == (
        "POST",
        "/cgi-bin/message/send",
        {"access_token": "TOKEN-1"},
    )
    assert first.json() == {
        "touser": "zhangsan",
        "msgtype": "text",
        "agentid": 1000002,
        "text": {"content": f"{TEXT}\n{LINK}"},
        "safe": 0,
    }
    assert second.json()["touser"] == "lisi"


def test_dingtalk_robot_is_signed_with_timestamp_and_secret(fake):
    before = int(time.time() * 1000)
    channels.dingtalk_send("ding-token", TEXT, LINK)
    (seen,) = fake.seen
    assert (seen.method, seen.path) == ("POST", "/robot/send")
    assert seen.query["access_token"] == "ding-token"
    timestamp = int(seen.query["timestamp"])
    assert before <= timestamp <= int(time.time() * 1000)
    digest = hmac.new(b"SEC-ding", f"{timestamp}\nSEC-ding".encode(), hashlib.sha256).digest()
    assert seen.query["sign"] == base64.b64encode(digest).decode()  # parse_qs has URL-decoded it once
    assert seen.json() == {"msgtype": "text", "text": {"content": f"{TEXT}\n{LINK}"}}


def test_dingtalk_sign_is_url_encoded():
    sign = channels.dingtalk_sign(1700000000000, "SEC-ding")
    raw = base64.b64encode(hmac.new(b"SEC-ding", b"1700000000000\nSEC-ding", hashlib.sha256).digest())
    assert sign == quote_plus(raw)


def test_aliyun_sms_send_sms_request_and_signature(fake):
    fake.answer = lambda seen: (200, {"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"})
    channels.aliyun_sms_send("13800000009", TEXT, LINK)
    (seen,) = fake.seen
    assert (seen.method, seen.path) == ("GET", "/")
    q = dict(seen.query)
    signature = q.pop("Signature")
    assert q["Action"] == "SendSms" and q["Version"] == "2017-05-25"
    assert (
        q["PhoneNumbers"] == "13800000009" and q["SignName"] == "安心校园" and q["TemplateCode"] == "SMS_123"
    )
    assert (
        q["SignatureMethod"] == "HMAC-SHA1"
        and q["SignatureVersion"] == "1.0"
        and q["AccessKeyId"] == "LTAI-id"
    )
    assert json.loads(q["TemplateParam"]) == {"content": f"{TEXT} {LINK}"}
    datetime.strptime(q["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    assert signature == channels.aliyun_signature(q, "ali-secret")


def test_aliyun_signature_matches_the_documented_example():
    # Aliyun's RPC signature documentation: GET&%2F&<encoded sorted query>, key "secret&".
    params = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
              "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}  # fmt: skip
    assert channels.aliyun_signature(params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_sms_refusal_keeps_the_code(fake):
    fake.answer = lambda seen: (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})
    with pytest.raises(ChannelError, match="isv.BUSINESS_LIMIT_CONTROL"):
        channels.AliyunSmsBackend().send("13800000009", TEXT)


def test_wechat_template_message_to_a_bound_parent(fake):
    def answer(seen: Seen) -> tuple[int, object]:
        if seen.path == "/cgi-bin/token":
            return 200, {"access_token": "WX-TOKEN", "expires_in": 7200}
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": 1}

    fake.answer = answer
    channels.wechat_template_send("openid-parent", "城关二中给您发来一条通知", LINK)
    token, sent = fake.seen
    assert token.query == {"grant_type": "client_credential", "appid": "wx-app", "secret": "wx-secret"}
    assert (sent.path, sent.query) == ("/cgi-bin/message/template/send", {"access_token": "WX-TOKEN"})
    assert sent.json() == {
        "touser": "openid-parent",
        "template_id": "TPL1",
        "url": LINK,
        "data": {"first": {"value": "城关二中给您发来一条通知"}, "remark": {"value": "请登录安心校园查看"}},
    }


def test_an_unreachable_provider_is_a_channel_error(settings):
    settings.WECOM_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(ChannelError):
        channels.wecom_robot_send("k", TEXT)


# --- Deliveries ---------------------------------------------------------------------------------


def _prefs(user, **kw) -> ChannelSettings:  # noqa: ANN001
    return ChannelSettings.objects.create(user=user, **kw)


def test_notify_sends_to_each_chosen_enabled_channel_after_commit(
    cast, fake, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_CHANNELS = ["wecom_robot", "dingtalk"]  # wecom_app is chosen but not enabled here
    principal = cast.users["principal"]
    _prefs(principal, channels=["wecom_robot", "dingtalk", "wecom_app"], wecom_robot_key="rk", dingtalk_token="dt",
           wecom_userid="zs")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        notify([principal], title="紧急举报：凶器", url="/intake/reports/1/", urgent=True, subject_key="s:1",
               external=TEXT)  # fmt: skip
    assert sorted(s.path for s in fake.seen) == ["/cgi-bin/webhook/send", "/robot/send"]
    assert all("凶器" not in s.body.decode() for s in fake.seen)
    rows = Delivery.objects.order_by("channel")
    assert [(d.channel, d.to, d.status, d.attempts) for d in rows] == [
        ("dingtalk", "dt", "sent", 1),
        ("wecom_robot", "rk", "sent", 1),
    ]


def test_each_address_hears_of_a_subject_once(cast):
    user = cast.users["principal"]
    _prefs(user, channels=["sms"], sms_phone="13800000001")
    from django.test import override_settings

    with override_settings(NOTIFY_CHANNELS=["sms"]):
        first = deliveries_plan([user], text=TEXT, subject_key="k")
        again = deliveries_plan([user], text=TEXT, subject_key="k")
    assert len(first) == 1 and Delivery.objects.count() == 1 and again == first


def test_a_failure_is_retried_with_backoff_then_given_up(cast, fake):
    fake.answer = lambda seen: (500, {})
    user = cast.users["principal"]
    _prefs(user, channels=["dingtalk"], dingtalk_token="dt")
    start = datetime(2026, 3, 2, 22, 40, tzinfo=SHANGHAI)
    with frozen_time(start):
        (pk,) = deliveries_plan([user], text=TEXT, urgent=True)
        assert delivery_send(pk) == DeliveryStatus.FAILED
    d = Delivery.objects.get(pk=pk)
    assert (d.attempts, d.last_error) == (1, "HTTP 500")
    assert d.next_attempt_at == start + timedelta(seconds=30)
    assert backoff(2) == timedelta(seconds=60) and backoff(4) == timedelta(seconds=240)
    moment = start
    for attempt in range(2, MAX_ATTEMPTS + 1):
        assert deliveries_due(moment) == 0 or attempt > 2  # nothing is due before its time
        moment = Delivery.objects.get(pk=pk).next_attempt_at
        assert deliveries_due(moment) == 1
        assert Delivery.objects.get(pk=pk).attempts == attempt
    d = Delivery.objects.get(pk=pk)
    assert (d.status, d.attempts, d.next_attempt_at) == (DeliveryStatus.GAVE_UP, MAX_ATTEMPTS, None)
    assert len(fake.seen) == MAX_ATTEMPTS
    fake.answer = lambda seen: (200, {"errcode": 0})
    assert deliveries_due(moment + timedelta(days=1)) == 0  # given up is final


def test_a_retry_that_succeeds_is_sent(cast, fake):
    answers = iter([(500, {}), (200, {"errcode": 0})])
    fake.answer = lambda seen: next(answers)
    user = cast.users["principal"]
    _prefs(user, channels=["dingtalk"], dingtalk_token="dt")
    (pk,) = deliveries_plan([user], text=TEXT, urgent=True)
    delivery_send(pk)
    deliveries_due(Delivery.objects.get(pk=pk).next_attempt_at)
    d = Delivery.objects.get(pk=pk)
    assert (d.status, d.attempts, d.last_error) == (DeliveryStatus.SENT, 2, "HTTP 500")


def test_sms_backend_with_deliveries_records_and_sends_through_aliyun(cast, fake, settings):
    fake.answer = lambda seen: (200, {"Code": "OK", "Message": "OK"})
    settings.SMS_BACKEND = "anxin.core.delivery.DeliverySmsBackend"
    from anxin.core.notify import sms_backend

    sms_backend().send("13800000009", TEXT)
    d = Delivery.objects.get()
    assert (d.channel, d.to, d.status) == ("sms", "13800000009", DeliveryStatus.SENT)
    assert fake.seen[0].query["PhoneNumbers"] == "13800000009"


def test_a_rate_limited_message_waits_without_counting_an_attempt(cast, fake):
    user = cast.users["principal"]
    _prefs(user, channels=["wecom_robot"], wecom_robot_key="rk")
    for _ in range(20):
        channels.wecom_robot_send("rk", TEXT)
    (pk,) = deliveries_plan([user], text=TEXT, urgent=True)
    delivery_send(pk)
    d = Delivery.objects.get(pk=pk)
    assert (d.status, d.attempts) == (DeliveryStatus.PENDING, 0) and "20" in d.last_error


def test_a_claimed_delivery_is_not_sent_twice(cast, fake):
    user = cast.users["principal"]
    _prefs(user, channels=["dingtalk"], dingtalk_token="dt")
    (pk,) = deliveries_plan([user], text=TEXT, urgent=True)
    assert delivery_send(pk) == DeliveryStatus.SENT
    assert delivery_send(pk) is None
    assert len(fake.seen) == 1


@pytest.mark.parametrize(
    ("hour", "urgent", "planned"), [(23, False, 0), (23, True, 1), (12, False, 1), (6, False, 0)]
)
def test_quiet_hours_hold_back_all_but_urgent(cast, settings, hour, urgent, planned):
    settings.NOTIFY_CHANNELS = ["sms"]
    user = cast.users["principal"]
    _prefs(user, channels=["sms"], sms_phone="13800000001", quiet_start=dtime(22), quiet_end=dtime(7))
    with frozen_time(datetime(2026, 3, 2, hour, 30)):
        assert len(deliveries_plan([user], text=TEXT, urgent=urgent)) == planned


def test_operators_see_every_delivery_and_others_get_404(cast, login, django_user_model):
    Delivery.objects.create(channel="sms", to="13800000009", text="x", status="failed", last_error="HTTP 503")
    assert login(cast.users["principal"]).get("/notifications/deliveries/").status_code == 404
    admin = django_user_model.objects.create_user("ops", password="x" * 12, is_superuser=True)
    client = login(admin)
    html = client.get("/notifications/deliveries/?status=failed").content.decode()
    assert "发送失败，等待重试" in html and "HTTP 503" in html
    bad = client.get("/notifications/deliveries/?status=lost")
    assert bad.status_code == 422 and 'data-code="invalid"' in bad.content.decode()
    assert "状态的选项不正确" in bad.content.decode()
