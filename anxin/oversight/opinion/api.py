"""/api/oversight/opinion: the 舆情 register, scoped like its pages (schools never see it).

错误码：unknown_source（来源不在选项中）、unknown_heat（热度不在选项中）、bad_link（链接不是 http(s) 网址）、
time_out_of_range（时间格式不对、晚于现在或早于首次发现）、summary_required（缺少摘要）、school_not_allowed（学校不在管辖范围）、
case_not_found（案件编号不存在或无权查看）、case_school_mismatch（案件不属于该校）、unknown_step（处置环节不在选项中）、
step_note_required（缺少情况说明）、opinion_closed（已处置完毕）。
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from anxin.core.errors import NotFound
from anxin.core.params import MAX_ID
from anxin.core.schemas import ErrorOut
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .models import OpinionEvent, OpinionStep

router = Router(tags=["oversight-opinion"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
CODES = (
    "错误码：unknown_source（来源）、unknown_heat（热度）、bad_link（链接）、time_out_of_range（时间）、"
    "summary_required（摘要）、school_not_allowed（学校）、case_not_found（案件）、"
    "case_school_mismatch（案件与学校）、unknown_step（环节）、step_note_required（说明）、opinion_closed（已完毕）。"
)


class StepOut(Schema):
    id: int
    kind: str
    kind_label: str
    note: str
    at: datetime
    recorded_by: str


class OpinionOut(Schema):
    id: int
    school_id: int
    school: str
    case_number: str | None
    source: str
    source_label: str
    link: str
    first_seen: datetime
    summary: str
    heat: str
    status: str
    respond_by: datetime
    first_response_at: datetime | None
    overdue: bool
    #: Hours left, or hours overdue, or hours taken to the first response (see ``clock``).
    hours: int
    clock: str
    steps: list[StepOut] = []


class OpinionIn(Schema):
    school_id: int
    source: str
    link: str = ""
    first_seen: datetime | None = None
    summary: str
    heat: str = "normal"
    case_number: str = ""


class StepIn(Schema):
    kind: str
    note: str
    at: datetime | None = None


def _step(s: OpinionStep) -> dict[str, Any]:
    return {
        "id": s.pk,
        "kind": s.kind,
        "kind_label": str(s.get_kind_display()),
        "note": s.note,
        "at": s.at,
        "recorded_by": str(s.recorded_by),
    }


def _out(e: OpinionEvent, *, steps: bool = False) -> dict[str, Any]:
    c = selectors.clock(e)
    return {
        "id": e.pk,
        "school_id": e.school_id,
        "school": e.school.name,
        "case_number": e.case.number if e.case_id and e.case else None,
        "source": e.source,
        "source_label": str(e.get_source_display()),
        "link": e.link,
        "first_seen": e.first_seen,
        "summary": e.summary,
        "heat": e.heat,
        "status": e.status,
        "respond_by": e.respond_by,
        "first_response_at": e.first_response_at,
        "overdue": c.overdue,
        "hours": c.hours,
        "clock": selectors.clock_label(c),
        "steps": [_step(s) for s in e.steps.select_related("recorded_by")] if steps else [],
    }


@router.get("", response={200: list[OpinionOut], **ERRORS}, summary="舆情列表")
def opinion_list(
    request: HttpRequest,
    status: str = "open",
    source: str = "",
    heat: str = "",
    school_id: int | None = Query(None, ge=1, le=MAX_ID),
    overdue: bool = False,
) -> Any:
    if not selectors.can_view(request.user):
        raise NotFound()
    qs = selectors.opinion_list(
        request.user,
        status=status[:20],
        source=source[:20],
        heat=heat[:10],
        school_id=school_id,
        overdue=overdue,
    )
    return [_out(e) for e in qs[:200]]


@router.post("", response={201: OpinionOut, **ERRORS}, summary="登记舆情", description=CODES)
def opinion_create(request: AuthenticatedRequest, payload: OpinionIn) -> Any:
    if not selectors.can_change(request.user):
        raise NotFound()
    event = services.opinion_create(
        actor=request.user,
        school=payload.school_id if 0 < payload.school_id <= MAX_ID else None,
        source=payload.source[:30],
        link=payload.link[:1000],
        first_seen=payload.first_seen,
        summary=payload.summary[:5000],
        heat=payload.heat[:30],
        case_number=payload.case_number[:100],
    )
    return Status(201, _out(event, steps=True))


@router.get("/{int:opinion_id}", response={200: OpinionOut, **ERRORS}, summary="舆情详情与处置过程")
def opinion_detail(request: HttpRequest, opinion_id: int) -> Any:
    if not 0 < opinion_id <= MAX_ID:
        raise NotFound()
    return _out(selectors.opinion_get(request.user, opinion_id), steps=True)


@router.post(
    "/{int:opinion_id}/steps", response={201: OpinionOut, **ERRORS}, summary="记录处置环节", description=CODES
)
def opinion_step(request: AuthenticatedRequest, opinion_id: int, payload: StepIn) -> Any:
    if not 0 < opinion_id <= MAX_ID:
        raise NotFound()
    event = selectors.opinion_get(request.user, opinion_id)
    services.opinion_step_add(
        actor=request.user, event=event, kind=payload.kind[:30], note=payload.note[:5000], at=payload.at
    )
    event.refresh_from_db()
    return Status(201, _out(event, steps=True))
