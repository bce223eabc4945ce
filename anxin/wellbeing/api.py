"""/api/wellbeing: screening rounds, answering with a code (no account), answers, warnings.

Scoped like the pages: answers and scores only for the school's psychology teacher(s) (audited),
warnings for the psychology teacher and the people told of them, anything else 404.

错误码：not_secondary（非初中及以上班级/学生）、class_other_school（班级不属该校）、
bad_window（日期）、title_required（名称）、no_classes（未选班级）、notice_required（未记录家长告知书）、
unknown_code（答题码不正确）、code_used（答题码已用过）、round_not_open（不在作答时间）、incomplete（未答完）、
out_of_range（回答不在 0–3）、too_many_tries（输错次数过多）、note_required / note_too_long（处置说明，与预警相同）、
unknown_action、transition_not_allowed。
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from anxin.core.errors import NotFound, ServiceError
from anxin.core.params import MAX_ID
from anxin.core.schemas import ErrorOut
from anxin.org.models import Unit, UnitKind
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .errors import WellbeingError
from .instruments import LEVEL_LABELS, SCALE, Level, instruments
from .models import Round, Screening, ScreeningWarning
from .permissions import can_read_answers
from .throttle import code_limited

router = Router(tags=["wellbeing"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class ClassOut(Schema):
    class_id: int
    name: str
    notice_recorded: bool
    pupils: int
    answered: int


class RoundOut(Schema):
    id: int
    school_id: int
    school: str
    title: str
    instrument_set: str
    opens_on: date
    closes_on: date
    classes: list[ClassOut] = []


class RoundIn(Schema):
    school_id: int
    title: str
    opens_on: date
    closes_on: date
    class_ids: list[int]


class SlipOut(Schema):
    student_id: int
    name: str
    student_no: str
    #: None for a pupil who has already answered.
    code: str | None


class CodesIn(Schema):
    #: Only these pupils of the class (e.g. a case's target screened alone); all when absent.
    student_ids: list[int] | None = None


class CodeIn(Schema):
    code: str


class ItemOut(Schema):
    n: int
    text: str


class InstrumentOut(Schema):
    key: str
    version: str
    name: str
    stem: str
    items: list[ItemOut]


class FormOut(Schema):
    who: str
    scale: dict[int, str]
    instruments: list[InstrumentOut]


class AnswerIn(Schema):
    code: str
    #: {"phq9": [9 × 0–3], "gad7": [7 × 0–3]}; checked by the service for its own error codes.
    answers: Any = None


class AnsweredOut(Schema):
    ok: bool
    message: str


class ScreeningOut(Schema):
    id: int
    round_id: int
    student_id: int
    student: str
    klass: str
    answered_at: datetime
    instrument_set: str
    phq9: int
    gad7: int
    item9: int
    level: str
    level_label: str
    answers: dict[str, list[int]] | None = None


class ChangeOut(Schema):
    student_id: int
    screenings: list[ScreeningOut]
    first_id: int | None
    last_id: int | None
    phq9_change: int | None
    gad7_change: int | None


class WarningOut(Schema):
    id: int
    level: str
    level_label: str
    status: str
    student_id: int
    student: str
    klass: str
    created_at: datetime
    due_on: date | None
    #: Only for the psychology teacher; null for everyone else.
    phq9: int | None = None
    gad7: int | None = None


class ActionIn(Schema):
    action: str
    note: str = ""


def _id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def _round(r: Round, *, classes: bool = False) -> dict[str, Any]:
    return {
        "id": r.pk,
        "school_id": r.school_id,
        "school": r.school.name,
        "title": r.title,
        "instrument_set": r.instrument_set,
        "opens_on": r.opens_on,
        "closes_on": r.closes_on,
        "classes": [
            {
                "class_id": p.rc.klass_id,
                "name": p.rc.klass.name,
                "notice_recorded": p.rc.notice_at is not None,
                "pupils": p.pupils,
                "answered": p.answered,
            }
            for p in selectors.round_progress(r)
        ]
        if classes
        else [],
    }


def _screening(s: Screening, *, answers: bool = False) -> dict[str, Any]:
    return {
        "id": s.pk,
        "round_id": s.round_id,
        "student_id": s.student_id,
        "student": s.student.name,
        "klass": s.student.klass.name,
        "answered_at": s.answered_at,
        "instrument_set": s.instrument_set,
        "phq9": s.phq9,
        "gad7": s.gad7,
        "item9": s.item9,
        "level": s.level,
        "level_label": str(LEVEL_LABELS[Level(s.level)]),
        "answers": s.answers if answers else None,
    }


def _warning(user: Any, w: ScreeningWarning) -> dict[str, Any]:
    reader = can_read_answers(user, w.unit_path)
    return {
        "id": w.pk,
        "level": w.level,
        "level_label": str(w.get_level_display()),
        "status": w.status,
        "student_id": w.student_id,
        "student": w.student.name,
        "klass": w.student.klass.name,
        "created_at": w.created_at,
        "due_on": w.due_on,
        "phq9": w.screening.phq9 if reader else None,
        "gad7": w.screening.gad7 if reader else None,
    }


# --- rounds ---------------------------------------------------------------------------------------


@router.get("/rounds", response={200: list[RoundOut], **ERRORS}, summary="筛查批次列表")
def round_list(request: HttpRequest) -> Any:
    if not selectors.can_view_rounds(request.user):
        raise NotFound()
    return [_round(r) for r in selectors.rounds_visible(request.user)[:200]]


@router.post("/rounds", response={201: RoundOut, **ERRORS}, summary="开启筛查")
def round_create(request: AuthenticatedRequest, payload: RoundIn) -> Any:
    school = selectors.schools_for_open(request.user).filter(pk=_id(payload.school_id)).first()
    if school is None:
        raise NotFound()
    ids = {i for i in payload.class_ids[:500] if 0 < i <= MAX_ID}
    classes = list(
        Unit.objects.filter(pk__in=ids, kind=UnitKind.CLASS, school=school).select_related("parent")
    )
    if len(classes) != len(ids):
        raise NotFound(_("班级不存在或不属于该校。"), code=WellbeingError.CLASS_OTHER_SCHOOL)
    rnd = services.round_open(
        actor=request.user,
        school=school,
        title=payload.title[:200],
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
        classes=classes,
    )
    return Status(201, _round(rnd, classes=True))


@router.get("/rounds/{int:round_id}", response={200: RoundOut, **ERRORS}, summary="筛查批次与班级进度")
def round_detail(request: HttpRequest, round_id: int) -> Any:
    return _round(selectors.round_get(request.user, _id(round_id)), classes=True)


@router.post(
    "/rounds/{int:round_id}/classes/{int:class_id}/notice",
    response={200: ClassOut, **ERRORS},
    summary="记录家长告知书已发放",
)
def notice_record(request: AuthenticatedRequest, round_id: int, class_id: int) -> Any:
    rc = selectors.round_class_get(request.user, _id(round_id), _id(class_id), action="codes")
    services.notice_record(actor=request.user, round_class=rc)
    row = next(p for p in selectors.round_progress(rc.round) if p.rc.pk == rc.pk)
    return {
        "class_id": rc.klass_id,
        "name": rc.klass.name,
        "notice_recorded": True,
        "pupils": row.pupils,
        "answered": row.answered,
    }


@router.post(
    "/rounds/{int:round_id}/classes/{int:class_id}/codes",
    response={200: list[SlipOut], **ERRORS},
    summary="生成本班答题码（旧码作废，只返回这一次）",
    description='请求体 {} 为全班未作答的学生生成；{"student_ids": [...]} 只为这些学生生成。',
)
def codes_issue(request: AuthenticatedRequest, round_id: int, class_id: int, payload: CodesIn) -> Any:
    rc = selectors.round_class_get(request.user, _id(round_id), _id(class_id), action="codes")
    ids = None
    if payload.student_ids is not None:
        ids = [i for i in payload.student_ids[:500] if 0 < i <= MAX_ID]
        if len(ids) != len(payload.student_ids):
            raise NotFound(_("所选学生不在这个班级。"), code=WellbeingError.STUDENT_NOT_IN_CLASS)
    slips = services.codes_issue(actor=request.user, round_class=rc, student_ids=ids)
    return [
        {
            "student_id": s.student.pk,
            "name": s.student.name,
            "student_no": s.student.student_no,
            "code": s.code,
        }
        for s in slips
    ]


# --- answering (no account) -------------------------------------------------------------------------


def _checked(request: HttpRequest, code: str) -> Any:
    if code_limited(request, increment=False):
        raise ServiceError(
            _("输错的次数太多了，请过 10 分钟再试，或请心理老师帮忙。"), code=WellbeingError.TOO_MANY_TRIES
        )
    try:
        return services.invitation_for_code(code)
    except ServiceError as exc:
        if exc.code == WellbeingError.UNKNOWN_CODE:
            code_limited(request, increment=True)
        raise


@router.post("/answer/check", auth=None, response={200: FormOut, **ERRORS}, summary="核对答题码，取得题目")
def answer_check(request: HttpRequest, payload: CodeIn) -> Any:
    inv = _checked(request, payload.code)
    return {
        "who": f"{inv.student.masked_name} · {inv.student.klass.name}",
        "scale": {v: str(label) for v, label in SCALE},
        "instruments": [
            {
                "key": i.key,
                "version": i.version,
                "name": str(i.name),
                "stem": str(i.stem),
                "items": [{"n": n + 1, "text": str(t)} for n, t in enumerate(i.items)],
            }
            for i in instruments(inv.round.instrument_set)
        ],
    }


@router.post("/answer", auth=None, response={201: AnsweredOut, **ERRORS}, summary="用答题码提交作答")
def answer_submit(request: HttpRequest, payload: AnswerIn) -> Any:
    _checked(request, payload.code)
    services.screening_submit(code=payload.code, answers=payload.answers)
    return Status(201, {"ok": True, "message": _("谢谢你，已经提交。你的回答只有学校的心理老师能看到。")})


# --- answers (psychology teacher) -------------------------------------------------------------------


@router.get("/screenings", response={200: list[ScreeningOut], **ERRORS}, summary="作答与分数（仅心理教师）")
def screening_list(
    request: HttpRequest, round_id: int | None = Query(None, ge=1, le=MAX_ID), level: str = ""
) -> Any:
    if not selectors.can_read(request.user):
        raise NotFound()
    rows = list(selectors.screenings_visible(request.user, round_id=round_id, level=level[:10])[:500])
    by_school: dict[int, list[Screening]] = {}
    for s in rows:
        by_school.setdefault(s.school_id, []).append(s)
    for found in by_school.values():
        selectors.scores_listed(
            request.user, unit=found[0].school, subject=found[0].round, ids=[s.pk for s in found]
        )
    return [_screening(s) for s in rows]


@router.get(
    "/screenings/{int:screening_id}",
    response={200: ScreeningOut, **ERRORS},
    summary="一名学生的作答（记入审计）",
)
def screening_detail(request: HttpRequest, screening_id: int) -> Any:
    return _screening(selectors.screening_read(request.user, _id(screening_id)), answers=True)


@router.get(
    "/students/{int:student_id}/change", response={200: ChangeOut, **ERRORS}, summary="两个日期之间的变化"
)
def student_change(
    request: HttpRequest, student_id: int, start: date | None = None, end: date | None = None
) -> Any:
    if start and end and end < start:
        raise ServiceError(_("结束日期不能早于开始日期。"), code=WellbeingError.BAD_DATES)
    student, screenings, change = selectors.student_history(
        request.user, _id(student_id), start=start, end=end
    )
    return {
        "student_id": student.pk,
        "screenings": [_screening(s) for s in screenings],
        "first_id": change.first.pk if change.first else None,
        "last_id": change.last.pk if change.last else None,
        "phq9_change": change.phq9,
        "gad7_change": change.gad7,
    }


# --- warnings -------------------------------------------------------------------------------------


@router.get("/warnings", response={200: list[WarningOut], **ERRORS}, summary="心理筛查预警")
def warning_list(request: HttpRequest, status: str = "live") -> Any:
    live = {"live": True, "closed": False}.get(status[:10], None)
    rows = [_warning(request.user, w) for w in selectors.warnings_visible(request.user, live=live)[:200]]
    _audit_scores(request.user, [r for r in rows if r["phq9"] is not None])
    return rows


def _audit_scores(user: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    warnings = ScreeningWarning.objects.filter(pk__in=[r["id"] for r in rows]).select_related("school")
    by_school: dict[int, list[ScreeningWarning]] = {}
    for w in warnings:
        by_school.setdefault(w.school_id, []).append(w)
    for found in by_school.values():
        selectors.scores_listed(
            user, unit=found[0].school, subject=found[0], ids=[w.screening_id for w in found]
        )


@router.get("/warnings/{int:warning_id}", response={200: WarningOut, **ERRORS}, summary="预警详情")
def warning_detail(request: HttpRequest, warning_id: int) -> Any:
    row = _warning(request.user, selectors.warning_get(request.user, _id(warning_id)))
    _audit_scores(request.user, [row] if row["phq9"] is not None else [])
    return row


@router.post(
    "/warnings/{int:warning_id}/action", response={200: WarningOut, **ERRORS}, summary="知悉、处置或排除预警"
)
def warning_action(request: AuthenticatedRequest, warning_id: int, payload: ActionIn) -> Any:
    w = selectors.warning_get(request.user, _id(warning_id))
    w = services.warning_action(
        actor=request.user, warning=w, action=payload.action[:20], note=payload.note[:5000]
    )
    return _warning(request.user, w)
