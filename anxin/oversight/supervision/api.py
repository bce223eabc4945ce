"""/api/oversight: the scorecard, rectification orders, visits and notices, scoped like the pages.

Thin: parse, call a selector or service. Responding with an evidence file is multipart; everything
else is JSON.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from anxin.core.errors import ErrorCode, Invalid
from anxin.core.params import MAX_ID
from anxin.core.schemas import ErrorOut
from anxin.org.models import Unit
from anxin.org.requests import AuthenticatedRequest

from . import scorecard, selectors, services
from .models import Notice, Order, OrderLevel, OrderStatus, Visit
from .permissions import ORDER, SCORECARD, VISIT

router = Router(tags=["oversight"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Named(Schema):
    id: int
    name: str


def _named(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


# --- scorecard ------------------------------------------------------------------------------------


class ItemOut(Schema):
    key: str
    label: str
    due: int
    done: int
    percent: int | None
    status: str
    weight: int
    detail: str
    evidence: str


class CardOut(Schema):
    school: Named
    term: str
    total: int | None
    rank: int
    attention: bool
    reasons: list[str]
    policy_version: int | None
    items: list[ItemOut]


def _card(card: scorecard.Card) -> dict[str, Any]:
    return {
        "school": {"id": card.school.pk, "name": card.school.name},
        "term": scorecard.term_code(card.term),
        "total": card.total,
        "rank": card.rank,
        "attention": card.attention,
        "reasons": card.reasons,
        "policy_version": card.policy.policy.version if card.policy.policy else None,
        "items": [
            {
                "key": i.key,
                "label": i.label,
                "due": i.due,
                "done": i.done,
                "percent": i.percent,
                "status": i.status,
                "weight": i.weight,
                "detail": i.detail,
                "evidence": i.evidence,
            }
            for i in card.items
        ],
    }


class ScorecardQuery(Schema):
    term: str = Field("", max_length=10, description="如 2026-1（2026–2027 学年第一学期）；空为本学期")
    attention: bool = False


@router.get("/scorecard", response={200: list[CardOut], **ERRORS}, summary="各校考评（按总分排名）")
def scorecard_list(request: HttpRequest, filters: Query[ScorecardQuery]) -> Any:
    today = timezone.localdate()
    term = _term(filters.term, today)
    cards = scorecard.ranked_cached(
        list(selectors.schools_for(request.user, SCORECARD, "view")), today, term=term
    )
    if filters.attention:
        cards = [c for c in cards if c.attention]
    return [_card(scorecard.for_reader(c, request.user)) for c in cards]


@router.get("/scorecard/{school_id}", response={200: CardOut, **ERRORS}, summary="一所学校的考评与依据")
def scorecard_school(request: HttpRequest, school_id: int, filters: Query[ScorecardQuery]) -> Any:
    school = selectors.school_get(request.user, school_id)
    today = timezone.localdate()
    card = scorecard.compute(school, today, term=_term(filters.term, today))
    return _card(scorecard.for_reader(card, request.user))


def _term(raw: str, today: date) -> Any:
    try:
        return scorecard.parse_term(raw, today)
    except Invalid as exc:
        exc.status = 400
        raise


class PolicyIn(Schema):
    unit: int = Field(..., ge=1, le=MAX_ID)
    rules: dict[str, Any]
    effective_from: date | None = None
    note: str = Field("", max_length=200)


class PolicyOut(Schema):
    unit: Named
    version: int
    effective_from: date
    rules: dict[str, Any]


@router.post("/policies", response={201: PolicyOut, **ERRORS}, summary="设置县（区）或市的考评规则新版本")
def scorecard_policy(request: AuthenticatedRequest, payload: PolicyIn) -> Any:
    from anxin.core.errors import NotFound

    unit = Unit.objects.filter(pk=payload.unit, is_active=True).first()
    if unit is None:
        raise NotFound()
    policy = scorecard.policy_set(
        actor=request.user,
        unit=unit,
        rules=payload.rules,
        effective_from=payload.effective_from,
        note=payload.note,
    )
    return Reply(
        201,
        {
            "unit": _named(unit),
            "version": policy.version,
            "effective_from": policy.effective_from,
            "rules": policy.rules,
        },
    )


# --- orders ---------------------------------------------------------------------------------------


class OrderItemOut(Schema):
    text: str
    item: str


class OrderOut(Schema):
    id: int
    number: str
    school: Named
    title: str
    level: str
    items: list[OrderItemOut]
    deadline: date
    status: str
    status_label: str
    overdue: bool
    issued_by: Named
    response: str
    has_evidence: bool
    returned_count: int
    visit: int | None


def _order(order: Order, today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    return {
        "id": order.pk,
        "number": order.number,
        "school": _named(order.school),
        "title": order.title,
        "level": order.level,
        "items": order.items,
        "deadline": order.deadline,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "overdue": order.is_overdue(today),
        "issued_by": _named(order.issued_by),
        "response": order.response,
        "has_evidence": bool(order.evidence),
        "returned_count": order.returned_count,
        "visit": order.visit_id,
    }


class OrderQuery(Schema):
    status: OrderStatus | None = None
    school: int | None = Field(None, ge=1, le=MAX_ID)
    overdue: bool = False


@router.get("/orders", response={200: list[OrderOut], **ERRORS}, summary="整改通知（按可见范围）")
def orders(request: HttpRequest, filters: Query[OrderQuery]) -> Any:
    today = timezone.localdate()
    qs = selectors.orders_visible(
        request.user,
        status=filters.status or "",
        school_id=filters.school,
        overdue_on=today if filters.overdue else None,
    )
    return [_order(o, today) for o in qs[:500]]


class OrderItemIn(Schema):
    text: str = Field(..., max_length=500)
    item: str = Field("", max_length=30)


class OrderIn(Schema):
    school: int = Field(..., ge=1, le=MAX_ID)
    title: str = Field("", max_length=100)
    items: list[OrderItemIn] = Field(default_factory=list, max_length=20)
    deadline: date | None = None
    level: OrderLevel = OrderLevel.NOTICE
    visit: int | None = Field(None, ge=1, le=MAX_ID)


@router.post("/orders", response={201: OrderOut, **ERRORS}, summary="下达整改通知")
def order_create(request: AuthenticatedRequest, payload: OrderIn) -> Any:
    school = selectors.school_get(request.user, payload.school, ORDER, "issue")
    visit = selectors.visit_get(request.user, payload.visit) if payload.visit else None
    order = services.order_issue(
        actor=request.user,
        school=school,
        title=payload.title,
        items=[i.dict() for i in payload.items],
        deadline=payload.deadline,
        level=payload.level,
        visit=visit,
    )
    return Reply(201, _order(order))


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="一份整改通知")
def order_get(request: HttpRequest, order_id: int) -> Any:
    return _order(selectors.order_get(request.user, order_id))


@router.post(
    "/orders/{order_id}/respond",
    response={200: OrderOut, **ERRORS},
    summary="学校反馈整改情况（multipart：response，可选 evidence 文件；或 JSON {response}）",
)
def order_respond(request: AuthenticatedRequest, order_id: int) -> Any:
    order = selectors.order_get(request.user, order_id)
    if request.content_type == "multipart/form-data":
        response = request.POST.get("response", "")
        upload = request.FILES.get("evidence")
    else:
        body = _json(request)
        response, upload = body.get("response", ""), None
        if not isinstance(response, str):
            raise Invalid(
                _("整改情况须为文字。"), code=ErrorCode.INVALID_INPUT, detail={"response": [_("须为文字")]}
            )
    order = services.order_transition(
        actor=request.user,
        order=order,
        action="respond",
        response=response,
        evidence=upload,
        evidence_name=(upload.name or "") if upload else "",
    )
    return _order(order)


class CheckIn(Schema):
    action: Literal["close", "send_back"]
    reason: str = Field("", max_length=1000)
    note: str = Field("", max_length=1000)


@router.post("/orders/{order_id}/check", response={200: OrderOut, **ERRORS}, summary="复查：整改完成或退回")
def order_check(request: AuthenticatedRequest, order_id: int, payload: CheckIn) -> Any:
    order = selectors.order_get(request.user, order_id)
    order = services.order_transition(
        actor=request.user, order=order, action=payload.action, reason=payload.reason, note=payload.note
    )
    return _order(order)


class ExtendIn(Schema):
    deadline: date
    reason: str = Field(..., max_length=1000)


@router.post("/orders/{order_id}/extend", response={200: OrderOut, **ERRORS}, summary="延长整改期限")
def order_extend(request: AuthenticatedRequest, order_id: int, payload: ExtendIn) -> Any:
    order = selectors.order_get(request.user, order_id)
    order = services.order_extend(
        actor=request.user, order=order, deadline=payload.deadline, reason=payload.reason
    )
    return _order(order)


class CancelIn(Schema):
    reason: str = Field(..., max_length=1000)


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS}, summary="撤销整改通知")
def order_cancel(request: AuthenticatedRequest, order_id: int, payload: CancelIn) -> Any:
    order = selectors.order_get(request.user, order_id)
    order = services.order_transition(actor=request.user, order=order, action="cancel", reason=payload.reason)
    return _order(order)


def _json(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise Invalid(_("请求内容不是有效的 JSON。"), code=ErrorCode.BAD_JSON) from None
    if not isinstance(body, dict):
        raise Invalid(_("请求内容须为 JSON 对象。"), code=ErrorCode.BAD_JSON)
    return body


# --- visits ---------------------------------------------------------------------------------------


class FindingOut(Schema):
    result: str
    note: str


class VisitOut(Schema):
    id: int
    school: Named
    inspector: Named
    visited_on: date
    results: dict[str, FindingOut]
    summary: str
    photos: int


def _visit(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "school": _named(visit.school),
        "inspector": _named(visit.inspector),
        "visited_on": visit.visited_on,
        "results": visit.results,
        "summary": visit.summary,
        "photos": visit.photos.count(),
    }


class VisitQuery(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID)


@router.get("/visits", response={200: list[VisitOut], **ERRORS}, summary="督导检查记录")
def visits(request: HttpRequest, filters: Query[VisitQuery]) -> Any:
    return [_visit(v) for v in selectors.visits_visible(request.user, school_id=filters.school)[:500]]


class FindingIn(Schema):
    result: Literal["meets", "partly", "fails"]
    note: str = Field("", max_length=500)


class VisitIn(Schema):
    school: int = Field(..., ge=1, le=MAX_ID)
    visited_on: date | None = None
    results: dict[str, FindingIn]
    summary: str = Field("", max_length=2000)
    #: A UUID the app makes once per visit: sending the same visit again stores it once.
    client_key: str | None = Field(None, max_length=40)


@router.post(
    "/visits",
    response={201: VisitOut, **ERRORS},
    summary="记录督导检查（照片随后逐张 POST 到 /visits/{id}/photos）",
)
def visit_create(request: AuthenticatedRequest, payload: VisitIn) -> Any:
    school = selectors.school_get(request.user, payload.school, VISIT, "record")
    visit = services.visit_record(
        actor=request.user,
        school=school,
        visited_on=payload.visited_on,
        results={k: v.dict() for k, v in payload.results.items()},
        summary=payload.summary,
        client_key=payload.client_key,
    )
    return Reply(201, _visit(visit))


@router.post(
    "/visits/{visit_id}/photos",
    response={201: VisitOut, **ERRORS},
    summary="为督导检查补充一张照片（multipart：photo）",
)
def visit_photo(request: AuthenticatedRequest, visit_id: int) -> Any:
    visit = selectors.visit_get(request.user, visit_id)
    upload = request.FILES.get("photo") if request.content_type == "multipart/form-data" else None
    services.visit_photo_add(
        actor=request.user, visit=visit, fileobj=upload, name=(upload.name or "") if upload else ""
    )
    return Reply(201, _visit(visit))


# --- notices --------------------------------------------------------------------------------------


class ReceiptOut(Schema):
    id: int
    school: Named
    read: bool
    read_at: Any = None


class NoticeOut(Schema):
    id: int
    unit: Named
    title: str
    body: str
    issued_at: Any
    receipts: list[ReceiptOut]


def _notice(user: Any, notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "unit": _named(notice.unit),
        "title": notice.title,
        "body": notice.body,
        "issued_at": notice.issued_at,
        "receipts": [
            {"id": r.pk, "school": _named(r.school), "read": r.read_at is not None, "read_at": r.read_at}
            for r in selectors.receipts_for(user, notice)
        ],
    }


@router.get(
    "/notices", response={200: list[NoticeOut], **ERRORS}, summary="通报与回执（教育局看各校，学校看本校）"
)
def notices(request: HttpRequest) -> Any:
    return [_notice(request.user, n) for n in selectors.notices_visible(request.user)[:100]]


class NoticeIn(Schema):
    unit: int = Field(..., ge=1, le=MAX_ID)
    title: str = Field("", max_length=100)
    body: str = Field("", max_length=10000)


@router.post("/notices", response={201: NoticeOut, **ERRORS}, summary="发布通报给所属全部学校")
def notice_create(request: AuthenticatedRequest, payload: NoticeIn) -> Any:
    from anxin.core.errors import NotFound

    unit = Unit.objects.filter(pk=payload.unit, is_active=True).first()
    if unit is None:
        raise NotFound()
    notice = services.notice_issue(actor=request.user, unit=unit, title=payload.title, body=payload.body)
    return Reply(201, _notice(request.user, notice))


class ConfirmIn(Schema):
    receipt: int = Field(..., ge=1, le=MAX_ID)


@router.post("/notices/{notice_id}/read", response={200: NoticeOut, **ERRORS}, summary="校长确认本校已阅")
def notice_read(request: AuthenticatedRequest, notice_id: int, payload: ConfirmIn) -> Any:
    notice = selectors.notice_get(request.user, notice_id)
    receipt = selectors.receipt_get(request.user, notice, payload.receipt)
    services.notice_confirm(actor=request.user, receipt=receipt)
    return _notice(request.user, notice)
