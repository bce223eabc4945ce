from __future__ import annotations

from datetime import date

import pytest

from anxin.ledgers.education.schooldays import (
    SessionKind,
    due_between,
    due_on,
    is_school_day,
    school_days_back,
    term_of,
)

# School days read the working-day calendar, whose administrator-entered years live in the database.
pytestmark = pytest.mark.django_db


def test_national_day_2026_is_off_and_make_up_saturday_is_a_school_day() -> None:
    for day in range(1, 8):
        assert is_school_day(date(2026, 10, day)) is False
        assert due_on(date(2026, 10, day)) is None
    assert is_school_day(date(2026, 10, 10)) is True  # Saturday, 调休
    assert is_school_day(date(2026, 10, 11)) is False  # Sunday


def test_the_day_before_national_day_is_the_30_minute_session() -> None:
    due = due_on(date(2026, 9, 30))
    assert due is not None
    assert due.kind == SessionKind.THIRTY
    assert due.known is True


def test_the_day_before_mid_autumn_is_30_minutes_though_it_is_a_thursday() -> None:
    assert due_on(date(2026, 9, 24)).kind == SessionKind.THIRTY  # 9-25..27 off


def test_friday_is_the_5_minute_session() -> None:
    assert due_on(date(2026, 10, 16)).kind == SessionKind.FIVE
    assert due_on(date(2026, 10, 15)).kind == SessionKind.ONE


def test_make_up_saturday_takes_the_weekly_session_from_friday() -> None:
    assert due_on(date(2026, 10, 9)).kind == SessionKind.ONE
    assert due_on(date(2026, 10, 10)).kind == SessionKind.FIVE
    # Sunday 2026-09-20 is a make-up working day: the week's last school day.
    assert due_on(date(2026, 9, 18)).kind == SessionKind.ONE
    assert due_on(date(2026, 9, 20)).kind == SessionKind.FIVE


def test_a_plain_weekend_is_not_a_holiday() -> None:
    assert due_on(date(2026, 11, 6)).kind == SessionKind.FIVE


def test_due_across_national_day() -> None:
    dues = {d.day: d.kind for d in due_between(date(2026, 9, 28), date(2026, 10, 11))}
    assert dues == {
        date(2026, 9, 28): SessionKind.ONE,
        date(2026, 9, 29): SessionKind.ONE,
        date(2026, 9, 30): SessionKind.THIRTY,
        date(2026, 10, 8): SessionKind.ONE,
        date(2026, 10, 9): SessionKind.ONE,
        date(2026, 10, 10): SessionKind.FIVE,
    }


def test_2027_falls_back_to_monday_to_friday_marked_unknown() -> None:
    monday = due_on(date(2027, 3, 1))
    assert monday is not None and monday.kind == SessionKind.ONE and monday.known is False
    friday = due_on(date(2027, 3, 5))
    assert friday is not None and friday.kind == SessionKind.FIVE and friday.known is False
    assert due_on(date(2027, 3, 6)) is None
    # The last days of 2026 look ahead into 2027: still computed, marked unknown.
    assert due_on(date(2026, 12, 31)).known is False


def test_school_days_back_skip_the_holiday() -> None:
    assert school_days_back(date(2026, 10, 9), 3) == [date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9)]


def test_terms() -> None:
    assert term_of(date(2026, 10, 9)).start == date(2026, 8, 1)
    assert term_of(date(2027, 1, 15)).end == date(2027, 1, 31)
    assert term_of(date(2027, 3, 1)).start == date(2027, 2, 1)
