"""Outside channels: WeCom robot and application messages, DingTalk robot, Aliyun SMS, WeChat templates.

Each backend sends one short text to one address and raises :class:`ChannelError` with a reason a
person can read when the provider refuses or cannot be reached. Whether to try again, and when,
is :mod:`anxin.core.delivery`'s business. Endpoints come from settings (tests point them at a local
fake server); nothing here reads settings at import time.

Only the platform's own words go out ("城关二中有一条紧急举报待处理" and a link): never a child's
name nor what a report says.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

#: A WeCom group robot takes at most this many bytes of content and this many messages a minute.
WECOM_ROBOT_MAX_BYTES = 2048
WECOM_ROBOT_PER_MINUTE = 20


class ChannelError(Exception):
    """The provider refused or could not be reached; ``str()`` is the reason, kept on the delivery."""


class RateLimited(ChannelError):
    """Not sent now because of a provider's limit: try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def truncate_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


def _http(method: str, url: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8") if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ChannelError(f"无法连接：{exc}") from exc
    try:
        answer = json.loads(body or b"{}")
    except ValueError as exc:
        raise ChannelError("应答不是 JSON") from exc
    if not isinstance(answer, dict):
        raise ChannelError("应答格式不正确")
    return answer


def _check_errcode(answer: dict[str, Any]) -> None:
    if answer.get("errcode", 0) != 0:
        raise ChannelError(f"errcode {answer.get('errcode')}: {str(answer.get('errmsg', ''))[:200]}")


# --- WeCom group robot ---------------------------------------------------------------------------

_robot_sent: dict[str, list[float]] = {}


def wecom_robot_send(key: str, text: str, url: str = "", *, markdown: bool = False) -> None:
    """A message to a WeCom group robot (webhook with ``key``): at most 20 a minute, 2048 bytes."""
    now = time.monotonic()
    recent = [t for t in _robot_sent.get(key, []) if now - t < 60]
    if len(recent) >= WECOM_ROBOT_PER_MINUTE:
        raise RateLimited(
            "企业微信机器人每分钟最多 20 条，稍后重试", retry_after=int(60 - (now - recent[0])) + 1
        )
    if markdown:
        content = f"{text}\n[点击查看]({url})" if url else text
        body: dict[str, Any] = {
            "msgtype": "markdown",
            "markdown": {"content": truncate_utf8(content, WECOM_ROBOT_MAX_BYTES)},
        }
    else:
        content = f"{text}\n{url}" if url else text
        body = {"msgtype": "text", "text": {"content": truncate_utf8(content, WECOM_ROBOT_MAX_BYTES)}}
    endpoint = f"{settings.WECOM_API_BASE}/cgi-bin/webhook/send?" + urllib.parse.urlencode({"key": key})
    recent.append(now)
    _robot_sent[key] = recent
    _check_errcode(_http("POST", endpoint, body))


# --- WeCom application message -------------------------------------------------------------------

_tokens: dict[str, tuple[str, float]] = {}


def _token(cache_key: str, fetch: Callable[[], dict[str, Any]]) -> str:
    cached = _tokens.get(cache_key)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    answer = fetch()
    _check_errcode(answer)
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise ChannelError("未取得 access_token")
    # Refreshed a minute early: a token that expires mid-send is a failed alert.
    _tokens[cache_key] = (token, time.monotonic() + int(answer.get("expires_in", 7200)) - 60)
    return token


def forget_tokens() -> None:
    """Drop cached access tokens (tests; a rotated secret)."""
    _tokens.clear()
    _robot_sent.clear()


def wecom_app_send(userid: str, text: str, url: str = "") -> None:
    """An application message to one WeCom user: ``gettoken``, then ``message/send``."""
    base = settings.WECOM_API_BASE
    query = urllib.parse.urlencode(
        {"corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_CORP_SECRET}
    )
    token = _token(
        f"wecom:{settings.WECOM_CORP_ID}", lambda: _http("GET", f"{base}/cgi-bin/gettoken?{query}")
    )
    body = {
        "touser": userid,
        "msgtype": "text",
        "agentid": settings.WECOM_AGENT_ID,
        "text": {"content": f"{text}\n{url}" if url else text},
        "safe": 0,
    }
    endpoint = f"{base}/cgi-bin/message/send?" + urllib.parse.urlencode({"access_token": token})
    _check_errcode(_http("POST", endpoint, body))


# --- DingTalk robot ------------------------------------------------------------------------------


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """DingTalk's robot signature: base64(HMAC-SHA256("timestamp\\nsecret")), URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_send(access_token: str, text: str, url: str = "") -> None:
    """A text message to a DingTalk group robot, signed with the deployment's robot secret."""
    timestamp = int(time.time() * 1000)
    query = f"access_token={urllib.parse.quote(access_token)}&timestamp={timestamp}"
    if settings.DINGTALK_SECRET:
        query += f"&sign={dingtalk_sign(timestamp, settings.DINGTALK_SECRET)}"
    body = {"msgtype": "text", "text": {"content": f"{text}\n{url}" if url else text}}
    _check_errcode(_http("POST", f"{settings.DINGTALK_API_BASE}/robot/send?{query}", body))


# --- Aliyun SMS (dysmsapi SendSms, RPC signature v1) ---------------------------------------------


def _aliyun_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Aliyun's RPC signature: HMAC-SHA1 over ``GET&%2F&`` and the sorted, percent-encoded query."""
    canonical = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_aliyun_encode('/')}&{_aliyun_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def aliyun_sms_send(phone: str, text: str, url: str = "") -> None:
    """SendSms with the deployment's approved template, whose one variable ``content`` is ``text``."""
    params = {
        "AccessKeyId": settings.ALIYUN_ACCESS_KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": phone,
        "RegionId": "cn-hangzhou",
        "SignName": settings.ALIYUN_SMS_SIGN_NAME,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": secrets.token_hex(16),
        "SignatureVersion": "1.0",
        "TemplateCode": settings.ALIYUN_SMS_TEMPLATE,
        "TemplateParam": json.dumps({"content": f"{text} {url}".strip()}, ensure_ascii=False),
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    params["Signature"] = aliyun_signature(params, settings.ALIYUN_ACCESS_KEY_SECRET)
    answer = _http("GET", f"{settings.ALIYUN_SMS_ENDPOINT}?{urllib.parse.urlencode(params)}")
    if answer.get("Code") != "OK":
        raise ChannelError(f"{answer.get('Code')}: {str(answer.get('Message', ''))[:200]}")


class AliyunSmsBackend:  # without a Delivery row: see anxin.core.delivery.DeliverySmsBackend
    """The ``SMS_BACKEND`` interface (``send(to, body)``) over Aliyun SMS."""

    def send(self, to: str, body: str) -> None:
        aliyun_sms_send(to, body)


# --- WeChat official account template message ----------------------------------------------------


def wechat_template_send(openid: str, text: str, url: str = "") -> None:
    """A template message to a parent who has bound the official account (``openid``)."""
    base = settings.WECHAT_API_BASE
    query = urllib.parse.urlencode(
        {"grant_type": "client_credential", "appid": settings.WECHAT_APPID, "secret": settings.WECHAT_SECRET}
    )
    token = _token(f"wechat:{settings.WECHAT_APPID}", lambda: _http("GET", f"{base}/cgi-bin/token?{query}"))
    body = {
        "touser": openid,
        "template_id": settings.WECHAT_TEMPLATE_ID,
        "url": url,
        "data": {"first": {"value": text}, "remark": {"value": "请登录安心校园查看"}},
    }
    endpoint = f"{base}/cgi-bin/message/template/send?" + urllib.parse.urlencode({"access_token": token})
    _check_errcode(_http("POST", endpoint, body))


#: channel -> send(address, text, url)
SENDERS: dict[str, Callable[[str, str, str], None]] = {
    "wecom_robot": wecom_robot_send,
    "wecom_app": wecom_app_send,
    "dingtalk": dingtalk_send,
    "sms": aliyun_sms_send,
    "wechat": wechat_template_send,
}
