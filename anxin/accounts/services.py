"""Account security: passwords, the second factor, API tokens and the lockout notice.

Every write here is a keyword-only service with its audit event in the same transaction.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.audit.services import audit_record
from anxin.core.errors import ErrorCode, Invalid, NotFound, ServiceError
from anxin.core.models import ApiToken, hash_token
from anxin.org.models import Role, User

from . import events
from .errors import AccountError
from .lockout import lockout_message
from .models import PasswordChangeRequired

#: Roles whose holders must use a second factor; members of a school's committee must too.
SECOND_FACTOR_ROLES = (Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.PRINCIPAL)
RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"


class BadCredentials(ServiceError):
    status = 401
    code = AccountError.BAD_CREDENTIALS


class LockedOut(ServiceError):
    status = 429
    code = AccountError.LOCKED_OUT


class SecondFactorError(ServiceError):
    status = 401
    code = AccountError.OTP_REQUIRED


class AccountBlocked(ServiceError):
    status = 403
    code = AccountError.PASSWORD_CHANGE_REQUIRED


# --- who needs what --------------------------------------------------------------------------


def _needs_second_factor() -> Q:
    """City and county administrators, principals and committee members must use a second factor."""
    return Q(assignments__role__in=SECOND_FACTOR_ROLES) | Q(committees__active=True)


def second_factor_required(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return User.objects.filter(pk=user.pk).filter(_needs_second_factor()).exists()


def second_factor_enrolled(user: Any) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def password_change_pending(user: Any) -> bool:
    return PasswordChangeRequired.objects.filter(user_id=user.pk).exists()


@dataclass(frozen=True)
class AccountState:
    password_change_pending: bool
    second_factor_enrolled: bool
    second_factor_required: bool


def account_state(user: Any) -> AccountState:
    """The three facts the account gate asks on every request, in one query."""
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            pending=Exists(PasswordChangeRequired.objects.filter(user_id=OuterRef("pk"))),
            enrolled=Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)),
            required=Exists(User.objects.filter(pk=OuterRef("pk")).filter(_needs_second_factor())),
        )
        .values_list("pending", "enrolled", "required")
        .first()
    )
    return AccountState(*row) if row is not None else AccountState(False, False, False)


# --- passwords -------------------------------------------------------------------------------


def password_problems(password: str, user: Any) -> list[str]:
    """Django's validators (length, common, numeric, similar to the name) in Chinese."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def password_change_require(*, users: list[Any], reason: str) -> None:
    """Mark accounts whose password someone else chose: they must choose their own first."""
    PasswordChangeRequired.objects.bulk_create(
        [PasswordChangeRequired(user_id=u.pk, reason=reason) for u in users], ignore_conflicts=True
    )


def password_change(*, user: Any, old_password: str, new_password: str, new_password2: str) -> None:
    """The person changes their own password; every API token they hold stops working."""
    if not user.check_password(old_password):
        raise Invalid(_("当前密码不正确。"), code=AccountError.WRONG_PASSWORD)
    if new_password != new_password2:
        raise Invalid(_("两次输入的新密码不一致。"), code=AccountError.PASSWORD_MISMATCH)
    if new_password == old_password:
        raise Invalid(_("新密码不能与当前密码相同。"), code=AccountError.PASSWORD_UNCHANGED)
    problems = password_problems(new_password, user)
    if problems:
        raise Invalid(
            _("密码不符合要求：%(why)s") % {"why": "；".join(problems)},
            code=ErrorCode.WEAK_PASSWORD,
            detail=problems,
        )
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        forced = PasswordChangeRequired.objects.filter(user_id=user.pk).delete()[0] > 0
        audit_record(
            actor=user, action=events.ACCOUNT_PASSWORD_CHANGED, subject=user, after={"forced": forced}
        )
        tokens_revoke_all(user=user, reason="password_changed", actor=user)


# --- the second factor -----------------------------------------------------------------------


@dataclass
class Enrolment:
    device: TOTPDevice
    secret: str
    url: str


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in: base32 without padding."""
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_enrolment(*, user: Any) -> Enrolment:
    """The unconfirmed device shown on the enrolment page; the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False, name=TOTP_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return Enrolment(device=device, secret=totp_secret(device), url=device.config_url)


def totp_confirm(*, user: Any, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the enrolment with a code from the app; returns the device and fresh recovery codes."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False, name=TOTP_NAME).first()
    if device is None:
        raise Invalid(_("请刷新页面后重新扫描二维码。"), code=AccountError.OTP_NO_ENROLMENT)
    if not device.verify_token(_clean_code(token)):
        raise Invalid(_("验证码不正确，请核对手机上的 6 位数字后重试。"), code=AccountError.OTP_INVALID)
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user)
        audit_record(actor=user, action=events.ACCOUNT_OTP_ENROLLED, subject=user)
    return device, codes


