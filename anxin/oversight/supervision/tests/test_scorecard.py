from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from anxin.core.errors import Invalid
from anxin.intake.services import posters_printed
from anxin.ledgers.care.models import Talk
from anxin.ledgers.education.models import (
    ActivityType,
    ClassMeeting,
    DocKind,
    Document,
    DocumentVersion,
    EduActivity,
    SafetySession,
)
from anxin.ledgers.education.schooldays import due_between, term_of
from anxin.ledgers.hazards.models import Camera, Hazard, HazardStatus, KeyPlace
from anxin.org.models import CommitteeMember
from anxin.oversight.stats.services import rebuild as stats_rebuild
from anxin.oversight.supervision import scorecard
from anxin.oversight.supervision.models import ScorecardPolicy
from anxin.testing import SHANGHAI, Cast

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _today(clock) -> None:  # noqa: ANN001
    clock(TODAY)


def _build(cast: Cast) -> None:
    """School A keeps (most of) its records; school B keeps none."""
    school, principal = cast.school, cast.users["principal"]
    for role in ("chair", "legal_vp", "moral_director", "teacher"):  # no parent representative
        CommitteeMember.objects.create(school=school, name=f"委员{role}", committee_role=role)
    for kind in (DocKind.PLAN, DocKind.CONTACTS):
        doc = Document.objects.create(school=school, kind=kind)
        DocumentVersion.objects.create(document=doc, school=school, number=1, text="正文", author=principal)
    posters_printed(actor=principal, schools=[school], fmt="pdf")
    term = term_of(TODAY)
    for due in due_between(term.start, TODAY):  # class A1 every day, class A2 never
        SafetySession.objects.create(
            school=school, recorded_by=principal, klass=cast.class_a1, date=due.day, kind=due.kind
        )
    for n in range(2):
        ClassMeeting.objects.create(
            school=school,
            recorded_by=principal,
            klass=cast.class_a1,
            date=date(2026, 10, 10 + n),
            topic="防欺凌",
        )
    EduActivity.objects.create(
        school=school,
        recorded_by=principal,
        type=ActivityType.STAFF_TRAINING,
        date=date(2026, 10, 1),
        title="培训",
    )
    place = KeyPlace.objects.create(school=school, name="男厕", kind="toilet", responsible=principal)
    KeyPlace.objects.create(school=school, name="宿舍楼", kind="dormitory", responsible=principal)
    Camera.objects.create(school=school, place=place, name="C1")
    closed_at = datetime.combine(date(2026, 10, 5), time(10), tzinfo=SHANGHAI)
    Hazard.objects.create(
        school=school,
        recorded_by=principal,
        description="灯坏",
        status=HazardStatus.CLOSED,
        deadline=date(2026, 10, 6),
        rectified_at=closed_at,
        closed_at=closed_at + timedelta(days=2),
    )
    Hazard.objects.create(
        school=school,
        recorded_by=principal,
        description="门锁坏",
        status=HazardStatus.RECTIFYING,
        deadline=date(2026, 11, 1),
    )
    Talk.objects.create(
        school=school,
        recorded_by=principal,
        student=cast.student_a1,  # the cast's key-group pupil
        talked_on=date(2026, 10, 20),
        topic="emotion",
        content="谈话",
        mood="calm",
        peers="good",
    )


def test_each_item_is_computed_from_the_records(cast: Cast) -> None:
    _build(cast)
    stats_rebuild(term_of(TODAY).start, TODAY)
    card = scorecard.compute(cast.school, TODAY)
    got = {i.key: (i.due, i.done) for i in card.items}
    assert got["committee"] == (5, 4)
    assert "家长代表" in card.item("committee").detail
    assert got["published"] == (3, 3)
    assert got["safety_1530"] == (2 * 20, 20)  # the last 20 school days, class A2 silent
    assert got["meetings"] == (2, 1)
    assert got["trainings"] == (3, 1)
    assert got["hazards"] == (2, 1)
    assert got["cameras"] == (2, 1)
    assert got["talks"] == (1, 1)
    assert got["cases"] == (0, 0) and card.item("cases").status == "none"
    assert card.item("talks").status == "meets" and card.item("trainings").status == "fails"
    assert all(i.evidence for i in card.items)
    assert card.total is not None and 0 < card.total < 100


