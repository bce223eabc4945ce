"""Every read of organisation data, already cut to what the caller may see."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from anxin.access.matrix import access, allowed, can, reach, school_path, scoped
from anxin.audit.services import audit_record
from anxin.core.errors import NotFound
from anxin.core.params import parse_id

from . import events
from .models import Guardian, KeyGroupFlag, Role, RoleAssignment, Student, Unit, UnitKind, User


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
        action=events.STUDENT_VIEWED,
        unit=student.klass,
        subject=student,
        subject_label=student.masked_name,
    )
    return profile


def can_manage_students(user: Any) -> bool:
    return allowed(user, "student", "change")


def unit_ids_held(user: Any, roles: Iterable[str]) -> set[int]:
    """The active units where this person holds one of ``roles``: e.g. the classes they are class
    teacher of. Nobody holds anything before signing in."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        RoleAssignment.objects.filter(user=user, role__in=list(roles), unit__is_active=True).values_list(
            "unit_id", flat=True
        )
    )


def school_staff(school: Unit) -> QuerySet[User]:
    """Active people holding a role anywhere in the school (its own units and classes)."""
    return (
        User.objects.filter(is_active=True, assignments__unit__path__startswith=school.path)
        .distinct()
        .order_by("full_name", "username")
    )


# --- ids taken from input ------------------------------------------------------------------------
#
# An id in a form field, a JSON body or a query parameter is as untrusted as one in the URL. Every
# student id that comes in is resolved here, through the queryset of the students the caller may
# name *for that purpose*; a form offers exactly the same queryset as its choices. An id that does
# not exist and one out of reach get the same answer, so ids cannot be probed.

#: Purpose -> function(actor, **context) returning the students the actor may name for it.
StudentPurpose = Callable[..., QuerySet[Student]]
STUDENT_PURPOSES: dict[str, StudentPurpose] = {}

#: The words of the refusal: the same whether the student does not exist or is out of reach.
STUDENT_NOT_FOUND = _("找不到该学生，或您无权选择该学生。")


#: Purposes whose form picks students by typing (a name or 学号) with suggestions. The gate's look-ups
#: are not among them: a guard finds a child by the exact 学号 or full name, never by browsing.
SUGGESTIBLE: set[str] = set()

#: The most suggestions one keystroke returns.
SUGGESTIONS = 12


def register_student_purpose(name: str, choices: StudentPurpose, *, suggest: bool = False) -> StudentPurpose:
    """Declare what a student id taken from input may be for, and which students qualify."""
    if STUDENT_PURPOSES.get(name, choices) is not choices:
        raise ValueError(f"student purpose {name} registered twice")
    STUDENT_PURPOSES[name] = choices
    if suggest:
        SUGGESTIBLE.add(name)
    return choices


def student_label(student: Student) -> str:
    """How a picker names a student: class, name and 学号 (two 张伟 in a school are told apart)."""
    return f"{student.klass.display_name} · {student.name}（{student.student_no}）"


def student_suggestions(actor: Any, *, for_: str, q: str) -> list[Student]:
    """The students of ``for_``'s choices whose name or 学号 matches what was typed, best first.

    An exact 学号 or full name comes first, then names that start with the text, then the rest;
    at most :data:`SUGGESTIONS`. The choices are the form's own, so a suggestion is always a
    student the form accepts, and nothing outside the actor's reach is ever suggested.
    """
    if for_ not in SUGGESTIBLE:
        raise KeyError(f"student purpose {for_} takes no suggestions")
    q = q.strip()
    if not q:
        return []
    qs = (
        student_choices(actor, for_=for_)
        .filter(Q(name__icontains=q) | Q(student_no__startswith=q))
        .select_related("klass", "klass__parent")
        .order_by("name", "student_no")
    )
    found = list(qs[: SUGGESTIONS * 4])

    def rank(s: Student) -> int:
        if s.student_no == q or s.name == q:
            return 0
        return 1 if s.name.startswith(q) else 2

    found.sort(key=rank)  # stable: within a rank, by name
    return found[:SUGGESTIONS]


