"""Every read of the care ledgers, already cut to the caller's reach.

Two levels for talks: ``talks_visible`` gives the fact of a talk to everyone with
``ledger_talk.view``; ``can_read_talk`` decides who may read what was said, and
``talk_read`` records that they did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet

from anxin.access.matrix import access, allowed, can_at, reach, scoped
from anxin.audit.services import audit_record
from anxin.ledgers import events
from anxin.ledgers.base import Completeness
from anxin.org.models import KeyGroupFlag, Role, RoleAssignment, Student, Unit, UnitKind
from anxin.org.selectors import register_student_purpose, students_visible

from .models import CarePlan, CareReview, PlanStatus, Talk, WatchEntry

#: The period the completeness figures look back over, today included.
PERIOD_DAYS = 30


# --- talks ---------------------------------------------------------------------------------


def talks_visible(
    user: Any,
    *,
    klass: Unit | None = None,
    search: str = "",
    follow_up_due: date | None = None,
) -> QuerySet[Talk]:
    qs = scoped(
        user,
        "ledger_talk",
        "view",
        Talk.objects.select_related(
            "student", "student__klass", "student__klass__parent", "recorded_by", "school"
        ),
    )
    if klass is not None:
        qs = qs.filter(student__klass=klass)
    if search:
        qs = qs.filter(Q(student__name__icontains=search) | Q(student__student_no__icontains=search))
    if follow_up_due is not None:
        qs = qs.filter(follow_up=True, followed_up_at__isnull=True, follow_up_on__lte=follow_up_due)
    return qs


def talk_get(user: Any, talk_id: Any) -> Talk:
    return access(
        user,
        "ledger_talk",
        "view",
        Talk.objects.select_related(
            "student", "student__klass", "student__klass__parent", "recorded_by", "school"
        ),
        talk_id,
    )


def can_read_talk(user: Any, talk: Talk) -> bool:
    """What was said: its author, the student's class teacher, the school's psychology teachers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if talk.recorded_by_id == user.pk:
        return True
    return RoleAssignment.objects.filter(
        Q(role=Role.CLASS_TEACHER, unit_id=talk.student.klass_id)
        | Q(role=Role.PSYCH_TEACHER, unit_id=talk.school_id),
        user=user,
        unit__is_active=True,
    ).exists()


def readable_talk_ids(user: Any, talks: list[Talk]) -> set[int]:
    """``can_read_talk`` for a page of talks, in one query."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    rows = set(
        RoleAssignment.objects.filter(
            user=user, unit__is_active=True, role__in=(Role.CLASS_TEACHER, Role.PSYCH_TEACHER)
        ).values_list("role", "unit_id")
    )
    ids = set()
    for talk in talks:
        if (
            talk.recorded_by_id == user.pk
            or (Role.CLASS_TEACHER, talk.student.klass_id) in rows
            or (Role.PSYCH_TEACHER, talk.school_id) in rows
        ):
            ids.add(talk.pk)
    return ids


def talk_read(user: Any, talk: Talk) -> bool:
    """Whether the caller may read the content; when they may, the read is audited."""
    if not can_read_talk(user, talk):
        return False
    audit_record(actor=user, action=events.TALK_CONTENT_VIEWED, unit=talk.student.klass, subject=talk)
    return True


def talks_read(user: Any, talks: list[Talk], school: Unit | None = None) -> set[int]:
    """A page of talks whose content goes out to the caller: one audit event for the lot."""
    ids = readable_talk_ids(user, talks)
    if ids:
        unit = school or next(t.school for t in talks if t.pk in ids)
        audit_record(
            actor=user,
            action=events.TALK_CONTENT_LISTED,
            unit=unit,
            subject_type="ledger_care.talk",
            subject_label="",
            after={"ids": sorted(ids)},
        )
    return ids


def follow_ups_due(user: Any, *, today: date, horizon_days: int = 3) -> QuerySet[Talk]:
    """The caller's own talks whose follow-up is due now or within a few days."""
    return (
        Talk.objects.select_related("student", "student__klass", "student__klass__parent")
        .filter(
            recorded_by=user,
            follow_up=True,
            followed_up_at__isnull=True,
            follow_up_on__lte=today + timedelta(days=horizon_days),
        )
        .order_by("follow_up_on")
    )