def test_1530_and_patrol_items_follow_the_hourly_count_not_a_rescan(cast: Cast) -> None:
    _build(cast)
    before = scorecard.compute(cast.school, TODAY).item("safety_1530")
    assert (before.due, before.done, before.status) == (0, 0, "none")  # not counted yet
    stats_rebuild(term_of(TODAY).start, TODAY)
    after = scorecard.compute(cast.school, TODAY).item("safety_1530")
    assert (after.due, after.done, after.status) == (40, 20, "fails")


def test_a_city_of_schools_costs_the_same_queries_as_one(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _build(cast)
    stats_rebuild(term_of(TODAY).start, TODAY)
    schools = [cast.school, cast.school_b, cast.school_c]
    alone = type(cast.school).objects.get(pk=cast.school.pk)
    with CaptureQueriesContext(connection) as one:
        scorecard.ranked([alone], TODAY)
    fresh = list(type(cast.school).objects.filter(pk__in=[s.pk for s in schools]))  # parents not loaded
    with CaptureQueriesContext(connection) as three:
        cards = scorecard.ranked(fresh, TODAY)
    assert len(three.captured_queries) == len(one.captured_queries) < 20
    assert {c.school for c in cards} == set(schools)
    assert cards[0].school == cast.school and cards[0].item("safety_1530").done == 20


def test_a_school_without_records_needs_attention_and_ranks_last(cast: Cast) -> None:
    _build(cast)
    cards = scorecard.ranked([cast.school_b, cast.school], TODAY)
    assert [c.school for c in cards] == [cast.school, cast.school_b]
    assert cards[1].attention and cards[1].rank == 2
    published = cards[1].item("published")
    assert published.done == 0 and "海报" in published.detail


def test_county_policy_versions_take_effect_from_their_date(cast: Cast) -> None:
    admin = cast.users["county_admin"]
    scorecard.policy_set(
        actor=admin, unit=cast.county, rules={"attention_below": 10}, effective_from=date(2026, 9, 1)
    )
    scorecard.policy_set(
        actor=admin, unit=cast.county, rules={"attention_below": 99}, effective_from=date(2027, 1, 1)
    )
    assert scorecard.policy_for(cast.school, TODAY).rules["attention_below"] == 10
    assert scorecard.policy_for(cast.school, date(2027, 1, 5)).rules["attention_below"] == 99
    assert scorecard.policy_for(cast.school_c, TODAY).policy is None  # the other county: defaults
    assert ScorecardPolicy.objects.filter(unit=cast.county).count() == 2


@pytest.mark.parametrize(
    "rules",
    [
        "x",
        {"weights": {"nope": 3}},
        {"weights": {"committee": -1}},
        {"pass_percent": 50, "partial_percent": 70},
        {"attention_failures": 0},
        {"committee_roles": ["king"]},
        {"whatever": 1},
    ],
)
def test_bad_policy_is_refused(cast: Cast, rules: object) -> None:
    with pytest.raises(Invalid) as exc:
        scorecard.policy_set(
            actor=cast.users["county_admin"], unit=cast.county, rules=rules, effective_from=None
        )
    assert exc.value.code == "scorecard_policy_invalid"
    assert not ScorecardPolicy.objects.exists()


def test_a_school_cannot_set_policy(cast: Cast) -> None:
    from anxin.core.errors import NotFound

    with pytest.raises(NotFound):
        scorecard.policy_set(actor=cast.users["principal"], unit=cast.county, rules={}, effective_from=None)


def test_scorecard_pages_by_role(cast: Cast, client: Client) -> None:
    _build(cast)
    client.force_login(cast.users["county_admin"])
    page = client.get("/oversight/supervision/scorecard/").content.decode()
    assert page.count('data-testid="card-row"') == 2  # the county's two schools
    assert cast.school_c.name not in page
    assert 'data-testid="attention-school"' in page
    detail = client.get(f"/oversight/supervision/scorecard/{cast.school.pk}/").content.decode()
    assert detail.count('data-testid="item"') == len(scorecard.ITEMS)
    assert 'data-testid="issue-order"' in detail
    assert client.get(f"/oversight/supervision/scorecard/{cast.school_c.pk}/").status_code == 404
    assert client.get("/oversight/supervision/scorecard/?term=garbage").status_code == 400
    assert client.get(f"/oversight/supervision/scorecard/{cast.school.pk}/?term=2026-9").status_code == 400
    client.force_login(cast.users["city_admin"])
    assert (
        client.get("/oversight/supervision/scorecard/").content.decode().count('data-testid="card-row"') == 3
    )
    client.force_login(cast.users["principal"])
    response = client.get("/oversight/supervision/scorecard/")
    assert response.status_code == 302 and response["Location"].endswith(f"/scorecard/{cast.school.pk}/")
    assert client.get(f"/oversight/supervision/scorecard/{cast.school_b.pk}/").status_code == 404
    client.force_login(cast.users["class_teacher"])
    assert client.get("/oversight/supervision/scorecard/").status_code == 404


def test_terms_parse(cast: Cast) -> None:
    assert scorecard.parse_term("2026-1", TODAY).start == date(2026, 8, 1)
    assert scorecard.parse_term("2025-2", TODAY).start == date(2026, 2, 1)
    assert scorecard.term_code(term_of(TODAY)) == "2026-1"
    assert timezone.localdate() == TODAY
    with pytest.raises(Invalid):
        scorecard.parse_term("1999-1", TODAY)
    assert term_of(TODAY - timedelta(days=200)).start == date(2026, 2, 1)


def _policy_post(cast: Cast, **over: object) -> dict:
    data = {
        "unit": cast.county.pk,
        "effective_from": TODAY.isoformat(),
        "pass_percent": 85,
        "partial_percent": 50,
        "attention_below": 65,
        "attention_failures": 3,
        "patrol_days": 28,
        "safety_school_days": 10,
        **{f"weight_{k}": 10 for k in scorecard.ITEMS},
    }
    data.update(over)
    return data


def test_the_policy_page_saves_versions_and_refuses_bad_rules(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["county_admin"])
    assert client.get("/oversight/supervision/scorecard/policy/").status_code == 200
    assert client.post("/oversight/supervision/scorecard/policy/", _policy_post(cast)).status_code == 302
    policy = ScorecardPolicy.objects.get()
    assert policy.rules["safety_school_days"] == 10 and policy.rules["weights"]["cases"] == 10
    bad = client.post("/oversight/supervision/scorecard/policy/", _policy_post(cast, pass_percent=40))
    assert bad.status_code == 422 and "基本符合的标准不能高于符合的标准" in bad.content.decode()
    bad = client.post("/oversight/supervision/scorecard/policy/", _policy_post(cast, unit=cast.county2.pk))
    assert bad.status_code == 422
    bad = client.post("/oversight/supervision/scorecard/policy/", _policy_post(cast, weight_cases="lots"))
    assert bad.status_code == 422
    assert ScorecardPolicy.objects.count() == 1
    client.force_login(cast.users["principal"])
    assert client.get("/oversight/supervision/scorecard/policy/").status_code == 404


def test_the_survey_item_counts_answers_against_the_roll_and_spares_schools_never_asked(cast: Cast) -> None:
    from anxin.org.models import Student
    from anxin.surveys.tests.helpers import answers_in, open_campaign

    item = scorecard.compute(cast.school, TODAY).item("survey")
    assert (item.due, item.status) == (0, "none") and "未组织" in item.detail
    campaign = open_campaign(cast, starts_on=TODAY - timedelta(days=3), ends_on=TODAY + timedelta(days=7))
    roll = Student.objects.filter(school=cast.school, is_active=True).count()
    silent = scorecard.compute(cast.school, TODAY).item("survey")
    assert (silent.due, silent.done, silent.status) == (roll, 0, "fails")
    answers_in(campaign, cast.class_a1, roll)
    card = scorecard.compute(cast.school, TODAY)
    assert (card.item("survey").done, card.item("survey").status) == (roll, "meets")
    assert campaign.title in card.item("survey").detail
    other = scorecard.compute(cast.school_c, TODAY).item("survey")  # another county's campaign: not asked
    assert other.status == "none"


def test_the_list_of_many_schools_is_kept_ten_minutes_and_a_new_policy_recomputes_it(cast: Cast) -> None:
    schools = [cast.school, cast.school_b]
    first = scorecard.ranked_cached(schools, TODAY)
    committee = next(c for c in first if c.school == cast.school).item("committee")
    CommitteeMember.objects.create(school=cast.school, name="新委员", committee_role="chair")
    again = scorecard.ranked_cached(schools, TODAY)
    assert next(c for c in again if c.school == cast.school).item("committee").done == committee.done
    assert scorecard.compute(cast.school, TODAY).item("committee").done == committee.done + 1  # live
    scorecard.policy_set(actor=cast.users["county_admin"], unit=cast.county, rules={}, effective_from=TODAY)
    fresh = scorecard.ranked_cached(schools, TODAY)
    assert next(c for c in fresh if c.school == cast.school).item("committee").done == committee.done + 1
