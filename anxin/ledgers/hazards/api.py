"""/api/ledgers/hazards: key places, screenings, hazards and their transitions, cameras, footage reviews.

Thin: parse, call a selector or service. Transitions with a photo (rectify) are multipart; the
others may be JSON or form data.
"""

import json
from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status as Reply

from anxin.core.errors import ErrorCode, Invalid
from anxin.core.params import MAX_ID, PageNumberPagination
from anxin.core.schemas import ErrorOut
from anxin.ledgers.kit import DateParam, read_period, school_for_write
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .models import (
    CameraStatus,
    FootageReview,
    Hazard,
    HazardStatus,
    KeyPlace,
    PlaceKind,
    Screening,
    ScreeningResult,
)

router = Router(tags=["ledger-hazards"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Named(Schema):
    id: int
    name: str


def _named(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


# --- places -------------------------------------------------------------------------------------


class PlaceOut(Schema):
    id: int
    school: Named
    name: str
    kind: str
    kind_label: str
    location: str
    responsible: Named
    frequency_days: int
    camera_covered: bool


class PlaceIn(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID)
    name: str = Field("", max_length=60)
    kind: PlaceKind | None = None
    location: str = Field("", max_length=100)
    responsible: int | None = Field(None, ge=1, le=MAX_ID)
    frequency_days: int = Field(7, ge=1, le=365)


def _place(place: KeyPlace, uncovered: set[int]) -> dict[str, Any]:
    return {
        "id": place.pk,
        "school": _named(place.school),
        "name": place.name,
        "kind": place.kind,
        "kind_label": str(place.get_kind_display()),
        "location": place.location,
        "responsible": _named(place.responsible),
        "frequency_days": place.frequency_days,
        "camera_covered": place.pk not in uncovered,
    }


@router.get("/places", response=list[PlaceOut], summary="重点部位（网格）；camera_covered=false 即无视频覆盖")
@paginate(PageNumberPagination, page_size=100)
def places(request: HttpRequest) -> Any:
    qs = selectors.places_visible(request.user)
    uncovered = set(selectors.uncovered_places(qs).values_list("pk", flat=True))
    return [_place(p, uncovered) for p in qs]


@router.post("/places", response={201: PlaceOut, **ERRORS}, summary="新增重点部位")
def place_create(request: AuthenticatedRequest, payload: PlaceIn) -> Any:
    school = school_for_write(request.user, "ledger_hazard_grid", payload.school, action="manage")
    place = services.place_create(
        actor=request.user,
        school=school,
        name=payload.name,
        kind=payload.kind or "",
        location=payload.location,
        responsible_id=payload.responsible,
        frequency_days=payload.frequency_days,
    )
    uncovered = set(
        selectors.uncovered_places(KeyPlace.objects.filter(pk=place.pk)).values_list("pk", flat=True)
    )
    return Reply(201, _place(place, uncovered))


# --- screenings ---------------------------------------------------------------------------------


class ScreeningOut(Schema):
    id: int
    school: Named
    place: Named
    screened_on: date
    result: str
    result_label: str
    notes: str
    recorded_by: Named
    recorded_at: datetime
    hazard: int | None


class ScreeningIn(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID)
    client_key: str | None = None
    place: int | None = Field(None, ge=1, le=MAX_ID)
    result: ScreeningResult | None = None
    screened_on: date | None = None
    notes: str = Field("", max_length=1000)


class ScreeningFilter(Schema):
    place: int | None = Field(None, ge=1, le=MAX_ID)
    start: DateParam = None
    end: DateParam = None


def _screening(s: Screening) -> dict[str, Any]:
    hazard = s.hazards.order_by("pk").first()
    return {
        "id": s.pk,
        "school": _named(s.school),
        "place": _named(s.place),
        "screened_on": s.screened_on,
        "result": s.result,
        "result_label": str(s.get_result_display()),
        "notes": s.notes,
        "recorded_by": _named(s.recorded_by),
        "recorded_at": s.recorded_at,
        "hazard": hazard.pk if hazard else None,
    }


@router.get("/screenings", response=list[ScreeningOut], summary="隐患排查记录")
@paginate(PageNumberPagination, page_size=100)
def screenings(request: HttpRequest, filters: Query[ScreeningFilter]) -> Any:
    period = read_period(filters.dict(), keys=("start", "end"))
    qs = selectors.screenings_visible(request.user, place_id=filters.place, **period.as_filter())
    return [_screening(s) for s in qs.prefetch_related("hazards")]


@router.post(
    "/screenings",
    response={200: ScreeningOut, 201: ScreeningOut, **ERRORS},
    summary="记录一次排查（发现隐患即生成整改任务）",
)
def screening_create(request: AuthenticatedRequest, payload: ScreeningIn) -> Any:
    school = school_for_write(request.user, "ledger_hazard_grid", payload.school, action="record")
    recorded = services.screening_record(
        actor=request.user,
        school=school,
        client_key=payload.client_key,
        place_id=payload.place,
        result=payload.result or "",
        screened_on=payload.screened_on,
        notes=payload.notes,
    )
    return Reply(201 if recorded.created else 200, _screening(recorded.entry))


# --- hazards ------------------------------------------------------------------------------------


class StepOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: Named
    note: str
    at: datetime


class HazardOut(Schema):
    id: int
    school: Named
    place: Named | None
    screening: int | None
    description: str
    status: str
    status_label: str
    owner: Named | None
    deadline: date | None
    overdue: bool
    recorded_by: Named
    recorded_at: datetime
    rectified_by: Named | None
    rectify_note: str
    photo_url: str | None
    closed_by: Named | None
    steps: list[StepOut]


class HazardIn(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID)
    client_key: str | None = None
    place: int | None = Field(None, ge=1, le=MAX_ID)
    description: str = Field("", max_length=1000)


class HazardFilter(Schema):
    status: HazardStatus | None = None
    place: int | None = Field(None, ge=1, le=MAX_ID)
    overdue: bool = False


def _hazard(h: Hazard) -> dict[str, Any]:
    steps = h.steps.select_related("actor")
    return {
        "id": h.pk,
        "school": _named(h.school),
        "place": _named(h.place),
        "screening": h.screening_id,
        "description": h.description,
        "status": h.status,
        "status_label": str(h.get_status_display()),
        "owner": _named(h.owner),
        "deadline": h.deadline,
        "overdue": h.is_overdue(timezone.localdate()),
        "recorded_by": _named(h.recorded_by),
        "recorded_at": h.recorded_at,
        "rectified_by": _named(h.rectified_by),
        "rectify_note": h.rectify_note,
        "photo_url": reverse("ledgers:hazards_photo", args=[h.pk]) if h.photo else None,
        "closed_by": _named(h.closed_by),
        "steps": [
            {
                "action": s.action,
                "action_label": str(s.get_action_display()),
                "from_status": s.from_status,
                "to_status": s.to_status,
                "actor": _named(s.actor),
                "note": s.note,
                "at": s.at,
            }
            for s in steps
        ],
    }


@router.get("/items", response=list[HazardOut], summary="隐患整改任务（可按状态、部位、是否逾期筛选）")
@paginate(PageNumberPagination, page_size=50)
def items(request: HttpRequest, filters: Query[HazardFilter]) -> Any:
    qs = selectors.hazards_visible(
        request.user,
        status=filters.status or "",
        place_id=filters.place,
        overdue=filters.overdue,
        today=timezone.localdate(),
    )
    return [_hazard(h) for h in qs]


@router.get("/items/{hazard_id}", response={200: HazardOut, 404: ErrorOut}, summary="一条隐患及其整改记录")
def item(request: HttpRequest, hazard_id: int) -> Any:
    return _hazard(selectors.hazard_get(request.user, hazard_id))


@router.post("/items", response={200: HazardOut, 201: HazardOut, **ERRORS}, summary="上报隐患")
def item_create(request: AuthenticatedRequest, payload: HazardIn) -> Any:
    school = school_for_write(request.user, "ledger_hazard", payload.school, action="record")
    recorded = services.hazard_report(
        actor=request.user,
        school=school,
        client_key=payload.client_key,
        description=payload.description,
        place_id=payload.place,
    )
    return Reply(201 if recorded.created else 200, _hazard(recorded.entry))


class TransitionIn(Schema):
    action: Literal["start", "rectify", "accept", "reject"]
    owner: int | None = Field(None, ge=1, le=MAX_ID, description="整改责任人（用户 id），start 必填")
    deadline: date | None = Field(None, description="整改期限，start 必填")
    note: str = Field("", max_length=1000)
    reason: str = Field("", max_length=1000, description="退回原因，reject 必填")


def _transition_input(request: HttpRequest) -> TransitionIn:
    """JSON, or multipart form data when a photo comes along (rectify)."""
    from pydantic import ValidationError

    if request.content_type == "application/json":
        try:
            raw = json.loads(request.body or b"{}")
        except ValueError:
            raise Invalid(_("提交的 JSON 格式不正确。"), code=ErrorCode.BAD_JSON) from None
    else:
        raw = {k: v for k, v in request.POST.items() if v != ""}
    if not isinstance(raw, dict):
        raise Invalid(_("提交的 JSON 应当是一个对象。"), code=ErrorCode.BAD_JSON)
    try:
        return TransitionIn(**raw)
    except ValidationError as exc:
        detail = {".".join(str(p) for p in e["loc"]): [e["msg"]] for e in exc.errors()}
        raise Invalid(
            _("提交的数据格式不正确，请检查后重试。"), code=ErrorCode.INVALID_INPUT, detail=detail
        ) from None


@router.post(
    "/items/{hazard_id}/transitions",
    response={200: HazardOut, **ERRORS},
    summary="推进整改流程：start（下达整改）、rectify（整改完成，须附照片 photo）、accept（复查销号）、reject（退回整改）",
)
def item_transition(request: AuthenticatedRequest, hazard_id: int) -> Any:
    hazard = selectors.hazard_get(request.user, hazard_id)
    data = _transition_input(request)
    photo = request.FILES.get("photo")
    hazard = services.hazard_transition(
        actor=request.user,
        hazard=hazard,
        action=data.action,
        owner_id=data.owner,
        deadline=data.deadline,
        photo=photo,
        photo_name=photo.name if photo else "",
        note=data.note,
        reason=data.reason,
    )
    return _hazard(selectors.hazard_get(request.user, hazard.pk))


# --- cameras and footage reviews ----------------------------------------------------------------


class CameraOut(Schema):
    id: int
    school: Named
    place: Named
    name: str
    status: str
    status_label: str


class CameraIn(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID)
    place: int | None = Field(None, ge=1, le=MAX_ID)
    name: str = Field("", max_length=60)
    status: CameraStatus = CameraStatus.OK


def _camera(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "school": _named(c.school),
        "place": _named(c.place),
        "name": c.name,
        "status": c.status,
        "status_label": str(c.get_status_display()),
    }


@router.get("/cameras", response=list[CameraOut], summary="监控摄像头")
@paginate(PageNumberPagination, page_size=100)
def cameras(request: HttpRequest) -> Any:
    return [_camera(c) for c in selectors.cameras_visible(request.user)]


@router.post("/cameras", response={201: CameraOut, **ERRORS}, summary="登记摄像头")
def camera_create(request: AuthenticatedRequest, payload: CameraIn) -> Any:
    school = school_for_write(request.user, "ledger_hazard_grid", payload.school, action="manage")
    camera = services.camera_create(
        actor=request.user, school=school, place_id=payload.place, name=payload.name, status=payload.status
    )
    return Reply(201, _camera(camera))


class ReviewOut(Schema):
    id: int
    school: Named
    cameras: list[Named]
    period_from: datetime
    period_to: datetime
    findings: str
    recorded_by: Named
    recorded_at: datetime


class ReviewIn(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID)
    client_key: str | None = None
    cameras: list[int] = []
    period_from: datetime | None = None
    period_to: datetime | None = None
    findings: str = Field("", max_length=1000)


class ReviewFilter(Schema):
    start: DateParam = None
    end: DateParam = None


def _review(r: FootageReview) -> dict[str, Any]:
    return {
        "id": r.pk,
        "school": _named(r.school),
        "cameras": [_named(c) for c in r.cameras.all()],
        "period_from": r.period_from,
        "period_to": r.period_to,
        "findings": r.findings,
        "recorded_by": _named(r.recorded_by),
        "recorded_at": r.recorded_at,
    }


@router.get("/reviews", response=list[ReviewOut], summary="录像回看记录")
@paginate(PageNumberPagination, page_size=100)
def reviews(request: HttpRequest, filters: Query[ReviewFilter]) -> Any:
    period = read_period(filters.dict(), keys=("start", "end"))
    return [_review(r) for r in selectors.reviews_visible(request.user, **period.as_filter())]


@router.post("/reviews", response={200: ReviewOut, 201: ReviewOut, **ERRORS}, summary="记录一次录像回看")
def review_create(request: AuthenticatedRequest, payload: ReviewIn) -> Any:
    school = school_for_write(request.user, "ledger_hazard_grid", payload.school, action="record")
    recorded = services.review_record(
        actor=request.user,
        school=school,
        client_key=payload.client_key,
        camera_ids=payload.cameras,
        period_from=payload.period_from,
        period_to=payload.period_to,
        findings=payload.findings,
    )
    return Reply(201 if recorded.created else 200, _review(recorded.entry))


class CameraStatusIn(Schema):
    status: CameraStatus


@router.post(
    "/cameras/{camera_id}/status",
    response={200: CameraOut, **ERRORS},
    summary="更新摄像头状态（正常/故障/无覆盖）",
)
def camera_status(request: AuthenticatedRequest, camera_id: int, payload: CameraStatusIn) -> Any:
    camera = selectors.camera_get(request.user, camera_id)
    return _camera(services.camera_set_status(actor=request.user, camera=camera, status=payload.status))
