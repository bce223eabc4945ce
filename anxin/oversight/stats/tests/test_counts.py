from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from anxin.cases.models import Case, Deadline
from anxin.cases.services import case_open
from anxin.core.periodic import JOBS
from anxin.intake.models import Channel, Report
from anxin.intake.models import Status as ReportStatus
from anxin.ledgers.education.models import SafetySession
from anxin.ledgers.education.selectors import session_completeness
from anxin.testing import SHANGHAI, Cast
from anxin.warnings.models import Rule, SubjectType, Warning

from ..models import DailyCount, Duty, Metric, MonthlyCount
from ..services import rebuild

TODAY = date(2026, 11, 10)
START = date(2026, 10, 1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _report(cast: Cast, school: Any, day: date, **extra: Any) -> Report:
    report = Report.objects.create(
        school=school, text="样本", fingerprint=f"f{Report.objects.count()}", **extra
    )
    # created_at is auto_now_add: put it on the day the test means.
    Report.objects.filter(pk=report.pk).update(created_at=at(day))
    report.refresh_from_db()
    return report


@pytest.fixture
def world(cast: Cast, clock: Callable[[datetime | date], None]) -> Cast:
    """A small built fixture: reports, a case with an overdue deadline, a warning, a 1530 record."""
    clock(at(date(2026, 10, 12)))
    case = case_open(
        actor=cast.users["moral_director"],
        school=cast.school,
        data={"title": "宿舍同学夜间殴打", "narrative": "样本", "urgent": True},
    )
    Deadline.objects.filter(case=case).update(due_on=date(2026, 11, 3))
    Case.objects.filter(pk=case.pk).update(serious=True, next_due=date(2026, 11, 3))
    clock(at(TODAY))
    day = date(2026, 11, 2)
    first = _report(
        cast,
        cast.school,
        day,
        channel=Channel.BOX,
        urgent=True,
        place="toilet",
        time_band="break",
        triage_kinds=["physical", "verbal"],
    )
    Report.objects.filter(pk=first.pk).update(
        acknowledged_at=at(day, 10, 30), status=ReportStatus.ACKNOWLEDGED
    )
    _report(cast, cast.school, day, channel=Channel.BOX, place="toilet", time_band="break")
    _report(cast, cast.school, day, channel=Channel.BOX, status=ReportStatus.MERGED, merged_into=first)
    _report(
        cast, cast.school_c, day, channel=Channel.HOTLINE, place="dormitory", time_band="after_lights_out"
    )
    Warning.objects.create(
        school=cast.school,
        unit_path=cast.class_a1.path,
        rule=Rule.CLASS_NO_TALKS,
        subject_type=SubjectType.CLASS,
        subject_id=cast.class_a1.pk,
        subject_label="样本",
        reasons=["样本"],
        first_seen=at(date(2026, 11, 5)),
        last_seen=at(date(2026, 11, 5)),
    )
    SafetySession.objects.create(
        school=cast.school,
        klass=cast.class_a1,
        date=date(2026, 11, 9),
        kind="5min",
        recorded_by=cast.users["class_teacher"],
    )
    return cast


def value(school: Any, day: date, metric: str, key: str = "") -> int:
    row = DailyCount.objects.filter(school=school, day=day, metric=metric, key=key).first()
    return row.value if row else 0


def table() -> list[tuple[Any, ...]]:
    return sorted(DailyCount.objects.values_list("school_id", "day", "metric", "key", "value"))


@pytest.mark.django_db
def test_counts_match_the_raw_records(world: Cast) -> None:
    rebuild(START, TODAY)
    a, c, day = world.school, world.school_c, date(2026, 11, 2)
    # The merged report repeats the first one: two reports at school A, not three.
    assert value(a, day, Metric.REPORTS, Channel.BOX) == 2
    assert value(c, day, Metric.REPORTS, Channel.HOTLINE) == 1
    assert value(a, day, Metric.REPORTS_URGENT) == 1
    assert value(a, day, Metric.REPORTS_PLACE_TIME, "toilet|break") == 2
    assert value(a, day, Metric.REPORTS_KIND, "physical") == 1
    assert value(a, day, Metric.ACK_COUNT) == 1
    assert value(a, day, Metric.ACK_MINUTES) == 30
    assert value(a, date(2026, 10, 12), Metric.CASES_OPENED) == 1
    assert value(a, date(2026, 10, 11), Metric.CASES_OPEN) == 0
    assert value(a, TODAY, Metric.CASES_OPEN) == 1
    assert value(a, TODAY, Metric.CASES_SERIOUS_OPEN) == 1
    # Due on 3 November: overdue from the 4th, not on the 3rd.
    assert value(a, date(2026, 11, 3), Metric.CASES_OVERDUE) == 0
    assert value(a, date(2026, 11, 4), Metric.CASES_OVERDUE) == 1
    assert value(a, TODAY, Metric.CASES_OVERDUE) == 1
    assert (
        value(a, TODAY, Metric.CASES_STATE, "accepted") + value(a, TODAY, Metric.CASES_STATE, "emergency")
        == 1
    )
    assert value(a, date(2026, 11, 4), Metric.WARNINGS_OPEN) == 0
    assert value(a, date(2026, 11, 5), Metric.WARNINGS_RAISED, Rule.CLASS_NO_TALKS) == 1
    assert value(a, TODAY, Metric.WARNINGS_OPEN) == 1
    # 1530 as the education ledger itself counts it, on a due day and a weekend.
    for day in (date(2026, 11, 9), date(2026, 11, 8)):
        expected = session_completeness([world.class_a1, world.class_a2], day, day)
        assert value(a, day, Metric.LEDGER_DUE, Duty.SAFETY_1530) == expected.due
        assert value(a, day, Metric.LEDGER_DONE, Duty.SAFETY_1530) == expected.done
    assert value(a, date(2026, 11, 9), Metric.LEDGER_DONE, Duty.SAFETY_1530) == 1
    # Nothing counted after today.
    assert not DailyCount.objects.filter(day__gt=TODAY).exists()


@pytest.mark.django_db
def test_rebuild_is_idempotent(world: Cast) -> None:
    rebuild(START, TODAY)
    first = table()
    months = sorted(MonthlyCount.objects.values_list("school_id", "month", "metric", "key", "value"))
    rebuild(START, TODAY)
    rebuild(date(2026, 11, 1), date(2026, 11, 5))
    assert table() == first
    assert sorted(MonthlyCount.objects.values_list("school_id", "month", "metric", "key", "value")) == months


@pytest.mark.django_db
def test_rebuild_replaces_what_changed(world: Cast) -> None:
    rebuild(START, TODAY)
    Report.objects.filter(school=world.school_c).delete()
    rebuild(date(2026, 11, 2), date(2026, 11, 2))
    assert value(world.school_c, date(2026, 11, 2), Metric.REPORTS, Channel.HOTLINE) == 0
    assert value(world.school, date(2026, 11, 2), Metric.REPORTS, Channel.BOX) == 2


@pytest.mark.django_db
def test_a_past_day_keeps_its_snapshot(world: Cast) -> None:
    yesterday = TODAY - timedelta(days=1)
    DailyCount.objects.create(
        school=world.school, day=yesterday, metric=Metric.CASES_STATE, key="accepted", value=7
    )
    rebuild(yesterday, TODAY)
    assert value(world.school, yesterday, Metric.CASES_STATE, "accepted") == 7
    assert DailyCount.objects.filter(day=TODAY, metric=Metric.CASES_STATE).exists()


@pytest.mark.django_db
def test_a_month_row_is_the_sum_of_its_days_for_flows_and_the_last_day_for_stocks(world: Cast) -> None:
    rebuild(START, TODAY)
    november = date(2026, 11, 1)
    for metric in (Metric.REPORTS, Metric.LEDGER_DUE):
        days = DailyCount.objects.filter(school=world.school, metric=metric, day__gte=november).aggregate(
            s=Sum("value")
        )
        months = MonthlyCount.objects.filter(school=world.school, metric=metric, month=november).aggregate(
            s=Sum("value")
        )
        assert days["s"] == months["s"]
    stock = MonthlyCount.objects.get(school=world.school, metric=Metric.CASES_OPEN, month=november)
    assert stock.value == 1


@pytest.mark.django_db
def test_backfill_command_prints_progress_and_refuses_bad_dates(world: Cast) -> None:
    out = StringIO()
    call_command("oversight_backfill", "--since", "2026-10-01", "--until", "2026-11-10", stdout=out)
    assert "完成" in out.getvalue() and "2026-10-01" in out.getvalue()
    assert value(world.school, date(2026, 11, 2), Metric.REPORTS, Channel.BOX) == 2
    with pytest.raises(CommandError, match="日期格式"):
        call_command("oversight_backfill", "--since", "2026-13-01", stdout=out)
    with pytest.raises(CommandError, match="不能早于"):
        call_command("oversight_backfill", "--since", "2026-11-01", "--until", "2026-10-01", stdout=out)
    with pytest.raises(CommandError, match="找不到学校"):
        call_command("oversight_backfill", "--since", "2026-11-01", "--school", "nope", stdout=out)


@pytest.mark.django_db
def test_the_hourly_job_counts_yesterday_and_today(world: Cast) -> None:
    job = JOBS["oversight.stats_rebuild"]
    assert job.every == timedelta(hours=1)
    result = job.task.call()
    assert result["days"] == 2
    assert value(world.school, TODAY, Metric.CASES_OPEN) == 1
    assert not DailyCount.objects.filter(day__lt=TODAY - timedelta(days=1)).exists()


def test_a_chunk_of_days_rolls_up_every_month_it_touches() -> None:
    from ..services import months_between

    assert months_between(date(2027, 1, 31), date(2027, 3, 2)) == [
        date(2027, 1, 1),
        date(2027, 2, 1),
        date(2027, 3, 1),
    ]
    assert months_between(date(2026, 11, 2), date(2026, 11, 2)) == [date(2026, 11, 1)]


def test_survey_answers_are_counted_and_a_rate_shown_only_over_enough_answers_and_schools(
    cast: Cast, clock: Callable[[datetime | date], None]
) -> None:
    from anxin.surveys.tests.helpers import answers_in, open_campaign

    from ..selectors import dashboard

    clock(at(date(2026, 11, 2)))
    campaign = open_campaign(cast, starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 13))
    answers_in(campaign, cast.class_a1, 6, bullied=3, day=date(2026, 11, 3))
    clock(at(TODAY))
    rebuild(date(2026, 11, 1), TODAY)
    got = DailyCount.objects.filter(school=cast.school, metric__startswith="survey_")
    assert {(r.day, r.metric, r.value) for r in got} == {
        (date(2026, 11, 3), Metric.SURVEY_ANSWERS, 6),
        (date(2026, 11, 3), Metric.SURVEY_BULLIED, 3),
    }
    board = dashboard([cast.school, cast.school_b], date(2026, 11, 1), TODAY)
    row = next(r for r in board.schools if r.school == cast.school)
    assert row.survey_rate == 50
    assert board.totals.survey_answers == 6 and board.totals.survey_rate is None  # one school: not shown
    answers_in(campaign, cast.class_b1, 5, day=date(2026, 11, 4))
    rebuild(date(2026, 11, 1), TODAY)
    board = dashboard([cast.school, cast.school_b], date(2026, 11, 1), TODAY)
    assert board.totals.survey_schools == 2 and board.totals.survey_rate == round(100 * 3 / 11)
    from django.test import Client

    from anxin.testing import verify_client_session

    client, admin = Client(), cast.users["county_admin"]
    client.force_login(admin)
    verify_client_session(client, admin)
    page = client.get("/oversight/?since=2026-11-01&until=2026-11-10").content.decode()
    assert "调查被欺凌率 27%（11 份）" in page
    api = client.get("/api/oversight/dashboard?since=2026-11-01&until=2026-11-10").json()
    assert api["totals"]["survey_answers"] == 11 and api["totals"]["survey_bullied_percent"] == 27
