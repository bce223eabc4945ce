from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .models import Notification
from .workbench import panels_for


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means not healthy
        return JsonResponse({"status": "error", "message": _("数据库不可用。")}, status=503)
    return JsonResponse({"status": "ok"})


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy("用户名或密码错误。"),
        "inactive": gettext_lazy("该账号已停用。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget = forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "class": "form-control form-control-lg"}
        )
        self.fields["password"].widget.attrs.update({"class": "form-control form-control-lg"})


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


def lockout(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes calls this once an account is locked."""
    message = _("登录失败次数过多，账号已暂时锁定，请15分钟后再试。")
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "message": message, "detail": None}, status=429)
    return render(request, "core/error.html", {"title": _("暂时无法登录"), "message": message}, status=429)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    assignments = request.user.assignments.select_related("unit", "unit__parent").order_by("unit__path")
    return render(request, "core/home.html", {"assignments": assignments, "panels": panels_for(request)})


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": {404: "not_found", 403: "forbidden", 400: "bad_request"}.get(status, "error"),
                "message": message,
                "detail": None,
            },
            status=status,
        )
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("页面不存在"), _("未找到，或您无权查看。"))


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("没有权限"), _("您没有执行此操作的权限。"))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, _("请求有误"), _("请求格式不正确。"))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, _("系统出错"), _("系统暂时出错，您的数据没有丢失，请稍后再试。"))


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's own notices; nobody else's are reachable."""
    items = Notification.objects.filter(user=request.user).order_by("read_at", "-created_at")
    if request.method == "POST" and request.POST.get("all") == "read":
        items.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    notice = get_object_or_404(Notification, pk=notification_id, user=request.user)
    if notice.read_at is None:
        Notification.objects.filter(pk=notice.pk).update(read_at=timezone.now())
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()}):
        return redirect(notice.url)
    return redirect("notifications")
