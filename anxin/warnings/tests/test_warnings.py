from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.core.models import Notification
from anxin.org import services as org_services
from anxin.org.models import Role, Unit, UnitKind
from anxin.testing import Cast

from .. import rules, services
from ..models import Rule, Status, SubjectType, Warning, WarningPolicy

TODAY = date(2026, 11, 25)  # a Wednesday
API = "/api/ledgers/warnings"


def _ctx(cast: Cast, today: date = TODAY, now: datetime | None = None) -> rules.Context:
    return rules.Context(
        school=cast.school,
        today=today,
        now=now or timezone.now(),
        thresholds=services.thresholds_for(cast.school),
    )


def _classmate(cast: Cast, n: int, klass: Unit | None = None):  # noqa: ANN202
    return org_services.student_create(
        actor=None, klass=klass or cast.class_a1, name=f"同学{n}号", gender="F", student_no=f"W{n:03d}"
    )


def _talk(cast: Cast, about, named=(), day: date = TODAY):  # noqa: ANN001, ANN202
    from anxin.ledgers.care import services as care

    return care.talk_record(
        actor=cast.users["class_teacher"],
        student=about,
        talked_on=day,
        topic="peers",
        content="她们不让小雨跟我们玩",
        mood="low",
        peers="tense",
        named_students=named,
    ).entry


def _two_talks_naming_xiaoyu(cast: Cast) -> None:
    _talk(cast, _classmate(cast, 1), named=[cast.student_a1], day=TODAY - timedelta(days=9))
    _talk(cast, _classmate(cast, 2), named=[cast.student_a1], day=TODAY - timedelta(days=2))


def _mine(rule: str) -> list[Warning]:
    return list(Warning.objects.filter(rule=rule))


# --- scenario 2 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_scenario_2_class_teacher_gets_one_warning_with_reasons_and_deals_with_it(cast: Cast, login) -> None:  # noqa: ANN001
    teacher = cast.users["class_teacher"]
    _two_talks_naming_xiaoyu(cast)

    first = services.evaluate(cast.school, TODAY)
    [warning] = _mine(Rule.STUDENT_NAMED)
    assert warning.responsible_id == teacher.pk
    assert warning.subject_id == cast.student_a1.pk
    assert warning.subject_label.startswith("李*雨")
    assert warning.reasons[0] == "近 30 天内在 2 次谈心谈话中被其他同学提到（11月16日、11月23日）"
    assert first.created >= 1
    assert Notification.objects.filter(user=teacher, subject_key=f"warning:{warning.pk}").count() == 1
    assert AuditEvent.objects.filter(action="ledger_warning.raised").exists()

    # Evaluating again merges: nothing new, no second notice.
    again = services.evaluate(cast.school, TODAY)
    assert again.created == 0
    assert len(_mine(Rule.STUDENT_NAMED)) == 1
    assert Notification.objects.filter(subject_key=f"warning:{warning.pk}").count() == 1

    # A third talk is new evidence: the same warning, its reasons and occurrences updated.
    _talk(cast, _classmate(cast, 3), named=[cast.student_a1], day=TODAY)
    services.evaluate(cast.school, TODAY)
    [merged] = _mine(Rule.STUDENT_NAMED)
    assert merged.pk == warning.pk and merged.occurrences == 2
    assert "3 次谈心谈话" in merged.reasons[0]

    client = login(teacher)
    home = client.get("/").content.decode()
    assert "李小雨" in home and "3 次谈心谈话中被其他同学提到" in home

    url = reverse("ledgers:warning_do", args=[warning.pk])
    client.post(url, {"action": "acknowledge"})
    assert Warning.objects.get(pk=warning.pk).status == Status.ACKNOWLEDGED
    response = client.post(url, {"action": "act", "note": ""}, follow=True)
    assert "请填写采取了哪些措施" in response.content.decode()
    client.post(url, {"action": "act", "note": "与三位女生分别谈心，约定课间一起活动"})
    done = Warning.objects.get(pk=warning.pk)
    assert done.status == Status.ACTED and done.close_note.startswith("与三位女生")
    assert AuditEvent.objects.filter(action="ledger_warning.act", subject_id=str(warning.pk)).exists()

    # Dealt with: the same evidence does not raise it again.
    result = services.evaluate(cast.school, TODAY)
    assert len(_mine(Rule.STUDENT_NAMED)) == 1 and result.suppressed >= 1
    # New evidence does.
    _talk(cast, _classmate(cast, 4), named=[cast.student_a1], day=TODAY)
    services.evaluate(cast.school, TODAY)
    assert Warning.objects.filter(rule=Rule.STUDENT_NAMED, status=Status.OPEN).count() == 1


