from __future__ import annotations

from importlib import import_module
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anxin.core.errors import ErrorCode, ServiceError
from anxin.core.params import query_int
from anxin.core.pdf import FontMissing
from anxin.org.selectors import schools_where

from . import printing
from .apps import AREAS
from .kit import BadPeriod, Period


def ledger_entries(user: Any, *, figures: bool = True) -> list[Any]:
    """Every ledger this person may keep or read; the menu shows 台账 only when there is one
    (``figures=False``: without the completeness figures, which cost queries)."""
    entries = []
    for area in AREAS:
        try:
            menu = import_module(f"anxin.ledgers.{area}.menu")
        except ModuleNotFoundError as exc:
            if exc.name != f"anxin.ledgers.{area}.menu":
                raise
            continue
        entries.extend(menu.entries(user, figures=figures))
    return entries


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """台账: every ledger this person may keep or read, with its completeness where there is one."""
    entries = ledger_entries(request.user)
    if not entries:
        raise Http404
    printable = bool(printing.printable_forms(request.user))
    return render(request, "ledgers/index.html", {"entries": entries, "printable": printable})


@login_required
@require_GET
def print_index(request: HttpRequest) -> HttpResponse:
    """纸质表格: the record forms this person may print, blank or filled for a date range."""
    forms = printing.printable_forms(request.user)
    if not forms:
        raise Http404
    today = timezone.localdate()
    return _print_page(request, forms, today=today)


def _print_page(
    request: HttpRequest, forms: list[printing.PrintForm], *, today: Any, error: ServiceError | None = None
) -> HttpResponse:
    rows = [
        {"form": f, "schools": list(schools_where(request.user, f.resource, "view")[:200])} for f in forms
    ]
    return render(
        request,
        "ledgers/print/index.html",
        {
            "rows": rows,
            "default_from": Period(end=today).window()[0],
            "default_to": today,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def print_form(request: HttpRequest, slug: str) -> HttpResponse:
    form = printing.FORMS.get(slug)
    if form is None or form not in printing.printable_forms(request.user):
        raise Http404
    school = printing.form_school(request.user, form, query_int(request.GET, "school"))
    blank = request.GET.get("blank") == "1" or form.rows is None
    today = timezone.localdate()
    try:
        start, end = (
            (None, None)
            if blank
            else printing.parse_range(request.GET.get("from", ""), request.GET.get("to", ""), today=today)
        )
    except BadPeriod as exc:
        return _print_page(request, printing.printable_forms(request.user), today=today, error=exc)
    try:
        pdf = printing.render_form(request.user, form, school, blank=blank, start=start, end=end)
    except FontMissing as exc:
        return render(
            request,
            "core/error.html",
            {
                "status": 503,
                "code": ErrorCode.FONT_MISSING,
                "title": _("暂时无法生成 PDF"),
                "message": _(
                    "服务器未安装中文字体（%(font)s），生成的文件会缺字，所以暂不生成。请管理员执行：%(cmd)s"
                )
                % {"font": exc.font, "cmd": exc.install_command},
            },
            status=503,
        )
    stem = f"{school.name}-{form.title}" + ("" if blank else f"-{start:%Y%m%d}-{end:%Y%m%d}")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{stem}.pdf")
    return response
