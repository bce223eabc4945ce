"""Nothing else until the account is in order: its own password chosen, its second factor passed.

Runs after django-otp's OTPMiddleware. A session whose password an administrator chose goes to the
password page; one that must use (or has) a second factor and has not passed it goes to the code
page, or to enrolment when none is set up yet. The API answers the same with a JSON error.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .errors import AccountError
from .services import account_state

#: Paths a session may use before its account is in order (besides the page of the pending step).
OPEN_PREFIXES = (
    "/logout/",
    "/login/",
    "/static/",
    "/healthz",
    "/i18n/",
    "/box/",
)
#: Exact paths open before the account is in order: issuing a token checks password, code and
#: pending password change itself. Not a prefix: /api/auth/tokens lists and revokes tokens.
OPEN_PATHS = frozenset({"/api/auth/token"})


class AccountGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path in OPEN_PATHS
            or request.path.startswith(OPEN_PREFIXES)
        ):
            return self.get_response(request)
        step = pending_step(request)
        if step is None:
            return self.get_response(request)
        code, url_name, message = step
        target = reverse(url_name)
        if request.path == target:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": message, "detail": None}, status=403)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


def pending_step(request: HttpRequest) -> tuple[str, str, str] | None:
    """What the signed-in person must do first, if anything: (code, page, message)."""
    user = request.user
    state = account_state(user)  # one query, on every request of a signed-in person
    if state.password_change_pending:
        return (
            AccountError.PASSWORD_CHANGE_REQUIRED,
            "accounts:password",
            _("您的密码由管理员设置，请先修改密码。"),
        )
    if user.is_verified():  # type: ignore[union-attr]
        return None
    if state.second_factor_enrolled:
        return (AccountError.OTP_REQUIRED, "accounts:otp_verify", _("请先完成两步验证。"))
    if state.second_factor_required:
        return (
            AccountError.OTP_NOT_ENROLLED,
            "accounts:otp_setup",
            _("您的岗位必须使用两步验证，请先完成绑定。"),
        )
    return None