@pytest.mark.django_db
def test_one_talk_and_one_report_naming_the_student_is_enough(cast: Cast) -> None:
    from anxin.intake.models import Channel, Report

    _talk(cast, _classmate(cast, 1), named=[cast.student_a1], day=TODAY - timedelta(days=1))
    Report.objects.create(
        school=cast.school,
        channel=Channel.HOTLINE,
        text="有人欺负同学",
        names_involved="李小雨和同桌",
        fingerprint="x",
    )
    [c] = rules.student_named(_ctx(cast, today=timezone.localdate()))
    assert any("1 份举报提到其姓名" in r for r in c.reasons)


@pytest.mark.django_db
def test_student_named_once_or_by_herself_stays_silent(cast: Cast) -> None:
    _talk(cast, _classmate(cast, 1), named=[cast.student_a1])
    _talk(cast, _classmate(cast, 2), named=[cast.student_a1], day=TODAY - timedelta(days=40))
    assert rules.student_named(_ctx(cast)) == []


# --- each rule fires on minimal data and is silent without it -------------------------------------------


@pytest.mark.django_db
def test_every_rule_is_silent_on_an_empty_school(cast: Cast) -> None:
    ctx = _ctx(cast)
    for name, rule in rules.RULES.items():
        assert rule(ctx) == [], name


@pytest.mark.django_db
def test_care_plan_overdue_goes_to_the_plan_owner(cast: Cast) -> None:
    from anxin.ledgers.care.models import CarePlan

    owner = cast.users["psych_teacher"]
    CarePlan.objects.create(
        school=cast.school,
        recorded_by=owner,
        student=cast.student_a1,
        owner=owner,
        goals="g",
        measures="m",
        next_review_on=TODAY + timedelta(days=1),
    )
    assert rules.care_plan_overdue(_ctx(cast)) == []
    [c] = rules.care_plan_overdue(_ctx(cast, today=TODAY + timedelta(days=6)))
    assert c.responsible_id == owner.pk and "已逾期 5 天" in c.reasons[0]


@pytest.mark.django_db
def test_watch_exit_needs_both_a_watch_entry_and_a_stop(cast: Cast) -> None:
    from anxin.ledgers.care.models import WatchEntry
    from anxin.ledgers.gate.models import ExitOutcome, StudentExit

    today = timezone.localdate()
    StudentExit.objects.create(
        school=cast.school,
        recorded_by=cast.users["gate_guard"],
        student=cast.student_a2,
        outcome=ExitOutcome.STOPPED,
    )
    assert rules.watch_exit(_ctx(cast, today=today)) == []  # stopped, but not on watch
    WatchEntry.objects.create(
        school=cast.school,
        recorded_by=cast.users["class_teacher"],
        student=cast.student_a2,
        seen="打架",
        seen_on=today - timedelta(days=3),
    )
    [c] = rules.watch_exit(_ctx(cast, today=today))
    assert c.subject_id == cast.student_a2.pk
    # Nobody teaches class A2: the moral-education director is told instead.
    assert c.responsible_id == cast.users["moral_director"].pk
    assert "被门卫拦下" in c.reasons[0] and "1 条行为异常记录" in c.reasons[1]


