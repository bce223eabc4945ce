"""Supervision in the permission matrix, and the one thing the matrix cannot say: a 责任督学
(inspector) holds the role on a county, yet reaches only the schools assigned to them.

The matrix therefore grants inspectors nothing here; :func:`school_q` and :func:`can_school` add
their assigned schools for the actions in :data:`INSPECTOR_ACTIONS`. Every selector and service of
this app decides through these two functions, never through ``scoped``/``can`` alone.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from anxin.access.matrix import Resource, Scope, can_at, internal, register, scope_q
from anxin.access.roles import Role

U, S = Scope.UNIT, Scope.SCHOOL
R = Role
BUREAU = (R.CITY_ADMIN, R.COUNTY_ADMIN)
#: The school's leaders: they answer orders and read notices for the school.
LEADERS = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR)

SCORECARD = "supervision_scorecard"
INSPECTORS = "supervision_inspector"
ORDER = "supervision_order"
VISIT = "supervision_visit"
INTERVIEW = "supervision_interview"
NOTICE = "supervision_notice"

INSPECTOR_NOTE = (
    "责任督学 (`inspector`) 在本表中没有格：督学只能看到、检查分配给本人的学校（督学分配），"
    "由 `anxin.oversight.supervision.permissions` 在本表之外加上。"
)


def _grant(roles: tuple[str, ...], scope: Scope) -> dict[str, Scope]:
    return {r: scope for r in roles}


def _school_path(obj: Any) -> str:
    return str(obj.school.path)


register(
    Resource(
        name=SCORECARD,
        label="防欺凌工作考评（由数据计算）",
        models=(),
        path_field="path",
        path_of=lambda unit: unit.path,
        actions={
            "view": {**_grant(BUREAU, U), **_grant((R.PRINCIPAL, R.VICE_PRINCIPAL), S)},
            "policy": _grant(BUREAU, U),
        },
        action_labels={"policy": "设置考评规则"},
        note=INSPECTOR_NOTE,
    )
)

register(
    Resource(
        name=INSPECTORS,
        label="责任督学分配",
        models=("oversight_supervision.InspectorAssignment",),
        path_field="school__path",
        path_of=_school_path,
        actions={"view": _grant(BUREAU, U), "manage": _grant(BUREAU, U)},
    )
)

register(
    Resource(
        name=ORDER,
        label="整改通知与挂牌督办",
        models=("oversight_supervision.Order", "oversight_supervision.OrderStep"),
        path_field="school__path",
        path_of=_school_path,
        actions={
            "view": {**_grant(BUREAU, U), **_grant(LEADERS, S)},
            "issue": _grant(BUREAU, U),
            "respond": _grant(LEADERS, S),
            "check": _grant(BUREAU, U),
        },
        action_labels={"issue": "下达", "respond": "反馈整改", "check": "复查销号"},
        note=INSPECTOR_NOTE,
    )
)

register(
    Resource(
        name=VISIT,
        label="督导检查",
        models=("oversight_supervision.Visit", "oversight_supervision.VisitPhoto"),
        path_field="school__path",
        path_of=_school_path,
        actions={
            "view": {**_grant(BUREAU, U), **_grant((R.PRINCIPAL, R.VICE_PRINCIPAL), S)},
            "record": _grant(BUREAU, U),
        },
        action_labels={"record": "记录检查"},
        note=INSPECTOR_NOTE,
    )
)

register(
    Resource(
        name=INTERVIEW,
        label="约谈记录",
        models=("oversight_supervision.Interview",),
        path_field="school__path",
        path_of=_school_path,
        actions={"view": {**_grant(BUREAU, U), **_grant((R.PRINCIPAL,), S)}, "record": _grant(BUREAU, U)},
        action_labels={"record": "记录约谈"},
        note=INSPECTOR_NOTE,
    )
)

register(
    Resource(
        name=NOTICE,
        label="通报与回执",
        models=("oversight_supervision.Notice", "oversight_supervision.NoticeReceipt"),
        path_field="school__path",
        path_of=_school_path,
        actions={
            "view": {**_grant(BUREAU, U), **_grant(LEADERS, S)},
            "issue": _grant(BUREAU, U),
            "confirm": _grant((R.PRINCIPAL,), S),
        },
        action_labels={"issue": "发布", "confirm": "确认已阅"},
        note=(
            "一条通报由县（区）或市教育局发布，本表按每所学校的回执计：学校看到发给本校的通报，"
            "教育局看到本局及下级发布的通报和各校回执。"
        ),
    )
)

#: What an inspector may do at the schools assigned to them.
INSPECTOR_ACTIONS: dict[str, frozenset[str]] = {
    SCORECARD: frozenset({"view"}),
    ORDER: frozenset({"view", "issue", "check"}),
    VISIT: frozenset({"view", "record"}),
    INTERVIEW: frozenset({"view"}),
    NOTICE: frozenset(),
    INSPECTORS: frozenset({"view"}),
}


def assigned_school_ids(user: Any) -> set[int]:
    """The schools assigned to this inspector that still lie under a unit where they hold the role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_anxin_inspected", None)
    if cached is not None:
        return set(cached)
    from .models import InspectorAssignment

    paths = list(
        user.assignments.filter(role=Role.INSPECTOR, unit__is_active=True).values_list(
            "unit__path", flat=True
        )
    )
    ids: set[int] = set()
    if paths:
        within = Q(pk__in=[])
        for p in paths:
            within |= Q(school__path__startswith=p)
        ids = set(
            InspectorAssignment.objects.filter(within, inspector=user, school__is_active=True).values_list(
                "school_id", flat=True
            )
        )
    user._anxin_inspected = frozenset(ids)
    return ids


def school_q(user: Any, resource: str, action: str, *, school_field: str = "school") -> Q:
    """Rows whose school the caller may reach for ``action`` (matrix reach plus assigned schools)."""
    path_field = f"{school_field}__path" if school_field else "path"
    q = scope_q(user, resource, action, path_field=path_field)
    if action in INSPECTOR_ACTIONS.get(resource, frozenset()):
        ids = assigned_school_ids(user)
        if ids:
            q |= Q(**{f"{school_field}_id__in" if school_field else "pk__in": ids})
    return q


def can_school(user: Any, resource: str, action: str, school: Any) -> bool:
    if user is None:
        return True  # the system itself (tasks, the demo)
    if can_at(user, resource, action, school.path):
        return True
    return action in INSPECTOR_ACTIONS.get(resource, frozenset()) and school.pk in assigned_school_ids(user)


def allowed_any(user: Any, resource: str, action: str) -> bool:
    """Whether the caller may take ``action`` anywhere at all (for menus and list pages)."""
    from anxin.access.matrix import allowed

    if allowed(user, resource, action):
        return True
    return action in INSPECTOR_ACTIONS.get(resource, frozenset()) and bool(assigned_school_ids(user))


def require_school(user: Any, resource: str, action: str, school: Any) -> None:
    """Services call this before a write: 403 for a school the caller sees, 404 for one they do not."""
    from anxin.core.errors import Forbidden, NotFound

    if can_school(user, resource, action, school):
        return
    if action != "view" and can_school(user, resource, "view", school):
        raise Forbidden()
    raise NotFound()


# A county's or city's scorecard rules: set through the scorecard's "policy" action at that unit.
internal("oversight_supervision.ScorecardPolicy")