def _recovery_codes_replace(user: Any) -> list[str]:
    StaticDevice.objects.filter(user_id=user.pk).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def recovery_codes_renew(*, user: Any) -> list[str]:
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        audit_record(actor=user, action=events.ACCOUNT_RECOVERY_CODES_RENEWED, subject=user)
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def second_factor_remove(*, user: Any) -> None:
    """Only for people who enrolled by choice; those who must use it cannot turn it off."""
    if second_factor_required(user):
        raise Invalid(_("您的岗位必须使用两步验证，不能关闭。"), code=AccountError.OTP_MANDATORY)
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        StaticDevice.objects.filter(user_id=user.pk).delete()
        audit_record(actor=user, action=events.ACCOUNT_OTP_REMOVED, subject=user)


def _clean_code(token: str) -> str:
    return "".join(str(token or "").split())[:16]


def second_factor_check(*, request: HttpRequest, user: Any, token: str) -> Any:
    """Match a 6-digit code or a recovery code (used up); a wrong one counts towards the lockout."""
    credentials = {"username": user.get_username()}
    request.anxin_login_username = credentials["username"]  # type: ignore[attr-defined]
    if not AxesProxyHandler.is_allowed(request, credentials):
        raise LockedOut(lockout_message(request))
    code = _clean_code(token)
    device = match_token(user, code) if code else None
    if device is None:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        raise SecondFactorError(_("验证码不正确，或已使用过。"), code=AccountError.OTP_INVALID)
    return device


def signin_completed(*, request: HttpRequest, user: Any) -> None:
    """The whole sign-in succeeded (password, and code where there is one): forget this
    (account, address)'s failures. A correct password alone does not, or someone holding it could
    guess codes without end by signing in again between tries."""
    AxesProxyHandler.reset_attempts(
        ip_address=getattr(request, "axes_ip_address", None), username=user.get_username()
    )


# --- API tokens ------------------------------------------------------------------------------


@dataclass
class IssuedToken:
    token: str
    expires_at: datetime


def token_issue(*, request: HttpRequest, username: str, password: str, otp: str | None) -> IssuedToken:
    """Exchange a username, password and (for 2FA accounts) a code for a bearer token.

    Wrong passwords and wrong codes count towards the same lockout as the login page, per
    (account, source address).
    """
    # Read by the cool-off (anxin.accounts.lockout): which account this request is about.
    request.anxin_login_username = username  # type: ignore[attr-defined]
    if not AxesProxyHandler.is_allowed(request, {"username": username}):
        raise LockedOut(lockout_message(request))
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        # This attempt was checked and failed: answer 401 even if it was the one that locked
        # the account; the lock answers the attempts after it.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise BadCredentials(_("用户名或密码错误。"))
    if password_change_pending(user):
        raise AccountBlocked(
            _("该账号的密码由管理员设置，请先登录网页修改密码后再申请令牌。"),
            code=AccountError.PASSWORD_CHANGE_REQUIRED,
        )
    if user_has_device(user):
        if not otp:
            raise SecondFactorError(
                _("该账号已开启两步验证，请在 otp 中填写验证器上的 6 位验证码或一个恢复码。"),
                code=AccountError.OTP_REQUIRED,
            )
        second_factor_check(request=request, user=user, token=otp)
    elif second_factor_required(user):
        raise AccountBlocked(
            _("您的岗位必须使用两步验证，请先登录网页完成绑定后再申请令牌。"),
            code=AccountError.OTP_NOT_ENROLLED,
        )
    signin_completed(request=request, user=user)
    raw = ApiToken.generate()
    expires = timezone.now() + settings.API_TOKEN_TTL
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, key_hash=hash_token(raw), prefix=raw[3:9], expires_at=expires
        )
        audit_record(actor=user, action=events.AUTH_TOKEN_ISSUED, subject=token, subject_label=token.prefix)
    return IssuedToken(token=raw, expires_at=expires)


def tokens_of(user: Any) -> Any:
    """The person's own tokens that still work, newest first."""
    return ApiToken.objects.filter(user_id=user.pk, revoked=False, expires_at__gt=timezone.now()).order_by(
        "-created_at"
    )


def token_revoke(*, actor: Any, token_id: int) -> ApiToken:
    """Revoke one of one's own tokens; anyone else's is not found."""
    if not 0 < token_id < 2**63:
        raise NotFound()
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update().filter(pk=token_id, user_id=actor.pk, revoked=False).first()
        )
        if token is None:
            raise NotFound()
        token.revoked = True
        token.save(update_fields=["revoked"])
        audit_record(actor=actor, action=events.AUTH_TOKEN_REVOKED, subject=token, subject_label=token.prefix)
    return token


def tokens_revoke_all(*, user: Any, reason: str, actor: Any = None) -> int:
    """Revoke every token the account holds (logout, new password, deactivation, no role left)."""
    with transaction.atomic():
        count = ApiToken.objects.filter(user_id=user.pk, revoked=False).update(revoked=True)
        if count:
            audit_record(
                actor=actor,
                action=events.AUTH_TOKENS_REVOKED,
                subject=user,
                after={"reason": reason, "count": count},
            )
    return count