@pytest.mark.django_db
def test_place_repeat_counts_hazards_and_findings_once_each(cast: Cast) -> None:
    from anxin.ledgers.hazards.models import Hazard, KeyPlace, PlaceKind, Screening, ScreeningResult

    today = timezone.localdate()
    keeper = cast.users["duty_staff"]
    place = KeyPlace.objects.create(
        school=cast.school, name="B栋后楼梯", kind=PlaceKind.STAIRS, responsible=keeper
    )
    s1 = Screening.objects.create(
        school=cast.school, recorded_by=keeper, place=place, result=ScreeningResult.FOUND, screened_on=today
    )
    Hazard.objects.create(
        school=cast.school, recorded_by=keeper, place=place, screening=s1, description="灯坏"
    )
    assert rules.place_repeat(_ctx(cast, today=today)) == []  # one finding that became a hazard
    Hazard.objects.create(school=cast.school, recorded_by=keeper, place=place, description="门锁坏")
    [c] = rules.place_repeat(_ctx(cast, today=today))
    assert c.responsible_id == keeper.pk and "2 次发现隐患" in c.reasons[0]
    assert any("摄像头" in r for r in c.reasons)


@pytest.mark.django_db
def test_class_without_talks_or_1530_for_ten_school_days(cast: Cast) -> None:
    from anxin.ledgers.education.models import SafetySession

    assert rules.class_no_talks(_ctx(cast)) == []  # classes set up just now are left alone
    Unit.objects.filter(kind=UnitKind.CLASS).update(created_at=timezone.now() - timedelta(days=400))
    silent_talks = {c.subject_id for c in rules.class_no_talks(_ctx(cast))}
    assert silent_talks == {cast.class_a1.pk, cast.class_a2.pk}
    _talk(cast, cast.student_a1, day=TODAY - timedelta(days=3))
    assert {c.subject_id for c in rules.class_no_talks(_ctx(cast))} == {cast.class_a2.pk}
    no_1530 = {c.subject_id: c for c in rules.class_no_1530(_ctx(cast))}
    assert set(no_1530) == {cast.class_a1.pk, cast.class_a2.pk}
    assert no_1530[cast.class_a1.pk].responsible_id == cast.users["class_teacher"].pk
    SafetySession.objects.create(
        school=cast.school,
        recorded_by=cast.users["class_teacher"],
        klass=cast.class_a1,
        date=TODAY,
        kind="1min",
    )
    assert {c.subject_id for c in rules.class_no_1530(_ctx(cast))} == {cast.class_a2.pk}


@pytest.mark.django_db
def test_hazard_overdue_tells_owner_and_safety_officer(cast: Cast) -> None:
    from anxin.ledgers.hazards.models import Hazard, HazardStatus

    owner = cast.users["duty_staff"]
    Hazard.objects.create(
        school=cast.school,
        recorded_by=owner,
        description="围墙破损",
        status=HazardStatus.RECTIFYING,
        owner=owner,
        deadline=TODAY - timedelta(days=2),
    )
    [c] = rules.hazard_overdue(_ctx(cast))
    assert c.responsible_id == owner.pk and c.also_notify == [cast.users["safety_officer"].pk]
    assert rules.hazard_overdue(_ctx(cast, today=TODAY - timedelta(days=3))) == []
    services.evaluate(cast.school, TODAY)
    w = Warning.objects.get(rule=Rule.HAZARD_OVERDUE)
    told = set(Notification.objects.filter(subject_key=f"warning:{w.pk}").values_list("user_id", flat=True))
    assert told == {owner.pk, cast.users["safety_officer"].pk}


@pytest.mark.django_db
def test_urgent_report_unacknowledged_after_15_minutes_goes_to_the_principal(cast: Cast) -> None:
    from anxin.intake.models import Channel, Report

    report = Report.objects.create(
        school=cast.school, channel=Channel.BOX, text="带刀", urgent=True, fingerprint="u"
    )
    at = report.created_at
    assert rules.urgent_unacknowledged(_ctx(cast, now=at + timedelta(minutes=14))) == []
    [c] = rules.urgent_unacknowledged(_ctx(cast, now=at + timedelta(minutes=16)))
    assert c.responsible_id == cast.users["principal"].pk and c.severity == "urgent"
    Report.objects.filter(pk=report.pk).update(acknowledged_at=at + timedelta(minutes=15))
    assert rules.urgent_unacknowledged(_ctx(cast, now=at + timedelta(minutes=16))) == []


