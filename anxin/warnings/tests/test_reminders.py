"""The reminders the ledgers need (issue #14 part 4), on a frozen clock: a missed patrol round, a talk
to follow up, a pupil not back from leave. Each fires at its moment and not before, escalates, and
closes itself once the duty is done."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from anxin.core.models import ChannelSettings, Delivery, Notification
from anxin.ledgers.care import services as care
from anxin.ledgers.gate import services as gate
from anxin.ledgers.gate.models import LeavePass
from anxin.ledgers.patrol import services as patrol
from anxin.ledgers.patrol.models import DutyShift, PatrolCheckin, PatrolPoint, Shift
from anxin.testing import SHANGHAI, Cast, frozen_time

from .. import services
from ..models import Rule, Status, Warning
from ..selectors import open_for

WED = date(2026, 11, 25)  # a Wednesday of an ordinary school week


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=SHANGHAI)


def evaluate(cast: Cast, moment: datetime) -> services.Evaluation:
    with frozen_time(moment):
        return services.evaluate(cast.school)


def told(warning: Warning) -> set[str]:
    users = Notification.objects.filter(subject_key=f"warning:{warning.pk}").values_list("user__username")
    return {u for (u,) in users}


def live(rule: str) -> Warning | None:
    return Warning.objects.filter(rule=rule, status__in=["open", "acknowledged"]).first()


def _point(
    cast: Cast, made: datetime | None = None, place_type: str = "toilet", **duty: object
) -> PatrolPoint:
    """A point set up the day before WED (a point is not held to a period it was set up in)."""
    with frozen_time(made or at(WED - _days(1), 10)):
        return patrol.patrol_point_create(
            actor=cast.users["safety_officer"],
            school=cast.school,
            name="二楼东厕所",
            place_type=place_type,
            **duty,
        )


def _checkin(cast: Cast, point: PatrolPoint, moment: datetime) -> None:
    PatrolCheckin.objects.create(
        school=cast.school, recorded_by=cast.users["duty_staff"], point=point, recorded_at=moment
    )


# --- a missed patrol round ------------------------------------------------------------------------


@pytest.mark.django_db
def test_missed_day_round_warns_the_responsible_then_the_safety_officer_and_closes_when_made_up(
    cast: Cast,
) -> None:
    keeper = cast.users["dorm_staff"]
    point = _point(cast, frequency="day", rounds=2, responsible=keeper)
    _checkin(cast, point, at(WED, 10))

    evaluate(cast, at(WED, 23, 50))  # the day is not over: one round may still come
    assert live(Rule.PATROL_OVERDUE) is None

    evaluate(cast, at(WED + _days(1), 0, 15))
    w = live(Rule.PATROL_OVERDUE)
    assert w is not None and w.responsible == keeper and w.severity == "notice"
    assert "应巡查 2 次，实际打卡 1 次" in w.reasons[0]
    assert told(w) == {keeper.username}
    assert list(w.addressed.all()) == []

    evaluate(cast, at(WED + _days(1), 0, 59))  # 59 minutes after the day ended: still within the grace
    assert told(w) == {keeper.username}

    evaluate(cast, at(WED + _days(1), 1, 15))
    w.refresh_from_db()
    safety = cast.users["safety_officer"]
    assert list(w.addressed.all()) == [safety] and w.severity == "warning"
    assert told(w) == {keeper.username, safety.username}
    assert w in open_for(safety) and w in open_for(keeper)
    assert any("已同时告知安全管理员" in r for r in w.reasons)

    evaluate(cast, at(WED + _days(1), 2, 0))  # told once: no second notice
    assert Notification.objects.filter(subject_key=f"warning:{w.pk}").count() == 2

    _checkin(cast, point, at(WED + _days(1), 7, 40))  # the make-up round
    result = evaluate(cast, at(WED + _days(1), 7, 45))
    w.refresh_from_db()
    assert result.resolved == 1 and w.status == Status.ACTED and w.closed_by is None
    assert w not in open_for(keeper)
    evaluate(cast, at(WED + _days(1), 8, 0))
    assert live(Rule.PATROL_OVERDUE) is None


@pytest.mark.django_db
def test_enough_rounds_raise_nothing(cast: Cast) -> None:
    point = _point(cast, frequency="day", rounds=2)
    _checkin(cast, point, at(WED, 9))
    _checkin(cast, point, at(WED, 15))
    evaluate(cast, at(WED + _days(1), 3, 0))
    assert live(Rule.PATROL_OVERDUE) is None


@pytest.mark.django_db
def test_night_point_without_responsible_falls_to_that_nights_duty_staff(cast: Cast) -> None:
    point = _point(cast, made=at(WED, 10), place_type="dorm_floor")
    assert point.required(2, 1) == ("night", 1)  # a dormitory point follows the school's night rounds
    on_duty = cast.users["duty_staff"]
    DutyShift.objects.create(school=cast.school, date=WED, shift=Shift.NIGHT, person=on_duty)
    _checkin(cast, point, at(WED, 15))  # in the day: does not count for the night

    evaluate(cast, at(WED + _days(1), 7, 59))  # the night runs to 08:00
    assert live(Rule.PATROL_OVERDUE) is None
    evaluate(cast, at(WED + _days(1), 8, 15))
    w = live(Rule.PATROL_OVERDUE)
    assert w is not None and w.responsible == on_duty
    assert "当晚" in w.reasons[0]


@pytest.mark.django_db
def test_weekly_point_is_checked_after_the_week_and_goes_to_the_safety_officer_without_duty(
    cast: Cast,
) -> None:
    point = _point(cast, made=at(date(2026, 11, 20), 10), frequency="week", rounds=1)
    sunday = date(2026, 11, 29)
    evaluate(cast, at(sunday, 23, 50))
    assert live(Rule.PATROL_OVERDUE) is None
    evaluate(cast, at(sunday + _days(1), 0, 15))
    w = live(Rule.PATROL_OVERDUE)
    assert w is not None and w.responsible == cast.users["safety_officer"]
    assert w.subject_id == point.pk and "当周应巡查 1 次" in w.reasons[0]


@pytest.mark.django_db
def test_a_day_without_school_asks_for_no_round(cast: Cast) -> None:
    point = _point(cast, frequency="day", rounds=1)
    friday, saturday = date(2026, 11, 27), date(2026, 11, 28)
    _checkin(cast, point, at(friday, 9))
    evaluate(cast, at(saturday + _days(1), 9, 0))  # Saturday went unpatrolled: not a school day
    assert live(Rule.PATROL_OVERDUE) is None


@pytest.mark.django_db
@override_settings(NOTIFY_CHANNELS=["wecom_app"])
def test_reminders_go_to_chosen_channels_but_not_in_quiet_hours(cast: Cast) -> None:
    keeper, safety = cast.users["dorm_staff"], cast.users["safety_officer"]
    ChannelSettings.objects.create(
        user=keeper, channels=["wecom_app"], wecom_userid="keeper", quiet_start=time(22), quiet_end=time(7)
    )
    ChannelSettings.objects.create(user=safety, channels=["wecom_app"], wecom_userid="safety")
    _point(cast, frequency="day", rounds=1, responsible=keeper)
    evaluate(cast, at(WED + _days(1), 0, 15))  # 00:15: in the keeper's quiet hours
    assert not Delivery.objects.filter(user=keeper).exists()
    assert Notification.objects.filter(user=keeper).exists()  # on the platform all the same
    evaluate(cast, at(WED + _days(1), 1, 15))
    [sent] = Delivery.objects.filter(user=safety)
    assert sent.text == "实验中学有一条提醒待处理：巡查点未按频次巡查"  # no place, no child


# --- a talk to follow up ----------------------------------------------------------------------------


def _talk_to_follow_up(cast: Cast, on: date):  # noqa: ANN202
    with frozen_time(at(on - _days(7), 10)):
        return care.talk_record(
            actor=cast.users["psych_teacher"],
            student=cast.student_a1,
            talked_on=on - _days(7),
            topic="peers",
            content="最近和同桌有矛盾",
            mood="low",
            peers="tense",
            follow_up=True,
            follow_up_on=on,
        ).entry


@pytest.mark.django_db
def test_talk_follow_up_warns_the_author_on_its_date_then_the_class_teacher_two_school_days_later(
    cast: Cast,
) -> None:
    talk = _talk_to_follow_up(cast, WED)
    author, teacher = cast.users["psych_teacher"], cast.users["class_teacher"]
    evaluate(cast, at(WED - _days(1), 23, 50))
    assert live(Rule.TALK_FOLLOW_UP) is None

    evaluate(cast, at(WED, 0, 15))
    w = live(Rule.TALK_FOLLOW_UP)
    assert w is not None and w.responsible == author and told(w) == {author.username}
    assert "11月25日 回访，尚未回访" in w.reasons[0] and "矛盾" not in " ".join(w.reasons)

    evaluate(cast, at(WED + _days(1), 18, 0))  # Thursday: one school day later
    assert told(w) == {author.username}
    evaluate(cast, at(WED + _days(2), 0, 15))  # Friday: the second school day
    w.refresh_from_db()
    assert list(w.addressed.all()) == [teacher] and told(w) == {author.username, teacher.username}

    with frozen_time(at(WED + _days(2), 9)):
        care.talk_follow_up_done(actor=author, talk=talk)
    evaluate(cast, at(WED + _days(2), 9, 15))
    w.refresh_from_db()
    assert w.status == Status.ACTED


@pytest.mark.django_db
def test_talk_follow_up_escalation_counts_school_days_not_weekend_days(cast: Cast) -> None:
    friday = date(2026, 11, 27)
    _talk_to_follow_up(cast, friday)
    evaluate(cast, at(friday, 9))
    w = live(Rule.TALK_FOLLOW_UP)
    assert w is not None
    evaluate(cast, at(friday + _days(3), 9))  # Monday: one school day later
    assert not w.addressed.exists()
    evaluate(cast, at(friday + _days(4), 9))  # Tuesday: two
    assert list(w.addressed.all()) == [cast.users["class_teacher"]]


# --- a pupil not back from leave --------------------------------------------------------------------


def _leave(cast: Cast, start: datetime, end: datetime) -> LeavePass:
    with frozen_time(start):
        return gate.leave_approve(
            actor=cast.users["class_teacher"],
            student_id=cast.student_a1.pk,
            starts_at=start,
            ends_at=end,
            reason="看病",
            client_key=None,
        ).entry


@pytest.mark.django_db
def test_unreturned_pupil_warns_class_teacher_and_gate_and_closes_on_return(cast: Cast, login) -> None:  # noqa: ANN001
    leave = _leave(cast, at(WED, 8), at(WED, 12))
    teacher, guard = cast.users["class_teacher"], cast.users["gate_guard"]
    evaluate(cast, at(WED, 11, 59))
    assert live(Rule.LEAVE_UNRETURNED) is None

    evaluate(cast, at(WED, 12, 15))
    w = live(Rule.LEAVE_UNRETURNED)
    assert w is not None and w.responsible == teacher and list(w.addressed.all()) == [guard]
    assert told(w) == {teacher.username, guard.username}
    assert "李小雨" not in w.subject_label and "15 分钟仍未销假" in w.reasons[0]

    client = login(guard)
    with frozen_time(at(WED, 12, 30)):
        assert w in open_for(guard)
        page = client.get(reverse("ledgers:warning", args=[w.pk]))
        assert page.status_code == 200 and "销假（请假至 11-25 12:00）" in page.content.decode()
        back = client.post(
            reverse("ledgers:gate_leave_return", args=[leave.pk]),
            {"next": reverse("ledgers:warning", args=[w.pk])},
        )
    assert back.status_code == 302 and back.url == reverse("ledgers:warning", args=[w.pk])
    leave.refresh_from_db()
    assert leave.returned_at == at(WED, 12, 30) and leave.returned_by == guard
    evaluate(cast, at(WED, 12, 45))
    w.refresh_from_db()
    assert w.status == Status.ACTED


@pytest.mark.django_db
def test_returned_in_time_raises_nothing(cast: Cast) -> None:
    leave = _leave(cast, at(WED, 8), at(WED, 12))
    with frozen_time(at(WED, 11)):
        gate.leave_return(actor=cast.users["class_teacher"], leave_id=leave.pk)
    evaluate(cast, at(WED, 18))
    assert live(Rule.LEAVE_UNRETURNED) is None


@pytest.mark.django_db
def test_a_reminder_dismissed_with_a_reason_is_not_escalated_the_same_day(cast: Cast) -> None:
    keeper = cast.users["dorm_staff"]
    _point(cast, frequency="day", rounds=1, responsible=keeper)
    evaluate(cast, at(WED + _days(1), 0, 15))
    w = live(Rule.PATROL_OVERDUE)
    assert w is not None
    with frozen_time(at(WED + _days(1), 0, 30)):
        services.warning_dismiss(actor=keeper, warning=w, reason="该厕所停水维修，已封闭")
    evaluate(cast, at(WED + _days(1), 1, 15))
    assert live(Rule.PATROL_OVERDUE) is None
    assert not Notification.objects.filter(user=cast.users["safety_officer"]).exists()
