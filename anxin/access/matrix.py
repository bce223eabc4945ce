"""Who may do what where: the permission matrix and the scope it gives each person.

Each app's ``permissions.py`` registers its resources. A resource names, for each action, the
roles that may take it and how far their reach goes from the unit they hold the role on:

- ``UNIT``: the unit itself and everything below it (a county bureau its county, a class
  teacher the class);
- ``SCHOOL``: the whole school the unit belongs to (a bureau role reaches its unit's subtree);
- ``OWN``: only records the person made or was made responsible for, inside their school.

Selectors filter with :func:`scope_q`; single objects go through :func:`access`, which raises the
same :class:`NotFound` for what does not exist and for what is out of reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet

from anxin.core.errors import Forbidden, NotFound

from .roles import ROLE_UNIT_KIND, Role, UnitKind


class Scope(StrEnum):
    UNIT = "unit"
    SCHOOL = "school"
    OWN = "own"


@dataclass(frozen=True)
class Resource:
    name: str
    label: str
    #: Model labels (``app.Model``) whose rows this resource governs.
    models: tuple[str, ...]
    #: Lookup from the queryset's model to a unit path, e.g. ``klass__path``.
    path_field: str
    #: action -> role -> scope
    actions: dict[str, dict[str, Scope]]
    #: Returns the unit path(s) of one object.
    path_of: Callable[[Any], str | Iterable[str]]
    #: Field(s) naming the people a record is "their own" for, for OWN scope (any one suffices).
    owner_field: str | tuple[str, ...] | None = None
    #: The path lookup crosses a to-many relation, so filtered rows need DISTINCT.
    distinct: bool = False
    #: An owner field is to-many (e.g. a case's watchers): DISTINCT only for callers with OWN reach,
    #: so a school-wide list stays a plain indexed scan.
    owner_to_many: bool = False
    action_labels: dict[str, str] = field(default_factory=dict)
    #: What the table alone does not say (printed under it in docs/permissions.md).
    note: str = ""


REGISTRY: dict[str, Resource] = {}

#: Models that hold no user-facing data of their own and so need no row in the matrix.
INTERNAL_MODELS: set[str] = set()


def register(resource: Resource) -> Resource:
    if resource.name in REGISTRY:
        raise ValueError(f"resource {resource.name} registered twice")
    for action, roles in resource.actions.items():
        if resource.owner_field is None and Scope.OWN in roles.values():
            raise ValueError(f"{resource.name}.{action}: OWN scope needs owner_field")
    REGISTRY[resource.name] = resource
    return resource


def internal(*labels: str) -> None:
    INTERNAL_MODELS.update(labels)


def _owner_fields(res: Resource) -> tuple[str, ...]:
    if res.owner_field is None:
        return ()
    return (res.owner_field,) if isinstance(res.owner_field, str) else res.owner_field


def school_path(path: str) -> str:
    """The path of the school a unit path lies in; the path itself above school level."""
    parts = [p for p in path.split("/") if p]
    if len(parts) <= 3:
        return path
    return "/" + "/".join(parts[:3]) + "/"


def _assignments(user: Any) -> list[tuple[str, str]]:
    """(role, unit path) pairs, cached on the user object for the request."""
    cached = getattr(user, "_anxin_assignments", None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            cached = []
        else:
            cached = list(user.assignments.filter(unit__is_active=True).values_list("role", "unit__path"))
        user._anxin_assignments = cached
    return cached


@dataclass(frozen=True)
class Reach:
    """What one person may reach for one resource and action."""

    everything: bool = False
    paths: tuple[str, ...] = ()
    own_paths: tuple[str, ...] = ()

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.paths or self.own_paths)


def reach(user: Any, resource: str, action: str) -> Reach:
    res = REGISTRY[resource]
    roles = res.actions.get(action)
    if roles is None:
        raise KeyError(f"{resource} has no action {action}")
    if getattr(user, "is_superuser", False) and user.is_active:
        return Reach(everything=True)
    paths: set[str] = set()
    own: set[str] = set()
    for role, unit_path in _assignments(user):
        scope = roles.get(role)
        if scope is Scope.UNIT:
            paths.add(unit_path)
        elif scope is Scope.SCHOOL:
            paths.add(school_path(unit_path))
        elif scope is Scope.OWN:
            own.add(school_path(unit_path))
    # Drop paths already covered by a broader one.
    kept = tuple(sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))
    return Reach(paths=kept, own_paths=tuple(sorted(own)))


def allowed(user: Any, resource: str, action: str) -> bool:
    return not reach(user, resource, action).nothing


def scope_q(user: Any, resource: str, action: str = "view", *, path_field: str | None = None) -> Q:
    res = REGISTRY[resource]
    field_name = path_field or res.path_field
    r = reach(user, resource, action)
    if r.everything:
        return Q()
    q = Q(pk__in=[])
    for p in r.paths:
        q |= Q(**{f"{field_name}__startswith": p})
    for p in r.own_paths:
        mine = Q(pk__in=[])
        for owner in _owner_fields(res):
            mine |= Q(**{owner: user})
        q |= Q(**{f"{field_name}__startswith": p}) & mine
    return q


def scoped(
    user: Any, resource: str, action: str, qs: QuerySet[Any], *, path_field: str | None = None
) -> QuerySet[Any]:
    """``qs`` cut to the caller's reach; ``path_field`` when ``qs`` is not of the resource's own model."""
    qs = qs.filter(scope_q(user, resource, action, path_field=path_field))
    res = REGISTRY[resource]
    if res.distinct or (res.owner_to_many and reach(user, resource, action).own_paths):
        return qs.distinct()
    return qs


def _owned_by(obj: Model, field_name: str, user: Any) -> bool:
    """Whether ``user`` is the record's owner through a foreign key or a many-to-many field."""
    try:
        model_field = obj._meta.get_field(field_name)
    except FieldDoesNotExist:  # a related model of the resource without this field
        return False
    if model_field.many_to_many:
        return obj.pk is not None and bool(getattr(obj, field_name).filter(pk=user.pk).exists())
    return bool(getattr(obj, field_name + "_id", None) == user.pk)


