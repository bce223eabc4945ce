"""The education ledgers' API under /api/ledgers/education. Same services and selectors as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from anxin.access.matrix import allowed
from anxin.core.errors import Invalid, NotFound
from anxin.core.params import MAX_ID
from anxin.core.schemas import ErrorOut
from anxin.ledgers.errors import LedgerError
from anxin.ledgers.kit import DateParam, read_period, read_window, school_for_write

from . import selectors, services
from .models import ActivityType, DocKind

router = Router(tags=["ledgers-education"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _period(filters: Any) -> dict[str, Any]:
    """?from=&to= as the kit reads every ledger's period."""
    return {"from": filters.start, "to": filters.end}


# --- 1530 ----------------------------------------------------------------------------------------


class DueOut(Schema):
    class_id: int
    date: date
    kind: str
    kind_label: str
    holiday_data_known: bool
    recorded: bool
    done: bool
    recorded_kind: str | None = None


class DueSummary(Schema):
    start: date
    end: date
    due: int
    done: int
    #: None when nothing was due in the period (no school day, no class): not 100%.
    percent: int | None
    days: list[DueOut]


class DueQuery(Schema):
    klass: int | None = Field(None, alias="class", ge=1, le=MAX_ID)
    start: DateParam = Field(None, alias="from")
    end: DateParam = Field(None, alias="to")


@router.get("/1530/due", response={200: DueSummary, **ERRORS}, summary="班级应开展的1530安全教育与记录情况")
def due(request: HttpRequest, filters: Query[DueQuery]) -> Any:
    klass = filters.klass
    if not allowed(request.user, "ledger_1530", "view"):
        raise NotFound()
    start, end = read_window(_period(filters))
    classes = (
        [selectors.class_get(request.user, klass)]
        if klass is not None
        else list(selectors.classes_for(request.user))
    )
    rows = selectors.due_rows(classes, start, end)
    done = sum(1 for r in rows if r.done)
    return {
        "start": start,
        "end": end,
        "due": len(rows),
        "done": done,
        "percent": round(done * 100 / len(rows)) if rows else None,
        "days": [
            {
                "class_id": r.klass.pk,
                "date": r.due.day,
                "kind": r.due.kind.value,
                "kind_label": r.due.kind_label,
                "holiday_data_known": r.due.known,
                "recorded": r.session is not None,
                "done": r.done,
                "recorded_kind": r.session.kind if r.session else None,
            }
            for r in rows
        ],
    }


class SessionIn(Schema):
    klass: int = Field(..., alias="class")
    date: date
    kind: str
    client_key: str | None = None
    note: str = ""


class SessionOut(Schema):
    id: int
    class_id: int
    date: date
    kind: str
    note: str
    recorded_by: str
    recorded_at: datetime
    created: bool = False


def _session_out(entry: Any, created: bool) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "class_id": entry.klass_id,
        "date": entry.date,
        "kind": entry.kind,
        "note": entry.note,
        "recorded_by": str(entry.recorded_by),
        "recorded_at": entry.recorded_at,
        "created": created,
    }


@router.post(
    "/1530",
    response={200: SessionOut, 201: SessionOut, **ERRORS},
    summary="记录一次1530安全教育（按 client_key 幂等）",
)
def session_create(request: HttpRequest, payload: SessionIn) -> Any:
    klass = selectors.class_get(request.user, payload.klass, "ledger_1530", "view")
    result = services.session_record(
        actor=request.user,
        klass=klass,
        day=payload.date,
        kind=payload.kind,
        client_key=payload.client_key,
        note=payload.note[:200],
    )
    return Reply(201 if result.created else 200, _session_out(result.entry, result.created))


# --- class meetings ------------------------------------------------------------------------------


class MeetingIn(Schema):
    klass: int = Field(..., alias="class")
    date: date
    topic: str
    summary: str = ""
    client_key: str | None = None


class MeetingOut(Schema):
    id: int
    class_id: int
    date: date
    topic: str
    summary: str
    recorded_by: str
    recorded_at: datetime


def _meeting_out(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "class_id": m.klass_id,
        "date": m.date,
        "topic": m.topic,
        "summary": m.summary,
        "recorded_by": str(m.recorded_by),
        "recorded_at": m.recorded_at,
    }


class MeetingCountOut(Schema):
    class_id: int
    class_name: str
    count: int
    required: int


class MeetingsOut(Schema):
    term: str
    term_start: date
    term_end: date
    counts: list[MeetingCountOut]
    items: list[MeetingOut]


class ClassQuery(Schema):
    klass: int | None = Field(None, alias="class", ge=1, le=MAX_ID)


@router.get("/meetings", response={200: MeetingsOut, **ERRORS}, summary="防欺凌主题班会记录与本学期各班次数")
def meetings(request: HttpRequest, filters: Query[ClassQuery]) -> Any:
    klass = filters.klass
    if not allowed(request.user, "ledger_class_meeting", "view"):
        raise NotFound()
    term, counts = selectors.meeting_counts(request.user, timezone.localdate())
    k = selectors.class_get(request.user, klass, "ledger_class_meeting") if klass is not None else None
    items = selectors.meetings_visible(request.user, klass=k)[:200]
    return {
        "term": term.label,
        "term_start": term.start,
        "term_end": term.end,
        "counts": [
            {
                "class_id": c.klass.pk,
                "class_name": c.klass.display_name,
                "count": c.count,
                "required": c.required,
            }
            for c in counts
        ],
        "items": [_meeting_out(m) for m in items],
    }


