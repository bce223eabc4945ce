from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.core import workdays
from anxin.core.errors import Invalid, NotFound
from anxin.core.models import CalendarDay, CalendarYear
from anxin.core.workdays import (
    CalendarUnknown,
    add_period,
    is_known,
    is_workday,
    subtract_working_days,
    working_days_between,
)
from anxin.ledgers.education.schooldays import due_on
from anxin.ops import views as calendar_page
from anxin.ops.calendar import load_file, load_year
from anxin.org.models import User

pytestmark = pytest.mark.django_db

SAMPLE = Path(calendar_page.__file__).parent / "data" / "calendar-2027.sample.csv"

#: A few lines of a 2027 schedule, made up for the tests.
ROWS_2027 = [
    (date(2027, 1, 1), False, "元旦"),
    (date(2027, 1, 31), True, "春节调休"),
    (date(2027, 2, 8), False, "春节"),
]

GOOD_FILE = (
    "# 测试用，非官方\ndate,type,name\n2027-01-01,休,元旦\n2027-01-31,班,春节调休\n2027-02-08,休,春节\n"
)


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    # The snapshot outlives the test's rolled-back transaction; start and end every test clean.
    workdays.clear_cache()
    yield
    workdays.clear_cache()


# -- what the installed calendar knows -------------------------------------------------------------


def test_spring_festival_2026_is_off_with_make_up_saturdays() -> None:
    # Holiday Sunday 15 to Monday 23 February; Saturdays 14 and 28 February are worked.
    for day in (15, 16, 17, 18, 19, 20, 21, 22, 23):
        assert is_workday(date(2026, 2, day)) is False
    assert is_workday(date(2026, 2, 14)) is True
    assert is_workday(date(2026, 2, 28)) is True
    assert is_workday(date(2026, 2, 24)) is True
    assert workdays.day_facts(date(2026, 2, 17)).holiday == "春节"


def test_working_days_across_spring_festival_2026() -> None:
    # Thursday 12th: Fri 13th is 1, make-up Sat 14th is 2, then nine days off, Tue 24th is 3.
    assert add_period(date(2026, 2, 12), 3, "working") == date(2026, 2, 24)
    # (13th, 28th]: Sat 14th, Tue 24th to Fri 27th, Sat 28th.
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6
    assert subtract_working_days(date(2026, 2, 24), 2) == date(2026, 2, 13)
    assert subtract_working_days(date(2026, 2, 24), 0) == date(2026, 2, 24)


def test_calendar_period_ending_in_the_holiday_moves_to_the_next_working_day() -> None:
    # Day 5 is Sunday 15 February, the first day of the Spring Festival holiday.
    assert add_period(date(2026, 2, 10), 5, "calendar") == date(2026, 2, 24)


def test_calendar_period_ending_on_a_plain_weekend_moves_to_monday() -> None:
    assert add_period(date(2026, 11, 2), 5, "calendar") == date(2026, 11, 9)
    assert add_period(date(2026, 11, 2), 4, "calendar") == date(2026, 11, 6)


def test_domain_example_national_day_2026() -> None:
    start = date(2026, 9, 24)
    assert add_period(start, 10, "calendar") == date(2026, 10, 8)
    assert add_period(start, 10, workdays.PeriodUnit.WORKING) == date(2026, 10, 15)


def test_make_up_saturday_counts_as_a_working_day() -> None:
    assert is_workday(date(2026, 10, 10)) is True
    assert add_period(date(2026, 10, 9), 1, "working") == date(2026, 10, 10)
    assert working_days_between(date(2026, 10, 9), date(2026, 10, 12)) == 2


def test_working_days_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    assert working_days_between(date(2026, 10, 12), date(2026, 10, 12)) == 0
    assert working_days_between(date(2026, 10, 12), date(2026, 10, 1)) == 0


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        add_period(date(2026, 10, 9), 3, "weeks")
    with pytest.raises(ValueError):
        add_period(date(2026, 10, 9), -1, "working")


# -- years nobody knows, then entered --------------------------------------------------------------


def test_unknown_year_raises_calendar_unknown() -> None:
    assert is_known(date(2027, 3, 1)) is False
    with pytest.raises(CalendarUnknown) as caught:
        is_workday(date(2027, 3, 1))
    assert caught.value.year == 2027
    assert caught.value.code == "calendar_unknown"
    assert "2027 年的法定节假日安排尚未录入" in caught.value.message
    with pytest.raises(CalendarUnknown):
        add_period(date(2026, 12, 28), 10, "working")
    # A period that never reaches 2027 needs no 2027 data.
    assert add_period(date(2026, 12, 20), 5, "calendar") == date(2026, 12, 25)


