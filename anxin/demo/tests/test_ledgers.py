"""``anxin demo`` writes one term of ledgers: rows spread over the term, 小雨's warning for 王老师,
completeness figures that mean something, and no 0/0 shown as full compliance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from anxin.demo.ledgers import SHOWCASE, term_start
from anxin.ledgers.base import Completeness
from anxin.ledgers.care.models import CarePlan, CareReview, Talk
from anxin.ledgers.education.models import ClassMeeting, DocumentVersion, EduActivity, SafetySession
from anxin.ledgers.gate.models import LeavePass, StudentExit, Visitor
from anxin.ledgers.hazards.models import Camera, FootageReview, Hazard, Screening
from anxin.ledgers.patrol.models import DormRound, DutyShift, PatrolCheckin, PatrolPoint, ShiftHandover
from anxin.ledgers.patrol.selectors import checkin_completeness
from anxin.org.models import Role, RoleAssignment, Student, Unit, UnitKind, User
from anxin.testing import frozen_time
from anxin.warnings.models import Warning

pytestmark = pytest.mark.django_db

#: One district of six schools: 实验小学 first, 城关第二中学 second, four lighter schools.
SMALL: dict[str, Any] = {
    "no_cases": True,
    "seed": 7,
    "districts": 1,
    "schools": 6,
    "classes_per_grade": 1,
    "students_per_class": 6,
}


#: The demo writes "the term so far" and the tests reason about it: one day, whatever day they run
#: (a Monday morning of December, before the day's 1530 sessions).
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module", autouse=True)
def _clock() -> Iterator[None]:
    with frozen_time(NOW, tick=True):
        yield


@pytest.fixture(scope="module")
def city(_clock: None, django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[str]:
    """The small demo city, loaded once for the module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            err = StringIO()
            private = tmp_path_factory.mktemp("demo")
            # Its photos stay in a folder of its own for the module, not in the real var/media.
            with override_settings(VAR_DIR=private, MEDIA_ROOT=private / "media"):
                call_command("demo", **SMALL, stdout=StringIO(), stderr=err)
                yield err.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def school(name: str) -> Unit:
    return Unit.objects.get(kind=UnitKind.SCHOOL, name=name)


def no_points_school() -> Unit:
    schools = Unit.objects.filter(kind=UnitKind.SCHOOL).exclude(name__in=SHOWCASE).order_by("path")
    return list(schools)[-1]


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_prints_its_progress_per_ledger(city: str) -> None:
    for step in ("巡查点与打卡", "熄灯后巡查", "1530与班会", "谈心谈话", "预警"):
        assert f"演示台账：{step}" in city


@pytest.mark.parametrize(
    "model,field,weeks",
    [
        # Ledgers of the whole term at the scenario schools.
        (SafetySession, "date", 10),
        (Talk, "talked_on", 8),
        (Screening, "screened_on", 10),
        (Visitor, "time_in", 10),
        (DormRound, "patrolled_at", 10),
        (EduActivity, "date", 8),
        (ClassMeeting, "date", 6),
        (FootageReview, "recorded_at", 10),
        (CarePlan, "recorded_at", 1),
        (CareReview, "reviewed_on", 6),
        (LeavePass, "starts_at", 10),
        (StudentExit, "recorded_at", 10),
        (Hazard, "recorded_at", 4),
        # The daily ledgers of patrol go back four weeks.
        (PatrolCheckin, "recorded_at", 3),
        (DutyShift, "date", 3),
        (ShiftHandover, "handed_at", 3),
    ],
)
def test_each_ledger_has_rows_spread_over_the_term(city: str, model: Any, field: str, weeks: int) -> None:
    values = list(model.objects.values_list(field, flat=True))
    assert values, model.__name__
    days = sorted(timezone.localtime(v).date() if hasattr(v, "hour") else v for v in values)
    start, today = term_start(), timezone.localdate()
    assert days[0] >= start
    assert days[-1] <= today + timedelta(days=7)  # the rota is planned a week ahead
    assert (days[-1] - days[0]).days >= weeks * 7 - 7, (model.__name__, days[0], days[-1])


def test_entries_are_dated_when_they_happened_not_when_the_demo_ran(city: str) -> None:
    """recorded_at follows the story (talks at noon, 1530 after class), not the moment of loading."""
    today = timezone.localdate()
    old = SafetySession.objects.filter(date__lt=today - timedelta(days=30))
    assert old.exists()
    assert all(timezone.localtime(s.recorded_at).date() == s.date for s in old)
    assert all(timezone.localtime(s.recorded_at).hour == 15 for s in old)


def test_classes_exist_since_the_term_started(city: str) -> None:
    classes = Unit.objects.filter(kind=UnitKind.CLASS)
    assert {timezone.localtime(k.created_at).date() for k in classes} == {term_start()}


def test_hazards_are_in_every_state_and_the_closed_ones_have_their_photo(city: str) -> None:
    junior = school("城关第二中学")
    states = set(Hazard.objects.filter(school=junior).values_list("status", flat=True))
    assert states == {"found", "rectifying", "rectified", "closed"}
    closed = Hazard.objects.filter(status="closed")
    assert closed.exists()
    for hazard in closed:
        assert hazard.photo.name and hazard.closed_by_id != hazard.rectified_by_id
        with hazard.photo.open("rb") as f:
            assert f.read(3) == b"\xff\xd8\xff"  # a JPEG
        steps = list(hazard.steps.order_by("at").values_list("action", flat=True))
        assert steps == ["report", "start", "rectify", "accept"]
        assert hazard.closed_at.date() <= timezone.localdate()
    assert Hazard.objects.filter(school=junior, description__contains="B栋后楼梯").exists()
    assert Camera.objects.filter(school=junior).exists()