@pytest.mark.django_db
def test_county_policy_overrides_the_default_threshold(cast: Cast) -> None:
    WarningPolicy.objects.create(unit=cast.city, thresholds={"student_named": {"min_mentions": 5}})
    WarningPolicy.objects.create(
        unit=cast.county, thresholds={"student_named": {"min_mentions": 3, "bogus": 1}}
    )
    assert services.thresholds_for(cast.school)["student_named"]["min_mentions"] == 3
    _two_talks_naming_xiaoyu(cast)
    assert rules.student_named(_ctx(cast)) == []


# --- idempotency and the unique live warning -----------------------------------------------------------


@pytest.mark.django_db
def test_evaluate_twice_creates_and_closes_nothing(cast: Cast) -> None:
    _two_talks_naming_xiaoyu(cast)
    Unit.objects.filter(kind=UnitKind.CLASS).update(created_at=timezone.now() - timedelta(days=400))
    services.evaluate_all(TODAY)
    before = list(Warning.objects.order_by("pk").values_list("pk", "status", "occurrences", "reasons"))
    notices = Notification.objects.count()
    result = services.evaluate_all(TODAY)
    assert result.created == 0 and result.merged == 0
    assert (
        list(Warning.objects.order_by("pk").values_list("pk", "status", "occurrences", "reasons")) == before
    )
    assert Notification.objects.count() == notices


@pytest.mark.django_db
def test_a_second_live_warning_for_the_same_subject_is_refused(cast: Cast) -> None:
    fields = dict(
        school=cast.school,
        unit_path=cast.class_a1.path,
        rule=Rule.STUDENT_NAMED,
        subject_type=SubjectType.STUDENT,
        subject_id=cast.student_a1.pk,
        subject_label="x",
    )
    Warning.objects.create(**fields, status=Status.DISMISSED)
    Warning.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Warning.objects.create(**fields)


@pytest.mark.django_db
def test_create_race_merges_into_the_winner(cast: Cast) -> None:
    _two_talks_naming_xiaoyu(cast)
    [cand] = rules.student_named(_ctx(cast))
    winner = services._create(cast.school, cand, timezone.now())
    assert winner is not None
    cand.evidence = [*cand.evidence, "talk:999"]
    assert services._create(cast.school, cand, timezone.now()) is None
    assert Warning.objects.get().occurrences == 2


@pytest.mark.django_db
def test_command_prints_counts(cast: Cast, capsys) -> None:  # noqa: ANN001
    _two_talks_naming_xiaoyu(cast)
    call_command("warnings", "evaluate", "--school", cast.school.code, "--date", TODAY.isoformat())
    out = capsys.readouterr().out
    assert "schools=1" in out and "created=" in out


# --- who sees what ---------------------------------------------------------------------------------


@pytest.fixture
def raised(cast: Cast) -> Warning:
    _two_talks_naming_xiaoyu(cast)
    services.evaluate(cast.school, TODAY)
    return Warning.objects.get(rule=Rule.STUDENT_NAMED)


