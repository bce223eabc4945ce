"""The reports page: the archive with download links, on-demand generation, the case-list exports.

Thin: parse, call a selector or service, answer. Out-of-reach archive entries are 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.core.errors import ServiceError
from anxin.org.requests import AuthenticatedRequest
from anxin.org.selectors import input_id

from . import selectors, services, tasks
from .models import FileFormat, ReportKind
from .periods import last_month
from .render import XLSX_TYPE

CONTENT_TYPES: dict[str, str] = {FileFormat.XLSX: XLSX_TYPE, FileFormat.PDF: "application/pdf"}


def _page(
    request: HttpRequest, *, error: ServiceError | None = None, data: dict[str, Any] | None = None
) -> HttpResponse:
    user = request.user
    page = Paginator(selectors.archive_visible(user), 40).get_page(request.GET.get("page"))
    # One line per generation: its Excel and PDF side by side (both saved in the same second).
    generations: dict[tuple[Any, ...], list[Any]] = {}
    for a in page:
        key = (a.unit_id, a.kind, a.period_start, a.generated_by_id, a.generated_at.replace(microsecond=0))
        generations.setdefault(key, []).append(a)
    return render(
        request,
        "oversight/reports/index.html",
        {
            "page": page,
            "generations": [sorted(files, key=lambda a: a.fmt != "xlsx") for files in generations.values()],
            "can_generate": selectors.can_generate(user),
            "can_export": selectors.can_export_cases(user),
            "units": list(selectors.bureau_units(user)[:200]) if selectors.can_generate(user) else [],
            "kinds": ReportKind.choices,
            "default_month": last_month(timezone.localdate()).strftime("%Y-%m"),
            "error": error,
            "data": data or {},
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not (selectors.can_view(request.user) or selectors.can_export_cases(request.user)):
        raise Http404
    return _page(request)


@login_required
@require_POST
def generate(request: AuthenticatedRequest) -> HttpResponse:
    if not selectors.can_generate(request.user):
        raise Http404
    data = {k: request.POST.get(k, "") for k in ("unit", "kind", "period")}
    try:
        unit = services.unit_for(request.user, input_id(data["unit"]))
        period = services.parse_period(data["kind"], data["period"])
        result = tasks.report_request(actor=request.user, unit=unit, period=period)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        return _page(request, error=exc, data=data)
    if result is None:
        messages.info(request, _("报表正在后台生成，请稍后刷新本页下载。"))
    elif result.font_missing:
        messages.warning(request, _("已生成 Excel；服务器未安装中文字体，暂未生成 PDF。"))
    else:
        messages.success(request, _("已生成报表。"))
    return redirect("oversight_reports:index")


@login_required
@require_GET
def download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    entry = selectors.archive_get(request.user, pk)
    data = services.archive_download(actor=request.user, entry=entry)
    response = HttpResponse(data, content_type=CONTENT_TYPES.get(entry.fmt, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(True, entry.filename)
    return response


@login_required
@require_GET
def export(request: AuthenticatedRequest) -> HttpResponse:
    if not selectors.can_export_cases(request.user):
        raise Http404
    serious = request.GET.get("serious") == "1"
    data = services.cases_export(actor=request.user, serious=serious)
    name = ("严重案件清单" if serious else "案件清单") + timezone.localdate().strftime("-%Y%m%d") + ".xlsx"
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
