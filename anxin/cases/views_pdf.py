"""The case file and the parents' notices as PDF downloads.

Who may print: those who may handle the case, and the county bureau for serious cases (DOMAIN.md
§3.6); everyone else gets the same 404 as for a case that does not exist. Printing is audited
like opening the case, plus one event saying what was printed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anxin.access.matrix import can
from anxin.audit.services import audit_record
from anxin.core.errors import ErrorCode, NotFound
from anxin.core.pdf import FontMissing
from anxin.org.requests import AuthenticatedRequest

from . import documents, events
from .models import Case
from .permissions import sees_identities
from .selectors import access_case


def _print_action(request: HttpRequest, pk: int) -> tuple[Case, str]:
    """The case and the permission printing it rests on, or NotFound for anyone who may not print it."""
    user = request.user
    case = access_case(user, pk)
    if can(user, "case", "handle", case):
        return case, "handle"
    if case.serious and can(user, "case", "bureau", case):
        return case, "bureau"
    raise NotFound()


def _opened(request: HttpRequest, pk: int, action: str) -> Case:
    """The case again, this time with the opening written to the audit trail (just before printing)."""
    return access_case(request.user, pk, action=action, audit=True)


def _pdf(content: bytes, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    # RFC 6266 / RFC 5987: an ASCII name for old clients, the Chinese name for everyone else.
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _refused(
    request: HttpRequest, case: Case, status: int, code: str, title: str, message: str, **extra: Any
) -> HttpResponse:
    context = {
        "code": code,
        "title": title,
        "message": message,
        "case_url": reverse("cases:detail", args=[case.pk]),
        **extra,
    }
    return render(request, "cases/pdf/refused.html", context, status=status)


def _font_missing(request: HttpRequest, case: Case, exc: FontMissing) -> HttpResponse:
    return _refused(
        request,
        case,
        503,
        ErrorCode.FONT_MISSING,
        _("暂时无法生成 PDF"),
        _("服务器未安装中文字体（%(font)s），生成的文件会缺字，所以暂不生成。") % {"font": exc.font},
        install_command=exc.install_command,
    )


def _not_determined(request: HttpRequest, case: Case) -> HttpResponse:
    return _refused(
        request,
        case,
        409,
        "not_determined",
        _("无法打印告知书"),
        _("学生欺凌治理委员会尚未作出认定（或认定已被退回重新调查），暂不能出具认定结果告知书。"),
    )


@login_required
@require_GET
def case_file_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case, action = _print_action(request, pk)
    case = _opened(request, pk, action)
    try:
        pdf = documents.render_case_file(request.user, case)
    except FontMissing as exc:
        return _font_missing(request, case, exc)
    audit_record(
        actor=request.user,
        action=events.CASE_FILE_PRINTED,
        unit=case.school,
        subject=case,
        after={"identities": sees_identities(request.user, case)},
    )
    return _pdf(pdf, documents.case_file_filename(case), f"case-{case.number}.pdf")


@login_required
@require_GET
def notice_pdf(request: AuthenticatedRequest, pk: int, party_pk: int) -> HttpResponse:
    case, action = _print_action(request, pk)
    party = documents.notice_party(case, party_pk)
    if party is None:
        raise NotFound()
    if not sees_identities(request.user, case):
        return _refused(
            request,
            case,
            403,
            "identities_hidden",
            _("无法打印告知书"),
            _(
                "告知书载有学生姓名。您的职责不需要查看当事学生身份，请由经办人、校长或学生欺凌治理委员会成员打印。"
            ),
        )
    if not documents.notice_ready(case):
        return _not_determined(request, case)
    case = _opened(request, pk, action)
    try:
        pdf = documents.render_notice(case, party)
    except documents.NotDetermined:
        return _not_determined(request, case)
    except FontMissing as exc:
        return _font_missing(request, case, exc)
    audit_record(
        actor=request.user,
        action=events.CASE_NOTICE_PRINTED,
        unit=case.school,
        subject=case,
        after={"party": party.pk, "role": party.role},
    )
    return _pdf(pdf, documents.notice_filename(case, party), f"notice-{case.number}-{party.pk}.pdf")