@pytest.mark.django_db
def test_outsider_gets_404(cast: Cast, raised: Warning, login) -> None:  # noqa: ANN001
    client = login(cast.outsider)
    assert client.get(reverse("ledgers:warning", args=[raised.pk])).status_code == 404
    assert (
        client.post(reverse("ledgers:warning_do", args=[raised.pk]), {"action": "acknowledge"}).status_code
        == 404
    )
    response = client.post(
        f"{API}/{raised.pk}/actions", {"action": "acknowledge"}, content_type="application/json"
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get(API).json()["items"] == []


@pytest.mark.django_db
def test_teacher_of_another_class_does_not_see_it(cast: Cast, raised: Warning, login) -> None:  # noqa: ANN001
    other = cast.users["counsellor"]
    assert login(other).get(reverse("ledgers:warning", args=[raised.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"action": "explode"}, "unknown_action"),
        ({"action": "act", "note": "  "}, "note_required"),
        ({"action": "dismiss"}, "note_required"),
        ({"action": "act", "note": "x" * 2001}, "note_too_long"),
        ({"note": "x"}, "invalid_input"),
    ],
)
def test_bad_action_inputs_are_422_with_a_code(cast: Cast, raised: Warning, login, payload, code) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    response = client.post(f"{API}/{raised.pk}/actions", payload, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == code


@pytest.mark.django_db
def test_api_acknowledge_then_dismiss_then_conflict(cast: Cast, raised: Warning, login) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    url = f"{API}/{raised.pk}/actions"
    assert (
        client.post(url, {"action": "acknowledge"}, content_type="application/json").json()["status"]
        == "acknowledged"
    )
    body = client.post(
        url, {"action": "dismiss", "note": "已核实为正常玩闹"}, content_type="application/json"
    ).json()
    assert body["status"] == "dismissed" and body["close_note"] == "已核实为正常玩闹"
    again = client.post(url, {"action": "acknowledge"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"


@pytest.mark.django_db
def test_leaders_see_the_school_and_full_names(cast: Cast, raised: Warning, login) -> None:  # noqa: ANN001
    body = login(cast.users["principal"]).get(API).json()
    assert body["mode"] == "items"
    [item] = [i for i in body["items"] if i["id"] == raised.pk]
    assert item["subject"].startswith("李小雨")


@pytest.mark.django_db
def test_bureau_sees_counts_without_names(cast: Cast, raised: Warning, login) -> None:  # noqa: ANN001
    client = login(cast.users["county_admin"])
    body = client.get(API).json()
    assert body["mode"] == "counts" and body["items"] == []
    [row] = body["counts"]
    assert row["school_id"] == cast.school.pk and row["by_rule"]["student_named"] == 1
    page = client.get(reverse("ledgers:warnings")).content.decode()
    assert "实验中学" in page and "李" not in page.split("各校未处理预警数")[1]
    assert client.get(reverse("ledgers:warning", args=[raised.pk])).status_code == 404
    response = client.post(
        f"{API}/{raised.pk}/actions", {"action": "acknowledge"}, content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_list_page_for_the_class_teacher(cast: Cast, raised: Warning, login) -> None:  # noqa: ANN001
    page = login(cast.users["class_teacher"]).get(reverse("ledgers:warnings")).content.decode()
    assert "李小雨" in page and "2 次谈心谈话" in page


@pytest.mark.django_db
def test_risk_view_heat_grid(cast: Cast, login) -> None:  # noqa: ANN001
    from anxin.intake.models import Channel, Report

    for _ in range(3):
        Report.objects.create(
            school=cast.school,
            channel=Channel.BOX,
            text="t",
            place="dormitory",
            time_band="after_lights_out",
            fingerprint="r",
        )
    client = login(cast.users["principal"])
    page = client.get(reverse("ledgers:warnings_risk")).content.decode()
    assert 'class="heat-4">3<' in page
    assert login(cast.users["class_teacher"]).get(reverse("ledgers:warnings_risk")).status_code == 404
    assert login(cast.users["county_admin"]).get(reverse("ledgers:warnings_risk")).status_code == 200


@pytest.mark.django_db
def test_class_teacher_without_role_assignment_in_school_is_not_responsible(cast: Cast) -> None:
    # The role on another school's class never makes someone responsible here.
    org_services.role_assign(actor=None, user=cast.outsider, role=Role.CLASS_TEACHER, unit=cast.class_b1)
    _two_talks_naming_xiaoyu(cast)
    [c] = rules.student_named(_ctx(cast))
    assert c.responsible_id == cast.users["class_teacher"].pk
