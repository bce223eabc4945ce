"""The demo city's cases (``anxin demo``): the scenarios of SCENARIOS.md, in their states, consistent."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from anxin.audit.services import audit_verify
from anxin.cases import deadlines
from anxin.cases.models import (
    AlertStage,
    Case,
    DeadlineAlert,
    DeadlineKind,
    MeasureKind,
    PanelSeat,
    PartyRole,
    ReexamFinding,
)
from anxin.cases.selectors import access_case, bureau_cases, case_list
from anxin.cases.states import State
from anxin.core.errors import NotFound
from anxin.core.models import OutboundMessage
from anxin.demo.cases.scenarios import REPORT_HOTLINE, REPORT_LEI
from anxin.intake.models import Channel, PublicStatus
from anxin.intake.models import Status as ReportStatus
from anxin.intake.services import report_by_receipt
from anxin.intake.triage import triage
from anxin.org.models import CommitteeMember, Role, RoleAssignment, Unit, UnitKind, User

pytestmark = pytest.mark.django_db

#: One district of six schools: 城关第二中学 is the second (with five classes per grade).
SMALL: dict[str, Any] = {
    "no_ledgers": True,  # anxin/demo/tests covers the demo's ledgers
    "seed": 7,
    "districts": 1,
    "schools": 6,
    "classes_per_grade": 1,
    "students_per_class": 6,
}
RECEIPT = re.compile(r"回执码 ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})")


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def demo(**options: Any) -> str:
    """Load the small demo city; returns what it printed on stderr (its progress)."""
    err = StringIO()
    call_command("demo", **{**SMALL, **options}, stdout=StringIO(), stderr=err)
    return err.getvalue()


def junior() -> Unit:
    return Unit.objects.get(kind=UnitKind.SCHOOL, name="城关第二中学")


def user(role: str, unit: Unit) -> User:
    return RoleAssignment.objects.get(role=role, unit=unit).user


def case_titled(words: str) -> Case:
    return next(c for c in Case.objects.filter(school=junior()) if words in c.title)


def test_story_1_the_night_report_became_a_case_in_emergency_handling() -> None:
    printed = demo()
    case = case_titled("带刀")
    assert case.status == State.EMERGENCY and case.urgent is True
    report = case.report_links.get().report
    assert (report.channel, report.urgent, report.signals) == (Channel.BOX, True, ["weapon"])
    assert report.status == ReportStatus.ACCEPTED and report.reporter_name is None and report.contact is None
    local = timezone.localtime
    assert (local(report.created_at).strftime("%H:%M"), local(report.acknowledged_at).strftime("%H:%M")) == (
        "22:40",
        "22:47",
    )
    assert local(report.created_at).weekday() == 1  # a Tuesday
    assert report.acknowledged_by == user(Role.DUTY_STAFF, junior()) == case.owner
    target = case.parties.get(role=PartyRole.TARGET)
    assert target.name == "刘小磊" and target.klass.name == "初二(3)班"
    assert case.parties.filter(role=PartyRole.BULLY).count() == 2
    steps = case.events.get(data__steps__isnull=False).data["steps"]
    assert {"separation", "parents"} <= set(steps)
    assert case.guardian_contacts.count() >= 2
    # The receipt printed by the demo opens his report: "正在核实" and the school's message of next morning.
    receipt = RECEIPT.search(printed)
    assert receipt is not None
    assert report_by_receipt(receipt.group(1)).pk == report.pk
    assert report.public_status == PublicStatus.VERIFYING
    reply = report.messages.get()
    assert reply.sender == "school" and "心理" in reply.text
    assert local(reply.created_at).date() == local(report.created_at).date() + timedelta(days=1)


def test_story_3_the_committee_found_bullying_and_the_appeal_window_is_open() -> None:
    demo()
    case = case_titled("哭泣照片")
    assert case.status == State.DETERMINED
    assert case.opened_on == date(2026, 9, 24)
    assert case.parties.get(role=PartyRole.TARGET).klass.name == "初一(5)班"
    assert case.parties.filter(role=PartyRole.BULLY).count() == 2
    assert case.report_links.get().report.channel == Channel.HOTLINE
    # 10 working days under 城关区's policy, across the National Day holiday; reminded two working days before.
    investigation = case.deadlines.get(kind=DeadlineKind.INVESTIGATION)
    assert (investigation.unit, investigation.due_on, investigation.remind_on) == (
        "working",
        date(2026, 10, 15),
        date(2026, 10, 13),
    )
    reminder = DeadlineAlert.objects.get(deadline=investigation)
    assert reminder.stage == AlertStage.REMIND and timezone.localtime(reminder.sent_at).date() == date(
        2026, 10, 13
    )
    assert CommitteeMember.objects.filter(school=junior(), active=True).count() == 9
    finding = case.determinations.get()
    assert finding.meeting_on == date(2026, 10, 13)
    assert (finding.members_total, finding.members_present.count()) == (9, 7)
    assert (finding.is_bullying, sorted(finding.kinds), finding.gravity) == (
        True,
        ["cyber", "verbal"],
        "heavier",
    )
    kinds = set(case.measures.values_list("kind", flat=True))
    assert {
        MeasureKind.APOLOGY,
        MeasureKind.DISCIPLINE_HEAVIER,
        MeasureKind.CORRECTION,
        MeasureKind.COUNSELLING,
        MeasureKind.FAMILY_GUIDANCE,
    } <= kinds
    assert case.measures.get(kind=MeasureKind.COUNSELLING).sessions == 4
    assert set(case.measures.filter(kind=MeasureKind.CORRECTION).values_list("hours", flat=True)) == {8}
    appeal = case.deadlines.get(kind=DeadlineKind.APPEAL)
    assert appeal.starts_on == case.result_notified_on
    assert appeal.pending and appeal.due_on >= timezone.localdate()


def test_story_4_the_appeal_was_upheld_and_the_case_is_in_aftercare() -> None:
    demo()
    case = Case.objects.get(school=junior(), reexaminations__isnull=False)
    assert case.status == State.AFTERCARE
    rx = case.reexaminations.get()
    assert rx.finding == ReexamFinding.UPHOLD and rx.applicant.role == PartyRole.BULLY
    assert rx.applied_on == case.result_notified_on + timedelta(days=3)
    assert {seat["seat"] for seat in rx.panel} == {PanelSeat.SCHOOL, PanelSeat.PARENT, PanelSeat.EXPERT}
    other_school = next(seat["affiliation"] for seat in rx.panel if seat["seat"] == PanelSeat.SCHOOL)
    assert other_school and other_school != junior().name
    assert rx.decided_on <= case.deadlines.get(kind=DeadlineKind.REEXAMINATION).due_on
    assert rx.decided_by.assignments.get().role == Role.COUNTY_ADMIN
    assert case.visits.count() == 2 and all(v.stopped for v in case.visits.all())
    assert case.deadlines.get(kind=DeadlineKind.VISIT_3M).pending


def test_story_5_the_serious_case_is_reported_and_on_the_bureau_page() -> None:
    demo()
    case = case_titled("骨折")
    assert (case.status, case.gravity, case.serious) == (State.REFERRED, "serious", True)
    assert case.bureau_notified_at is not None and case.police_referred_on is not None
    assert case.parties.get(role=PartyRole.TARGET).klass.parent.name == "初三"
    assert case.parties.filter(role=PartyRole.BULLY).count() == 4
    county_admin = user(Role.COUNTY_ADMIN, junior().parent)
    assert case in bureau_cases(county_admin)["serious"]


def test_every_demo_case_has_consistent_deadlines_and_a_past_timeline() -> None:
    demo(districts=2)  # the spread's first five cases need two counties
    cases = list(Case.objects.select_related("policy"))
    assert len(cases) == 4 + 5
    now, today = timezone.now(), timezone.localdate()
    for case in cases:
        rules = case.policy.rules
        assert case.opened_on == timezone.localtime(case.opened_at).date() <= today, case.number
        first = case.deadlines.filter(kind=DeadlineKind.INVESTIGATION).order_by("pk").first()
        assert first is not None and first.starts_on == case.opened_on, case.number
        for d in case.deadlines.all():
            if d.unit == "fixed":
                assert d.due_on == d.starts_on + timedelta(days=d.days), (case.number, d.kind)
            else:
                expected = deadlines.compute(d.starts_on, d.days, d.unit, rules.get("remind_working_days", 2))
                assert (d.due_on, d.remind_on, d.calendar_gap) == expected, (case.number, d.kind)
                assert (d.days, d.unit) == (rules[d.kind]["days"], rules[d.kind]["unit"]), (
                    case.number,
                    d.kind,
                )
            if d.kind == DeadlineKind.APPEAL:
                assert d.starts_on == case.result_notified_on, case.number
            if d.met_at is not None:
                assert d.starts_on <= timezone.localtime(d.met_at).date() <= today, (case.number, d.kind)
            if not case.is_open:
                assert not d.pending, (case.number, d.kind)
        school_side = case.deadlines.filter(met_at__isnull=True, cancelled=False).exclude(
            kind=DeadlineKind.APPEAL
        )
        dues = [d.due_on for d in school_side if d.due_on is not None]
        assert case.next_due == (min(dues) if dues else None), case.number
        assert case.due_unknown is any(d.due_on is None or d.calendar_gap for d in school_side), case.number
        for event in case.events.all():
            assert case.opened_at <= event.at <= now, (case.number, event.title)
    # The lists have something to show: open and closed cases, some overdue.
    states = {c.status for c in cases}
    assert {State.CLOSED, State.INVESTIGATING, State.MEASURES, State.REEXAMINATION, State.PENDING} <= states
    assert case_list(User.objects.get(username="city_admin"), overdue=True).exists()
    assert audit_verify().ok


def test_demo_cases_stay_in_their_school() -> None:
    demo()
    story5 = case_titled("骨折")
    other_principal = user(Role.PRINCIPAL, Unit.objects.get(kind=UnitKind.SCHOOL, name="实验小学"))
    assert story5 not in case_list(other_principal)
    with pytest.raises(NotFound):
        access_case(other_principal, story5.pk)
    assert story5 in case_list(user(Role.PRINCIPAL, junior()))


def test_the_demo_reports_carry_what_the_triage_finds_in_their_text() -> None:
    for stored in (REPORT_LEI, REPORT_HOTLINE):
        found = triage(stored["text"])
        assert (found.kinds, found.signals, found.urgent, found.reasons) == (
            stored["triage_kinds"],
            stored["signals"],
            stored["urgent"],
            stored["triage_reasons"],
        )


def test_the_demo_sends_no_mail_or_text_to_its_invented_people(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        demo()
    assert Case.objects.exists()
    assert callbacks == [] and mail.outbox == [] and not OutboundMessage.objects.exists()


def test_a_demo_without_cases_can_be_reset_in_place() -> None:
    demo(no_cases=True)
    assert not Case.objects.exists()
    demo(no_cases=True, reset=True)
    assert not Case.objects.exists() and Unit.objects.filter(name="城关第二中学").exists()