def test_xiaoyu_is_named_twice_this_month_and_her_warning_reaches_her_class_teacher(city: str) -> None:
    primary = school("实验小学")
    warning = Warning.objects.get(school=primary, rule="student_named", status="open")
    xiaoyu = Student.objects.get(school=primary, name="张小雨")
    assert (warning.subject_type, warning.subject_id) == ("student", xiaoyu.pk)
    teacher = User.objects.get(username="wanglaoshi")
    talks = Talk.objects.filter(
        named_students__name="张小雨", talked_on__gte=timezone.localdate() - timedelta(days=29)
    )
    assert talks.count() == 2
    assert all(t.recorded_by_id == teacher.pk for t in talks)
    page = login("wanglaoshi").get("/")
    html = page.content.decode()
    assert 'data-testid="panel-warnings"' in html and "张小雨" in html


def test_completeness_figures_have_a_denominator_and_are_not_all_full(city: str) -> None:
    today = timezone.localdate()
    figures = {}
    for unit in Unit.objects.filter(kind=UnitKind.SCHOOL):
        c = checkin_completeness(unit, today - timedelta(days=6), today)
        figures[unit.name] = c
        if unit == no_points_school():
            assert c.due == 0 and c.percent is None
        else:
            assert c.due > 0 and 0 <= c.percent <= 100
    assert any(c.percent is not None and c.percent < 100 for c in figures.values())  # missed rounds
    assert not PatrolPoint.objects.filter(school=no_points_school()).exists()


def test_nothing_due_is_no_percentage_not_full_compliance() -> None:
    assert Completeness(due=0, done=0).percent is None
    assert Completeness(due=4, done=3).percent == 75


def test_no_school_shows_zero_of_zero_as_full_and_the_school_without_points_says_so(city: str) -> None:
    pages = []
    for unit in Unit.objects.filter(kind=UnitKind.SCHOOL):
        principal = RoleAssignment.objects.filter(unit=unit, role=Role.PRINCIPAL).first().user
        html = login(principal.username).get(reverse("ledgers:patrol_home")).content.decode()
        assert "0/0（100%）" not in html
        pages.append((unit, html))
    for unit, html in pages:
        if unit == no_points_school():
            assert "未设置巡查点" in html
        else:
            assert "未设置巡查点" not in html


def test_the_1530_ledger_of_the_scenario_class_covers_the_term_with_a_few_gaps(city: str) -> None:
    from anxin.ledgers.education.schooldays import due_between

    klass = Unit.objects.get(kind=UnitKind.CLASS, school=school("实验小学"), parent__number=3, number=2)
    due = {d.day for d in due_between(term_start(), timezone.localdate())}
    done = set(SafetySession.objects.filter(klass=klass).values_list("date", flat=True))
    assert done <= due
    assert 0.8 * len(due) <= len(done) < len(due)


def test_documents_have_versions(city: str) -> None:
    primary = school("实验小学")
    assert DocumentVersion.objects.filter(school=primary, document__kind="plan").count() == 2


# --- the reminders and the alarm device (anxin.demo.reminders) ---------------------------------------


def test_demo_shows_one_of_each_reminder_and_an_alarm_with_its_deliveries(city: str, client: Any) -> None:
    from anxin.core.models import Delivery, DeliveryStatus
    from anxin.intake.models import Channel, Device, Report
    from anxin.ledgers.gate.models import LeavePass
    from anxin.warnings.models import Rule, Warning
    from anxin.warnings.selectors import open_for

    junior = school("城关第二中学")
    live = Warning.objects.filter(status__in=["open", "acknowledged"])
    by_rule = {
        r: list(live.filter(rule=r))
        for r in (Rule.PATROL_OVERDUE, Rule.TALK_FOLLOW_UP, Rule.LEAVE_UNRETURNED)
    }
    assert {r: len(ws) for r, ws in by_rule.items()} == {r: 1 for r in by_rule}
    assert all(w.school == junior for ws in by_rule.values() for w in ws)
    # Every other pass that ended was returned: nobody else's 工作台 is flooded.
    assert LeavePass.objects.filter(returned_at__isnull=True, ends_at__lt=NOW).count() == 1
    [leave_warning] = by_rule[Rule.LEAVE_UNRETURNED]
    guard = leave_warning.addressed.get()
    assert leave_warning in open_for(guard)
    client.force_login(guard)
    page = client.get("/").content.decode()
    assert "请假学生逾期未销假" in page

    device = Device.objects.get(school=junior)
    report = Report.objects.get(school=junior, channel=Channel.DEVICE)
    assert report.urgent and report.acknowledged_at is not None and device.place == report.place
    states = set(
        Delivery.objects.filter(subject_key__startswith=f"report:{report.pk}:urgent").values_list(
            "status", flat=True
        )
    )
    assert states == {DeliveryStatus.SENT, DeliveryStatus.GAVE_UP}
    assert not Delivery.objects.filter(text__contains=report.text).exists()
