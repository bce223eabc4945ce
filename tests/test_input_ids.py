"""Every id taken from input is checked against the caller's scope (issue 9, item 2).

One case per input field that names a student, a person, a class, a school, a report or a case:
an insider of school A posts an id from school B (or another county, or another city), or a
lower-privileged insider of school A posts an id of A they may not see. Each gets a 404 or a 422
with a Chinese message, and nothing is stored. The party of a case has its own module
(anxin/cases/tests/test_party_scope.py); the gate's look-up is in anxin/ledgers/gate/tests.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from anxin.cases.models import Case, Measure, Party
from anxin.cases.services import case_act, case_open
from anxin.intake import services as intake
from anxin.intake.models import Report
from anxin.ledgers.care.models import CarePlan, Talk, WatchEntry
from anxin.ledgers.education.models import ClassMeeting, EduActivity, SafetySession
from anxin.ledgers.gate.models import DangerousItem, StudentExit, Visitor
from anxin.ledgers.hazards import services as hazards
from anxin.ledgers.hazards.models import Camera, FootageReview, Hazard, KeyPlace, Screening
from anxin.org.models import RoleAssignment, Student
from anxin.testing import Cast

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TODAY = lambda: timezone.localdate().isoformat()  # noqa: E731


@dataclass
class Field:
    """One input field: who posts, what, where, and which table must stay unchanged."""

    name: str
    role: str  # a key of cast.users, or "outsider"
    method: str  # "api" (JSON) or "page" (form post)
    url: Callable[[Cast, dict[str, Any]], str]
    body: Callable[[Cast, dict[str, Any]], dict[str, Any]]
    stored: type[Model]

    def __str__(self) -> str:
        return self.name


def _case(cast: Cast) -> Case:
    return case_open(
        actor=cast.users["moral_director"], school=cast.school, data={"title": "课间推搡并起绰号"}
    )


class _Lazy(dict):
    """Records built on first use: each field needs only a few of them."""

    def __init__(self, cast: Cast, makers: dict[str, Callable[[], Any]]) -> None:
        super().__init__()
        self.makers = makers

    def __missing__(self, key: str) -> Any:
        self[key] = value = self.makers[key]()
        return value


def _world(cast: Cast) -> dict[str, Any]:
    """School B's and A's records whose ids the tests post."""
    from anxin.cases.tests.helpers import walk

    return _Lazy(
        cast,
        {
            "case_measures": lambda: walk(cast, "notified"),
            **{
                k: (lambda k=k: _records(cast)[k])
                for k in (
                    "report_a",
                    "report_b",
                    "case_a",
                    "case_other",
                    "party_other",
                    "visitor_b",
                    "place_a",
                    "place_b",
                    "camera_b",
                    "hazard_a",
                )
            },
        },
    )


_RECORDS: dict[int, dict[str, Any]] = {}


def _records(cast: Cast) -> dict[str, Any]:
    if id(cast) in _RECORDS:
        return _RECORDS[id(cast)]
    _RECORDS.clear()
    report_b = intake.report_submit(
        school_code=cast.school_b.code, text="有人在厕所打我，说明天还要打。"
    ).report
    report_a = intake.report_submit(school_code=cast.school.code, text="同桌天天骂我，还拿我的钱。").report
    case_a = _case(cast)
    case_other = _case(cast)
    case_act(actor=cast.users["moral_director"], case=case_other, action="investigate", data={})
    case_act(
        actor=cast.users["moral_director"],
        case=case_other,
        action="add_party",
        data={"role": "target", "student": cast.student_a2.pk},
    )
    visitor_b = Visitor.objects.create(
        school=cast.school_b,
        name="外校来访",
        id_last4="1234",
        reason="x",
        recorded_by=cast.outsider,
        time_in=timezone.now(),
    )
    place_a = hazards.place_create(
        actor=None,
        school=cast.school,
        name="东楼厕所",
        kind="toilet",
        responsible_id=cast.users["safety_officer"].pk,
    )
    place_b = hazards.place_create(
        actor=None, school=cast.school_b, name="操场角落", kind="other", responsible_id=cast.outsider.pk
    )
    camera_b = hazards.camera_create(actor=None, school=cast.school_b, place_id=place_b.pk, name="B1")
    hazard_a = hazards.hazard_report(
        actor=cast.users["safety_officer"], school=cast.school, client_key=None, description="楼梯灯坏了"
    ).entry
    _RECORDS[id(cast)] = {
        "report_a": report_a,
        "report_b": report_b,
        "case_a": case_a,
        "case_other": case_other,
        "party_other": case_other.parties.get(),
        "visitor_b": visitor_b,
        "place_a": place_a,
        "place_b": place_b,
        "camera_b": camera_b,
        "hazard_a": hazard_a,
    }
    return _RECORDS[id(cast)]


FIELDS = [
    # --- cases ---
    Field(
        "case open: school",
        "moral_director",
        "api",
        lambda c, w: "/api/cases",
        lambda c, w: {"school": c.school_b.pk, "title": "外校案件标题"},
        Case,
    ),
    Field(
        "case open: owner",
        "moral_director",
        "api",
        lambda c, w: "/api/cases",
        lambda c, w: {"school": c.school.pk, "title": "指定外校经办人", "owner": c.outsider.pk},
        Case,
    ),
    Field(
        "case open: reports",
        "moral_director",
        "api",
        lambda c, w: "/api/cases",
        lambda c, w: {"school": c.school.pk, "title": "据外校举报立案", "reports": [w["report_b"].pk]},
        Case,
    ),
    Field(
        "case reassign: owner",
        "moral_director",
        "api",
        lambda c, w: f"/api/cases/{w['case_a'].pk}/transitions",
        lambda c, w: {"action": "reassign", "owner": c.outsider.pk},
        Case,
    ),
    Field(
        "case add_measure: owner",
        "moral_director",
        "api",
        lambda c, w: f"/api/cases/{w['case_measures'].pk}/transitions",
        lambda c, w: {
            "action": "add_measure",
            "kind": "criticism",
            "detail": "批评教育",
            "owner": c.outsider.pk,
            "due_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
        },
        Measure,
    ),
    Field(
        "case contact_guardian: party of another case",
        "moral_director",
        "api",
        lambda c, w: f"/api/cases/{w['case_a'].pk}/transitions",
        lambda c, w: {
            "action": "contact_guardian",
            "party": w["party_other"].pk,
            "guardian_name": "家长",
            "relation": "母亲",
            "contacted_at": timezone.now().isoformat(),
            "method": "phone",
            "said": "已告知",
        },
        Party,
    ),
    # --- intake ---
    Field(
        "intake record: school",
        "moral_director",
        "api",
        lambda c, w: "/api/intake/queue",
        lambda c, w: {"school": c.school_b.pk, "channel": "hotline", "text": "电话反映有学生被欺负。"},
        Report,
    ),
    Field(
        "intake assign: owner",
        "moral_director",
        "api",
        lambda c, w: f"/api/intake/queue/{w['report_a'].pk}/actions",
        lambda c, w: {"action": "assign", "owner": c.outsider.pk},
        Report,
    ),
    Field(
        "intake merge: into",
        "moral_director",
        "api",
        lambda c, w: f"/api/intake/queue/{w['report_a'].pk}/actions",
        lambda c, w: {"action": "merge", "into": w["report_b"].pk},
        Report,
    ),
    # --- care ---
    Field(
        "talk: student of school B",
        "psych_teacher",
        "api",
        lambda c, w: "/api/ledgers/care/talks",
        lambda c, w: {
            "student": c.student_b1.pk,
            "topic": "peers",
            "content": "谈话",
            "mood": "calm",
            "peers": "good",
        },
        Talk,
    ),
    Field(
        "talk: student of another class",
        "class_teacher",
        "api",
        lambda c, w: "/api/ledgers/care/talks",
        lambda c, w: {
            "student": c.student_a2.pk,
            "topic": "peers",
            "content": "谈话",
            "mood": "calm",
            "peers": "good",
        },
        Talk,
    ),
    Field(
        "talk: named student of another class",
        "class_teacher",
        "api",
        lambda c, w: "/api/ledgers/care/talks",
        lambda c, w: {
            "student": c.student_a1.pk,
            "topic": "peers",
            "content": "谈话",
            "mood": "calm",
            "peers": "good",
            "named_students": [c.student_a2.pk],
        },
        Talk,
    ),
    Field(
        "talk page: named student of another class",
        "class_teacher",
        "page",
        lambda c, w: "/ledgers/care/talks/new/",
        lambda c, w: {
            "student": c.student_a1.pk,
            "talked_on": TODAY(),
            "topic": "peers",
            "content": "谈话",
            "mood": "calm",
            "peers": "good",
            "named_students": [c.student_a2.pk],
        },
        Talk,
    ),
    Field(
        "talk: named student of school B",
        "psych_teacher",
        "api",
        lambda c, w: "/api/ledgers/care/talks",
        lambda c, w: {
            "student": c.student_a1.pk,
            "topic": "peers",
            "content": "谈话",
            "mood": "calm",
            "peers": "good",
            "named_students": [c.student_b1.pk],
        },
        Talk,
    ),
    Field(
        "care plan: student of school B",
        "moral_director",
        "api",
        lambda c, w: "/api/ledgers/care/plans",
        lambda c, w: {"student": c.student_b1.pk, "goals": "目标", "measures": "措施"},
        CarePlan,
    ),
    Field(
        "care plan: owner of school B",
        "moral_director",
        "api",
        lambda c, w: "/api/ledgers/care/plans",
        lambda c, w: {
            "student": c.student_a1.pk,
            "owner": c.outsider.pk,
            "goals": "目标",
            "measures": "措施",
        },
        CarePlan,
    ),
    Field(
        "care plan page: owner of school B",
        "moral_director",
        "page",
        lambda c, w: "/ledgers/care/plans/new/",
        lambda c, w: {
            "student": c.student_a1.pk,
            "owner": c.outsider.pk,
            "goals": "目标",
            "measures": "措施",
            "review_days": 30,
        },
        CarePlan,
    ),
    Field(
        "watch: student of another class",
        "class_teacher",
        "api",
        lambda c, w: "/api/ledgers/care/watch",
        lambda c, w: {"student": c.student_a2.pk, "seen": "课间独自一人"},
        WatchEntry,
    ),
    Field(
        "watch page: student of school B",
        "moral_director",
        "page",
        lambda c, w: "/ledgers/care/watch/new/",
        lambda c, w: {
            "student": c.student_b1.pk,
            "seen_on": TODAY(),
            "seen": "课间独自一人",
            "severity": "notice",
        },
        WatchEntry,
    ),
    # --- gate ---
    Field(
        "exit: student of school B",
        "gate_guard",
        "api",
        lambda c, w: "/api/ledgers/gate/exits",
        lambda c, w: {"student": c.student_b1.pk, "action": "back_to_class"},
        StudentExit,
    ),
    Field(
        "exit page: student of school B",
        "gate_guard",
        "page",
        lambda c, w: "/ledgers/gate/exits/new/",
        lambda c, w: {"student": c.student_b1.pk, "action": "back_to_class", "client_key": str(uuid.uuid4())},
        StudentExit,
    ),
    Field(
        "item: student of school B",
        "gate_guard",
        "api",
        lambda c, w: "/api/ledgers/gate/items",
        lambda c, w: {"kind": "knife", "action": "held", "student": c.student_b1.pk},
        DangerousItem,
    ),
    Field(
        "item: visitor of school B",
        "gate_guard",
        "api",
        lambda c, w: "/api/ledgers/gate/items",
        lambda c, w: {"kind": "knife", "action": "held", "visitor": w["visitor_b"].pk},
        DangerousItem,
    ),
    Field(
        "visitor: host of school B",
        "gate_guard",
        "api",
        lambda c, w: "/api/ledgers/gate/visitors",
        lambda c, w: {"name": "来访人", "id_last4": "1234", "reason": "送东西", "host": c.outsider.pk},
        Visitor,
    ),
    Field(
        "visitor: school B",
        "gate_guard",
        "api",
        lambda c, w: "/api/ledgers/gate/visitors",
        lambda c, w: {
            "school": c.school_b.pk,
            "name": "来访人",
            "id_last4": "1234",
            "reason": "送东西",
            "host_text": "三年级",
        },
        Visitor,
    ),
    # --- hazards ---
    Field(
        "key place: responsible of school B",
        "principal",
        "api",
        lambda c, w: "/api/ledgers/hazards/places",
        lambda c, w: {"name": "西楼天台", "kind": "rooftop", "responsible": c.outsider.pk},
        KeyPlace,
    ),
    Field(
        "screening: place of school B",
        "safety_officer",
        "api",
        lambda c, w: "/api/ledgers/hazards/screenings",
        lambda c, w: {"place": w["place_b"].pk, "result": "ok"},
        Screening,
    ),
    Field(
        "hazard: place of school B",
        "safety_officer",
        "api",
        lambda c, w: "/api/ledgers/hazards/items",
        lambda c, w: {"place": w["place_b"].pk, "description": "栏杆松动"},
        Hazard,
    ),
    Field(
        "hazard start: owner of school B",
        "safety_officer",
        "api",
        lambda c, w: f"/api/ledgers/hazards/items/{w['hazard_a'].pk}/transitions",
        lambda c, w: {
            "action": "start",
            "owner": c.outsider.pk,
            "deadline": (timezone.localdate() + timedelta(days=3)).isoformat(),
        },
        Hazard,
    ),
    Field(
        "camera: place of school B",
        "principal",
        "api",
        lambda c, w: "/api/ledgers/hazards/cameras",
        lambda c, w: {"place": w["place_b"].pk, "name": "越界摄像头"},
        Camera,
    ),
    Field(
        "footage review: camera of school B",
        "safety_officer",
        "api",
        lambda c, w: "/api/ledgers/hazards/reviews",
        lambda c, w: {
            "cameras": [w["camera_b"].pk],
            "period_from": (timezone.now() - timedelta(hours=2)).isoformat(),
            "period_to": timezone.now().isoformat(),
            "findings": "无",
        },
        FootageReview,
    ),
    # --- education ---
    Field(
        "1530: class of school B",
        "principal",
        "api",
        lambda c, w: "/api/ledgers/education/1530",
        lambda c, w: {"class": c.class_b1.pk, "date": TODAY(), "kind": "1min"},
        SafetySession,
    ),
    Field(
        "1530: another class",
        "class_teacher",
        "api",
        lambda c, w: "/api/ledgers/education/1530",
        lambda c, w: {"class": c.class_a2.pk, "date": TODAY(), "kind": "1min"},
        SafetySession,
    ),
    Field(
        "class meeting: another class",
        "class_teacher",
        "api",
        lambda c, w: "/api/ledgers/education/meetings",
        lambda c, w: {"class": c.class_a2.pk, "date": TODAY(), "topic": "防欺凌班会"},
        ClassMeeting,
    ),
    Field(
        "class meeting page: class of school C",
        "principal",
        "page",
        lambda c, w: "/ledgers/education/meetings/new/",
        lambda c, w: {"klass": c.class_c1.pk, "date": TODAY(), "topic": "防欺凌班会"},
        ClassMeeting,
    ),
    Field(
        "activity: school B",
        "principal",
        "api",
        lambda c, w: "/api/ledgers/education/activities",
        lambda c, w: {"school": c.school_b.pk, "type": "lecture", "date": TODAY(), "title": "讲座"},
        EduActivity,
    ),
    # --- org ---
    Field(
        "student page: class of school B",
        "principal",
        "page",
        lambda c, w: "/org/students/new/",
        lambda c, w: {"name": "新同学", "gender": "M", "student_no": "N0001", "klass": c.class_b1.pk},
        Student,
    ),
    Field(
        "student page: another class",
        "class_teacher",
        "page",
        lambda c, w: "/org/students/new/",
        lambda c, w: {"name": "新同学", "gender": "M", "student_no": "N0002", "klass": c.class_a2.pk},
        Student,
    ),
    Field(
        "role assignment page: unit of school B",
        "principal",
        "page",
        lambda c, w: f"/org/staff/{c.users['duty_staff'].pk}/",
        lambda c, w: {"role": "duty_staff", "unit": c.school_b.pk},
        RoleAssignment,
    ),
]


def _snapshot(model: type[Model]) -> list[tuple[Any, ...]]:
    """Every row of the table as it stands (none of these tables is large in a test)."""
    from django.forms.models import model_to_dict

    skip = {"updated_at", "last_seen"}
    return [
        tuple(sorted((k, str(v)) for k, v in model_to_dict(row).items() if k not in skip))
        for row in model.objects.order_by("pk")
    ]


@pytest.mark.parametrize("field", FIELDS, ids=str)
def test_an_id_out_of_reach_is_refused_in_chinese_and_nothing_is_stored(
    cast: Cast, client: Client, field: Field
) -> None:
    world = _world(cast)
    url, body = field.url(cast, world), field.body(cast, world)
    before = _snapshot(field.stored)
    user = cast.outsider if field.role == "outsider" else cast.users[field.role]
    client.force_login(user)
    if field.method == "api":
        response = client.post(url, body, content_type="application/json")
    else:
        response = client.post(url, body)
    text = response.content.decode()
    if field.method == "page" and response.status_code == 200:
        # The organisation pages re-render a refused form with 200 (their existing convention).
        assert "请从列表中选择一项" in text or "is-invalid" in text, text[:500]
    else:
        assert response.status_code in (403, 404, 422), (response.status_code, text[:500])
    if field.method == "api":
        assert CHINESE.search(response.json()["message"]), text
    else:
        assert CHINESE.search(text)
    assert _snapshot(field.stored) == before
    for name in ("陈小明", "周小红", "吴小军"):  # the children of the other schools
        assert name not in text


def test_a_report_of_another_school_is_not_merged(cast: Cast, client: Client) -> None:
    world = _world(cast)
    client.force_login(cast.users["moral_director"])
    client.post(
        f"/api/intake/queue/{world['report_a'].pk}/actions",
        {"action": "merge", "into": world["report_b"].pk},
        content_type="application/json",
    )
    assert Report.objects.get(pk=world["report_a"].pk).merged_into_id is None


@pytest.mark.parametrize(
    ("role", "url", "param"),
    [
        ("class_teacher", "/api/ledgers/care/talks", "klass"),
        ("principal", "/api/org/students", "klass"),
        ("principal", "/api/ledgers/education/1530/due", "class"),
    ],
)
def test_a_class_filter_out_of_reach_is_404_and_lists_nothing(
    cast: Cast, client: Client, role: str, url: str, param: str
) -> None:
    client.force_login(cast.users[role])
    response = client.get(url, {param: cast.class_c1.pk})
    assert response.status_code == 404
    assert CHINESE.search(response.json()["message"])
    assert "周小红" not in response.content.decode()


def test_the_talk_form_offers_a_class_teacher_only_her_own_class(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["class_teacher"])
    page = client.get("/ledgers/care/talks/new/").content.decode()
    assert "李小雨" not in page  # no roll of names in the page: she types, and is offered…
    for purpose in ("ledger_talk", "talk_named"):
        offered = client.get("/api/org/students/suggest", {"for": purpose, "q": "小"}).json()
        names = " ".join(item["label"] for item in offered)
        assert "李小雨" in names  # her class
        assert "王小磊" not in names and "陈小明" not in names  # another class, another school


def test_the_assign_form_offers_and_accepts_only_the_schools_staff(cast: Cast) -> None:
    from anxin.intake.forms import AssignForm

    report = intake.report_submit(school_code=cast.school.code, text="同桌天天骂我，还拿我的钱。").report
    form = AssignForm(data={"owner": cast.outsider.pk}, report=report)
    assert not form.is_valid() and form.errors["owner"] == ["只能分派给本校教职工。"]
    assert cast.outsider not in form.fields["owner"].queryset
    missing = AssignForm(data={"owner": 999999}, report=report)
    assert not missing.is_valid() and missing.errors["owner"] == form.errors["owner"]


def test_student_units_of_other_schools_are_never_choices(cast: Cast) -> None:
    from anxin.org.selectors import STUDENT_PURPOSES, student_choices

    assert {"view", "case_party", "talk_named", "ledger_talk", "gate_exit", "gate_leave"} <= set(
        STUDENT_PURPOSES
    )
    for purpose in STUDENT_PURPOSES:
        for role in ("principal", "class_teacher", "gate_guard", "duty_staff", "psych_teacher"):
            schools = set(student_choices(cast.users[role], for_=purpose).values_list("school", flat=True))
            assert schools <= {cast.school.pk}, (purpose, role)
