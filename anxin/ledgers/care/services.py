"""Every write of the care ledgers: one transaction each, audited, idempotent on the client key."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.access.matrix import require, require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, ErrorCode, Forbidden, Invalid
from anxin.ledgers import events
from anxin.ledgers.base import Recorded, ledger_record, parse_client_key
from anxin.ledgers.errors import LedgerError
from anxin.org.errors import OrgError
from anxin.org.models import RoleAssignment, Student, User

from .models import CarePlan, CareReview, PlanStatus, Talk, WatchEntry

M = TypeVar("M", Talk, CarePlan, CareReview, WatchEntry)

MAX_TEXT = 5000


def _record_at(
    model: type[M],
    *,
    actor: Any,
    place: Student,
    resource: str,
    client_key: Any,
    audit_action: str,
    audit_after: dict[str, Any] | None = None,
    after_save: Callable[[M], None] | None = None,
    **fields: Any,
) -> Recorded:
    """An entry about a student, placed at the student's class so a class teacher may record it."""
    return ledger_record(
        model,
        actor=actor,
        school=place.school,
        unit=place.klass,
        resource=resource,
        client_key=client_key,
        audit_action=audit_action,
        audit_after=audit_after,
        after_save=after_save,
        **fields,
    )


def _text(value: Any, field: str, *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise Invalid(
            _("输入有误，请检查标出的字段。"),
            code=OrgError.INVALID_FIELDS,
            detail={field: [_("格式不正确。")]},
        )
    if required and not text:
        raise Invalid(
            _("输入有误，请检查标出的字段。"),
            code=OrgError.INVALID_FIELDS,
            detail={field: [_("此项为必填项。")]},
        )
    if len(text) > MAX_TEXT:
        raise Invalid(
            _("输入有误，请检查标出的字段。"),
            code=OrgError.INVALID_FIELDS,
            detail={field: [_("内容过长，最多 %(n)s 字。") % {"n": MAX_TEXT}]},
        )
    return text


def _active_student(student: Student) -> None:
    if not student.is_active:
        raise Invalid(
            _("该学生已不在读。"),
            code=LedgerError.STUDENT_INACTIVE,
            detail={"student": [_("该学生已不在读。")]},
        )


def talk_record(
    *,
    actor: User,
    student: Student,
    talked_on: date,
    topic: str,
    content: str,
    mood: str,
    peers: str,
    named_students: Iterable[Student] = (),
    follow_up: bool = False,
    follow_up_on: date | None = None,
    client_key: Any = None,
) -> Recorded:
    require_at(actor, "ledger_talk", "record", student.klass.path)
    _active_student(student)
    content = _text(content, "content")
    named = list({s.pk: s for s in named_students}.values())
    for other in named:
        if other.school_id != student.school_id:
            raise Invalid(
                _("谈话中提到的学生必须是本校学生。"),
                code=LedgerError.NAMED_OTHER_SCHOOL,
                detail={"named_students": [_("谈话中提到的学生必须是本校学生。")]},
            )
        if other.pk == student.pk:
            raise Invalid(
                _("提到的学生不能是谈话对象本人。"),
                code=LedgerError.NAMED_SELF,
                detail={"named_students": [_("提到的学生不能是谈话对象本人。")]},
            )
    if talked_on and talked_on > timezone.localdate():
        raise Invalid(
            _("谈话日期不能晚于今天。"),
            code=LedgerError.FUTURE_DATE,
            detail={"talked_on": [_("谈话日期不能晚于今天。")]},
        )

    def attach(talk: Talk) -> None:
        if named:
            talk.named_students.set(named)

    return _record_at(
        Talk,
        actor=actor,
        place=student,
        resource="ledger_talk",
        client_key=client_key,
        audit_action=events.TALK_RECORDED,
        # Never the content or the child's name in the audit trail.
        audit_after={"topic": topic, "follow_up_on": follow_up_on, "named": len(named)},
        after_save=attach,
        student=student,
        talked_on=talked_on,
        topic=topic,
        content=content,
        mood=mood,
        peers=peers,
        follow_up=follow_up,
        follow_up_on=follow_up_on if follow_up else None,
    )


def talk_follow_up_done(*, actor: User, talk: Talk) -> Talk:
    """The author (or another reader) marks the follow-up as done."""
    from .selectors import can_read_talk

    require(actor, "ledger_talk", "view", talk)
    if not can_read_talk(actor, talk):
        raise Forbidden()
    with transaction.atomic():
        changed = Talk.objects.filter(pk=talk.pk, follow_up=True, followed_up_at__isnull=True).update(
            followed_up_at=timezone.now()
        )
        if not changed:
            raise Conflict(_("这次谈话不需要回访，或已回访。"), code=LedgerError.NO_FOLLOW_UP_PENDING)
        audit_record(actor=actor, action=events.TALK_FOLLOWED_UP, unit=talk.student.klass, subject=talk)
    talk.refresh_from_db()
    return talk


def _owner_in_school(owner: User, student: Student) -> None:
    if not RoleAssignment.objects.filter(
        user=owner, unit__school=student.school_id, user__is_active=True
    ).exists():
        raise Invalid(
            _("负责人必须是本校教职工。"),
            code=ErrorCode.OWNER_NOT_STAFF,
            detail={"owner": [_("负责人必须是本校教职工。")]},
        )


def care_plan_record(
    *,
    actor: User,
    student: Student,
    owner: User,
    goals: str,
    measures: str,
    review_days: int,
    next_review_on: date | None = None,
    client_key: Any = None,
) -> Recorded:
    require_at(actor, "ledger_care_plan", "record", student.klass.path)
    _active_student(student)
    _owner_in_school(owner, student)
    goals = _text(goals, "goals")
    measures = _text(measures, "measures")
    if not isinstance(review_days, int) or not 1 <= review_days <= 365:
        raise Invalid(
            _("输入有误，请检查标出的字段。"),
            code=OrgError.INVALID_FIELDS,
            detail={"review_days": [_("回顾周期须在 1 到 365 天之间。")]},
        )
    if next_review_on is None:
        next_review_on = timezone.localdate() + timedelta(days=review_days)
    key = parse_client_key(client_key)
    if not CarePlan.objects.filter(school=student.school, client_key=key).exists():
        if CarePlan.objects.filter(student=student, status=PlanStatus.ACTIVE).exists():
            raise Conflict(
                _("该学生已有进行中的帮扶计划，请在原计划中记录回顾。"), code=LedgerError.PLAN_EXISTS
            )
    return _record_at(
        CarePlan,
        actor=actor,
        place=student,
        resource="ledger_care_plan",
        client_key=key,
        audit_action=events.CARE_PLAN_RECORDED,
        audit_after={"owner": owner.pk, "review_days": review_days, "next_review_on": next_review_on},
        student=student,
        owner=owner,
        goals=goals,
        measures=measures,
        review_days=review_days,
        next_review_on=next_review_on,
    )


def care_review_record(
    *,
    actor: User,
    plan: CarePlan,
    reviewed_on: date,
    notes: str,
    next_review_on: date | None = None,
    close: bool = False,
    client_key: Any = None,
) -> Recorded:
    require(actor, "ledger_care_plan", "record", plan)
    notes = _text(notes, "notes")
    key = parse_client_key(client_key)
    existing = CareReview.objects.filter(school=plan.school, client_key=key).first()
    if existing is not None:
        return Recorded(existing, False)
    if plan.status != PlanStatus.ACTIVE:
        raise Conflict(_("该帮扶计划已结束，不能再记录回顾。"), code=LedgerError.PLAN_CLOSED)
    if reviewed_on > timezone.localdate():
        raise Invalid(
            _("回顾日期不能晚于今天。"),
            code=LedgerError.FUTURE_DATE,
            detail={"reviewed_on": [_("回顾日期不能晚于今天。")]},
        )
    if next_review_on is None and not close:
        next_review_on = reviewed_on + timedelta(days=plan.review_days)
    if next_review_on is not None and next_review_on <= reviewed_on:
        raise Invalid(
            _("下次回顾日期须晚于本次回顾日期。"),
            code=OrgError.INVALID_FIELDS,
            detail={"next_review_on": [_("下次回顾日期须晚于本次回顾日期。")]},
        )

    def advance(review: CareReview) -> None:
        locked = CarePlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != PlanStatus.ACTIVE:
            raise Conflict(_("该帮扶计划已结束，不能再记录回顾。"), code=LedgerError.PLAN_CLOSED)
        update: dict[str, Any] = {}
        if next_review_on is not None:
            update["next_review_on"] = next_review_on
        if close:
            update["status"] = PlanStatus.CLOSED
        CarePlan.objects.filter(pk=plan.pk).update(**update)

    recorded = _record_at(
        CareReview,
        actor=actor,
        place=plan.student,
        resource="ledger_care_plan",
        client_key=key,
        audit_action=events.CARE_PLAN_REVIEWED,
        audit_after={"plan": plan.pk, "next_review_on": next_review_on, "closed": close},
        after_save=advance,
        plan=plan,
        reviewed_on=reviewed_on,
        notes=notes,
        next_review_on=next_review_on,
        due_on=plan.next_review_on,
    )
    plan.refresh_from_db()
    return recorded


def watch_record(
    *,
    actor: User,
    student: Student,
    seen_on: date,
    seen: str,
    severity: str,
    client_key: Any = None,
) -> Recorded:
    require_at(actor, "ledger_watch", "record", student.klass.path)
    _active_student(student)
    seen = _text(seen, "seen")
    if seen_on > timezone.localdate():
        raise Invalid(
            _("发现日期不能晚于今天。"),
            code=LedgerError.FUTURE_DATE,
            detail={"seen_on": [_("发现日期不能晚于今天。")]},
        )
    return _record_at(
        WatchEntry,
        actor=actor,
        place=student,
        resource="ledger_watch",
        client_key=client_key,
        audit_action=events.WATCH_RECORDED,
        audit_after={"severity": severity},
        student=student,
        seen_on=seen_on,
        seen=seen,
        severity=severity,
    )
