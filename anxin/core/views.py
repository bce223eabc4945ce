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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .errors import ErrorCode
from .models import Delivery, DeliveryStatus, Notification
from .params import BadParameter
from .services import notifications_read
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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # signed in (login_required); core does not import org's User
    assignments = user.assignments.select_related("unit", "unit__parent").order_by("unit__path")
    return render(request, "core/home.html", {"assignments": assignments, "panels": panels_for(request)})


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": {404: ErrorCode.NOT_FOUND, 403: ErrorCode.FORBIDDEN, 400: ErrorCode.BAD_REQUEST}.get(
                    status, ErrorCode.ERROR
                ),
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
    if isinstance(exception, BadParameter):  # our own words: which parameter and what range
        return _error(request, 400, _("请求有误"), str(exception))
    return _error(request, 400, _("请求有误"), _("请求格式不正确。"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a stale page, another site, or with cookies blocked."""
    message = _(
        "页面已过期或无法确认请求来自本站，内容没有提交。请返回上一页，刷新后重新提交；如果仍然不行，请确认浏览器允许本站的 Cookie。"
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"code": ErrorCode.CSRF_FAILED, "message": message, "detail": None}, status=403)
    return render(
        request, "core/csrf_failure.html", {"title": _("请求未能验证"), "message": message}, status=403
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, _("系统出错"), _("系统暂时出错，您的数据没有丢失，请稍后再试。"))


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's own notices; nobody else's are reachable."""
    # Newest first, read or not: the same order on every database (NULLs sort differently).
    items = Notification.objects.filter(user=request.user.pk).order_by("-created_at", "-pk")
    if request.method == "POST" and request.POST.get("all") == "read":
        notifications_read(user=request.user)
        return redirect("notifications")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    notice = get_object_or_404(Notification, pk=notification_id, user=request.user)
    notifications_read(user=request.user, notification=notice)
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()}):
        return redirect(notice.url)
    return redirect("notifications")


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    """Every outside message and its state, for the platform's operators (superusers) only."""
    if not request.user.is_superuser:
        return _error(request, 404, _("未找到"), _("未找到，或您无权查看。"))
    status = request.GET.get("status", "")
    if status and status not in DeliveryStatus.values:
        response = render(
            request,
            "core/deliveries.html",
            {
                "page": None,
                "statuses": DeliveryStatus.choices,
                "status": "",
                "error_code": ErrorCode.INVALID,
                "error": _("状态的选项不正确。"),
            },  # fmt: skip
            status=422,
        )
        return response
    items = Delivery.objects.select_related("user").order_by("-created_at", "-pk")
    if status:
        items = items.filter(status=status)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    context = {"page": page, "statuses": DeliveryStatus.choices, "status": status}
    return render(request, "core/deliveries.html", context)
