"""Every read of organisation data, already cut to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from anxin.audit.services import audit_record
from anxin.core.access import access, allowed, can, reach, school_path, scoped

from .models import Guardian, KeyGroupFlag, Student, Unit, UnitKind, User


def units_visible(user: Any, *, kind: str | None = None, parent_id: int | None = None) -> QuerySet[Unit]:
    qs = scoped(user, "unit", "view", Unit.objects.select_related("parent", "profile"))
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    return qs.filter(is_active=True)


def unit_get(user: Any, unit_id: Any, *, action: str = "view") -> Unit:
    return access(user, "unit", action, Unit.objects.select_related("parent", "profile"), unit_id)


def schools_visible(user: Any) -> QuerySet[Unit]:
    return units_visible(user, kind=UnitKind.SCHOOL)


def schools_where(user: Any, resource: str, action: str) -> QuerySet[Unit]:
    """The schools where the caller may take ``action`` on ``resource``, including those where
    they may only act on their own records (OWN scope): the choices of a "which school" field."""
    schools = Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True).order_by("path")
    r = reach(user, resource, action)
    if r.everything:
        return schools
    q = Q(pk__in=[])
    for path in (*r.paths, *r.own_paths):
        q |= Q(path__startswith=path) | Q(
            pk__in=Unit.objects.filter(kind=UnitKind.SCHOOL, path=school_path(path))
        )
    return schools.filter(q)


def classes_visible(user: Any, *, school: Unit | None = None) -> QuerySet[Unit]:
    qs = units_visible(user, kind=UnitKind.CLASS).select_related("parent")
    if school is not None:
        qs = qs.filter(school=school)
    return qs.order_by("path")


def staff_visible(user: Any, *, unit: Unit | None = None, search: str = "") -> QuerySet[User]:
    qs = scoped(user, "staff", "view", User.objects.filter(is_active=True))
    if unit is not None:
        qs = qs.filter(assignments__unit__path__startswith=unit.path).distinct()
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(username__icontains=search))
    return qs.prefetch_related("assignments__unit").order_by("full_name", "username")


def staff_get(user: Any, person_id: Any) -> User:
    return access(user, "staff", "view", User.objects.filter(is_active=True), person_id)


def students_visible(
    user: Any, *, klass: Unit | None = None, school: Unit | None = None, search: str = ""
) -> QuerySet[Student]:
    qs = scoped(user, "student", "view", Student.objects.select_related("klass", "klass__parent", "school"))
    qs = qs.filter(is_active=True)
    if klass is not None:
        qs = qs.filter(klass=klass)
    if school is not None:
        qs = qs.filter(school=school)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(student_no__icontains=search))
    return qs.order_by("klass__path", "student_no")


def student_get(user: Any, student_id: Any, *, action: str = "view") -> Student:
    return access(
        user,
        "student",
        action,
        Student.objects.select_related("klass", "klass__parent", "school"),
        student_id,
    )


def student_profile(user: Any, student_id: Any) -> dict[str, Any]:
    """A student's profile for one viewer. Opening it is an audit event."""
    student = student_get(user, student_id)
    care_visible = can(user, "student_care", "view", KeyGroupFlag(student=student))
    profile: dict[str, Any] = {
        "student": student,
        "care_visible": care_visible,
        "key_groups": list(student.key_groups.all()) if care_visible else [],
        "guardians": list(student.guardians.all()) if care_visible else [],
        "can_change": can(user, "student", "change", student),
        "can_change_care": can(user, "student_care", "change", Guardian(student=student)),
    }
    audit_record(
        actor=user,
        action="student.viewed",
        unit=student.klass,
        subject=student,
        subject_label=student.masked_name,
    )
    return profile


def can_manage_students(user: Any) -> bool:
    return allowed(user, "student", "change")


def school_staff(school: Unit) -> QuerySet[User]:
    """Active people holding a role anywhere in the school (its own units and classes)."""
    return (
        User.objects.filter(is_active=True, assignments__unit__path__startswith=school.path)
        .distinct()
        .order_by("full_name", "username")
    )