def test_after_loading_2027_the_same_computation_works(cast) -> None:
    with pytest.raises(CalendarUnknown):
        add_period(date(2026, 12, 28), 10, "working")
    assert due_on(date(2027, 3, 1)).known is False

    calendar = load_year(actor=cast.users["city_admin"], year=2027, rows=ROWS_2027, source="测试")

    assert calendar.overrides_package is False
    assert is_known(date(2027, 3, 1)) is True
    # Dec 29, 30, 31; 1 January is off; Jan 4–8; Jan 11, 12.
    assert add_period(date(2026, 12, 28), 10, "working") == date(2027, 1, 12)
    assert is_workday(date(2027, 1, 31)) is True  # make-up Sunday
    assert is_workday(date(2027, 2, 8)) is False
    assert is_workday(date(2027, 2, 9)) is True  # no row: an ordinary Tuesday
    assert workdays.day_facts(date(2027, 2, 8)).holiday == "春节"
    # School days see the entered year too.
    assert due_on(date(2027, 3, 1)).known is True
    event = AuditEvent.objects.get(action="calendar.loaded")
    assert event.actor == cast.users["city_admin"]
    assert event.after["overrides_package"] is False
    assert event.after["rows"][0] == ["2027-01-01", "休", "元旦"]


def test_an_entered_year_overrides_the_installed_calendar() -> None:
    calendar = load_year(actor=None, year=2026, rows=[(date(2026, 6, 1), False, "更正")], source="更正通知")
    assert calendar.overrides_package is True
    assert is_workday(date(2026, 6, 1)) is False
    # The entered year replaces the package's whole year: no row, so an ordinary Thursday.
    assert is_workday(date(2026, 10, 1)) is True
    assert AuditEvent.objects.get(action="calendar.loaded").after["overrides_package"] is True


def test_loading_a_year_again_replaces_its_rows() -> None:
    load_year(actor=None, year=2027, rows=ROWS_2027, source="第一版")
    load_year(actor=None, year=2027, rows=[(date(2027, 10, 1), False, "国庆节")], source="第二版")
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [date(2027, 10, 1)]
    assert CalendarYear.objects.get().source == "第二版"
    assert is_workday(date(2027, 1, 1)) is True
    second = AuditEvent.objects.filter(action="calendar.loaded").order_by("seq").last()
    assert second.before["source"] == "第一版"


def test_the_sample_file_is_marked_as_an_example_and_loads() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert "EXAMPLE" in text and "不是官方安排" in text
    calendar = load_file(actor=None, data=SAMPLE.read_bytes(), source=SAMPLE.name)
    assert calendar.year == 2027
    assert is_workday(date(2027, 10, 9)) is True


def test_principal_may_not_load_a_year(cast) -> None:
    with pytest.raises(NotFound):
        load_year(actor=cast.users["principal"], year=2027, rows=ROWS_2027, source="x")
    assert not CalendarYear.objects.exists()


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("2027-02-30,休,春节", "calendar_bad_date"),
        ("二〇二七年十月一日,休,国庆节", "calendar_bad_date"),
        ("2028-01-03,休,元旦", "calendar_wrong_year"),
        ("2027-01-01,休,元旦", "calendar_duplicate"),
        ("2027-10-08,假,国庆节", "calendar_bad_type"),
        ("2027-10-02,休,国庆节", "calendar_default_row"),  # a Saturday off is the default
        ("2027-10-08,班,国庆节调休", "calendar_default_row"),  # a Friday worked is the default
        ("2027-10-08", "calendar_bad_line"),
    ],
)
def test_bad_file_is_refused_naming_the_line_and_changes_nothing(line: str, code: str) -> None:
    load_file(actor=None, data=GOOD_FILE, source="原有", year=2027)
    events = AuditEvent.objects.count()
    before = list(CalendarDay.objects.values_list("date", "is_workday", "name"))

    with pytest.raises(Invalid) as caught:
        load_file(actor=None, data="# 注释\n\n2027-01-01,休,元旦\n" + line + "\n", source="新的", year=2027)

    assert caught.value.code == code
    assert caught.value.detail["line"] == 4
    assert caught.value.message.startswith("第 4 行：")
    assert list(CalendarDay.objects.values_list("date", "is_workday", "name")) == before
    assert CalendarYear.objects.get().source == "原有"
    assert AuditEvent.objects.count() == events


def test_rows_given_directly_are_named_by_position() -> None:
    with pytest.raises(Invalid) as caught:
        load_year(actor=None, year=2027, rows=[*ROWS_2027, (date(2027, 3, 6), False, "")], source="x")
    assert caught.value.code == "calendar_default_row"
    assert caught.value.detail == {"line": 4, "date": "2027-03-06"}
    assert not CalendarYear.objects.exists()


