"""The transition table: every illegal move from every state, who may take what, concurrency, privacy."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from anxin.core.errors import Conflict, Forbidden, Invalid, NotFound
from anxin.core.models import Notification
from anxin.testing import Cast, frozen_time

from ..models import Case, DeadlineKind, PartyRole, Reexamination
from ..permissions import sees_identities
from ..selectors import actions_for
from ..services import case_act
from ..states import State
from ..workflow import STEPS, TABLE
from .helpers import committee, county_admin, determine_data, lead, open_case, walk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", [s.value for s in State])
def test_every_illegal_action_from_this_state_is_a_409(cast: Cast, state: str) -> None:
    case = open_case(cast)
    Case.objects.filter(pk=case.pk).update(status=state)
    case.refresh_from_db()
    illegal = [step for step in TABLE if state not in step.sources]
    assert illegal or state == State.ACCEPTED
    for step in illegal:
        actor = county_admin(cast) if step.permission == "bureau" else cast.users["principal"]
        with pytest.raises(Conflict) as e:
            case_act(actor=actor, case=case, action=step.name, data={})
        assert e.value.code == "transition_not_allowed", step.name
        assert Case.objects.get(pk=case.pk).status == state


def test_unknown_action_names_the_known_ones(cast: Cast) -> None:
    case = open_case(cast)
    with pytest.raises(Invalid) as e:
        case_act(actor=lead(cast), case=case, action="teleport", data={})
    assert e.value.code == "unknown_action"
    assert "determine" in e.value.detail["action"]


def test_every_state_but_closed_has_a_way_forward() -> None:
    sources = {s for step in TABLE if step.moves for s in step.sources}
    assert sources == {s.value for s in State} - {State.CLOSED}


def test_class_teacher_may_not_determine_nor_see_unrelated_case(cast: Cast) -> None:
    case = walk(cast, "accepted")
    teacher = cast.users["class_teacher"]
    with pytest.raises(NotFound):
        case_act(actor=teacher, case=case, action="investigate", data={})


def test_class_teacher_of_a_party_sees_the_case_but_may_not_determine(cast: Cast) -> None:
    case = walk(cast, "pending")  # student_a1 (class A1) is the target
    teacher = cast.users["class_teacher"]
    assert case.watchers.filter(pk=teacher.pk).exists()
    assert "determine" not in [s.name for s in actions_for(teacher, case)]
    with pytest.raises(Forbidden):
        case_act(actor=teacher, case=case, action="determine", data=determine_data(cast))
    assert sees_identities(teacher, case) is True


def test_principal_is_offered_determine_on_a_pending_case(cast: Cast) -> None:
    case = walk(cast, "pending")
    names = [s.name for s in actions_for(cast.users["principal"], case)]
    assert "determine" in names and "refer_police" in names
    assert "close" not in names


def test_identities_only_for_those_whose_duty_needs_them(cast: Cast) -> None:
    case = walk(cast, "investigating")
    from .helpers import add_parties

    add_parties(cast, case)
    assert sees_identities(cast.users["principal"], case) is True
    assert sees_identities(cast.users["psych_teacher"], case) is True
    assert sees_identities(lead(cast), case) is True  # the owner
    assert sees_identities(cast.users["safety_officer"], case) is False
    assert sees_identities(cast.users["vice_principal"], case) is False
    assert sees_identities(county_admin(cast), case) is False  # not serious
    assert sees_identities(cast.outsider, case) is False
    committee(cast)  # the moral director is a member, but also the owner here; the vice principal joins:
    from anxin.org.models import CommitteeMember

    CommitteeMember.objects.create(
        school=cast.school, user=cast.users["vice_principal"], name="副校长", committee_role="safety_vp"
    )
    assert sees_identities(cast.users["vice_principal"], case) is True


def test_serious_finding_tells_the_county_bureau_at_once(cast: Cast) -> None:
    case = walk(cast, "determined", gravity="serious")
    assert case.serious is True and case.bureau_notified_at is not None
    assert Notification.objects.filter(
        user=county_admin(cast), urgent=True, url__contains=f"/cases/{case.pk}/"
    ).exists()
    assert sees_identities(county_admin(cast), case) is True
    assert "bureau_acknowledge" in [s.name for s in actions_for(county_admin(cast), case)]


def test_a_serious_case_cannot_close_unless_the_bureau_was_notified(cast: Cast) -> None:
    case = walk(cast, "determined", gravity="serious")
    Case.objects.filter(pk=case.pk).update(status=State.AFTERCARE, bureau_notified_at=None)
    case.refresh_from_db()
    with pytest.raises(Conflict) as e:
        case_act(actor=cast.users["principal"], case=case, action="close", data={"summary": "已处理完毕"})
    assert e.value.code == "case_not_ready"
    assert "bureau" in e.value.detail


def test_police_referral_notifies_the_bureau_and_marks_serious(cast: Cast) -> None:
    case = walk(cast, "investigating")
    case = case_act(
        actor=cast.users["principal"],
        case=case,
        action="refer_police",
        data={"referred_on": timezone.localdate().isoformat(), "agency": "城关派出所"},
    )
    assert case.status == State.REFERRED and case.serious and case.bureau_notified_at
    assert case.deadlines.get(kind=DeadlineKind.INVESTIGATION).met_at is not None


def test_appeal_upheld_returns_the_case_to_the_school(cast: Cast) -> None:
    case = walk(cast, "notified")
    bully = case.parties.get(role=PartyRole.BULLY)
    case = case_act(
        actor=lead(cast),
        case=case,
        action="apply_reexam",
        data={
            "applicant": bully.pk,
            "applied_on": timezone.localdate().isoformat(),
            "reason": "认为只是开玩笑",
        },
    )
    assert case.status == State.REEXAMINATION
    assert case.deadlines.get(kind=DeadlineKind.REEXAMINATION).due_on is not None
    admin = county_admin(cast)
    with pytest.raises(Conflict) as e:  # no panel yet
        case_act(
            actor=admin,
            case=case,
            action="decide_reexam",
            data={"finding": "uphold", "decided_on": timezone.localdate().isoformat(), "note": "维持原认定"},
        )
    assert e.value.code == "case_not_ready"
    with pytest.raises(Forbidden):  # the school cannot decide its own appeal
        case_act(actor=cast.users["principal"], case=case, action="assign_panel", data={})
    case = case_act(
        actor=admin,
        case=case,
        action="assign_panel",
        data={"school_member": "外校代表", "parent_member": "家长代表", "expert_member": "律师"},
    )
    case = case_act(
        actor=admin,
        case=case,
        action="decide_reexam",
        data={
            "finding": "uphold",
            "decided_on": timezone.localdate().isoformat(),
            "note": "事实清楚，维持原认定",
        },
    )
    assert case.status == State.DETERMINED
    rx = Reexamination.objects.get(case=case)
    assert rx.finding == "uphold" and len(rx.panel) == 3
    assert case.deadlines.get(kind=DeadlineKind.REEXAMINATION).met_at is not None


@pytest.mark.parametrize("stage", ["measures", "aftercare"])
def test_the_appeal_right_lasts_the_whole_window_whatever_the_school_has_done_since(
    cast: Cast, stage: str
) -> None:
    case = walk(cast, stage)
    assert case.deadlines.get(kind=DeadlineKind.APPEAL).met_at is None
    assert "apply_reexam" in [s.name for s in actions_for(lead(cast), case)]
    bully = case.parties.get(role=PartyRole.BULLY)
    case = case_act(
        actor=lead(cast),
        case=case,
        action="apply_reexam",
        data={
            "applicant": bully.pk,
            "applied_on": timezone.localdate().isoformat(),
            "reason": "不服认定结果",
        },
    )
    assert case.status == State.REEXAMINATION
    admin = county_admin(cast)
    case = case_act(
        actor=admin,
        case=case,
        action="assign_panel",
        data={"school_member": "外校代表", "parent_member": "家长代表", "expert_member": "律师"},
    )
    case = case_act(
        actor=admin,
        case=case,
        action="decide_reexam",
        data={"finding": "uphold", "decided_on": timezone.localdate().isoformat(), "note": "维持原认定"},
    )
    # Upheld: the case goes back to where the school had taken it.
    assert case.status == stage


def test_no_appeal_when_the_police_took_the_case_before_any_finding(cast: Cast) -> None:
    referred = walk(cast, "investigating")
    referred = case_act(
        actor=cast.users["principal"],
        case=referred,
        action="refer_police",
        data={"referred_on": timezone.localdate().isoformat(), "agency": "城关派出所"},
    )
    assert "apply_reexam" not in [s.name for s in actions_for(lead(cast), referred)]
    with pytest.raises(Conflict) as e:
        case_act(
            actor=lead(cast),
            case=referred,
            action="apply_reexam",
            data={"applicant": 1, "applied_on": timezone.localdate().isoformat(), "reason": "不服"},
        )
    assert e.value.code == "transition_not_allowed"


def test_appeal_after_the_window_is_refused(cast: Cast) -> None:
    case = walk(cast, "notified")
    bully = case.parties.get(role=PartyRole.BULLY)
    due = case.deadlines.get(kind=DeadlineKind.APPEAL).due_on
    with frozen_time(due + timedelta(days=3)):
        with pytest.raises(Invalid) as e:
            case_act(
                actor=lead(cast),
                case=case,
                action="apply_reexam",
                data={
                    "applicant": bully.pk,
                    "applied_on": timezone.localdate().isoformat(),
                    "reason": "不服认定结果",
                },
            )
    assert e.value.code == "appeal_late"
    assert Case.objects.get(pk=case.pk).status == State.DETERMINED


def test_full_procedure_closes_after_the_visits_and_the_appeal_window(cast: Cast) -> None:
    case = walk(cast, "aftercare")
    with pytest.raises(Conflict) as e:
        case_act(actor=cast.users["principal"], case=case, action="close", data={"summary": "处理完毕"})
    assert set(e.value.detail) >= {"visits", "appeal"}
    for kind in ("visit_1w", "visit_1m", "visit_3m"):
        case = case_act(
            actor=lead(cast),
            case=case,
            action="record_visit",
            data={
                "visit": kind,
                "visited_on": timezone.localdate().isoformat(),
                "stopped": "yes",
                "note": "情况稳定",
            },
        )
    with frozen_time(timezone.now() + timedelta(days=20)):
        case = case_act(
            actor=cast.users["principal"], case=case, action="close", data={"summary": "处理完毕，结案"}
        )
    assert case.status == State.CLOSED and case.closed_at is not None
    assert not case.deadlines.filter(met_at__isnull=True, cancelled=False).exists()


def test_case_text_and_identities_are_encrypted_at_rest(cast: Cast) -> None:
    case = walk(cast, "pending")
    with connection.cursor() as cur:
        cur.execute("SELECT title, narrative FROM cases_case WHERE id = %s", [case.pk])
        title, narrative = cur.fetchone()
        cur.execute("SELECT name FROM cases_party WHERE case_id = %s", [case.pk])
        names = [r[0] for r in cur.fetchall()]
    assert "宿舍" not in title and "室友" not in narrative
    assert cast.student_a1.name not in " ".join(names)
    assert Case.objects.get(pk=case.pk).title == "宿舍同学夜间殴打"


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_same_transition_at_once_one_wins(cast_tx: Cast) -> None:
    cast = cast_tx
    case = walk(cast, "pending")
    data = determine_data(cast)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def act(user_key: str) -> None:
        try:
            barrier.wait()
            case_act(
                actor=cast.users[user_key], case=Case.objects.get(pk=case.pk), action="determine", data=data
            )
            results.append("ok")
        except Conflict as e:
            results.append(e.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(k,)) for k in ("principal", "moral_director")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "transition_not_allowed"]
    case.refresh_from_db()
    assert case.status == State.DETERMINED
    assert case.determinations.count() == 1
    assert case.events.filter(kind="transition", data__action="determine").count() == 1


def test_table_names_a_handler_and_form_for_every_action() -> None:
    from ..forms import FORMS
    from ..services import HANDLERS

    assert set(FORMS) == set(STEPS) == set(HANDLERS)


def test_key_rotation_reencrypts_case_text_and_determinations(cast: Cast, settings) -> None:  # noqa: ANN001
    from django.core.management import call_command

    from anxin.core.crypto import UndecryptableError, reset_field_keys

    old, new = "old-key-" + "a" * 40, "new-key-" + "b" * 40
    cast_keys = list(settings.FIELD_ENCRYPTION_KEYS)  # the cast's guardians and key-group reasons
    settings.FIELD_ENCRYPTION_KEYS = [old]
    reset_field_keys()
    try:
        case = walk(cast, "determined")
        settings.FIELD_ENCRYPTION_KEYS = [new, old, *cast_keys]
        reset_field_keys()
        call_command("rotate_keys", stdout=__import__("io").StringIO())
        settings.FIELD_ENCRYPTION_KEYS = [new]
        reset_field_keys()
        det = Case.objects.get(pk=case.pk).determinations.get()
        assert det.criteria["intent"]["answer"] == "yes"
        assert case.parties.get(role=PartyRole.TARGET).name == cast.student_a1.name
        settings.FIELD_ENCRYPTION_KEYS = [old]
        reset_field_keys()
        with pytest.raises(UndecryptableError):
            Case.objects.get(pk=case.pk).determinations.get()
    finally:
        reset_field_keys()


def test_names_in_free_text_are_masked_for_those_who_may_not_see_them(cast: Cast) -> None:
    from ..selectors import case_detail

    case = walk(cast, "investigating")
    from .helpers import add_parties

    add_parties(cast, case)
    full, given = cast.student_a2.name, cast.student_a2.name[1:]
    case = case_act(
        actor=lead(cast), case=case, action="add_note", data={"text": f"询问了{full}，{given}承认起外号。"}
    )
    officer = case_detail(cast.users["safety_officer"], case)
    texts = " ".join(e.body or "" for e in officer["events"])
    assert full not in texts and given not in texts
    assert cast.student_a2.masked_name in texts
    principal = case_detail(cast.users["principal"], case)
    assert f"询问了{full}" in " ".join(e.body or "" for e in principal["events"])
    stored = [e.body or "" for e in Case.objects.get(pk=case.pk).events.all()]
    assert any(f"询问了{full}" in body for body in stored)  # the masking never reaches the database
