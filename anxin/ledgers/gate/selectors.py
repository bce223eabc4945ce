"""Every read of the gate's ledgers, already cut to what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from anxin.access.matrix import access, can, scoped
from anxin.org.models import Role, Student, Unit, User
from anxin.org.selectors import register_student_purpose, resolve_student, schools_where, student_choices

from .models import DangerousItem, ExitOutcome, LeavePass, StudentExit, Visitor

VISITOR, LEAVE, EXIT, ITEM = (
    "ledger_gate_visitor",
    "ledger_gate_leave",
    "ledger_gate_exit",
    "ledger_gate_item",
)

#: How many students one gate look-up returns at most (namesakes): enough to pick one, never a list.
GATE_SEARCH_LIMIT = 5


def record_schools(user: Any, resource: str) -> QuerySet[Unit]:
    """Schools where the caller may record rows of ``resource``."""
    return schools_where(user, resource, "record")


def _in_range(qs: QuerySet, field: str, date_from: date | None, date_to: date | None) -> QuerySet:
    if date_from is not None:
        qs = qs.filter(**{f"{field}__date__gte": date_from})
    if date_to is not None:
        qs = qs.filter(**{f"{field}__date__lte": date_to})
    return qs


def visitors_visible(
    user: Any, *, date_from: date | None = None, date_to: date | None = None, inside: bool = False
) -> QuerySet[Visitor]:
    qs = scoped(user, VISITOR, "view", Visitor.objects.select_related("school", "host", "recorded_by"))
    qs = _in_range(qs, "time_in", date_from, date_to)
    if inside:
        qs = qs.filter(time_out__isnull=True)
    return qs


def visitor_get(user: Any, visitor_id: Any, *, action: str = "view") -> Visitor:
    return access(user, VISITOR, action, Visitor.objects.select_related("school", "host"), visitor_id)


def leaves_visible(
    user: Any, *, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[LeavePass]:
    qs = LeavePass.objects.select_related(
        "school", "student", "student__klass", "student__klass__parent", "recorded_by"
    )
    return _in_range(scoped(user, LEAVE, "view", qs), "starts_at", date_from, date_to)


def exits_visible(
    user: Any, *, date_from: date | None = None, date_to: date | None = None, stopped: bool = False
) -> QuerySet[StudentExit]:
    qs = StudentExit.objects.select_related(
        "school", "student", "student__klass", "student__klass__parent", "recorded_by", "leave"
    )
    qs = _in_range(scoped(user, EXIT, "view", qs), "recorded_at", date_from, date_to)
    if stopped:
        qs = qs.filter(outcome=ExitOutcome.STOPPED)
    return qs


def exit_get(user: Any, exit_id: Any) -> StudentExit:
    return access(
        user, EXIT, "view", StudentExit.objects.select_related("student", "student__klass"), exit_id
    )


def items_visible(
    user: Any, *, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[DangerousItem]:
    qs = DangerousItem.objects.select_related("school", "student", "student__klass", "visitor", "recorded_by")
    return _in_range(scoped(user, ITEM, "view", qs), "recorded_at", date_from, date_to)


def item_get(user: Any, item_id: Any) -> DangerousItem:
    return access(user, ITEM, "view", DangerousItem.objects.select_related("school"), item_id)


def class_label(klass: Unit) -> str:
    return klass.display_name


def _gate_students(user: Any, resource: str = EXIT) -> QuerySet[Student]:
    """Active students of the schools where the caller keeps the exit (or item) ledger."""
    return Student.objects.filter(is_active=True, school__in=record_schools(user, resource))


def leave_students(user: Any) -> QuerySet[Student]:
    """Students the caller may approve leave for: those whose records they may change."""
    qs = Student.objects.filter(is_active=True).select_related("klass", "klass__parent")
    return scoped(user, "student", "change", qs).order_by("klass__path", "student_no")


register_student_purpose("gate_exit", lambda actor: _gate_students(actor, EXIT))
register_student_purpose("gate_item", lambda actor: _gate_students(actor, ITEM))
register_student_purpose("gate_leave", leave_students)
_PURPOSE = {EXIT: "gate_exit", ITEM: "gate_item"}


def shown_name(user: Any, student: Student) -> str:
    """A student's name as this reader may see it: in full with the student view (leaders, the class
    teacher, the bureau), otherwise 张*某 (gate and duty staff: their own exit and item records)."""
    return student.name if can(user, "student", "view", student) else student.masked_name


def with_shown_names(user: Any, rows: list[Any]) -> list[Any]:
    """Sets ``student_shown`` (and for items ``holder_shown``) on each row for the lists' templates."""
    for row in rows:
        student = row.student if getattr(row, "student_id", None) else None
        row.student_shown = shown_name(user, student) if student is not None else ""
        if isinstance(row, DangerousItem):
            row.holder_shown = row.student_shown or (row.visitor.name if row.visitor_id else "")
    return rows


