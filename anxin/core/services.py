from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.services import audit_record

from .errors import ServiceError
from .models import ApiToken, hash_token


class BadCredentials(ServiceError):
    status = 401
    code = "bad_credentials"


class LockedOut(ServiceError):
    status = 429
    code = "locked_out"


@dataclass
class IssuedToken:
    token: str
    expires_at: datetime


def token_issue(*, request: HttpRequest, username: str, password: str) -> IssuedToken:
    """Exchange a username and password for a bearer token; failures count towards the lockout."""
    if not AxesProxyHandler.is_allowed(request, {"username": username}):
        raise LockedOut(_("登录失败次数过多，账号已暂时锁定，请15分钟后再试。"))
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        # This attempt was checked and failed: answer 401 even if it was the one that locked
        # the account; the lock answers the attempts after it.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise BadCredentials(_("用户名或密码错误。"))
    raw = ApiToken.generate()
    expires = timezone.now() + settings.API_TOKEN_TTL
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, key_hash=hash_token(raw), prefix=raw[3:9], expires_at=expires
        )
        audit_record(actor=user, action="auth.token_issued", subject=token, subject_label=token.prefix)
    return IssuedToken(token=raw, expires_at=expires)


def token_user(raw: str):
    if not raw or len(raw) > 200:
        return None
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=hash_token(raw), revoked=False)
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