def follow_ups_pending(school: Unit, today: date) -> QuerySet[Talk]:
    """Talks at ``school`` whose follow-up date has come and that nobody marked followed up.

    For the early-warning engine (no caller scope); only students still at school.
    """
    return Talk.objects.filter(
        school=school,
        follow_up=True,
        followed_up_at__isnull=True,
        follow_up_on__lte=today,
        student__is_active=True,
    )


def named_counts(school: Unit, *, since: date) -> QuerySet[Student]:
    """For the early-warning engine: students named in talks since a date, with how often."""
    return (
        Student.objects.filter(school=school, named_in_care_talks__talked_on__gte=since)
        .annotate(named_times=Count("named_in_care_talks", distinct=True))
        .order_by("-named_times")
    )


def talk_completeness(school: Unit, *, today: date) -> Completeness:
    """Classes with at least one talk in the last 30 days, against the school's classes."""
    classes = Unit.objects.filter(school=school, kind=UnitKind.CLASS, is_active=True)
    since = today - timedelta(days=PERIOD_DAYS - 1)
    done = (
        Talk.objects.filter(
            school=school, talked_on__gte=since, talked_on__lte=today, student__klass__in=classes
        )
        .values("student__klass")
        .distinct()
        .count()
    )
    return Completeness(due=classes.count(), done=done)


# --- key groups and care plans --------------------------------------------------------------


@dataclass
class RegisterRow:
    student: Student
    groups: list[KeyGroupFlag]
    plan: CarePlan | None


def key_group_register(user: Any, *, klass: Unit | None = None, search: str = "") -> list[RegisterRow]:
    """The key-group students the caller may see (the ``student_care`` rule), each with its plan."""
    flags = scoped(
        user,
        "student_care",
        "view",
        KeyGroupFlag.objects.select_related("student", "student__klass", "student__klass__parent").filter(
            student__is_active=True
        ),
    )
    if klass is not None:
        flags = flags.filter(student__klass=klass)
    if search:
        flags = flags.filter(Q(student__name__icontains=search) | Q(student__student_no__icontains=search))
    by_student: dict[int, RegisterRow] = {}
    for flag in flags.order_by("student__klass__path", "student__student_no", "group"):
        row = by_student.setdefault(flag.student_id, RegisterRow(flag.student, [], None))
        row.groups.append(flag)
    plans = scoped(
        user,
        "ledger_care_plan",
        "view",
        CarePlan.objects.filter(student_id__in=list(by_student), status=PlanStatus.ACTIVE),
    )
    for plan in plans:
        by_student[plan.student_id].plan = plan
    return list(by_student.values())


def plans_visible(
    user: Any,
    *,
    klass: Unit | None = None,
    search: str = "",
    overdue_on: date | None = None,
    status: str = "",
) -> QuerySet[CarePlan]:
    qs = scoped(
        user,
        "ledger_care_plan",
        "view",
        CarePlan.objects.select_related(
            "student", "student__klass", "student__klass__parent", "owner", "school"
        ),
    )
    if klass is not None:
        qs = qs.filter(student__klass=klass)
    if search:
        qs = qs.filter(Q(student__name__icontains=search) | Q(student__student_no__icontains=search))
    if status:
        qs = qs.filter(status=status)
    if overdue_on is not None:
        qs = qs.filter(status=PlanStatus.ACTIVE, next_review_on__lt=overdue_on)
    return qs


def plan_get(user: Any, plan_id: Any) -> CarePlan:
    return access(
        user,
        "ledger_care_plan",
        "view",
        CarePlan.objects.select_related(
            "student", "student__klass", "student__klass__parent", "owner", "school"
        ),
        plan_id,
    )


