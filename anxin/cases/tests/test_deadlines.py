"""How a case's deadlines are counted: working days, holidays with their make-up days, a year
whose calendar is not entered yet, and policy versions (DOMAIN.md §3).

Expected dates are literals checked by hand against the State Council's schedules, as the
chinese-calendar package also has them: National Day 2026 is 10-01 to 10-07 with Saturday 10-10
worked; Spring Festival 2026 is 02-15 to 02-23 with Saturdays 02-14 and 02-28 worked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from anxin.core import workdays
from anxin.core.models import Notification
from anxin.ops.calendar import load_year
from anxin.testing import Cast, frozen_time

from ..deadlines import urgency
from ..models import CaseEvent, Deadline, DeadlineKind, EventKind
from ..policy import policy_set
from ..sweep import sweep
from .helpers import open_case

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    # The calendar snapshot is process-wide; a year entered by another test was rolled back.
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def county_policy(cast: Cast, days: int = 10, unit: str = "working") -> None:
    policy_set(
        actor=cast.users["county_admin"],
        unit=cast.county,
        rules={"investigation": {"days": days, "unit": unit}},
    )


def investigation_opened_on(cast: Cast, day: date) -> Deadline:
    with frozen_time(at(day)):
        case = open_case(cast)
    return case.deadlines.get(kind=DeadlineKind.INVESTIGATION)


def test_worked_example_in_working_days_is_due_on_october_15(cast: Cast) -> None:
    county_policy(cast)
    deadline = investigation_opened_on(cast, date(2026, 9, 24))
    # 9-28, 9-29, 9-30, 10-08, 10-09, 10-10 (a Saturday worked for National Day), 10-12 ... 10-15.
    assert deadline.due_on == date(2026, 10, 15)
    assert (deadline.days, deadline.unit) == (10, "working")
    # The reminder comes two working days before.
    assert deadline.remind_on == date(2026, 10, 13)
    assert deadline.calendar_gap is None


def test_worked_example_in_calendar_days_ends_on_the_first_working_day_after_the_holiday(cast: Cast) -> None:
    # The city's default policy counts the investigation in calendar days.
    deadline = investigation_opened_on(cast, date(2026, 9, 24))
    # Day 10 is 10-04, inside the National Day holiday: the period ends on 10-08.
    assert deadline.due_on == date(2026, 10, 8)
    assert (deadline.days, deadline.unit) == (10, "calendar")


def test_spring_festival_counts_its_make_up_saturdays_as_working_days(cast: Cast) -> None:
    county_policy(cast)
    ten = investigation_opened_on(cast, date(2026, 2, 12))
    # 02-13, 02-14 (Sat, worked), 02-24 ... 02-27, 02-28 (Sat, worked), 03-02, 03-03, 03-04.
    assert ten.due_on == date(2026, 3, 4)

    county_policy(cast, days=7)
    seven = investigation_opened_on(cast, date(2026, 2, 12))
    # The seventh working day is the make-up Saturday itself.
    assert seven.due_on == date(2026, 2, 28)
    assert seven.due_on.weekday() == 5


def test_spring_festival_in_calendar_days_ends_after_the_holiday(cast: Cast) -> None:
    county_policy(cast, days=10, unit="calendar")
    deadline = investigation_opened_on(cast, date(2026, 2, 12))
    # 02-22 is a holiday Sunday and 02-23 a holiday Monday: the period ends on 02-24.
    assert deadline.due_on == date(2026, 2, 24)


def test_a_period_into_an_unknown_year_gets_a_provisional_date_and_says_which(cast: Cast) -> None:
    county_policy(cast)
    deadline = investigation_opened_on(cast, date(2026, 12, 28))
    # 12-29, 12-30, 12-31; 01-01 is 元旦 by law; 01-04 ... 01-08, 01-11, 01-12.
    assert deadline.due_on == date(2027, 1, 12)
    assert deadline.calendar_gap == 2027
    # The weekend next to 元旦 may become make-up working days: the earliest the real end can be
    # is 01-08, and the reminder comes two working days before that.
    assert deadline.remind_on == date(2027, 1, 6)
    assert urgency(deadline, date(2026, 12, 29)) == "ok"
    opened = CaseEvent.objects.get(case=deadline.case, kind=EventKind.DEADLINE)
    assert "2027-01-12" in opened.title
    assert "暂定：2027 年节假日安排尚未录入" in opened.title

    with frozen_time(at(date(2026, 12, 29))):
        waiting = sweep()
    assert waiting.filled == 0
    assert waiting.errors == []
    assert not Notification.objects.filter(subject_key__startswith="deadline:").exists()

    with frozen_time(at(date(2027, 1, 6))):
        reminded = sweep()
    assert reminded.errors == []
    notice = Notification.objects.filter(subject_key__startswith="deadline:").first()
    assert notice is not None
    # Reminded by the earliest possible end; the words count to the 暂定 date: 01-07, 01-08, 01-11, 01-12.
    assert "2027-01-12 届满（还剩 4 个工作日）" in notice.body


def test_after_the_year_is_entered_the_sweep_recomputes_the_provisional_date_and_page_and_api_show_it(
    cast: Cast, login: Any
) -> None:
    county_policy(cast)
    deadline = investigation_opened_on(cast, date(2026, 12, 28))
    with frozen_time(at(date(2026, 12, 29))):
        client = login(cast.users["principal"])
        page = client.get(f"/cases/{deadline.case_id}/").content.decode()
        (row,) = client.get(f"/api/cases/{deadline.case_id}/deadlines").json()
    assert "2027-01-12（暂定）" in page
    assert "2027 年节假日安排尚未录入：按法定节日和周末暂定" in page
    assert (row["due_on"], row["calendar_gap"], row["provisional"], row["urgency"]) == (
        "2027-01-12",
        2027,
        True,
        "ok",
    )
    assert "暂定" in row["calendar_note"]

    # The official schedule turns Saturday 01-09 into a make-up working day: the end moves earlier.
    load_year(
        actor=None,
        year=2027,
        rows=[(date(2027, 1, 1), False, "元旦"), (date(2027, 1, 9), True, "元旦")],
        source="测试",
    )
    with frozen_time(at(date(2026, 12, 30))):
        result = sweep()

    assert result.filled == 1
    assert result.errors == []
    deadline.refresh_from_db()
    assert deadline.due_on == date(2027, 1, 11)
    assert deadline.remind_on == date(2027, 1, 8)  # 01-09 (worked), 01-08
    assert deadline.calendar_gap is None
    filled = CaseEvent.objects.filter(case=deadline.case, kind=EventKind.DEADLINE).order_by("pk").last()
    assert filled.title == "调查期限已确定：2027-01-11（节假日安排已录入，不再是暂定日期）"
    with frozen_time(at(date(2026, 12, 30))):
        client = login(cast.users["principal"])
        page = client.get(f"/cases/{deadline.case_id}/").content.decode()
        (row,) = client.get(f"/api/cases/{deadline.case_id}/deadlines").json()
    assert "2027-01-11" in page and "data-provisional" not in page and "（暂定）" not in page
    assert (row["due_on"], row["remind_on"], row["calendar_gap"], row["provisional"]) == (
        "2027-01-11",
        "2027-01-08",
        None,
        False,
    )

    with frozen_time(at(date(2026, 12, 31))):
        again = sweep()
    assert again.filled == 0
    assert CaseEvent.objects.filter(case=deadline.case, kind=EventKind.DEADLINE).count() == 2


def test_a_policy_change_keeps_an_open_case_deadline_and_applies_to_the_next_case(cast: Cast) -> None:
    county_policy(cast)
    before = investigation_opened_on(cast, date(2026, 9, 24))
    county_policy(cast, days=5, unit="calendar")
    after = investigation_opened_on(cast, date(2026, 9, 24))

    with frozen_time(at(date(2026, 9, 25))):
        sweep()
    before.refresh_from_db()
    assert before.due_on == date(2026, 10, 15)
    assert (before.days, before.unit) == (10, "working")
    assert before.case.policy.version == 1
    # 09-24 + 5 calendar days is 09-29, a Tuesday and a working day.
    assert after.due_on == date(2026, 9, 29)
    assert (after.days, after.unit) == (5, "calendar")
    assert after.case.policy.version == 2


def test_the_principal_sees_the_cases_with_provisional_deadlines_until_the_year_is_entered(
    cast: Cast, login: Any
) -> None:
    county_policy(cast)
    provisional = investigation_opened_on(cast, date(2026, 12, 28))
    exact = investigation_opened_on(cast, date(2026, 12, 1))
    with frozen_time(at(date(2026, 12, 29))):
        page = login(cast.users["principal"]).get("/").content.decode()
        teacher = login(cast.users["class_teacher"]).get("/").content.decode()
    assert 'data-testid="panel-provisional"' in page
    assert "2027 年的法定节假日安排尚未录入" in page
    assert provisional.case.number in page and exact.case.number not in page.split("panel-provisional")[1]
    assert 'data-testid="panel-provisional"' not in teacher

    load_year(actor=None, year=2027, rows=[(date(2027, 1, 1), False, "元旦")], source="测试")
    with frozen_time(at(date(2026, 12, 30))):
        sweep()
        page = login(cast.users["principal"]).get("/").content.decode()
    assert 'data-testid="panel-provisional"' not in page


@pytest.mark.parametrize(
    ("today", "words"),
    [
        (date(2026, 9, 28), "还剩 3 个工作日"),  # 09-29, 09-30, then National Day until 10-07, 10-08
        (date(2026, 10, 7), "还剩 1 个工作日"),
        (date(2026, 10, 8), "今天到期"),
        (date(2026, 10, 10), "已逾期 2 个工作日"),  # 10-09 and Saturday 10-10, a make-up working day
        (date(2026, 10, 11), "已逾期 2 个工作日"),
    ],
)
def test_deadlines_say_how_many_working_days_are_left_or_over(today: date, words: str) -> None:
    from ..deadlines import due_phrase

    assert due_phrase(date(2026, 10, 8), today) == words


def test_the_case_page_names_the_measure_a_deadline_belongs_to_and_the_days_left(
    cast: Cast, login: Any
) -> None:
    from .helpers import walk

    with frozen_time(at(date(2026, 11, 2))):
        case = walk(cast, "measures")
        page = login(cast.users["principal"]).get(f"/cases/{case.pk}/").content.decode()
    # walk() gives the correction measure a due date 30 days on: 12-02, 22 working days from 11-02.
    assert "矫治计划完成期限 2026-12-02" in page
    assert "还剩 22 个工作日" in page
