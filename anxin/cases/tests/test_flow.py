"""The procedure end to end at the service level, and the refusals along the way."""

from __future__ import annotations

import pytest

from anxin.core.errors import Conflict, Invalid, NotFound
from anxin.testing import Cast

from ..models import Case, DeadlineKind
from ..services import case_act
from .helpers import determine_data, lead, open_case, walk

pytestmark = pytest.mark.django_db


def test_a_case_walks_to_aftercare_with_its_deadlines(cast: Cast) -> None:
    case = walk(cast, "aftercare")
    assert case.status == "aftercare"
    kinds = set(case.deadlines.values_list("kind", flat=True))
    assert {
        DeadlineKind.INVESTIGATION,
        DeadlineKind.APPEAL,
        DeadlineKind.MEASURE,
        DeadlineKind.VISIT_1W,
        DeadlineKind.VISIT_1M,
        DeadlineKind.VISIT_3M,
    } <= kinds
    assert case.deadlines.get(kind=DeadlineKind.INVESTIGATION).met_at is not None
    assert case.is_bullying is True and case.gravity == "heavier"


def test_determining_without_quorum_names_the_field(cast: Cast) -> None:
    case = walk(cast, "pending")
    with pytest.raises(Invalid) as e:
        case_act(
            actor=cast.users["principal"], case=case, action="determine", data=determine_data(cast, present=4)
        )
    assert e.value.code == "quorum_not_met"
    assert Case.objects.get(pk=case.pk).status == "pending"


def test_missing_inputs_are_each_named(cast: Cast) -> None:
    case = walk(cast, "pending")
    with pytest.raises(Invalid) as e:
        case_act(actor=cast.users["principal"], case=case, action="determine", data={"is_bullying": "yes"})
    assert e.value.code == "missing_inputs"
    for field in (
        "meeting_on",
        "members_present",
        "intent_answer",
        "harm_evidence",
        "kinds",
        "gravity",
        "parents_participation",
    ):
        assert field in e.value.detail, field


def test_illegal_move_is_a_conflict(cast: Cast) -> None:
    case = open_case(cast)
    with pytest.raises(Conflict) as e:
        case_act(actor=lead(cast), case=case, action="close", data={"summary": "结案说明"})
    assert e.value.code == "transition_not_allowed"


def test_teacher_of_other_school_gets_not_found(cast: Cast) -> None:
    case = open_case(cast)
    with pytest.raises(NotFound):
        case_act(actor=cast.outsider, case=case, action="investigate", data={})


def test_a_report_accepted_in_the_queue_can_still_become_a_case(cast: Cast) -> None:
    from anxin.intake.models import Channel
    from anxin.intake.services import report_accept, report_record

    from ..services import case_open

    report = report_record(
        actor=lead(cast),
        school=cast.school,
        channel=Channel.HOTLINE,
        text="妈妈来电：孩子被同学叫外号，照片被发到班级群。",
    ).report
    report_accept(actor=lead(cast), report=report)
    case = case_open(
        actor=lead(cast), school=cast.school, data={"title": "外号与班级群照片"}, reports=[report]
    )
    assert case.report_links.get().report_id == report.pk
    with pytest.raises(Conflict) as e:  # but never into two cases
        case_open(actor=lead(cast), school=cast.school, data={"title": "再次立案"}, reports=[report])
    assert e.value.code == "report_not_open"
