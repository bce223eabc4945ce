"""The people, pupils and committee of a demo school, and what every demo builder draws on."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from anxin.cases.models import Criterion
from anxin.org.models import CommitteeMember, Role, RoleAssignment, Student, Unit, UnitKind, User

from .timeline import Story

#: The school of the scenarios (SCENARIOS.md), the junior middle school of the demo's first county.
SCENARIO_SCHOOL = "城关第二中学"


class Teller:
    """The seeded randomness and names every builder shares (one stream: the same seed, the same city)."""

    def __init__(self, rng: random.Random, fake: Any, today: date) -> None:
        self.rng, self.fake, self.today = rng, fake, today

    def story(self, school: School) -> Story:
        return Story(school.unit)


# --- the people and pupils of a school ---------------------------------------------------------------


class School:
    """A school of the demo city with its staff by role and its county's bureau administrator."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.staff: dict[str, User] = {}
        for a in (
            RoleAssignment.objects.filter(unit=unit, user__is_active=True)
            .select_related("user")
            .order_by("pk")
        ):
            self.staff.setdefault(a.role, a.user)
        county = next((u for u in _ancestors(unit) if u.kind == UnitKind.COUNTY), None)
        self.county = county
        self.bureau = (
            RoleAssignment.objects.filter(unit=county, role=Role.COUNTY_ADMIN, user__is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )

    def person(self, *roles: str) -> User:
        for role in roles:
            if role in self.staff:
                return self.staff[role]
        return next(iter(self.staff.values()))

    @property
    def lead(self) -> User:
        return self.person(Role.MORAL_DIRECTOR, Role.VICE_PRINCIPAL, Role.PRINCIPAL)

    @property
    def principal(self) -> User:
        return self.person(Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.MORAL_DIRECTOR)

    def klass(self, grade: int, number: int) -> Unit | None:
        """The class, or the nearest class of that grade below it, or the first of that grade."""
        qs = Unit.objects.filter(kind=UnitKind.CLASS, school=self.unit)
        return (
            qs.filter(parent__number=grade, number__lte=number).order_by("-number").first()
            or qs.filter(parent__number=grade).order_by("number").first()
        )

    def pupils(self, qs: QuerySet[Student]) -> list[Student]:
        return list(
            qs.filter(school=self.unit, is_active=True).select_related("klass").order_by("student_no")
        )


def _ancestors(unit: Unit) -> list[Unit]:
    codes = [c for c in unit.path.split("/") if c]
    return list(Unit.objects.filter(code__in=codes[:-1]))


def take(rng: random.Random, pool: list[Student], n: int, exclude: Sequence[Student] = ()) -> list[Student]:
    """Up to ``n`` pupils of ``pool`` at random, none of ``exclude``."""
    ids = {s.pk for s in exclude}
    left = [s for s in pool if s.pk not in ids]
    return rng.sample(left, min(n, len(left)))


def criteria(evidence: dict[str, str], answers: dict[str, str] | None = None) -> dict[str, str]:
    """The determination form's answer and evidence for each criterion ("yes" unless ``answers`` says)."""
    data: dict[str, str] = {}
    for c in Criterion:
        data[f"{c.value}_answer"] = (answers or {}).get(c.value, "yes")
        data[f"{c.value}_evidence"] = evidence.get(c.value, _("询问笔录及班主任情况说明"))
    return data


def attendance(school: Unit, rng: random.Random, wanted: int | None = None) -> tuple[list[int], int]:
    """The committee members present at a meeting (always a quorum) and the committee's size."""
    members = list(
        CommitteeMember.objects.filter(school=school, active=True).order_by("pk").values_list("pk", flat=True)
    )
    total = len(members)
    n = wanted if wanted is not None else total - rng.randint(0, max(0, (total - 1) // 2 - 1))
    n = max(min(n, total), total // 2 + 1)
    # The chair and the members with accounts come first in pk order; the absentees are the last ones.
    return members[:n], total


def class_teachers(klass: Unit) -> list[User]:
    ids = RoleAssignment.objects.filter(unit=klass, role=Role.CLASS_TEACHER, user__is_active=True).values(
        "user"
    )
    return list(User.objects.filter(pk__in=ids).order_by("pk"))
