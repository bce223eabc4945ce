from __future__ import annotations

from io import StringIO

import pytest

from anxin.cases.tests.helpers import open_case
from anxin.core.models import Notification
from anxin.demo import wellbeing
from anxin.org.services import student_create
from anxin.testing import Cast
from anxin.wellbeing.models import Round, Screening, ScreeningWarning

pytestmark = pytest.mark.django_db


def test_one_round_with_one_warning_of_each_level(cast: Cast) -> None:
    open_case(cast)
    for n in range(3):
        student_create(actor=None, klass=cast.class_a1, name=f"演示生{n}", gender="F", student_no=f"A19{n}")
    out = StringIO()
    wellbeing.build(out)
    assert Screening.objects.count() == 4
    levels = sorted(ScreeningWarning.objects.values_list("level", flat=True))
    assert levels == ["attention", "concern", "urgent"]
    urgent = ScreeningWarning.objects.get(level="urgent")
    assert Notification.objects.filter(
        subject_key=f"wellbeing_warning:{urgent.pk}", user=cast.users["duty_staff"], urgent=True
    ).exists()
    assert "心理筛查" in out.getvalue()
    wellbeing.build(StringIO())  # a second run adds nothing
    assert Round.objects.count() == 1


def test_nothing_without_the_demo_cases(cast: Cast) -> None:
    wellbeing.build(StringIO())
    assert not Round.objects.exists()


def test_a_recent_cases_target_is_screened_before_and_after(cast: Cast, clock) -> None:  # noqa: ANN001
    from datetime import date

    from anxin.cases.tests.helpers import add_parties
    from anxin.wellbeing.selectors import case_change

    clock(date(2026, 11, 2))
    case = open_case(cast)
    add_parties(cast, case)
    clock(date(2026, 11, 16))
    for n in range(3):
        student_create(actor=None, klass=cast.class_a1, name=f"演示生{n}", gender="F", student_no=f"A19{n}")
    out = StringIO()
    wellbeing.build(out)
    assert case.number in out.getvalue()
    [row] = case_change(cast.users["psych_teacher"], case)
    assert row["student"] == cast.student_a1 and row["before"] and row["after"]
    assert row["before"].answered_at.date() < case.opened_on <= row["after"].answered_at.date()
    assert row["phq9"] < 0
