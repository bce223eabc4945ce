from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from anxin.core.errors import ServiceError
from anxin.org.requests import AuthenticatedRequest

from . import services


def _next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _input(**attrs: Any) -> dict[str, Any]:
    return {"class": "form-control form-control-lg", **attrs}


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("当前密码"),
        strip=False,
        widget=forms.PasswordInput(attrs=_input(autocomplete="current-password")),
    )
    new_password = forms.CharField(
        label=gettext_lazy("新密码"),
        strip=False,
        max_length=200,
        # The rules as AUTH_PASSWORD_VALIDATORS state them, so the hint cannot drift from the check.
        help_text=lazy(
            lambda: "；".join(t.rstrip("。") for t in password_validators_help_texts()) + "。", str
        )(),
        widget=forms.PasswordInput(attrs=_input(autocomplete="new-password")),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("再次输入新密码"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs=_input(autocomplete="new-password")),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=32,
        widget=forms.TextInput(
            attrs=_input(autocomplete="one-time-code", inputmode="text", autofocus=True, spellcheck="false")
        ),
    )


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "enrolled": services.second_factor_enrolled(user),
        "required": services.second_factor_required(user),
        "codes_left": services.recovery_codes_left(user),
        "token_count": services.tokens_of(user).count(),
    }
    return render(request, "accounts/security.html", context)


@never_cache
@login_required
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    forced = services.password_change_pending(request.user)
    form = PasswordChangeForm(request.POST or None)
    error: ServiceError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            error = exc
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。您之前申请的接口令牌已全部作废。"))
            return redirect(_next(request, "accounts:security"))
    status = 422 if error or form.errors else 200
    context = {"form": form, "error": error, "forced": forced, "next": request.GET.get("next", "")}
    return render(request, "accounts/password.html", context, status=status)


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=5, border=2, omitsize=True)


@never_cache
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: scan the QR code (or type the key), then confirm with a first code."""
    user = request.user
    if services.second_factor_enrolled(user) and user.is_verified() and request.GET.get("again") != "1":  # type: ignore[union-attr]
        return redirect("accounts:security")
    if services.second_factor_enrolled(user) and not user.is_verified():  # type: ignore[union-attr]
        # Re-enrolling replaces the device: only after passing the current one.
        return redirect("accounts:otp_verify")
    form = CodeForm(request.POST or None)
    error: ServiceError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_confirm(user=user, token=form.cleaned_data["code"])
        except ServiceError as exc:
            error = exc
        else:
            otp_login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next(request), "fresh": True},
            )
    enrolment = services.totp_enrolment(user=user)
    context = {
        "form": form,
        "error": error,
        "secret": enrolment.secret,
        "secret_groups": [enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4)],
        "qr": _qr_svg(enrolment.url),
        "required": services.second_factor_required(user),
        "next": request.GET.get("next", "") or request.POST.get("next", ""),
    }
    return render(request, "accounts/otp_setup.html", context, status=422 if error or form.errors else 200)


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of login: a 6-digit code from the app, or one recovery code."""
    user = request.user
    if user.is_verified() or not services.second_factor_enrolled(user):  # type: ignore[union-attr]
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    error: ServiceError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_check(request=request, user=user, token=form.cleaned_data["code"])
        except ServiceError as exc:
            error = exc
        else:
            otp_login(request, device)
            services.signin_completed(request=request, user=user)
            if device.persistent_id.startswith("otp_static"):
                left = services.recovery_codes_left(user)
                messages.warning(
                    request, _("您使用了一个恢复码，还剩 %(n)d 个。用完前请重新生成。") % {"n": left}
                )
            return redirect(_next(request))
    status = 429 if error and error.status == 429 else (422 if error or form.errors else 200)
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "error": error, "next": request.GET.get("next", "") or request.POST.get("next", "")},
        status=status,
    )


@never_cache
@login_required
@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("accounts:otp_verify")
    codes = services.recovery_codes_renew(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "", "fresh": False})


@never_cache
@login_required
@require_POST
def otp_remove(request: HttpRequest) -> HttpResponse:
    try:
        services.second_factor_remove(user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已关闭两步验证。"))
    return redirect("accounts:security")


@never_cache
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/tokens.html", {"tokens": services.tokens_of(request.user)})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.token_revoke(actor=request.user, token_id=token_id)
    messages.success(request, _("令牌 %(prefix)s… 已作废。") % {"prefix": token.prefix})
    return redirect("accounts:tokens")


@never_cache
@login_required
def notify_channels(request: AuthenticatedRequest) -> HttpResponse:
    """My outside channels (WeCom, DingTalk, SMS…), quiet hours, and what was sent to me lately."""
    from django.conf import settings

    from .channels import ADDRESS_FIELD, channel_settings_of, channel_settings_save, deliveries_of

    error: ServiceError | None = None
    prefs = channel_settings_of(request.user)
    if request.method == "POST":
        try:
            channel_settings_save(
                user=request.user,
                channels=request.POST.getlist("channels"),
                addresses={f: request.POST.get(f, "") for f in ADDRESS_FIELD.values()},
                quiet_start=request.POST.get("quiet_start", ""),
                quiet_end=request.POST.get("quiet_end", ""),
            )
        except ServiceError as exc:
            error = exc
        else:
            messages.success(request, _("通知渠道已保存。"))
            return redirect("accounts:channels")
    from anxin.core.models import ChannelKind

    kinds = [
        {
            "value": k.value,
            "label": k.label,
            "field": ADDRESS_FIELD[k],
            "address": request.POST.get(ADDRESS_FIELD[k], getattr(prefs, ADDRESS_FIELD[k]))
            if error
            else getattr(prefs, ADDRESS_FIELD[k]),
            "checked": k.value in (request.POST.getlist("channels") if error else prefs.channels),
            "enabled": k.value in settings.NOTIFY_CHANNELS,
        }
        for k in ChannelKind
    ]
    context = {"prefs": prefs, "kinds": kinds, "error": error, "deliveries": deliveries_of(request.user)}
    return render(request, "accounts/channels.html", context, status=422 if error else 200)
