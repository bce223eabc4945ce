"""A care plan's goals and measures and its reviews' notes are encrypted at rest, readable by carers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from anxin.testing import Cast, frozen_time

from .. import services
from ..models import CarePlan, CareReview

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 16)
GOALS, MEASURES, NOTES = (
    "走出父亲去世的阴影，重新融入同伴",
    "每周由心理老师谈心一次，联系祖母",
    "本周两次主动找同学玩",
)


@pytest.fixture(autouse=True)
def _frozen_today() -> Iterator[None]:
    with frozen_time(TODAY):
        yield


@pytest.fixture
def plan(cast: Cast) -> CarePlan:
    plan = services.care_plan_record(
        actor=cast.users["class_teacher"],
        student=cast.student_a1,
        owner=cast.users["class_teacher"],
        goals=GOALS,
        measures=MEASURES,
        review_days=14,
        next_review_on=TODAY + timedelta(days=14),
    ).entry
    services.care_review_record(actor=cast.users["psych_teacher"], plan=plan, reviewed_on=TODAY, notes=NOTES)
    return plan


def _raw(sql: str, pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        return cursor.fetchone()


def test_goals_measures_and_review_notes_are_not_stored_in_plaintext(plan: CarePlan) -> None:
    goals, measures = _raw(f"SELECT goals, measures FROM {CarePlan._meta.db_table} WHERE id = %s", plan.pk)
    (notes,) = _raw(f"SELECT notes FROM {CareReview._meta.db_table} WHERE plan_id = %s", plan.pk)
    for stored, plain in ((goals, GOALS), (measures, MEASURES), (notes, NOTES)):
        assert plain not in stored and plain[:4] not in stored
    reloaded = CarePlan.objects.get(pk=plan.pk)
    assert (reloaded.goals, reloaded.measures, reloaded.reviews.get().notes) == (GOALS, MEASURES, NOTES)


def test_the_class_teacher_reads_them_on_the_plan_page_and_an_outsider_gets_404(cast, login, plan):
    url = reverse("ledgers:care_plan", args=[plan.pk])
    page = login(cast.users["class_teacher"]).get(url).content.decode()
    assert GOALS in page and MEASURES in page and NOTES in page
    body = login(cast.users["psych_teacher"]).get(f"/api/ledgers/care/plans/{plan.pk}").json()
    assert (body["goals"], body["measures"]) == (GOALS, MEASURES)
    assert login(cast.outsider).get(url).status_code == 404