def test_file_not_in_utf8_is_refused() -> None:
    with pytest.raises(Invalid) as caught:
        load_file(actor=None, data="2027-01-01,休,元旦\n".encode("gbk"), source="x")
    assert caught.value.code == "calendar_encoding"


def test_file_spanning_two_years_needs_a_year() -> None:
    with pytest.raises(Invalid) as caught:
        load_file(actor=None, data="2027-01-01,休,元旦\n2028-01-03,休,元旦\n", source="x")
    assert caught.value.code == "calendar_wrong_year"


def test_empty_file_is_refused() -> None:
    with pytest.raises(Invalid) as caught:
        load_file(actor=None, data="# 只有注释\n", source="x", year=2027)
    assert caught.value.code == "calendar_empty"


# -- speed -----------------------------------------------------------------------------------------


def test_answers_come_from_memory_once_warm(django_assert_num_queries) -> None:
    add_period(date(2026, 9, 24), 10, "working")
    with django_assert_num_queries(0):
        for start in range(1, 29):
            add_period(date(2026, 2, start), 10, "working")
            add_period(date(2026, 2, start), 15, "calendar")
            subtract_working_days(date(2026, 3, start), 2)


def test_another_process_loading_a_year_is_seen_after_the_recheck(monkeypatch) -> None:
    assert is_known(date(2027, 1, 4)) is False
    # Written as another process would: this process's snapshot is not told.
    calendar = CalendarYear.objects.create(year=2027, source="另一进程")
    CalendarDay.objects.create(calendar=calendar, date=date(2027, 1, 4), is_workday=False, name="测试")
    assert is_known(date(2027, 1, 4)) is False
    monkeypatch.setattr(workdays, "RECHECK_SECONDS", 0)
    assert is_workday(date(2027, 1, 4)) is False


# -- the command -----------------------------------------------------------------------------------


def test_command_loads_and_shows_a_year(tmp_path, capsys) -> None:
    path = tmp_path / "2027.csv"
    path.write_text(GOOD_FILE, encoding="utf-8")
    call_command("calendar", "load", str(path))
    out = capsys.readouterr().out
    assert "已录入 2027 年节假日安排：工作日放假 2 天，周末调休上班 1 天" in out
    assert CalendarYear.objects.get().source == "2027.csv"

    call_command("calendar", "show", "2027")
    out = capsys.readouterr().out
    assert "2027-01-01,休,元旦" in out and "2027-01-31,班,春节调休" in out


def test_command_shows_an_installed_year_in_the_file_format(capsys) -> None:
    call_command("calendar", "show", "2026")
    out = capsys.readouterr().out
    assert "2026-02-14,班,春节" in out and "2026-10-01,休,国庆节" in out
    assert "2026-02-21" not in out  # a Saturday in the holiday: the default, not listed


