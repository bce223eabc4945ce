"""Walks every cell of the permission matrix: every resource × action × role × place.

Each resource needs a sample here: one record at each place of the cast (class A1, class A2 of the
same school, school B of the same county, school C of another county, school X of another city).
A resource registered without a sample, or a model with no resource, fails this file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings

from anxin.access.matrix import INTERNAL_MODELS, REGISTRY, Scope, can, matrix_markdown, scoped
from anxin.audit.models import AuditEvent
from anxin.audit.services import audit_record
from anxin.org.models import CommitteeMember, KeyGroupFlag, Role, RoleAssignment, Unit, User
from anxin.org.services import student_key_group_set
from anxin.testing import Cast

PLACES = ("a1", "a2", "b", "c", "x")


def _class_of(cast: Cast, place: str) -> Unit:
    return {
        "a1": cast.class_a1,
        "a2": cast.class_a2,
        "b": cast.class_b1,
        "c": cast.class_c1,
        "x": cast.class_x1,
    }[place]


def _student_of(cast: Cast, place: str):  # noqa: ANN202
    return {
        "a1": cast.student_a1,
        "a2": cast.student_a2,
        "b": cast.student_b1,
        "c": cast.student_c1,
        "x": cast.student_x1,
    }[place]


def _staff_at(cast: Cast, place: str) -> User:
    user = User.objects.create(username=f"sample_{place}", full_name=f"样本{place}")
    RoleAssignment.objects.create(user=user, role=Role.CLASS_TEACHER, unit=_class_of(cast, place))
    return user


def _care_at(cast: Cast, place: str) -> KeyGroupFlag:
    return student_key_group_set(
        actor=None, student=_student_of(cast, place), group="hardship", reason="样本"
    )


def _member_at(cast: Cast, place: str) -> CommitteeMember:
    school = _class_of(cast, place).school
    return CommitteeMember.objects.create(school=school, name=f"委员{place}", committee_role="teacher")


def _event_at(cast: Cast, place: str) -> AuditEvent:
    klass = _class_of(cast, place)
    return audit_record(actor=None, action="sample.event", unit=klass, subject=klass)


def _report_at(cast: Cast, place: str, owner: User | None = None):  # noqa: ANN202
    from anxin.intake.models import Channel, Report

    return Report.objects.create(
        school=_class_of(cast, place).school,
        channel=Channel.HOTLINE,
        text="样本报告",
        fingerprint=place,
        owner=owner,
        recorded_by=owner,
    )


#: resource -> (place -> a record placed there, the unit whose subtree holds the record)
SAMPLES: dict[str, Callable[[Cast, str], Any]] = {
    "unit": lambda cast, place: _class_of(cast, place),
    "staff": _staff_at,
    "student": _student_of,
    "student_care": _care_at,
    "committee": _member_at,
    "audit": _event_at,
    "report": _report_at,
}

#: For resources with an owner: a record at class A1 that belongs to the given user.
OWNED_SAMPLES: dict[str, Callable[[Cast, User], Any]] = {
    "report": lambda cast, user: _report_at(cast, "a1", owner=user),
}

#: Where a record of each resource sits: its class, or its school for school-level records.
SCHOOL_LEVEL = {"committee", "report"}


def _expected(cast: Cast, role: str, scope: Scope | None, resource: str, place: str) -> bool:
    """The oracle, written from the rules in docs/permissions.md rather than from access.py."""
    if scope is None or scope is Scope.OWN:
        return False  # OWN reaches only the person's own records, checked separately
    holder = cast.users[role]
    role_unit = holder.assignments.get().unit
    record_unit = _class_of(cast, place)
    if resource in SCHOOL_LEVEL:
        record_unit = record_unit.school
    if scope is Scope.SCHOOL and role_unit.school_id:
        root = role_unit.school
    else:
        root = role_unit
    # Walk up from the record to see whether root is among its ancestors (or itself).
    node: Unit | None = record_unit
    while node is not None:
        if node.pk == root.pk:
            return True
        node = node.parent
    return False


def _discover_samples() -> None:
    """Apps keep the samples of their own resources in <app>/tests/samples.py (SAMPLES, OWNED_SAMPLES)."""
    import importlib
    import pkgutil

    import anxin

    for info in pkgutil.walk_packages(anxin.__path__, "anxin."):
        if info.name.endswith(".tests.samples"):
            module = importlib.import_module(info.name)
            SAMPLES.update(getattr(module, "SAMPLES", {}))
            OWNED_SAMPLES.update(getattr(module, "OWNED_SAMPLES", {}))
            SCHOOL_LEVEL.update(getattr(module, "SCHOOL_LEVEL", set()))


_discover_samples()

CELLS = [(resource, action) for resource, res in REGISTRY.items() for action in res.actions]


@pytest.mark.django_db
@pytest.mark.parametrize(("resource", "action"), CELLS, ids=["-".join(c) for c in CELLS])
def test_matrix_cells(cast: Cast, resource: str, action: str) -> None:
    """Every role × place for one resource and action (one database set-up per column)."""
    assert resource in SAMPLES, f"resource {resource} has no sample in the matrix test"
    records = {place: SAMPLES[resource](cast, place) for place in PLACES}
    wrong = []
    for role in Role:
        user = cast.users[role.value]
        scope = REGISTRY[resource].actions[action].get(role.value)
        for place, record in records.items():
            expected = _expected(cast, role.value, scope, resource, place)
            if can(user, resource, action, record) is not expected:
                wrong.append((role.value, place, "can", expected))
            # Lists agree with single-record checks: out-of-reach rows never show.
            listed = scoped(user, resource, action, type(record).objects.filter(pk=record.pk)).exists()
            if listed is not expected:
                wrong.append((role.value, place, "list", expected))
        if resource in OWNED_SAMPLES:
            own = OWNED_SAMPLES[resource](cast, user)
            # Their own record is theirs whatever the scope, as long as they have the action at all.
            expected = scope is not None
            if can(user, resource, action, own) is not expected:
                wrong.append((role.value, "own", "can", expected))
            listed = scoped(user, resource, action, type(own).objects.filter(pk=own.pk)).exists()
            if listed is not expected:
                wrong.append((role.value, "own", "list", expected))
    assert not wrong, f"{resource}.{action}: cells that disagree with the matrix: {wrong}"


def test_every_model_is_governed_by_a_resource() -> None:
    governed = {m for res in REGISTRY.values() for m in res.models} | INTERNAL_MODELS
    ours = {model._meta.label for model in apps.get_models() if model.__module__.startswith("anxin.")}
    missing = sorted(ours - governed)
    assert not missing, f"models without a row in the permission matrix: {missing}"


def test_every_resource_has_a_sample() -> None:
    assert set(REGISTRY) == set(SAMPLES)
    owned = {name for name, res in REGISTRY.items() if res.owner_field}
    assert owned == set(OWNED_SAMPLES)


def test_docs_permission_matrix_is_current() -> None:
    doc = Path(settings.BASE_DIR) / "docs" / "permissions.md"
    assert doc.read_text(encoding="utf-8").strip() == matrix_markdown().strip(), (
        "docs/permissions.md is stale: run `anxin permissions > docs/permissions.md`"
    )


@pytest.mark.django_db
def test_inactive_account_reaches_nothing(cast: Cast) -> None:
    principal = cast.users["principal"]
    principal.is_active = False
    principal.save()
    principal = User.objects.get(pk=principal.pk)
    assert can(principal, "student", "view", cast.student_a1) is False
