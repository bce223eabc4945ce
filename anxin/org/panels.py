"""The organisation's panels on the 工作台."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed, can_at
from anxin.core.workbench import Panel, panel_provider

from . import selectors
from .models import KeyGroupFlag, Role, UnitKind, User


def _title(user, n_schools: int) -> str:  # noqa: ANN001
    if n_schools > 1:
        return _("本辖区概况")
    if allowed(user, "student", "view") and not can_see_whole_school_students(user):
        return _("我可查看的范围")
    return _("本校概况")


def can_see_whole_school_students(user) -> bool:  # noqa: ANN001
    from anxin.access.matrix import reach
    from anxin.access.matrix import school_path as _school_path

    r = reach(user, "student", "view")
    return r.everything or any(p == _school_path(p) for p in r.paths)


@panel_provider
def overview(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not isinstance(user, User):  # the workbench is for signed-in users only
        return []
    panels: list[Panel] = []
    stats: list[tuple[str, int]] = []
    n_schools = 0
    if allowed(user, "unit", "view"):
        schools = selectors.schools_visible(user)
        n_schools = schools.count()
        if n_schools > 1:
            stats.append((_("学校"), n_schools))
        if allowed(user, "student", "view"):
            stats.append((_("学生"), selectors.students_visible(user).count()))
        if allowed(user, "staff", "view"):
            stats.append((_("教职工"), selectors.staff_visible(user).count()))
    if allowed(user, "unit", "view") and stats:  # a card with no figure (a gate guard's) is not shown
        panels.append(
            Panel(
                title=_title(user, n_schools),
                template="org/panel_overview.html",
                context={"stats": stats},
                order=10,
            )
        )
    my_classes = [
        a.unit
        for a in user.assignments.select_related("unit", "unit__parent")
        if a.role == Role.CLASS_TEACHER and a.unit.kind == UnitKind.CLASS
    ]
    if my_classes:
        rows = []
        for klass in my_classes:
            students = selectors.students_visible(user, klass=klass)
            care = 0
            if can_at(user, "student_care", "view", klass.path):
                care = KeyGroupFlag.objects.filter(student__in=students).values("student").distinct().count()
            rows.append({"klass": klass, "students": students.count(), "care": care})
        panels.append(
            Panel(title=_("我的班级"), template="org/panel_my_classes.html", context={"rows": rows}, order=20)
        )
    return panels