def reviews_visible(user: Any, *, plan: CarePlan | None = None) -> QuerySet[CareReview]:
    qs = scoped(
        user,
        "ledger_care_plan",
        "view",
        CareReview.objects.select_related("plan", "plan__student", "plan__student__klass", "recorded_by"),
        path_field="plan__student__klass__path",
    )
    if plan is not None:
        qs = qs.filter(plan=plan)
    return qs


def overdue_care_plans(school: Unit, today: date) -> QuerySet[CarePlan]:
    """For the early-warning engine (no caller: the engine decides who is told)."""
    return CarePlan.objects.select_related("student", "student__klass", "owner").filter(
        school=school, status=PlanStatus.ACTIVE, next_review_on__lt=today
    )


def care_completeness(school: Unit, *, today: date) -> Completeness:
    """Reviews made on time, against the reviews that fell due in the last 30 days.

    A review answers the due date the plan had when it was made (``due_on``); an active plan whose
    due date in the period passed without a review counts as due and not done.
    """
    since = today - timedelta(days=PERIOD_DAYS - 1)
    reviews = CareReview.objects.filter(plan__school=school, due_on__gte=since, due_on__lte=today)
    missed = CarePlan.objects.filter(
        school=school, status=PlanStatus.ACTIVE, next_review_on__gte=since, next_review_on__lt=today
    ).count()
    # Several reviews may answer one due date; count each (plan, due date) once.
    answered = reviews.values("plan", "due_on").distinct().count()
    on_time = reviews.filter(reviewed_on__lte=F("due_on")).values("plan", "due_on").distinct().count()
    return Completeness(due=answered + missed, done=on_time)


# --- behaviour watch --------------------------------------------------------------------------


def watch_visible(
    user: Any, *, klass: Unit | None = None, search: str = "", severity: str = ""
) -> QuerySet[WatchEntry]:
    qs = scoped(
        user,
        "ledger_watch",
        "view",
        WatchEntry.objects.select_related(
            "student", "student__klass", "student__klass__parent", "recorded_by"
        ),
    )
    if klass is not None:
        qs = qs.filter(student__klass=klass)
    if search:
        qs = qs.filter(Q(student__name__icontains=search) | Q(student__student_no__icontains=search))
    if severity:
        qs = qs.filter(severity=severity)
    return qs


def watch_students(school: Unit, *, since: date | None = None) -> QuerySet[Student]:
    """For the early-warning engine: students with behaviour watch entries, most recent first."""
    entries = Q(care_watch_entries__school=school)
    if since is not None:
        entries &= Q(care_watch_entries__seen_on__gte=since)
    return (
        Student.objects.filter(entries)
        .annotate(
            watch_count=Count("care_watch_entries", filter=entries, distinct=True),
            last_seen_on=Max("care_watch_entries__seen_on", filter=entries),
        )
        .order_by("-last_seen_on")
    )


# --- where a person works ---------------------------------------------------------------------


def record_students(user: Any, resource: str) -> QuerySet[Student]:
    """The students the caller may record an entry of ``resource`` for."""
    r = reach(user, resource, "record")
    qs = students_visible(user)
    if r.everything:
        return qs
    q = Q(pk__in=[])
    for p in r.paths:
        q |= Q(klass__path__startswith=p)
    return qs.filter(q)


def may_record(user: Any, resource: str, student: Student) -> bool:
    return can_at(user, resource, "record", student.klass.path)


def may_use(user: Any, resource: str) -> bool:
    return allowed(user, resource, "view") or allowed(user, resource, "record")


def named_choices(user: Any, school: Unit | None = None) -> QuerySet[Student]:
    """Students a talk may name as mentioned: those the author may see, of the talk's school.

    A class teacher sees their class only (docs/permissions.md, ``student``): a classmate named in a
    talk is picked here; anyone else is written into the talk's content, not picked from a roll.
    """
    qs = students_visible(user)
    return qs.filter(school=school) if school is not None else qs


register_student_purpose("talk_named", named_choices, suggest=True)
for _resource in ("ledger_talk", "ledger_care_plan", "ledger_watch"):
    register_student_purpose(_resource, lambda actor, _r=_resource: record_students(actor, _r), suggest=True)
