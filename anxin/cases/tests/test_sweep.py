"""The deadline sweep: who is told when a deadline nears and passes, and that each is told once.

Most tests follow a case of the county's 10-working-day policy opened on Friday 2026-10-16: its
investigation is due Friday 10-30 (no holiday in between), the reminder is due Wednesday 10-28
(two working days before), it is overdue from Saturday 10-31, one working day past on Monday
11-02 (the principal) and three on Wednesday 11-04 (the county bureau).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from anxin.core import workdays
from anxin.core.models import Notification, PeriodicRun
from anxin.org.models import User
from anxin.testing import Cast, frozen_time

from .. import sweep as sweep_module
from ..models import AlertStage, Case, CaseEvent, Deadline, DeadlineAlert, DeadlineKind, EventKind, PartyRole
from ..policy import policy_for, policy_set
from ..services import case_act
from ..states import State
from ..sweep import SweepResult, sweep
from .helpers import lead, open_case, walk

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = date(2026, 10, 16)
DUE = date(2026, 10, 30)


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    # The calendar snapshot is process-wide; a year entered by another test was rolled back.
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def sweep_at(moment: datetime) -> SweepResult:
    with frozen_time(moment):
        return sweep()


def county_policy(cast: Cast, **rules: Any) -> None:
    policy_set(
        actor=cast.users["county_admin"],
        unit=cast.county,
        rules={"investigation": {"days": 10, "unit": "working"}, **rules},
    )


def case_due_october_30(cast: Cast) -> Case:
    county_policy(cast)
    with frozen_time(at(OPENED, 10)):
        case = open_case(cast)
    assert case.deadlines.get(kind=DeadlineKind.INVESTIGATION).due_on == DUE
    return case


def told() -> set[tuple[str, str]]:
    """(username, stage) of every deadline notice sent so far."""
    rows = Notification.objects.filter(subject_key__startswith="deadline:").select_related("user")
    return {(n.user.username, n.subject_key.rsplit(":", 1)[1]) for n in rows}


def sweep_every_day(
    first: date, last: date, hours: tuple[int, ...] = (0, 9, 17)
) -> dict[date, list[tuple[str, str]]]:
    """Sweep several times a day; which notices were new on which day."""
    seen: set[tuple[str, str]] = set()
    news: dict[date, list[tuple[str, str]]] = {}
    for day in days(first, last):
        for hour in hours:
            result = sweep_at(at(day, hour, 5))
            assert result.errors == []
        now = told()
        if now - seen:
            news[day] = sorted(now - seen)
        seen = now
    return news


def stages_logged(case: Case) -> list[str]:
    return [
        e.data["stage"]
        for e in CaseEvent.objects.filter(case=case, kind=EventKind.NOTIFICATION)
        if "stage" in e.data
    ]


@pytest.mark.django_db
def test_owner_is_reminded_two_working_days_before_and_only_once(cast: Cast) -> None:
    case = case_due_october_30(cast)
    owner = lead(cast)
    assert sweep_at(at(date(2026, 10, 27), 17)).announced == 0

    result = sweep_at(at(date(2026, 10, 28), 0, 5))

    assert result.counts == {"remind": 1, "overdue": 0, "principal": 0, "bureau": 0}
    notice = Notification.objects.get(subject_key__startswith="deadline:")
    assert notice.user == owner
    assert notice.urgent is False
    assert notice.title == f"案件 {case.number}：调查期限 10-30 即将到期"
    assert notice.url == f"/cases/{case.pk}/"
    event = CaseEvent.objects.get(case=case, kind=EventKind.NOTIFICATION, data__stage="remind")
    assert event.title == "调查期限 10-30 即将到期，已提醒经办人"
    assert owner.full_name in event.body

    for moment in (at(date(2026, 10, 28), 0, 20), at(date(2026, 10, 29)), at(DUE, 23, 50)):
        assert sweep_at(moment).announced == 0
    assert Notification.objects.filter(subject_key__startswith="deadline:").count() == 1
    assert stages_logged(case) == ["remind"]


@pytest.mark.django_db
def test_overdue_goes_to_the_owner_then_the_principal_then_the_county_each_once(cast: Cast) -> None:
    case = case_due_october_30(cast)
    owner, principal, county = (
        lead(cast).username,
        cast.users["principal"].username,
        cast.users["county_admin"].username,
    )

    news = sweep_every_day(date(2026, 10, 26), date(2026, 11, 12))

    assert news == {
        date(2026, 10, 28): [(owner, "remind")],
        date(2026, 10, 31): [(owner, "overdue")],  # Saturday: the owner only
        date(2026, 11, 2): [(principal, "principal")],  # one working day past
        date(2026, 11, 4): [(county, "bureau")],  # three working days past
    }
    assert stages_logged(case) == ["remind", "overdue", "principal", "bureau"]
    deadline = case.deadlines.get(kind=DeadlineKind.INVESTIGATION)
    assert sorted(deadline.alerts.values_list("stage", flat=True)) == sorted(s.value for s in AlertStage)
    urgent = dict(
        Notification.objects.filter(subject_key__startswith="deadline:").values_list("subject_key", "urgent")
    )
    assert urgent == {
        f"deadline:{deadline.pk}:remind": False,
        f"deadline:{deadline.pk}:overdue": True,
        f"deadline:{deadline.pk}:principal": True,
        f"deadline:{deadline.pk}:bureau": True,
    }
    titles = list(
        CaseEvent.objects.filter(case=case, kind=EventKind.NOTIFICATION, data__has_key="stage")
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles == [
        "调查期限 10-30 即将到期，已提醒经办人",
        "调查期限 10-30 已逾期，已通知经办人",
        "调查期限 10-30 已逾期，已上报校长",
        "调查期限 10-30 已逾期，已上报教育局",
    ]
    principal_notice = Notification.objects.get(subject_key=f"deadline:{deadline.pk}:principal")
    assert principal_notice.title == f"逾期上报：实验中学 案件 {case.number} 的调查期限已逾期"
    assert "逾期 1 个工作日" in principal_notice.body


@pytest.mark.django_db
def test_what_was_escalated_to_the_principal_waits_first_on_their_workbench_until_it_is_met(
    cast: Cast, client: Any
) -> None:
    case = case_due_october_30(cast)
    client.force_login(cast.users["principal"])
    sweep_every_day(date(2026, 10, 26), date(2026, 10, 31))
    with frozen_time(at(date(2026, 10, 31), 10)):
        assert 'data-testid="panel-escalated"' not in client.get("/").content.decode()  # the owner's only
    sweep_at(at(date(2026, 11, 2), 9, 5))
    with frozen_time(at(date(2026, 11, 2), 10)):
        page = client.get("/").content.decode()
    assert 'data-testid="panel-escalated"' in page and case.number in page
    # The first thing on the page: before any other panel.
    assert page.index('data-testid="panel-escalated"') == page.index('data-testid="panel-')
    # A class teacher of the school is not shown the principal's list.
    client.force_login(cast.users["class_teacher"])
    with frozen_time(at(date(2026, 11, 2), 10)):
        assert 'data-testid="panel-escalated"' not in client.get("/").content.decode()
    Deadline.objects.filter(case=case, kind=DeadlineKind.INVESTIGATION).update(met_at=timezone.now())
    client.force_login(cast.users["principal"])
    with frozen_time(at(date(2026, 11, 3), 10)):
        assert 'data-testid="panel-escalated"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_nobody_outside_the_case_school_and_its_county_is_told(cast: Cast) -> None:
    case_due_october_30(cast)
    sweep_every_day(date(2026, 10, 28), date(2026, 11, 6), hours=(9,))
    told_users = set(
        Notification.objects.filter(subject_key__startswith="deadline:").values_list(
            "user__username", flat=True
        )
    )
    assert told_users == {
        lead(cast).username,
        cast.users["principal"].username,
        cast.users["county_admin"].username,
    }
    for stranger in (cast.outsider, cast.far_outsider, cast.users["city_admin"], cast.users["class_teacher"]):
        assert stranger.username not in told_users


@pytest.mark.django_db
def test_escalation_days_follow_the_case_policy(cast: Cast) -> None:
    county_policy(cast, escalate_principal_after=2, escalate_bureau_after=5)
    with frozen_time(at(OPENED, 10)):
        open_case(cast)
    principal, county = cast.users["principal"].username, cast.users["county_admin"].username

    news = sweep_every_day(date(2026, 10, 31), date(2026, 11, 10), hours=(9,))

    assert news[date(2026, 11, 3)] == [(principal, "principal")]  # two working days past
    assert news[date(2026, 11, 6)] == [(county, "bureau")]  # five working days past


@pytest.mark.django_db
def test_a_deadline_met_in_time_is_never_announced(cast: Cast) -> None:
    case = case_due_october_30(cast)
    with frozen_time(at(date(2026, 10, 20))):
        case = case_act(actor=lead(cast), case=case, action="investigate", data={})
        case_act(
            actor=lead(cast),
            case=case,
            action="add_party",
            data={"role": "target", "student": cast.student_a1.pk},
        )
        case_act(
            actor=lead(cast),
            case=case,
            action="submit",
            data={"summary": "经调查，两名同学多次起侮辱性绰号。"},
        )
    assert case.deadlines.get().met_at is not None
    sweep_every_day(date(2026, 10, 26), date(2026, 11, 6), hours=(9,))
    assert told() == set()
    assert not DeadlineAlert.objects.exists()


@pytest.mark.django_db
def test_an_overdue_measure_goes_to_its_owner_then_the_principal(cast: Cast) -> None:
    with frozen_time(at(date(2026, 10, 14), 10)):
        case = walk(cast, "measures")
    measure = case.measures.get()
    # walk() gives the measure 30 days: due Friday 11-13, to the psychology teacher.
    assert measure.due_on == date(2026, 11, 13)
    owner, principal = cast.users["psych_teacher"], cast.users["principal"]

    news = sweep_every_day(date(2026, 11, 9), date(2026, 11, 17))

    assert news == {
        date(2026, 11, 11): [(owner.username, "remind")],
        date(2026, 11, 14): [(owner.username, "overdue")],
        date(2026, 11, 16): [(principal.username, "principal")],
    }
    deadline = Deadline.objects.get(measure=measure)
    overdue = Notification.objects.get(subject_key=f"deadline:{deadline.pk}:overdue")
    assert overdue.title == f"案件 {case.number}：措施“矫治计划”完成期限 11-13 已逾期"
    assert CaseEvent.objects.filter(case=case, data__stage="overdue").get().title == (
        "措施“矫治计划”完成期限 11-13 已逾期，已通知措施负责人"
    )
    # The case owner is not told of the measure someone else must carry out.
    assert not Notification.objects.filter(user=lead(cast), subject_key__startswith="deadline:").exists()


@pytest.mark.django_db
def test_a_late_re_examination_goes_to_the_county_then_the_city_and_the_appeal_window_to_nobody(
    cast: Cast,
) -> None:
    with frozen_time(at(date(2026, 10, 14), 10)):
        case = walk(cast, "notified")
    appeal = case.deadlines.get(kind=DeadlineKind.APPEAL)
    # 10-14 + 5 calendar days: Monday 10-19. The window is the parties': no reminder, no escalation.
    assert appeal.due_on == date(2026, 10, 19)
    assert sweep_every_day(date(2026, 10, 15), date(2026, 10, 23), hours=(9,)) == {}

    target = case.parties.get(role=PartyRole.TARGET)
    with frozen_time(at(date(2026, 10, 16), 10)):
        case_act(
            actor=lead(cast),
            case=case,
            action="apply_reexam",
            data={"applicant": target.pk, "applied_on": "2026-10-16", "reason": "不同意认定结果"},
        )
    reexam = case.deadlines.get(kind=DeadlineKind.REEXAMINATION)
    # 10-16 + 15 calendar days is Saturday 10-31: the period ends on Monday 11-02.
    assert (reexam.due_on, reexam.remind_on) == (date(2026, 11, 2), date(2026, 10, 29))
    county, city = cast.users["county_admin"].username, cast.users["city_admin"].username

    news = sweep_every_day(date(2026, 10, 24), date(2026, 11, 13), hours=(9,))

    assert news == {
        date(2026, 10, 29): [(county, "remind")],
        date(2026, 11, 3): [(city, "principal"), (county, "overdue")],
    }
    assert (
        CaseEvent.objects.get(case=case, data__stage="principal").title
        == "复查决定期限 11-02 已逾期，已上报市教育局"
    )


@pytest.mark.django_db
def test_escalation_goes_on_while_next_year_calendar_is_missing(cast: Cast) -> None:
    county_policy(cast)
    with frozen_time(at(date(2026, 12, 16), 10)):
        case = open_case(cast)
    # 12-17 ... 12-30, all working days of 2026.
    assert case.deadlines.get(kind=DeadlineKind.INVESTIGATION).due_on == date(2026, 12, 30)
    principal, county = cast.users["principal"].username, cast.users["county_admin"].username

    # 2027 is unknown: for escalation it is judged by the statutory holidays (元旦 01-01) and weekends.
    news = sweep_every_day(date(2026, 12, 31), date(2027, 1, 6), hours=(9,))

    assert news == {
        date(2026, 12, 31): [(lead(cast).username, "overdue"), (principal, "principal")],
        date(2027, 1, 5): [(county, "bureau")],  # 12-31, Monday 01-04 and Tuesday 01-05
    }


@pytest.mark.django_db
def test_an_owner_who_left_is_replaced_by_the_principal(cast: Cast) -> None:
    case_due_october_30(cast)
    User.objects.filter(pk=lead(cast).pk).update(is_active=False)
    sweep_at(at(date(2026, 10, 28)))
    assert told() == {(cast.users["principal"].username, "remind")}


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_announce_each_stage_once(cast_tx: Cast) -> None:
    county_policy(cast_tx)
    with frozen_time(at(OPENED, 10)):
        cases = [open_case(cast_tx) for _ in range(6)]
    start = threading.Barrier(2)
    results: list[SweepResult] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            results.append(sweep())
        except BaseException as exc:  # noqa: BLE001  reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    with frozen_time(at(date(2026, 11, 4))):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert failures == []
    assert [r.errors for r in results] == [[], []]
    # Both looked, and between them each stage of each deadline was announced exactly once.
    assert {s: sum(r.counts[s] for r in results) for s in ("remind", "overdue", "principal", "bureau")} == {
        "remind": 0,
        "overdue": 6,
        "principal": 6,
        "bureau": 6,
    }
    for case in cases:
        assert sorted(stages_logged(case)) == ["bureau", "overdue", "principal"]
    assert Notification.objects.filter(subject_key__startswith="deadline:").count() == 18
    assert DeadlineAlert.objects.count() == 18


@pytest.mark.django_db(transaction=True)
def test_a_crash_on_one_deadline_keeps_the_others_and_the_next_run_finishes_it(
    cast_tx: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    county_policy(cast_tx)
    with frozen_time(at(OPENED, 10)):
        first, second = open_case(cast_tx), open_case(cast_tx)
    d1 = first.deadlines.get(kind=DeadlineKind.INVESTIGATION)
    d2 = second.deadlines.get(kind=DeadlineKind.INVESTIGATION)
    real_notify = sweep_module.notify

    def flaky_notify(users: Any, **kwargs: Any) -> Any:
        if kwargs["subject_key"].startswith(f"deadline:{d2.pk}:"):
            raise RuntimeError("通知服务暂不可用")
        return real_notify(users, **kwargs)

    monkeypatch.setattr(sweep_module, "notify", flaky_notify)
    crashed = sweep_at(at(date(2026, 10, 31)))

    assert [(e.deadline, e.case, e.message) for e in crashed.errors] == [
        (d2.pk, second.number, "通知服务暂不可用")
    ]
    assert crashed.counts["overdue"] == 1
    assert list(DeadlineAlert.objects.values_list("deadline_id", "stage")) == [(d1.pk, "overdue")]
    assert stages_logged(first) == ["overdue"]
    assert stages_logged(second) == []  # nothing of the failed deadline was kept

    monkeypatch.setattr(sweep_module, "notify", real_notify)
    rerun = sweep_at(at(date(2026, 10, 31), 9, 15))

    assert rerun.errors == []
    assert rerun.counts["overdue"] == 1
    assert stages_logged(first) == ["overdue"]
    assert stages_logged(second) == ["overdue"]
    assert Notification.objects.filter(subject_key=f"deadline:{d1.pk}:overdue").count() == 1
    assert Notification.objects.filter(subject_key=f"deadline:{d2.pk}:overdue").count() == 1


@pytest.mark.django_db
def test_command_sweeps_once_and_prints_a_summary(cast: Cast) -> None:
    case_due_october_30(cast)
    out = io.StringIO()
    with frozen_time(at(date(2026, 10, 28))):
        call_command("cases", "sweep", stdout=out)
        call_command("cases", "sweep", stdout=out)
    first, second = out.getvalue().splitlines()
    assert (
        first
        == "期限检查完成：到期提醒 1 条，逾期通知 0 条，上报校长 0 条，上报教育局 0 条；补算期限 0 个；出错 0 个。"
    )
    assert second.startswith("期限检查完成：到期提醒 0 条，")


@pytest.mark.django_db
def test_command_reports_a_failed_deadline_and_exits_non_zero(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = case_due_october_30(cast)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("邮件服务器不可用")

    monkeypatch.setattr(sweep_module, "notify", broken)
    out, err = io.StringIO(), io.StringIO()
    with frozen_time(at(date(2026, 10, 28))), pytest.raises(CommandError) as e:
        call_command("cases", "sweep", stdout=out, stderr=err)
    assert "1 个期限未能处理" in str(e.value)
    assert "出错 1 个" in out.getvalue()
    assert f"案件 {case.number}" in err.getvalue() and "邮件服务器不可用" in err.getvalue()
    assert not DeadlineAlert.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("argv", [(), ("sweep", "--now", "2026-10-28"), ("sweepall",)])
def test_command_refuses_bad_arguments(cast: Cast, argv: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        call_command("cases", *argv)
    assert not DeadlineAlert.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_the_sweep(cast_tx: Cast) -> None:
    county_policy(cast_tx)
    with frozen_time(at(OPENED, 10)):
        case = open_case(cast_tx)
    with frozen_time(at(date(2026, 10, 28))):
        call_command("worker", "--once")
    assert told() == {(lead(cast_tx).username, "remind")}
    assert stages_logged(case) == ["remind"]
    assert PeriodicRun.objects.filter(name="cases.deadline_sweep").exists()


# --- scale ---------------------------------------------------------------------------------------

HISTORY = 50_000
OPEN = 1_000


def _history(cast: Cast, today: date) -> list[int]:
    """HISTORY cases at school A: OPEN open ones with an investigation due within a month either
    side of ``today``, the rest closed with their deadlines met. Returns the ids of the deadlines
    with a stage to announce today."""
    owner = lead(cast)
    policy = policy_for(cast.school)
    now = timezone.now()
    opened_on = today - timedelta(days=400)

    def case(number: str, status: str) -> Case:
        return Case(
            school=cast.school,
            number=number,
            title="历史案件",
            owner=owner,
            opened_by=owner,
            opened_at=now,
            opened_on=opened_on,
            policy=policy,
            status=status,
        )

    # The closed ones are copies of one template, made by the database itself: fifty thousand
    # rows through the ORM would take a minute of the suite.
    template = case("H-0", State.CLOSED)
    template.save()
    Deadline.objects.bulk_create(
        Deadline(
            case=template,
            kind=kind,
            starts_on=opened_on,
            days=10,
            unit="calendar",
            due_on=opened_on + timedelta(days=14),
            met_at=now,
            cancelled=kind == DeadlineKind.APPEAL,
        )
        for kind in (DeadlineKind.INVESTIGATION, DeadlineKind.APPEAL, DeadlineKind.VISIT_1W)
    )
    q = connection.ops.quote_name
    cases, deadlines = q(Case._meta.db_table), q(Deadline._meta.db_table)
    columns = [f.column for f in Case._meta.concrete_fields if not f.primary_key]
    values = ["'H-' || CAST(n.i AS TEXT)" if c == "number" else f"t.{q(c)}" for c in columns]
    dl_columns = [f.column for f in Deadline._meta.concrete_fields if not f.primary_key]
    dl_values = ["c.id" if c == "case_id" else f"t.{q(c)}" for c in dl_columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
            f"INSERT INTO {cases} ({', '.join(q(c) for c in columns)}) "
            f"SELECT {', '.join(values)} FROM n, {cases} t WHERE t.id = %s",
            [HISTORY - OPEN - 1, template.pk],
        )
        cursor.execute(
            f"INSERT INTO {deadlines} ({', '.join(q(c) for c in dl_columns)}) "
            f"SELECT {', '.join(dl_values)} FROM {cases} c, {deadlines} t "
            f"WHERE c.number LIKE %s AND c.id <> %s AND t.case_id = %s",
            ["H-%", template.pk, template.pk],
        )
    opened = Case.objects.bulk_create([case(f"O-{i}", State.INVESTIGATING) for i in range(OPEN)])
    Deadline.objects.bulk_create(
        Deadline(
            case=c,
            kind=DeadlineKind.INVESTIGATION,
            starts_on=opened_on,
            days=10,
            unit="working",
            due_on=today + timedelta(days=i % 60 - 30),
            remind_on=today + timedelta(days=i % 60 - 32),
        )
        for i, c in enumerate(opened)
    )
    assert Case.objects.count() == HISTORY
    assert Deadline.objects.count() == 3 * (HISTORY - OPEN) + OPEN
    pending = Deadline.objects.filter(met_at__isnull=True, cancelled=False)
    # A third of the overdue ones were fully escalated on earlier days.
    long_overdue = list(pending.filter(due_on__lt=today - timedelta(days=20)).values_list("pk", flat=True))
    DeadlineAlert.objects.bulk_create(
        DeadlineAlert(deadline_id=pk, stage=stage)
        for pk in long_overdue
        for stage in ("overdue", "principal", "bureau")
    )
    return list(
        pending.exclude(pk__in=long_overdue).filter(remind_on__lte=today).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_sweep_over_fifty_thousand_cases_of_history_announces_only_what_is_due(cast: Cast) -> None:
    today = date(2026, 11, 18)
    due_today = _history(cast, today)
    assert 300 < len(due_today) < OPEN

    with frozen_time(at(today)):
        # How long this takes is measured in bench/cases_scale.py, never asserted here.
        first = sweep()
        second = sweep()

    assert first.errors == []
    assert first.checked == len(due_today)
    assert first.announced >= len(due_today)
    # Every 15 minutes afterwards there is nothing new.
    assert second.announced == 0


@pytest.mark.django_db
def test_each_person_gets_one_email_per_sweep_listing_everything_due(
    cast: Cast,
    settings,
    django_capture_on_commit_callbacks,  # noqa: ANN001
) -> None:
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = lead(cast)
    owner.email = "zhengjiao@example.invalid"
    owner.save()
    county_policy(cast)
    with frozen_time(at(OPENED, 10)):
        first, second = open_case(cast), open_case(cast)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_at(at(date(2026, 10, 31)))
    to_owner = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(to_owner) == 1
    assert "2 条" in to_owner[0].subject
    assert first.number in to_owner[0].body and second.number in to_owner[0].body
    assert Notification.objects.filter(user=owner, subject_key__startswith="deadline:").count() == 2
