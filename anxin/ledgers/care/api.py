"""/api/ledgers/care: talks (content only for its readers), care plans and reviews, behaviour watch."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status as Reply

from anxin.access.matrix import allowed
from anxin.core.errors import ErrorCode, Forbidden, Invalid, NotFound
from anxin.core.params import MAX_ID, PageNumberPagination
from anxin.core.schemas import ErrorOut
from anxin.ledgers.errors import LedgerError
from anxin.org.models import User
from anxin.org.requests import AuthenticatedRequest
from anxin.org.selectors import resolve_student, resolve_students

from . import selectors, services
from .models import CarePlan, Mood, PeerRelation, Severity, Talk, Topic, WatchEntry

router = Router(tags=["ledgers-care"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _need(user: Any, resource: str, action: str = "view") -> None:
    if allowed(user, resource, action):
        return
    if action != "view" and allowed(user, resource, "view"):
        raise Forbidden()
    raise NotFound()


class Named(Schema):
    id: int
    name: str


class TalkOut(Schema):
    id: int
    student: Named
    klass: Named
    talked_on: date
    topic: str
    topic_label: str
    recorded_by: Named
    recorded_at: datetime
    follow_up_on: date | None
    followed_up: bool
    #: Whether the caller may read what was said; the fields below are null otherwise.
    readable: bool
    content: str | None = None
    mood: str | None = None
    peers: str | None = None
    named_students: list[Named] | None = None


def _talk_out(talk: Talk, readable: bool) -> dict[str, Any]:
    student = talk.student
    out: dict[str, Any] = {
        "id": talk.pk,
        "student": {"id": student.pk, "name": student.name if readable else student.masked_name},
        "klass": {"id": student.klass_id, "name": student.klass.display_name},
        "talked_on": talk.talked_on,
        "topic": talk.topic,
        "topic_label": str(talk.get_topic_display()),
        "recorded_by": {"id": talk.recorded_by_id, "name": str(talk.recorded_by)},
        "recorded_at": talk.recorded_at,
        "follow_up_on": talk.follow_up_on if talk.follow_up else None,
        "followed_up": talk.followed_up_at is not None,
        "readable": readable,
    }
    if readable:
        out.update(
            content=talk.content,
            mood=talk.mood,
            peers=talk.peers,
            named_students=[{"id": s.pk, "name": s.name} for s in talk.named_students.all()],
        )
    return out


class TalkFilter(Schema):
    klass: int | None = Field(None, ge=1, le=MAX_ID, description="班级 id")
    q: str = Field("", max_length=50, description="学生姓名或学号")
    due: bool = Field(False, description="只看已到回访日期、尚未回访的")


class TalkIn(Schema):
    student: int = Field(..., ge=1, le=MAX_ID)
    talked_on: date | None = None
    topic: Topic
    content: str = Field(..., max_length=5000)
    mood: Mood
    peers: PeerRelation
    named_students: list[int] = Field(default_factory=list, max_length=50)
    follow_up_on: date | None = Field(None, description="需要回访时填写回访日期")
    client_key: UUID | None = None


def _klass(user: Any, klass_id: int | None) -> Any:
    if klass_id is None:
        return None
    from anxin.org.selectors import classes_visible

    klass = classes_visible(user).filter(pk=klass_id).first()
    if klass is None:
        raise NotFound()
    return klass


@router.get("/talks", response={200: list[TalkOut], **ERRORS}, summary="谈心谈话列表（内容仅对可阅读者返回）")
@paginate(PageNumberPagination, page_size=50)
def talk_list(request: HttpRequest, filters: Query[TalkFilter]) -> Any:
    _need(request.user, "ledger_talk")
    talks = list(
        selectors.talks_visible(
            request.user,
            klass=_klass(request.user, filters.klass),
            search=filters.q,
            follow_up_due=timezone.localdate() if filters.due else None,
        ).prefetch_related("named_students")
    )
    return _TalkPage(request.user, talks)


class _TalkPage(list):
    """Paginated first, read afterwards: only the page that goes out is audited."""

    def __init__(self, user: Any, talks: list[Talk]) -> None:
        super().__init__(talks)
        self.user = user

    def __getitem__(self, item: Any) -> Any:
        page = super().__getitem__(item)
        if isinstance(item, slice):
            readable = selectors.talks_read(self.user, page)
            return [_talk_out(t, t.pk in readable) for t in page]
        return page


@router.post("/talks", response={200: TalkOut, 201: TalkOut, **ERRORS}, summary="记录谈心谈话")
def talk_create(request: AuthenticatedRequest, payload: TalkIn) -> Any:
    _need(request.user, "ledger_talk", "record")
    student = resolve_student(request.user, payload.student, for_="ledger_talk")
    try:
        named = resolve_students(
            request.user,
            payload.named_students,
            for_="talk_named",
            field="named_students",
            school=student.school,
        )
    except NotFound:
        # The same words for a child who does not exist, is of another school, or is out of sight.
        words = _("谈话中提到的学生须是您可查看的本校学生；其他学生请写在谈话内容里。")
        raise Invalid(
            words, code=LedgerError.NAMED_OTHER_SCHOOL, detail={"named_students": [words]}
        ) from None
    recorded = services.talk_record(
        actor=request.user,
        student=student,
        talked_on=payload.talked_on or timezone.localdate(),
        topic=payload.topic,
        content=payload.content,
        mood=payload.mood,
        peers=payload.peers,
        named_students=named,
        follow_up=payload.follow_up_on is not None,
        follow_up_on=payload.follow_up_on,
        client_key=payload.client_key,
    )
    return Reply(201 if recorded.created else 200, _talk_out(recorded.entry, True))


@router.get("/talks/{talk_id}", response={200: TalkOut, **ERRORS}, summary="一次谈心谈话")
def talk_detail(request: HttpRequest, talk_id: int) -> Any:
    if not 1 <= talk_id <= MAX_ID:
        raise NotFound()
    talk = selectors.talk_get(request.user, talk_id)
    return _talk_out(talk, selectors.talk_read(request.user, talk))


# --- care plans --------------------------------------------------------------------------------


class ReviewOut(Schema):
    id: int
    reviewed_on: date
    due_on: date
    on_time: bool
    notes: str
    next_review_on: date | None
    recorded_by: Named


class PlanOut(Schema):
    id: int
    student: Named
    klass: Named
    owner: Named
    goals: str
    measures: str
    review_days: int
    next_review_on: date
    status: str
    overdue: bool
    reviews: list[ReviewOut]


def _plan_out(plan: CarePlan, *, reviews: bool = False) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "id": plan.pk,
        "student": {"id": plan.student_id, "name": plan.student.name},
        "klass": {"id": plan.student.klass_id, "name": plan.student.klass.display_name},
        "owner": {"id": plan.owner_id, "name": str(plan.owner)},
        "goals": plan.goals,
        "measures": plan.measures,
        "review_days": plan.review_days,
        "next_review_on": plan.next_review_on,
        "status": plan.status,
        "overdue": plan.is_overdue(today),
        "reviews": [
            {
                "id": r.pk,
                "reviewed_on": r.reviewed_on,
                "due_on": r.due_on,
                "on_time": r.on_time,
                "notes": r.notes,
                "next_review_on": r.next_review_on,
                "recorded_by": {"id": r.recorded_by_id, "name": str(r.recorded_by)},
            }
            for r in (plan.reviews.select_related("recorded_by") if reviews else [])
        ],
    }


class PlanFilter(Schema):
    klass: int | None = Field(None, ge=1, le=MAX_ID)
    q: str = Field("", max_length=50)
    overdue: bool = False


class PlanIn(Schema):
    student: int = Field(..., ge=1, le=MAX_ID)
    owner: int | None = Field(None, ge=1, le=MAX_ID, description="负责人；默认本人")
    goals: str = Field(..., max_length=5000)
    measures: str = Field(..., max_length=5000)
    review_days: int = Field(30, ge=1, le=365)
    next_review_on: date | None = None
    client_key: UUID | None = None


class ReviewIn(Schema):
    reviewed_on: date | None = None
    notes: str = Field(..., max_length=5000)
    next_review_on: date | None = None
    close: bool = False
    client_key: UUID | None = None


@router.get("/plans", response={200: list[PlanOut], **ERRORS}, summary="帮扶计划列表")
@paginate(PageNumberPagination, page_size=50)
def plan_list(request: HttpRequest, filters: Query[PlanFilter]) -> Any:
    _need(request.user, "ledger_care_plan")
    plans = selectors.plans_visible(
        request.user,
        klass=_klass(request.user, filters.klass),
        search=filters.q,
        overdue_on=timezone.localdate() if filters.overdue else None,
    )
    return [_plan_out(p) for p in plans[:1000]]


@router.post("/plans", response={200: PlanOut, 201: PlanOut, **ERRORS}, summary="建立帮扶计划")
def plan_create(request: AuthenticatedRequest, payload: PlanIn) -> Any:
    _need(request.user, "ledger_care_plan", "record")
    student = resolve_student(request.user, payload.student, for_="ledger_care_plan")
    owner = request.user
    if payload.owner is not None:
        owner = User.objects.filter(pk=payload.owner, is_active=True).first()
        if owner is None:
            raise Invalid(
                _("负责人必须是本校教职工。"),
                code=ErrorCode.OWNER_NOT_STAFF,
                detail={"owner": [_("负责人必须是本校教职工。")]},
            )
    recorded = services.care_plan_record(
        actor=request.user,
        student=student,
        owner=owner,
        goals=payload.goals,
        measures=payload.measures,
        review_days=payload.review_days,
        next_review_on=payload.next_review_on,
        client_key=payload.client_key,
    )
    return Reply(201 if recorded.created else 200, _plan_out(recorded.entry, reviews=True))


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="一份帮扶计划及其回顾")
def plan_detail(request: HttpRequest, plan_id: int) -> Any:
    if not 1 <= plan_id <= MAX_ID:
        raise NotFound()
    return _plan_out(selectors.plan_get(request.user, plan_id), reviews=True)


@router.post("/plans/{plan_id}/reviews", response={200: PlanOut, 201: PlanOut, **ERRORS}, summary="记录回顾")
def review_create(request: AuthenticatedRequest, plan_id: int, payload: ReviewIn) -> Any:
    if not 1 <= plan_id <= MAX_ID:
        raise NotFound()
    plan = selectors.plan_get(request.user, plan_id)
    recorded = services.care_review_record(
        actor=request.user,
        plan=plan,
        reviewed_on=payload.reviewed_on or timezone.localdate(),
        notes=payload.notes,
        next_review_on=payload.next_review_on,
        close=payload.close,
        client_key=payload.client_key,
    )
    plan.refresh_from_db()
    return Reply(201 if recorded.created else 200, _plan_out(plan, reviews=True))


# --- behaviour watch ----------------------------------------------------------------------------


class WatchOut(Schema):
    id: int
    student: Named
    klass: Named
    seen_on: date
    seen: str
    severity: str
    severity_label: str
    recorded_by: Named


def _watch_out(e: WatchEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "student": {"id": e.student_id, "name": e.student.name},
        "klass": {"id": e.student.klass_id, "name": e.student.klass.display_name},
        "seen_on": e.seen_on,
        "seen": e.seen,
        "severity": e.severity,
        "severity_label": str(e.get_severity_display()),
        "recorded_by": {"id": e.recorded_by_id, "name": str(e.recorded_by)},
    }


class WatchFilter(Schema):
    klass: int | None = Field(None, ge=1, le=MAX_ID)
    q: str = Field("", max_length=50)
    severity: Severity | None = None


class WatchIn(Schema):
    student: int = Field(..., ge=1, le=MAX_ID)
    seen_on: date | None = None
    seen: str = Field(..., max_length=5000)
    severity: Severity = Severity.NOTICE
    client_key: UUID | None = None


@router.get("/watch", response={200: list[WatchOut], **ERRORS}, summary="行为异常列表")
@paginate(PageNumberPagination, page_size=50)
def watch_list(request: HttpRequest, filters: Query[WatchFilter]) -> Any:
    _need(request.user, "ledger_watch")
    entries = selectors.watch_visible(
        request.user,
        klass=_klass(request.user, filters.klass),
        search=filters.q,
        severity=filters.severity or "",
    )
    return [_watch_out(e) for e in entries[:1000]]


@router.post("/watch", response={200: WatchOut, 201: WatchOut, **ERRORS}, summary="记录行为异常")
def watch_create(request: AuthenticatedRequest, payload: WatchIn) -> Any:
    _need(request.user, "ledger_watch", "record")
    student = resolve_student(request.user, payload.student, for_="ledger_watch")
    recorded = services.watch_record(
        actor=request.user,
        student=student,
        seen_on=payload.seen_on or timezone.localdate(),
        seen=payload.seen,
        severity=payload.severity,
        client_key=payload.client_key,
    )
    return Reply(201 if recorded.created else 200, _watch_out(recorded.entry))