def students_for_gate(user: Any, query: str, *, resource: str = EXIT) -> list[dict[str, Any]]:
    """The exit check's look-up: the student whose exact 学号 or exact full name was given, as
    id, masked name (张*某) and class; at most :data:`GATE_SEARCH_LIMIT` namesakes.

    Gate staff have no view of student records (docs/permissions.md). A surname, part of a name or
    part of a number finds nobody, so the look-up cannot be used to list the school's children;
    and the name is never returned in full, so a 学号 alone does not reveal who the child is.
    """
    query = (query or "").strip()[:30]
    if not query:
        return []
    students = student_choices(user, for_=_PURPOSE[resource]).select_related("klass", "klass__parent")
    found = list(students.filter(student_no__iexact=query).order_by("klass__path", "pk")[:GATE_SEARCH_LIMIT])
    if not found and len(query) >= 2:
        found = list(students.filter(name=query).order_by("klass__path", "pk")[:GATE_SEARCH_LIMIT])
    return [{"id": s.pk, "name": s.masked_name, "class_name": class_label(s.klass)} for s in found]


def gate_student_get(user: Any, student_id: Any, *, resource: str = EXIT) -> Student:
    """A student the caller may record an exit or an item for; NotFound for any other."""
    return resolve_student(user, student_id, for_=_PURPOSE[resource])


def leave_for_return(user: Any, pk: Any) -> LeavePass:
    """The pass the caller may 销假, or NotFound (unknown and out of reach alike)."""
    qs = LeavePass.objects.select_related("school", "student__klass")
    return access(user, LEAVE, "return", qs, pk)


def unreturned_leaves(school: Unit, now: datetime) -> QuerySet[LeavePass]:
    """Passes at ``school`` whose leave has ended without a 销假: for the engine (no caller scope)."""
    return LeavePass.objects.filter(
        school=school, ends_at__lt=now, returned_at__isnull=True, student__is_active=True
    )


def leave_covering(student: Student, moment: datetime) -> LeavePass | None:
    """The approved leave pass that covers ``moment`` for this student, if any."""
    return (
        LeavePass.objects.filter(student=student, starts_at__lte=moment, ends_at__gte=moment)
        .order_by("-starts_at")
        .first()
    )


def school_staff(school: Unit) -> QuerySet[User]:
    """Whom a visitor may come to see: the school's staff by name. Gate staff have no staff view;
    a visitor register needs the host's name and nothing more about them."""
    return (
        User.objects.filter(is_active=True, assignments__unit__school=school)
        .exclude(assignments__role__in=[Role.GATE_GUARD, Role.DORM_STAFF])
        .distinct()
        .order_by("full_name", "username")
    )


def class_teachers(klass: Unit) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, assignments__role=Role.CLASS_TEACHER, assignments__unit=klass
    ).distinct()


@dataclass
class GateToday:
    visitors: int
    inside: int
    exits: int
    with_leave: int

    @property
    def leave_percent(self) -> int | None:
        """Share of exits in school hours that had a leave pass; None when nobody left."""
        return None if self.exits == 0 else round(self.with_leave * 100 / self.exits)


def gate_figures(user: Any, *, day: date | None = None, exit_days: int = 30) -> GateToday:
    """Today's visitors (and how many are still inside) and, over the last ``exit_days`` days, the
    share of student exits that had an approved leave pass. Both within the caller's view."""
    day = day or timezone.localdate()
    visitors = visitors_visible(user, date_from=day, date_to=day)
    exits = exits_visible(user, date_from=day - timedelta(days=exit_days - 1), date_to=day)
    return GateToday(
        visitors=visitors.count(),
        inside=visitors.filter(time_out__isnull=True).count(),
        exits=exits.count(),
        with_leave=exits.filter(outcome=ExitOutcome.ALLOWED).count(),
    )