def test_command_exits_2_on_a_bad_file(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("# 注释\n2027-01-01,休,元旦\n2027-13-01,休,元旦\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("calendar", "load", str(path), "--year", "2027")
    assert caught.value.returncode == 2
    assert "第 3 行" in str(caught.value) and "未录入任何内容" in str(caught.value)
    assert not CalendarYear.objects.exists()


def test_command_exits_2_on_a_missing_file(tmp_path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("calendar", "load", str(tmp_path / "none.csv"))
    assert caught.value.returncode == 2


def test_command_show_of_an_unknown_year_fails() -> None:
    with pytest.raises(CommandError) as caught:
        call_command("calendar", "show", "2030")
    assert "2030 年的法定节假日安排尚未录入" in str(caught.value)


# -- the page --------------------------------------------------------------------------------------


@pytest.fixture
def late_2026(clock) -> None:  # noqa: ANN001
    clock(date(2026, 11, 20))


@pytest.mark.parametrize("who", ["principal", "county_admin", "class_teacher", "outsider", "far_outsider"])
def test_calendar_page_is_404_for_others(cast, login, who) -> None:
    user = cast.users.get(who) or getattr(cast, who)
    client = login(user)
    assert client.get("/calendar/").status_code == 404
    upload = SimpleUploadedFile("2027.csv", GOOD_FILE.encode(), content_type="text/csv")
    assert client.post("/calendar/", {"year": 2027, "file": upload}).status_code == 404
    assert not CalendarYear.objects.exists()


def test_city_admin_uploads_a_year_and_sees_it(cast, login, late_2026) -> None:
    client = login(cast.users["city_admin"])
    page = client.get("/calendar/").content.decode()
    assert 'data-testid="calendar-missing"' in page and "2027 年的法定节假日安排尚未录入" in page
    assert "2004–2026" in page

    upload = SimpleUploadedFile("2027.csv", GOOD_FILE.encode(), content_type="text/csv")
    response = client.post("/calendar/", {"year": 2027, "file": upload, "source": "国办通知（测试）"})
    assert response.status_code == 302 and response["Location"] == "/calendar/"

    page = client.get("/calendar/").content.decode()
    assert "已录入 2027 年的节假日安排。" in page
    assert 'data-testid="calendar-missing"' not in page
    assert "国办通知（测试）" in page and "放假 2 天，调休上班 1 天" in page
    assert CalendarYear.objects.get(year=2027).loaded_by == cast.users["city_admin"]
    assert is_workday(date(2027, 1, 1)) is False


def test_bad_upload_shows_the_line_and_stores_nothing(cast, login, late_2026) -> None:
    client = login(cast.users["city_admin"])
    upload = SimpleUploadedFile(
        "2027.csv", "2027-01-01,休,元旦\n2027-01-02,休,元旦\n".encode(), content_type="text/csv"
    )
    response = client.post("/calendar/", {"year": 2027, "file": upload})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-code="calendar_default_row"' in page and "第 2 行" in page
    assert not CalendarYear.objects.exists()


def test_superuser_may_open_the_page_and_download_the_sample(login) -> None:
    root = User.objects.create(username="root", full_name="超级管理员", is_superuser=True)
    client = login(root)
    assert reverse("ops:calendar") == "/calendar/"
    assert client.get("/calendar/").status_code == 200
    response = client.get("/calendar/?download=sample")
    assert response.status_code == 200
    assert b"EXAMPLE" in b"".join(response.streaming_content)


# -- a year nobody has entered: provisional dates from the statutory holidays -------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statutory_holidays_computed_for_a_known_year_are_all_official_rest_days(year) -> None:
    import chinese_calendar

    holidays = workdays.statutory_holidays(year)
    # 元旦 1, 春节 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3 (the 2024 revision, in force from 2025).
    assert len(holidays) == 13
    assert all(not chinese_calendar.is_workday(day) for day in holidays)
    assert sorted(set(holidays.values())) == sorted(
        {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
    )


def test_the_lunar_holidays_of_2027_fall_on_their_lunar_dates() -> None:
    holidays = workdays.statutory_holidays(2027)
    # 除夕 2027-02-05, 初一 02-06; 清明 04-05; 端午 06-09; 中秋 09-15.
    assert [d for d, n in holidays.items() if n == "春节"] == [date(2027, 2, d) for d in (5, 6, 7, 8)]
    assert holidays[date(2027, 4, 5)] == "清明节"
    assert holidays[date(2027, 6, 9)] == "端午节"
    assert holidays[date(2027, 9, 15)] == "中秋节"


@pytest.mark.parametrize("unit", ["calendar", "working"])
def test_a_provisional_count_within_known_years_is_the_exact_count(unit) -> None:
    for start in (date(2026, 1, 20), date(2026, 4, 28), date(2026, 9, 24), date(2026, 12, 1)):
        for days in (1, 5, 10, 15):
            result = workdays.add_period_provisional(start, days, unit)
            assert result.end == add_period(start, days, unit) == result.earliest
            assert result.provisional is False


def test_a_count_into_an_unknown_year_is_provisional_and_never_later_than_its_earliest_bound() -> None:
    with pytest.raises(CalendarUnknown):
        add_period(date(2027, 1, 25), 10, "working")
    result = workdays.add_period_provisional(date(2027, 1, 25), 10, "working")
    # 01-26 ... 01-29, 02-01 ... 02-04, then 春节 02-05 ... 02-08, 02-09, 02-10.
    assert (result.end, result.unknown_year) == (date(2027, 2, 10), 2027)
    # The weekends next to 春节 may become make-up working days.
    assert result.earliest == date(2027, 2, 4)
    calendar = workdays.add_period_provisional(date(2027, 9, 24), 10, "calendar")
    # 10-04 is the day after 国庆's three statutory days, a Monday.
    assert calendar.end == date(2027, 10, 4)


def test_the_city_admin_is_told_from_november_that_next_years_schedule_is_missing(cast, login, clock) -> None:
    client = login(cast.users["city_admin"])
    clock(date(2026, 10, 20))
    assert 'data-testid="panel-calendar"' not in client.get("/").content.decode()

    clock(date(2026, 11, 1))
    page = client.get("/").content.decode()
    assert 'data-testid="panel-calendar"' in page
    assert "2027 年的法定节假日安排尚未录入" in page and 'href="/calendar/"' in page
    # Nobody else is asked to enter it.
    other = login(cast.users["principal"])
    assert 'data-testid="panel-calendar"' not in other.get("/").content.decode()

    load_year(actor=None, year=2027, rows=ROWS_2027, source="测试")
    assert 'data-testid="panel-calendar"' not in login(cast.users["city_admin"]).get("/").content.decode()
