"""/api/oversight/reports: the archive of statistical reports, generating one, downloading a file,
and the case-list exports. Scoped like the page; every download and export is audited.

错误码：unknown_report_kind（类型不是 monthly/term/annual）、bad_period（期间格式不对或尚未开始）、
unit_not_allowed（单位不是本人管辖的县/区或市）。
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Router, Schema, Status

from anxin.core.errors import NotFound
from anxin.core.params import MAX_ID
from anxin.core.schemas import ErrorOut
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services, tasks
from .models import ReportArchive
from .render import XLSX_TYPE
from .views import CONTENT_TYPES

router = Router(tags=["oversight-reports"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CODES = (
    "错误码：unknown_report_kind（报表类型）、bad_period（统计期间）、unit_not_allowed（单位）。"
    "服务器缺中文字体时只生成 Excel，font_missing 为 true。"
)


class ArchiveOut(Schema):
    id: int
    unit_id: int
    unit: str
    kind: str
    period_start: date
    period_end: date
    period_label: str
    fmt: str
    size: int
    generated_at: datetime
    scheduled: bool
    download_url: str


class GenerateIn(Schema):
    unit_id: int
    kind: str
    #: Any day of the period, as YYYY-MM-DD or YYYY-MM.
    period: str


class GeneratedOut(Schema):
    items: list[ArchiveOut]
    font_missing: bool
    #: True when the task worker makes it later (database task backend; answered 202).
    queued: bool = False


def _out(a: ReportArchive) -> dict[str, Any]:
    return {
        "id": a.pk,
        "unit_id": a.unit_id,
        "unit": a.unit.name,
        "kind": a.kind,
        "period_start": a.period_start,
        "period_end": a.period_end,
        "period_label": a.period_label,
        "fmt": a.fmt,
        "size": a.size,
        "generated_at": a.generated_at,
        "scheduled": a.scheduled,
        "download_url": f"/api/oversight/reports/{a.pk}/download",
    }


@router.get("", response={200: list[ArchiveOut], **ERRORS}, summary="报表存档")
def archive_list(request: HttpRequest) -> Any:
    if not selectors.can_view(request.user):
        raise NotFound()
    return [_out(a) for a in selectors.archive_visible(request.user)[:200]]


@router.post(
    "", response={201: GeneratedOut, 202: GeneratedOut, **ERRORS}, summary="按需生成报表", description=CODES
)
def archive_generate(request: AuthenticatedRequest, payload: GenerateIn) -> Any:
    if not selectors.can_generate(request.user):
        raise NotFound()
    unit = services.unit_for(request.user, payload.unit_id if 0 < payload.unit_id <= MAX_ID else None)
    period = services.parse_period(payload.kind[:20], payload.period[:20])
    result = tasks.report_request(actor=request.user, unit=unit, period=period)
    if result is None:  # queued for the task worker: the archive lists it when it is made
        return Status(202, {"items": [], "font_missing": False, "queued": True})
    return Status(201, {"items": [_out(a) for a in result.entries], "font_missing": result.font_missing})


@router.get("/{int:archive_id}/download", response={404: ErrorOut}, summary="下载报表文件")
def archive_download(request: AuthenticatedRequest, archive_id: int) -> Any:
    if not 0 < archive_id <= MAX_ID:
        raise NotFound()
    entry = selectors.archive_get(request.user, archive_id)
    data = services.archive_download(actor=request.user, entry=entry)
    response = HttpResponse(data, content_type=CONTENT_TYPES.get(entry.fmt, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(True, entry.filename)
    return response


@router.get("/exports/cases", response={404: ErrorOut}, summary="导出案件清单或严重案件清单（Excel，无姓名）")
def cases_export(request: AuthenticatedRequest, serious: bool = False) -> Any:
    if not selectors.can_export_cases(request.user):
        raise NotFound()
    data = services.cases_export(actor=request.user, serious=serious)
    response = HttpResponse(data, content_type=XLSX_TYPE)
    name = ("serious-cases" if serious else "cases") + timezone.localdate().strftime("-%Y%m%d") + ".xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
