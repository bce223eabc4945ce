"""The staff side of the intake API: the queue, one report, its actions, and recording a report.

Under /api/intake/queue, apart from the public box's /reports, /lookup and /messages. Thin like
the pages: the action inputs go through the same forms, the writes through the same services.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status as Reply

from anxin.access.matrix import can
from anxin.core.errors import ErrorCode, Invalid, NotFound
from anxin.core.params import MAX_ID, PageNumberPagination
from anxin.core.schemas import ErrorOut
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .forms import ACTION_FORMS
from .models import About, Place, Report, Status, TimeBand

router = Router(tags=["intake-staff"])

#: Ids beyond this cannot exist; refusing them early keeps every database happy.
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
#: The actions on a report, in the order a page offers them.
ACTIONS = list(ACTION_FORMS)


class Named(Schema):
    id: int
    name: str


class ReportBase(Schema):
    id: int
    school: Named
    channel: str
    channel_label: str
    urgent: bool
    #: The second tier (可能紧急，请尽快查看): the model's, never alerted.
    review: bool
    pinned: bool
    signals: list[str]
    kinds: list[str]
    status: str
    status_label: str
    owner: Named | None
    created_at: datetime
    suspect: bool


class QueueItemOut(ReportBase):
    """One row of the queue, read straight from the model."""

    @staticmethod
    def resolve_school(obj: Report) -> dict[str, Any]:
        return {"id": obj.school_id, "name": obj.school.name}

    @staticmethod
    def resolve_channel_label(obj: Report) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_kinds(obj: Report) -> list[str]:
        return list(obj.triage_kinds)

    @staticmethod
    def resolve_status_label(obj: Report) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_owner(obj: Report) -> dict[str, Any] | None:
        return {"id": obj.owner_id, "name": str(obj.owner)} if obj.owner_id else None


class ReasonOut(Schema):
    signal: str | None = None
    review: str | None = None
    kind: str | None = None
    words: list[str]
    explanation: str


class PhotoOut(Schema):
    id: int
    url: str
    content_type: str
    width: int
    height: int


class MessageOut(Schema):
    id: int
    sender: str
    author: str | None
    text: str
    created_at: datetime
    photos: list[PhotoOut]


class ReporterOut(Schema):
    name: str | None
    relation: str
    contact: str | None


class ReportOut(ReportBase):
    text: str
    about: str
    place: str
    time_band: str
    occurred_on: date | None
    reported_kinds: list[str]
    names_involved: str | None
    triage_reasons: list[ReasonOut]
    suspect_reasons: list[str]
    wants_contact: bool
    #: Who reported and how to reach them: only for those who handle the report.
    reporter: ReporterOut | None
    has_receipt: bool
    acknowledged_at: datetime | None
    merged_into: int | None
    close_reason: str
    photos: list[PhotoOut]
    messages: list[MessageOut]
    #: Actions the caller may take now.
    actions: list[str]


class QueueFilter(Schema):
    status: Status | None = None
    urgent: bool | None = None
    open: bool = Field(False, description="只看待处理（新报告、已确认、已分派）")
    school: int | None = Field(None, ge=1, le=MAX_ID)


class ActionIn(Schema):
    # Checked by the endpoint, so that an unknown one is refused as unknown_action like a case's.
    action: str = Field(..., max_length=40, json_schema_extra={"enum": [*ACTIONS]})
    owner: int | None = Field(None, ge=1, le=MAX_ID, description="分派给（用户 id），assign 必填")
    text: str | None = Field(None, description="回复内容，reply 必填")
    into: int | None = Field(None, ge=1, le=MAX_ID, description="合并到的报告编号，merge 必填")
    reason: str | None = Field(None, description="关闭原因（反映人可见），close 必填")


class RecordIn(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID, description="学校 id；只在一所学校登记时可省略")
    channel: str = Field(..., description="、".join(services.STAFF_CHANNELS))
    text: str
    about: str = About.UNSURE
    place: str = Place.OTHER
    time_band: str = TimeBand.OTHER
    occurred_on: date | None = None
    kinds: list[str] = []
    names: str = ""
    reporter_name: str = ""
    reporter_relation: str = ""
    contact: str = ""


class RecordOut(Schema):
    id: int
    receipt: str


def _photo(report: Report, photo: Any) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "url": reverse("intake:photo", args=[report.pk, photo.pk]),
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
    }


def _actions(user: Any, report: Report) -> list[str]:
    actions = []
    if can(user, "report", "handle", report):
        checks = {
            "acknowledge": report.can_acknowledge(),
            "assign": report.can_assign(),
            "merge": report.can_merge(),
            "accept": report.can_accept(),
            "close": report.can_close(),
        }
        actions += [name for name, ok in checks.items() if ok]
    if report.receipt_hash and can(user, "report", "reply", report):
        actions.append("reply")
    return actions


def _detail(user: Any, report: Report) -> dict[str, Any]:
    handles = can(user, "report", "handle", report)
    photos = list(report.photos.order_by("pk"))
    conversation = list(report.messages.select_related("author"))
    return {
        **{
            name: getattr(report, name)
            for name in ("id", "channel", "urgent", "review", "signals", "status", "created_at")
        },
        "school": {"id": report.school_id, "name": report.school.name},
        "channel_label": str(report.get_channel_display()),
        "pinned": report.pinned,
        "kinds": list(report.triage_kinds),
        "status_label": str(report.get_status_display()),
        "owner": {"id": report.owner_id, "name": str(report.owner)} if report.owner_id else None,
        "suspect": report.suspect,
        "text": report.text,
        "about": report.about,
        "place": report.place,
        "time_band": report.time_band,
        "occurred_on": report.occurred_on,
        "reported_kinds": list(report.reported_kinds),
        "names_involved": report.names_involved,
        "triage_reasons": [r for r in report.triage_reasons if isinstance(r, dict)],
        "suspect_reasons": list(report.suspect_reasons),
        "wants_contact": report.wants_contact,
        "reporter": (
            {"name": report.reporter_name, "relation": report.reporter_relation, "contact": report.contact}
            if handles and not report.anonymous
            else None
        ),
        "has_receipt": bool(report.receipt_hash),
        "acknowledged_at": report.acknowledged_at,
        "merged_into": report.merged_into_id,
        "close_reason": report.close_reason,
        "photos": [_photo(report, p) for p in photos if p.message_id is None],
        "messages": [
            {
                "id": m.pk,
                "sender": m.sender,
                "author": str(m.author) if m.author_id else None,
                "text": m.text,
                "created_at": m.created_at,
                "photos": [_photo(report, p) for p in photos if p.message_id == m.pk],
            }
            for m in conversation
        ],
        "actions": _actions(user, report),
    }


@router.get(
    "/queue",
    response=list[QueueItemOut],
    summary="受理队列：紧急未确认的置顶，其次紧急，再其次可能紧急且未确认的，再按时间倒序",
)
@paginate(PageNumberPagination, page_size=50)
def queue(request: HttpRequest, filters: Query[QueueFilter]) -> Any:
    return selectors.reports_visible(
        request.user,
        school_id=filters.school,
        status=filters.status or "",
        urgent=filters.urgent,
        open_only=filters.open,
    )


@router.get(
    "/queue/{report_id}", response={200: ReportOut, 404: ErrorOut}, summary="报告详情（查看记入审计）"
)
def report_detail(request: HttpRequest, report_id: int) -> Any:
    return _detail(request.user, selectors.report_open(request.user, report_id))


@router.post(
    "/queue/{report_id}/actions",
    response={200: ReportOut, **ERRORS},
    summary="对报告执行一项操作",
    description=(
        "错误码：unknown_action（没有这项操作，detail.action 列出全部操作）、missing_inputs（缺少必填项）、"
        "report_not_open（报告当前状态不允许该操作）、owner_not_staff（负责人不是本校教职工）、"
        "bad_merge_target（合并目标不是本校的另一份报告）、invalid_input（输入项不正确，见 detail）。"
    ),
)
def report_action(request: AuthenticatedRequest, report_id: int, payload: ActionIn) -> Any:
    report = selectors.report_get(request.user, report_id)
    if payload.action not in ACTION_FORMS:
        raise Invalid(_("未知的操作。"), code=ErrorCode.UNKNOWN_ACTION, detail={"action": ACTIONS})
    form = ACTION_FORMS[payload.action](data=payload.dict(exclude_none=True), report=report)
    if not form.is_valid():
        detail = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        missing = [
            name
            for name, errors in form.errors.as_data().items()
            if any(e.code == "required" for e in errors)
        ]
        if missing:
            raise Invalid(
                _("缺少必填项：%(fields)s") % {"fields": "、".join(missing)},
                code=ErrorCode.MISSING_INPUTS,
                detail=detail,
            )
        field = next(iter(detail))
        code = getattr(form, "error_codes", {}).get(field, ErrorCode.INVALID_INPUT)
        raise Invalid(detail[field][0], code=code, detail=detail)
    form.submit(actor=request.user)
    return _detail(request.user, selectors.report_get(request.user, report_id))


@router.post("/queue", response={201: RecordOut, **ERRORS}, summary="登记来电、来访等渠道收到的报告")
def report_record(request: AuthenticatedRequest, payload: RecordIn) -> Any:
    schools = selectors.record_schools(request.user)
    if payload.school is not None:
        school = schools.filter(pk=payload.school).first()
        if school is None:
            raise NotFound()
    else:
        candidates = list(schools[:2])
        if not candidates:
            raise NotFound()
        if len(candidates) > 1:
            raise Invalid(_("请选择学校。"), code=ErrorCode.MISSING_INPUTS, detail={"school": [_("必填")]})
        school = candidates[0]
    data = payload.dict(exclude={"school"})
    submission = services.report_record(actor=request.user, school=school, **data)
    return Reply(201, {"id": submission.report.pk, "receipt": submission.receipt})