@router.post(
    "/meetings", response={200: MeetingOut, 201: MeetingOut, **ERRORS}, summary="记录一次防欺凌主题班会"
)
def meeting_create(request: HttpRequest, payload: MeetingIn) -> Any:
    klass = selectors.class_get(request.user, payload.klass, "ledger_class_meeting", "view")
    if len(payload.topic) > 100 or len(payload.summary) > 4000:
        raise Invalid(_("内容过长。"), code=LedgerError.TOO_LONG)
    result = services.meeting_record(
        actor=request.user,
        klass=klass,
        day=payload.date,
        topic=payload.topic,
        summary=payload.summary,
        client_key=payload.client_key,
    )
    return Reply(201 if result.created else 200, _meeting_out(result.entry))


# --- activities ----------------------------------------------------------------------------------


class ActivityIn(Schema):
    school: int | None = None
    type: str
    date: date
    title: str
    summary: str = ""
    expected: int | None = None
    present: int | None = None
    client_key: str | None = None


class ActivityOut(Schema):
    id: int
    school_id: int
    type: str
    type_label: str
    date: date
    title: str
    summary: str
    expected: int | None
    present: int | None
    recorded_by: str
    recorded_at: datetime


def _activity_out(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "school_id": a.school_id,
        "type": a.type,
        "type_label": str(a.get_type_display()),
        "date": a.date,
        "title": a.title,
        "summary": a.summary,
        "expected": a.expected,
        "present": a.present,
        "recorded_by": str(a.recorded_by),
        "recorded_at": a.recorded_at,
    }


class ActivityQuery(Schema):
    type: str = ""
    start: DateParam = Field(None, alias="from")
    end: DateParam = Field(None, alias="to")


@router.get("/activities", response={200: list[ActivityOut], **ERRORS}, summary="教育活动列表")
def activities(request: HttpRequest, filters: Query[ActivityQuery]) -> Any:
    type = filters.type
    if not allowed(request.user, "ledger_edu_activity", "view"):
        raise NotFound()
    if type and type not in ActivityType.values:
        raise Invalid(_("没有这种活动类型。"), code=LedgerError.BAD_TYPE)
    period = read_period(_period(filters))
    return [
        _activity_out(a)
        for a in selectors.activities_visible(request.user, type=type, **period.as_filter())[:500]
    ]


@router.post(
    "/activities", response={200: ActivityOut, 201: ActivityOut, **ERRORS}, summary="记录一次教育活动"
)
def activity_create(request: HttpRequest, payload: ActivityIn) -> Any:
    school = school_for_write(request.user, "ledger_edu_activity", payload.school)
    if payload.type not in ActivityType.values:
        raise Invalid(_("没有这种活动类型。"), code=LedgerError.BAD_TYPE)
    if len(payload.title) > 100 or len(payload.summary) > 4000:
        raise Invalid(_("内容过长。"), code=LedgerError.TOO_LONG)
    for value in (payload.expected, payload.present):
        if value is not None and not 0 <= value <= 100000:
            raise Invalid(_("人数不正确。"), code=LedgerError.BAD_COUNT)
    result = services.activity_record(
        actor=request.user,
        school=school,
        type=payload.type,
        day=payload.date,
        title=payload.title,
        summary=payload.summary,
        expected=payload.expected,
        present=payload.present,
        client_key=payload.client_key,
    )
    return Reply(201 if result.created else 200, _activity_out(result.entry))


# --- documents -----------------------------------------------------------------------------------


class VersionOut(Schema):
    number: int
    text: str
    note: str
    author: str
    created_at: datetime


class DocumentOut(Schema):
    school_id: int
    kind: str
    label: str
    current: VersionOut | None
    versions: list[VersionOut]


def _version_out(v: Any) -> dict[str, Any]:
    return {
        "number": v.number,
        "text": v.text,
        "note": v.note,
        "author": str(v.author),
        "created_at": v.created_at,
    }


def _school(request: HttpRequest, school: int | None, action: str = "view") -> Any:
    if school is not None:
        return selectors.school_get(request.user, school, "ledger_edu_document", action)
    schools = list(selectors.schools_for(request.user, "ledger_edu_document", action)[:2])
    if not schools:
        raise NotFound()
    if len(schools) != 1:
        raise Invalid(_("请指定学校。"), code=LedgerError.SCHOOL_REQUIRED)
    return schools[0]


@router.get("/documents", response={200: list[DocumentOut], **ERRORS}, summary="学校防欺凌文件及其历史版本")
def documents(request: HttpRequest, school: int | None = Query(None, ge=1, le=MAX_ID)) -> Any:
    unit = _school(request, school)
    return [
        {
            "school_id": unit.pk,
            "kind": d.kind,
            "label": d.label,
            "current": _version_out(d.current) if d.current else None,
            "versions": [_version_out(v) for v in d.versions],
        }
        for d in selectors.documents_for(request.user, unit)
    ]


class VersionIn(Schema):
    text: str
    note: str = ""
    school: int | None = None


@router.post(
    "/documents/{kind}/versions", response={201: VersionOut, **ERRORS}, summary="修改文件（生成新版本）"
)
def document_version(request: HttpRequest, kind: str, payload: VersionIn) -> Any:
    if kind not in DocKind.values:
        raise NotFound()
    unit = school_for_write(request.user, "ledger_edu_document", payload.school, action="manage")
    version = services.document_version_add(
        actor=request.user, school=unit, kind=kind, text=payload.text, note=payload.note
    )
    return Reply(201, _version_out(version))