def can(user: Any, resource: str, action: str, obj: Model) -> bool:
    res = REGISTRY[resource]
    r = reach(user, resource, action)
    if r.everything:
        return True
    obj_paths = res.path_of(obj)
    if isinstance(obj_paths, str):
        obj_paths = [obj_paths]
    obj_paths = list(obj_paths)
    for op in obj_paths:
        if any(op.startswith(p) for p in r.paths):
            return True
        if r.own_paths and any(_owned_by(obj, f, user) for f in _owner_fields(res)):
            if any(op.startswith(p) for p in r.own_paths):
                return True
    return False


def access(user: Any, resource: str, action: str, qs: QuerySet[Any], pk: Any) -> Any:
    """The object, or NotFound whether it is missing or out of the caller's reach."""
    try:
        obj = qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None
    if not can(user, resource, action, obj):
        # A viewer without this action but with view access still gets 404 here: callers that
        # want 403 for a visible object check `can(..., "view", obj)` first.
        raise NotFound()
    return obj


def rules_predicate(resource: str, action: str) -> Callable[[Any, Any], bool]:
    """A django-rules predicate for one cell of the matrix, so ``user.has_perm`` agrees with it."""
    import rules

    def check(user: Any, obj: Any = None) -> bool:
        if obj is None:
            return allowed(user, resource, action)
        return can(user, resource, action, obj)

    # django-rules ships no types: its decorator returns a Predicate, callable like ``check``.
    make_predicate = cast(Callable[..., Callable[[Any, Any], bool]], rules.predicate)
    return make_predicate(check, name=f"{resource}.{action}")


def install_rules() -> None:
    import rules

    for res in REGISTRY.values():
        for action in res.actions:
            name = f"anxin.{action}_{res.name}"
            if not cast(Callable[[str], bool], rules.perm_exists)(name):
                cast(Callable[[str, Any], None], rules.add_perm)(name, rules_predicate(res.name, action))


def can_at(user: Any, resource: str, action: str, path: str) -> bool:
    """Whether the caller may take ``action`` on rows of ``resource`` that sit at unit ``path``."""
    r = reach(user, resource, action)
    return r.everything or any(path.startswith(p) for p in r.paths)


def require(user: Any, resource: str, action: str, obj: Model) -> None:
    """Services call this before a write. ``user=None`` is the system itself (CLI, tasks)."""
    if user is None or can(user, resource, action, obj):
        return
    if action != "view" and "view" in REGISTRY[resource].actions and can(user, resource, "view", obj):
        raise Forbidden()
    raise NotFound()


def require_at(user: Any, resource: str, action: str, path: str) -> None:
    """Like :func:`require`, for a write placed at a unit rather than on an existing row."""
    if user is None or can_at(user, resource, action, path):
        return
    if "view" in REGISTRY[resource].actions and can_at(user, resource, "view", path):
        raise Forbidden()
    raise NotFound()


SCOPE_LABELS = {Scope.UNIT: "本单位及下级", Scope.SCHOOL: "本校", Scope.OWN: "本人经手"}
ACTION_LABELS = {"view": "查看", "change": "管理", "import": "导入"}


def matrix_markdown() -> str:
    """The permission matrix as docs/permissions.md shows it; a test keeps the two equal."""
    lines = [
        "# 权限矩阵 (permission matrix)",
        "",
        "Generated by `anxin permissions` from the rules registered in each app's `permissions.py`;",
        "`anxin/core/tests/test_permission_matrix.py` walks every cell and fails when this file is stale.",
        "",
        "Reach, counted from the unit where the person holds the role:",
        "",
        "- **本单位及下级** (`unit`): that unit and everything below it — a county bureau its county, "
        "a class teacher the class.",
        "- **本校** (`school`): the whole school that unit belongs to.",
        "- **本人经手** (`own`): only records the person made or was made responsible for, inside their school.",
        "- **—**: no access. Out-of-reach records answer 404, never 403, and never show in lists, counts or search.",
        "",
        "The same reach holds for ids taken from input (a form field, a JSON body, a query parameter), not only",
        "for ids in the address: a student id is resolved through `anxin.org.selectors.resolve_student` for the",
        "purpose at hand, and an id that does not exist, has left, or is out of reach gets the same answer.",
        "",
        "Roles are held on: "
        + "; ".join(f"{Role(r).label} → {UnitKind(k).label}" for r, k in ROLE_UNIT_KIND.items())
        + ".",
        "",
    ]
    for res in REGISTRY.values():
        actions = list(res.actions)
        lines += [
            f"## {res.label} (`{res.name}`)",
            "",
            f"Models: {', '.join(f'`{m}`' for m in res.models)}",
            "",
        ]
        if res.note:
            lines += [res.note, ""]
        lines.append(
            "| 角色 | "
            + " | ".join(f"{res.action_labels.get(a) or ACTION_LABELS.get(a, a)} (`{a}`)" for a in actions)
            + " |"
        )
        lines.append("| --- |" + " --- |" * len(actions))
        for role in Role:
            cells = [SCOPE_LABELS[s] if (s := res.actions[a].get(role)) else "—" for a in actions]
            lines.append(f"| {role.label} (`{role.value}`) | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)
