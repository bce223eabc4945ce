"""Login throttling per (account, source address) with a growing delay, and the owner's notice.

django-axes counts failures per account *and* address (``AXES_LOCKOUT_PARAMETERS``), so a stranger
who types a principal's username wrongly locks only their own address out, never the principal at
school. Each failure past the limit doubles the wait (``cool_off``), up to a day.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import AccountError

log = logging.getLogger(__name__)

MAX_COOL_OFF = timedelta(hours=24)


def client_ip(request: HttpRequest) -> str:
    """The address limits are counted for: the proxy's header if one is configured, else the peer."""
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    raw = (request.META.get(header) if header else "") or request.META.get("REMOTE_ADDR") or ""
    # A proxy header may list a chain; the first entry is the client the proxy saw.
    return raw.split(",")[0].strip()[:64]


def attempted_username(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    for value in (
        getattr(request, "anxin_login_username", None),
        (getattr(request, "axes_credentials", None) or {}).get("username"),
        request.POST.get("username") if request.method == "POST" else None,
    ):
        if value:
            return str(value)[:150]
    return None


def failures(username: str | None, ip_address: str | None) -> int:
    from axes.models import AccessAttempt

    if not username or not ip_address:
        return 0
    total = AccessAttempt.objects.filter(username=username, ip_address=ip_address).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def delay_for(count: int) -> timedelta:
    """15 minutes (AXES_COOLOFF_MINUTES) up to the limit, then doubled for each further failure."""
    base = timedelta(minutes=settings.AXES_COOLOFF_MINUTES)
    extra = max(0, count - settings.AXES_FAILURE_LIMIT)
    if extra > 10:
        return MAX_COOL_OFF
    return min(base * (2**extra), MAX_COOL_OFF)


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """django-axes' AXES_COOLOFF_TIME: how long this (account, address) is remembered and locked."""
    if request is None:
        return delay_for(0)
    return delay_for(failures(attempted_username(request), getattr(request, "axes_ip_address", None)))


def lockout_message(request: HttpRequest | None) -> str:
    minutes = int(cool_off(request).total_seconds() // 60)
    return _("登录失败次数过多，已锁定从当前网络地址登录该账号 %(minutes)d 分钟，请稍后再试。") % {
        "minutes": minutes
    }


def notify_owner(request: HttpRequest | None, username: str | None, ip_address: str | None) -> None:
    """Tell the account's owner once per lockout: at the failure that reaches the limit."""
    from anxin.core.notify import notify
    from anxin.org.models import User

    count = getattr(request, "axes_failures_since_start", None)
    if not username or count != settings.AXES_FAILURE_LIMIT:
        return
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        return
    try:
        notify(
            [user],
            title=_("您的账号有多次登录失败"),
            body=_(
                "有人从网络地址 %(ip)s 连续 %(count)d 次输错了您账号的密码或验证码，该地址已被暂停登录。"
                "您在其他地点仍可正常登录。如果不是您本人操作，请立即修改密码并告知管理员。"
            )
            % {"ip": ip_address or "?", "count": count},
            urgent=True,
            fresh=True,
        )
    except Exception:  # a notice must never turn a refused login into a server error
        log.exception("lockout notice failed")


def on_locked_out(
    sender: Any, request: HttpRequest | None = None, username: Any = None, **kwargs: Any
) -> None:
    notify_owner(request, username, kwargs.get("ip_address"))


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes calls this for a locked (account, address) pair."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": AccountError.LOCKED_OUT, "message": message, "detail": None}, status=429)
    return render(request, "core/error.html", {"title": _("暂时无法登录"), "message": message}, status=429)
