"""/api/surveys: campaigns, answering with a code (no account), results — scoped like the pages.

Answering operations take ``auth=None``: no account, no cookie, no CSRF token (ninja marks them
csrf_exempt); they hand the services only the code and the answers, and read the client address
only for the keyed-hash guessing limit on codes (shared with the pages).

错误码：code_unknown（答题码不存在）、code_used（已提交过）、code_expired（调查已结束）、not_open（调查未开始）、
too_many_attempts（输错太多次）、bad_answer（答案不在选项中）、answer_missing（必答题未答）、title_required、bad_window、
bad_extra_item、code_count_out_of_range、grade_too_low、campaign_closed、class_not_allowed。
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from anxin.core.errors import NotFound
from anxin.core.params import MAX_ID
from anxin.core.schemas import ErrorOut
from anxin.org.models import Unit, UnitKind
from anxin.org.requests import AuthenticatedRequest

from . import instrument, selectors, services
from .models import Campaign
from .views_public import checked_code

router = Router(tags=["surveys"])

ERRORS = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    410: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


class CampaignOut(Schema):
    id: int
    title: str
    bureau_id: int
    bureau: str
    version: str
    starts_on: date
    ends_on: date
    open: bool
    extra_items: list[dict[str, Any]]


class RateOut(Schema):
    id: int
    name: str
    issued: int
    used: int
    rate: float | None


class CampaignDetailOut(CampaignOut):
    schools: list[RateOut]
    classes: list[RateOut] = []


class ExtraItemIn(Schema):
    text: str
    options: list[str]


class CampaignIn(Schema):
    bureau_id: int
    title: str
    starts_on: date
    ends_on: date
    extra_items: list[ExtraItemIn] = []


class CodesIn(Schema):
    class_id: int
    count: int


class CodesOut(Schema):
    class_id: int
    codes: list[str]


class RemindOut(Schema):
    schools_told: int


class CellOut(Schema):
    key: str
    label: str
    hidden: bool
    n: int | None
    prevalence: float | None
    low: float | None
    high: float | None
    perpetration: float | None
    unsafe: float | None


class ResultsOut(Schema):
    campaign_id: int
    scope: str
    school_id: int | None
    rollup_blocked: bool
    total: CellOut
    by_school: list[CellOut]
    by_grade: list[CellOut]
    by_class: list[CellOut]
    by_gender: list[CellOut]
    forms: list[dict[str, Any]]
    hotspots: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    comments: list[str]


class ItemOut(Schema):
    key: str
    kind: str
    prompt: str
    hint: str
    options: list[list[str]]
    optional: bool
    only_if_bullied: bool


class FormOut(Schema):
    version: str
    stage: str
    items: list[ItemOut]
    answers: dict[str, Any]


class AnswersIn(Schema):
    answers: dict[str, Any] = {}


class DoneOut(Schema):
    submitted: bool
    hurt_now: bool
    help: dict[str, str] | None


def _campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "title": c.title,
        "bureau_id": c.bureau_id,
        "bureau": c.bureau.name,
        "version": c.version,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "open": c.is_open(timezone.localdate()),
        "extra_items": c.extra_items,
    }


def _get(request: HttpRequest, campaign_id: int) -> Campaign:
    if not 0 < campaign_id <= MAX_ID:
        raise NotFound()
    return selectors.campaign_get(request.user, campaign_id)


@router.get("/campaigns", response={200: list[CampaignOut], **ERRORS}, summary="专项调查列表")
def campaign_list(request: HttpRequest) -> Any:
    if selectors.reach_nothing(request.user):
        raise NotFound()
    return [_campaign(c) for c in selectors.campaigns_visible(request.user)[:200]]


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, summary="发起专项调查")
def campaign_open(request: AuthenticatedRequest, payload: CampaignIn) -> Any:
    if not selectors.can_open(request.user):
        raise NotFound()
    bureau = (
        selectors.bureaus_for(request.user)
        .filter(pk=payload.bureau_id if 0 < payload.bureau_id <= MAX_ID else 0)
        .first()
    )
    if bureau is None:
        raise NotFound()
    c = services.campaign_open(
        actor=request.user,
        bureau=bureau,
        title=payload.title[:500],
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        extra_items=[x.dict() for x in payload.extra_items[:50]],
    )
    return Status(201, _campaign(c))


@router.get(
    "/campaigns/{int:campaign_id}",
    response={200: CampaignDetailOut, **ERRORS},
    summary="答题率（各校、各班）",
)
def campaign_detail(
    request: HttpRequest, campaign_id: int, school_id: int | None = Query(None, ge=1, le=MAX_ID)
) -> Any:
    c = _get(request, campaign_id)
    schools = selectors.school_rates(c, user=request.user)
    out = _campaign(c)
    out["schools"] = [
        {
            "id": r["school"].pk,
            "name": r["school"].name,
            "issued": r["issued"],
            "used": r["used"],
            "rate": r["rate"],
        }
        for r in schools
    ]
    school = next((r["school"] for r in schools if r["school"].pk == school_id), None)
    if school_id is not None and school is None:
        raise NotFound()
    if school is None and len(schools) == 1:
        school = schools[0]["school"]
    out["classes"] = (
        [
            {
                "id": r["klass"].pk,
                "name": r["klass"].name,
                "issued": r["issued"],
                "used": r["used"],
                "rate": r["rate"],
            }
            for r in selectors.class_rates(request.user, c, school)
        ]
        if school is not None
        else []
    )
    return out


@router.post(
    "/campaigns/{int:campaign_id}/codes", response={201: CodesOut, **ERRORS}, summary="为班级生成答题码"
)
def codes_issue(request: AuthenticatedRequest, campaign_id: int, payload: CodesIn) -> Any:
    c = _get(request, campaign_id)
    klass = Unit.objects.filter(
        pk=payload.class_id if 0 < payload.class_id <= MAX_ID else 0, kind=UnitKind.CLASS
    ).first()
    if klass is None or not selectors.can_print(request.user, klass):
        raise NotFound()
    made = services.codes_issue(actor=request.user, campaign=c, klass=klass, count=payload.count)
    return Status(201, {"class_id": klass.pk, "codes": [services.pretty_code(x.code) for x in made]})


@router.post(
    "/campaigns/{int:campaign_id}/remind", response={200: RemindOut, **ERRORS}, summary="提醒答题率偏低的学校"
)
def campaign_remind(request: AuthenticatedRequest, campaign_id: int) -> Any:
    c = _get(request, campaign_id)
    if not selectors.can_change_campaign(request.user, c):
        raise NotFound()
    return {"schools_told": services.campaign_remind(actor=request.user, campaign=c)}


@router.get(
    "/campaigns/{int:campaign_id}/results",
    response={200: ResultsOut, **ERRORS},
    summary="调查结果（小格隐藏）",
)
def campaign_results(
    request: HttpRequest, campaign_id: int, school_id: int | None = Query(None, ge=1, le=MAX_ID)
) -> Any:
    c = _get(request, campaign_id)
    school = None
    if school_id is not None:
        school = selectors.results_schools(request.user, c).filter(pk=school_id).first()
        if school is None:
            raise NotFound()
    r = selectors.results(request.user, c, school=school)
    return {
        "campaign_id": c.pk,
        "scope": r.scope_label,
        "school_id": r.school.pk if r.school else None,
        "rollup_blocked": r.rollup_blocked,
        "total": r.total.as_dict(),
        "by_school": [x.as_dict() for x in r.by_school],
        "by_grade": [x.as_dict() for x in r.by_grade],
        "by_class": [x.as_dict() for x in r.by_class],
        "by_gender": [x.as_dict() for x in r.by_gender],
        "forms": r.forms,
        "hotspots": r.hotspots,
        "trend": [{**t, "starts_on": t["starts_on"].isoformat()} for t in r.trend],
        "comments": r.comments,
    }


# --- Answering, without an account ---------------------------------------------------------------


@router.get(
    "/answer/{code}", auth=None, response={200: FormOut, **ERRORS}, summary="用答题码取问卷（无需登录）"
)
def answer_form(request: HttpRequest, code: str) -> Any:
    found = checked_code(request, code)
    stage = instrument.stage_of_grade(services.grade_of(found.klass))
    form = services.form_for(found)
    return {
        "version": form.version,
        "stage": stage,
        "items": [
            {
                "key": it.key,
                "kind": it.kind,
                "prompt": it.prompt(stage),
                "hint": str(it.hint),
                "options": [[v, str(label)] for v, label in it.options],
                "optional": it.optional,
                "only_if_bullied": it.only_if_bullied,
            }
            for it in form.all_items()
        ],
        "answers": services.draft_of(found),
    }


@router.put(
    "/answer/{code}/draft",
    auth=None,
    response={200: FormOut, **ERRORS},
    summary="保存未答完的问卷（保留24小时）",
)
def answer_draft(request: HttpRequest, code: str, payload: AnswersIn) -> Any:
    found = checked_code(request, code)
    services.draft_save(code=found, answers=payload.answers)
    return answer_form(request, code)


@router.post(
    "/answer/{code}", auth=None, response={201: DoneOut, **ERRORS}, summary="交问卷（每个答题码一次）"
)
def answer_submit(request: HttpRequest, code: str, payload: AnswersIn) -> Any:
    found = checked_code(request, code)
    hurt = services.response_submit(code=found, answers=payload.answers)
    from django.urls import reverse

    help_ = (
        {"box_url": reverse("box:box", args=[found.school.code]), "police": "110", "youth_hotline": "12355"}
        if hurt
        else None
    )
    return Status(201, {"submitted": True, "hurt_now": hurt, "help": help_})