def input_id(raw: Any) -> int | None:
    """A positive database id from input, or None for anything else (see core.params.parse_id)."""
    return parse_id(raw)


def student_choices(actor: Any, *, for_: str, **context: Any) -> QuerySet[Student]:
    """The students ``actor`` may name for ``for_``: the queryset of a form's student field."""
    try:
        purpose = STUDENT_PURPOSES[for_]
    except KeyError:
        raise KeyError(f"unknown student purpose {for_}") from None
    if actor is None:  # an id from input always has someone behind it; nobody reaches nothing
        return Student.objects.none()
    return purpose(actor, **context).filter(is_active=True)


def resolve_student(actor: Any, raw: Any, *, for_: str, field: str = "student", **context: Any) -> Student:
    """The student an input id names, if ``actor`` may name them for ``for_``.

    Raises :class:`NotFound` (404, with ``detail`` naming ``field``) alike for an id that is not a
    number, does not exist, belongs to a student who has left, or is out of the actor's reach.
    """
    pk = input_id(raw)
    student = None
    if pk is not None:
        student = (
            student_choices(actor, for_=for_, **context)
            .select_related("klass", "klass__parent", "school")
            .filter(pk=pk)
            .first()
        )
    if student is None:
        raise NotFound(STUDENT_NOT_FOUND, detail={field: [str(STUDENT_NOT_FOUND)]})
    return student


def resolve_students(
    actor: Any, raws: Iterable[Any], *, for_: str, field: str = "students", **context: Any
) -> list[Student]:
    """Several ids at once (duplicates folded), all or nothing, with the refusal of :func:`resolve_student`."""
    pks: list[int] = []
    for raw in raws:
        pk = input_id(raw)
        if pk is None:
            raise NotFound(STUDENT_NOT_FOUND, detail={field: [str(STUDENT_NOT_FOUND)]})
        pks.append(pk)
    pks = list(dict.fromkeys(pks))
    if not pks:
        return []
    found = {
        s.pk: s
        for s in student_choices(actor, for_=for_, **context)
        .select_related("klass", "klass__parent", "school")
        .filter(pk__in=pks)
    }
    if len(found) != len(pks):
        raise NotFound(STUDENT_NOT_FOUND, detail={field: [str(STUDENT_NOT_FOUND)]})
    return [found[pk] for pk in pks]


register_student_purpose("view", lambda actor: students_visible(actor))
register_student_purpose(
    "change",
    lambda actor: scoped(actor, "student", "change", Student.objects.select_related("klass", "school")),
)


def home_school(user: Any) -> Unit | None:
    """The one school the person works in; None for bureau staff and for people of several schools."""
    if not getattr(user, "is_authenticated", False):
        return None
    ids = set(user.assignments.filter(unit__is_active=True).values_list("unit__school", flat=True))
    if len(ids) != 1:
        return None
    (school_id,) = ids
    return None if school_id is None else Unit.objects.filter(pk=school_id).first()


# --- how a staff picker names a person ------------------------------------------------------------

#: What a staff queryset prefetches so that :func:`staff_label` costs no query per person.
STAFF_LABEL_PREFETCH = "assignments__unit__parent"


def staff_label(user: User) -> str:
    """A person as a picker names them: name with roles and class, so three 李建国 are told apart.

    ``李建国（班主任 · 初一(2)班）``, ``李建国（政教主任、值班人员）``. Reads ``user.assignments``
    (prefetch :data:`STAFF_LABEL_PREFETCH` for a list).
    """
    name = user.full_name or user.username
    roles: list[str] = []
    for a in user.assignments.all():
        label = str(Role(a.role).label)
        if a.unit.kind == UnitKind.CLASS:
            label = f"{label} · {a.unit.display_name}"
        if label not in roles:
            roles.append(label)
    return f"{name}（{'、'.join(roles)}）" if roles else name


def staff_choices(users: Iterable[User]) -> list[tuple[int, str]]:
    """(id, :func:`staff_label`) for a list of people, with their roles read in one query."""
    people = list(users)
    prefetch_related_objects(people, STAFF_LABEL_PREFETCH)
    return [(u.pk, staff_label(u)) for u in people]
