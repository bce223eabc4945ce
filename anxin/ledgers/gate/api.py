"""The gate's JSON API under /api/ledgers/gate: the same selectors and services as the pages."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Body, Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status as Reply

from anxin.access.matrix import allowed
from anxin.core.errors import NotFound
from anxin.core.params import MAX_ID, PageNumberPagination
from anxin.core.schemas import ErrorOut
from anxin.ledgers.kit import DateParam, read_period, school_for_write

from . import selectors, services
from .models import DangerousItem, LeavePass, StudentExit, Visitor
from .selectors import EXIT, ITEM, LEAVE, VISITOR

router = Router(tags=["ledgers-gate"])

#: The photo of an item is optional (a multipart file part named "photo").
OPTIONAL_PHOTO = File(None)
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Span(Schema):
    date_from: DateParam = None
    date_to: DateParam = None


class VisitorFilter(Span):
    inside: bool = False


class ExitFilter(Span):
    stopped: bool = False


class VisitorIn(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID, description="学校 id；只在一所学校登记时可省略")
    client_key: UUID | None = None
    name: str = Field(..., min_length=1, max_length=50)
    id_last4: str = Field(..., description="身份证号后4位（数字或X）；完整身份证号会被拒绝")
    phone: str = Field("", max_length=20)
    host: int | None = Field(None, ge=1, le=MAX_ID, description="被访教职工（用户 id）")
    host_text: str = Field("", max_length=100)
    reason: str = Field(..., min_length=1, max_length=200)
    items: str = Field("", max_length=200)


class VisitorOut(Schema):
    id: int
    school: int
    name: str
    id_last4: str
    phone: str
    host: int | None
    host_label: str
    reason: str
    items: str
    time_in: datetime
    time_out: datetime | None
    inside: bool

    @staticmethod
    def resolve_school(obj: Visitor) -> int:
        return obj.school_id

    @staticmethod
    def resolve_host(obj: Visitor) -> int | None:
        return obj.host_id


class LeaveIn(Schema):
    client_key: UUID | None = None
    student: int = Field(..., ge=1, le=MAX_ID)
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(..., min_length=1, max_length=200)


class LeaveOut(Schema):
    id: int
    student: int
    student_name: str
    class_name: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    approved_by: str
    returned_at: datetime | None

    @staticmethod
    def resolve_student(obj: LeavePass) -> int:
        return obj.student_id

    @staticmethod
    def resolve_student_name(obj: LeavePass) -> str:
        return obj.student.name

    @staticmethod
    def resolve_class_name(obj: LeavePass) -> str:
        return obj.student.klass.display_name

    @staticmethod
    def resolve_approved_by(obj: LeavePass) -> str:
        return str(obj.recorded_by)


class ReturnIn(Schema):
    #: When the pupil came back; now when left out.
    returned_at: datetime | None = None


class ExitIn(Schema):
    client_key: UUID | None = None
    student: int = Field(..., ge=1, le=MAX_ID)
    action: Literal["", "contact_teacher", "notify_parent", "back_to_class"] = ""
    note: str = Field("", max_length=200)


class ExitOut(Schema):
    id: int
    student: int
    student_name: str
    class_name: str
    recorded_at: datetime
    outcome: str
    outcome_label: str
    action: str
    leave: int | None
    note: str

    @staticmethod
    def resolve_student(obj: StudentExit) -> int:
        return obj.student_id

    @staticmethod
    def resolve_student_name(obj: StudentExit, context: Any) -> str:
        return selectors.shown_name(context["request"].user, obj.student)

    @staticmethod
    def resolve_class_name(obj: StudentExit) -> str:
        return obj.student.klass.display_name

    @staticmethod
    def resolve_outcome_label(obj: StudentExit) -> str:
        return str(obj.get_outcome_display())

    @staticmethod
    def resolve_leave(obj: StudentExit) -> int | None:
        return obj.leave_id


class GateStudentOut(Schema):
    id: int
    name: str
    class_name: str


class ItemIn(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID)
    client_key: UUID | None = None
    kind: Literal["knife", "lighter", "other"]
    description: str = Field("", max_length=200)
    student: int | None = Field(None, ge=1, le=MAX_ID)
    visitor: int | None = Field(None, ge=1, le=MAX_ID)
    action: Literal["held", "security", "parent", "police"]


class ItemOut(Schema):
    id: int
    school: int
    recorded_at: datetime
    kind: str
    kind_label: str
    holder: str
    action: str
    has_photo: bool

    @staticmethod
    def resolve_school(obj: DangerousItem) -> int:
        return obj.school_id

    @staticmethod
    def resolve_holder(obj: DangerousItem, context: Any) -> str:
        if obj.student_id:
            return selectors.shown_name(context["request"].user, obj.student)
        return obj.holder_label

    @staticmethod
    def resolve_has_photo(obj: DangerousItem) -> bool:
        return bool(obj.photo)


def _span(span: Span) -> dict[str, Any]:
    """The period as the selectors name it; a bad one is a 400 bad_period."""
    return read_period(span.dict(), keys=("date_from", "date_to")).as_filter("date_from", "date_to")


def _require_view(user: Any, resource: str) -> None:
    if not allowed(user, resource, "view"):
        raise NotFound()


def _reply(created: bool, body: Any) -> Any:
    return Reply(201 if created else 200, body)


@router.get("/visitors", response=list[VisitorOut], summary="来访登记列表")
@paginate(PageNumberPagination, page_size=50)
def visitor_list(request: HttpRequest, filters: Query[VisitorFilter]) -> Any:
    _require_view(request.user, VISITOR)
    return selectors.visitors_visible(request.user, **_span(filters), inside=filters.inside)


@router.post(
    "/visitors",
    response={200: VisitorOut, 201: VisitorOut, **ERRORS},
    summary="登记来访（同一 client_key 只记一次）",
)
def visitor_create(request: HttpRequest, payload: VisitorIn) -> Any:
    school = school_for_write(request.user, VISITOR, payload.school)
    rec = services.visitor_record(
        actor=request.user,
        school=school,
        client_key=payload.client_key,
        name=payload.name,
        id_last4=payload.id_last4,
        phone=payload.phone,
        host_id=payload.host,
        host_text=payload.host_text,
        reason=payload.reason,
        items=payload.items,
    )
    return _reply(rec.created, rec.entry)


@router.post("/visitors/{visitor_id}/out", response={200: VisitorOut, **ERRORS}, summary="来访人离校")
def visitor_out(request: HttpRequest, visitor_id: int) -> Any:
    if not 0 < visitor_id <= MAX_ID:
        raise NotFound()
    return services.visitor_check_out(actor=request.user, visitor_id=visitor_id)


@router.get(
    "/students",
    response=list[GateStudentOut],
    summary="出校核对：按完整学号或完整姓名查找本校学生（仅返回打码姓名与班级）",
)
def gate_students(request: HttpRequest, q: str = "") -> Any:
    return selectors.students_for_gate(request.user, q)


@router.get("/exits", response=list[ExitOut], summary="学生出校记录")
@paginate(PageNumberPagination, page_size=50)
def exit_list(request: HttpRequest, filters: Query[ExitFilter]) -> Any:
    _require_view(request.user, EXIT)
    return selectors.exits_visible(request.user, **_span(filters), stopped=filters.stopped)


@router.post(
    "/exits", response={200: ExitOut, 201: ExitOut, **ERRORS}, summary="记录学生出校：持假条放行，否则拦下"
)
def exit_create(request: HttpRequest, payload: ExitIn) -> Any:
    rec = services.exit_record(
        actor=request.user,
        student_id=payload.student,
        client_key=payload.client_key,
        action=payload.action,
        note=payload.note,
    )
    return _reply(rec.created, rec.entry)


@router.get("/leaves", response=list[LeaveOut], summary="请假条列表")
@paginate(PageNumberPagination, page_size=50)
def leave_list(request: HttpRequest, filters: Query[Span]) -> Any:
    _require_view(request.user, LEAVE)
    return selectors.leaves_visible(request.user, **_span(filters))


@router.post("/leaves", response={200: LeaveOut, 201: LeaveOut, **ERRORS}, summary="批准学生请假")
def leave_create(request: HttpRequest, payload: LeaveIn) -> Any:
    rec = services.leave_approve(
        actor=request.user,
        student_id=payload.student,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
        client_key=payload.client_key,
    )
    return _reply(rec.created, rec.entry)


@router.post("/leaves/{int:leave_id}/return", response={200: LeaveOut, **ERRORS}, summary="销假")
def leave_return(request: HttpRequest, leave_id: int, payload: Body[ReturnIn | None] = None) -> Any:
    at = payload.returned_at if payload is not None else None
    return services.leave_return(actor=request.user, leave_id=leave_id, at=at)


@router.get("/items", response=list[ItemOut], summary="危险物品记录")
@paginate(PageNumberPagination, page_size=50)
def item_list(request: HttpRequest, filters: Query[Span]) -> Any:
    _require_view(request.user, ITEM)
    return selectors.items_visible(request.user, **_span(filters))


@router.post(
    "/items", response={200: ItemOut, 201: ItemOut, **ERRORS}, summary="登记危险物品（可附照片，multipart）"
)
def item_create(
    request: HttpRequest, payload: Form[ItemIn], photo: UploadedFile | None = OPTIONAL_PHOTO
) -> Any:
    school = school_for_write(request.user, ITEM, payload.school)
    rec = services.item_record(
        actor=request.user,
        school=school,
        client_key=payload.client_key,
        kind=payload.kind,
        action=payload.action,
        description=payload.description,
        student_id=payload.student,
        visitor_id=payload.visitor,
        photo=photo,
        photo_name=getattr(photo, "name", "") if photo else "",
    )
    return _reply(rec.created, rec.entry)
