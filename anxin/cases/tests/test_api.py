"""The case API: lists, detail, deadlines, actions, opening and every transition, and their refusals."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.testing import Cast, frozen_time, token_request

from ..models import Case, PartyRole
from ..policy import policy_set
from ..services import case_open
from .helpers import committee, determine_data, open_case, walk

pytestmark = pytest.mark.django_db

CASES = "/api/cases"
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A Thursday; 10 calendar days end 2026-10-08 (day 10 falls in the National Day holiday),
#: 10 working days end 2026-10-15 (DOMAIN.md §3, SCENARIOS.md story 3).
OPENED = datetime(2026, 9, 24, 9, 30, tzinfo=SHANGHAI)


def _act(client: Client, case_id: int, **body: Any) -> Any:
    return client.post(f"{CASES}/{case_id}/transitions", body, content_type="application/json")


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _token_client(cast: Cast, role: str, password: str) -> Client:
    client = Client()
    token = client.post(
        "/api/auth/token",
        token_request(cast.users[role], password),
        content_type="application/json",
    ).json()["token"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


# --- lists ----------------------------------------------------------------------------------------


@frozen_time(OPENED)
def test_list_shows_the_principal_each_case_with_its_next_deadline(cast, login):
    case = open_case(cast)
    body = _ok(login(cast.users["principal"]).get(CASES))
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == case.pk and item["number"] == case.number
    assert item["school"] == {"id": cast.school.pk, "name": "实验中学"}
    assert item["status"] == "accepted" and item["status_label"] == "已受理"
    assert item["urgent"] is True and item["serious"] is False and item["gravity"] == ""
    assert item["owner"] == {"id": cast.users["moral_director"].pk, "name": "政教主任甲"}
    assert item["opened_on"] == "2026-09-24"
    assert item["next_deadline"] == {
        "kind": "investigation",
        "label": "调查期限",
        "due_on": "2026-10-08",
        "unit": "calendar",
        "urgency": "ok",
    }


def test_list_is_empty_for_teachers_of_other_schools(cast, login):
    open_case(cast)
    for user in (cast.outsider, cast.far_outsider):
        assert _ok(login(user).get(CASES)) == {"count": 0, "items": []}


def test_list_filters_and_pages(cast, login):
    first = open_case(cast, title="宿舍同学夜间殴打")
    second = walk(cast, "investigating")
    client = login(cast.users["principal"])
    assert _ok(client.get(CASES))["count"] == 2
    assert [i["id"] for i in _ok(client.get(f"{CASES}?status=investigating"))["items"]] == [second.pk]
    assert [i["id"] for i in _ok(client.get(f"{CASES}?q={first.number}"))["items"]] == [first.pk]
    assert _ok(client.get(f"{CASES}?serious=true"))["count"] == 0
    assert _ok(client.get(f"{CASES}?school={cast.school_b.pk}"))["count"] == 0
    page1 = _ok(client.get(f"{CASES}?page_size=1&page=1"))
    page2 = _ok(client.get(f"{CASES}?page_size=1&page=2"))
    assert page1["count"] == page2["count"] == 2
    assert {page1["items"][0]["id"], page2["items"][0]["id"]} == {first.pk, second.pk}
    assert _ok(client.get(f"{CASES}?page_size=1&page=3"))["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "status=nonsense",
        "page=0",
        "page_size=101",
        "page_size=0",
        "school=abc",
        "serious=perhaps",
        f"school={2**63}",
    ],
)
def test_list_refuses_bad_query_parameters_in_chinese(cast, login, query):
    response = login(cast.users["principal"]).get(f"{CASES}?{query}")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["message"] == "提交的数据格式不正确，请检查后重试。"


def test_unauthenticated_caller_gets_401(cast, client):
    case = open_case(cast)
    assert client.get(CASES).status_code == 401
    assert client.get(f"{CASES}/{case.pk}").json()["code"] == "unauthenticated"
    assert _act(client, case.pk, action="investigate").status_code == 401
    assert Case.objects.get(pk=case.pk).status == "accepted"


# --- one case --------------------------------------------------------------------------------------


def test_detail_for_the_principal_has_names_finding_and_timeline_and_is_audited(cast, login):
    case = walk(cast, "determined")
    client = login(cast.users["principal"])
    before = AuditEvent.objects.filter(action="case.viewed", subject_id=str(case.pk)).count()
    body = _ok(client.get(f"{CASES}/{case.pk}"))
    assert AuditEvent.objects.filter(action="case.viewed", subject_id=str(case.pk)).count() == before + 1

    assert body["identities"] is True
    assert body["title"] == "宿舍同学夜间殴打" and body["status"] == "determined"
    parties = {p["role"]: p for p in body["parties"]}
    assert parties["target"]["name"] == "李小雨" and parties["target"]["student"] == cast.student_a1.pk
    assert parties["target"]["klass"] == {"id": cast.class_a1.pk, "name": cast.class_a1.name}
    assert parties["bully"]["label"] == f"实施者：王小磊（{cast.class_a2.name}）"

    (det,) = body["determinations"]
    assert det["is_bullying"] is True and det["gravity"] == "heavier" and det["gravity_label"] == "较重"
    assert (
        det["kinds"] == ["verbal", "cyber"] and len(det["members_present"]) == 7 and det["members_total"] == 9
    )
    intent = next(c for c in det["criteria"] if c["criterion"] == "intent")
    assert intent == {
        "criterion": "intent",
        "label": "主观故意或恶意",
        "answer": "yes",
        "answer_label": "是",
        "evidence": "主观故意或恶意：询问笔录及聊天截图",
    }
    assert det["parents_participation"] == "双方家长列席并陈述意见"

    investigation = next(d for d in body["deadlines"] if d["kind"] == "investigation")
    assert investigation["met_at"] is not None and investigation["urgency"] == "done"
    assert {"opened", "party", "transition"} <= {e["kind"] for e in body["events"]}
    assert any(e["title"] == "待认定 → 已认定" for e in body["events"])
    assert "notify_result" in [a["action"] for a in body["actions"]]


def test_safety_officer_sees_the_case_with_names_masked(cast, login):
    case = walk(cast, "determined")
    response = login(cast.users["safety_officer"]).get(f"{CASES}/{case.pk}")
    body = _ok(response)
    assert body["identities"] is False
    names = {p["role"]: p["name"] for p in body["parties"]}
    assert names == {"target": "李*雨", "bully": "王*磊"}
    assert all(p["student"] is None and p["description"] is None for p in body["parties"])
    # Nowhere in the answer, including the party choices of the actions' inputs.
    text = response.content.decode()
    assert "李小雨" not in text and "王小磊" not in text
    add_measure = next(a for a in body["actions"] if a["action"] == "add_measure")
    party = next(i for i in add_measure["inputs"] if i["name"] == "party")
    assert {c["label"] for c in party["choices"]} == {
        f"受欺凌学生：李*雨（{cast.class_a1.name}）",
        f"实施者：王*磊（{cast.class_a2.name}）",
    }


def test_teacher_of_other_school_gets_404_everywhere(cast, login):
    case = walk(cast, "pending")
    client = login(cast.outsider)
    missing = client.get(f"{CASES}/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    for url in (f"{CASES}/{case.pk}", f"{CASES}/{case.pk}/deadlines", f"{CASES}/{case.pk}/actions"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == missing.json()
    response = _act(login(cast.far_outsider), case.pk, action="determine", **determine_data(cast))
    assert response.status_code == 404 and response.json() == missing.json()
    assert _act(client, case.pk, action="add_note", text="外校老师的记录").status_code == 404
    assert client.get(f"{CASES}/{2**40}").status_code == 404
    assert Case.objects.get(pk=case.pk).status == "pending"
    assert not AuditEvent.objects.filter(action="case.viewed", actor=cast.outsider).exists()


# --- deadlines -----------------------------------------------------------------------------------------


@frozen_time(OPENED)
def test_deadlines_show_the_investigation_date_under_the_county_policy(cast, login):
    default = open_case(cast)
    policy = policy_set(
        actor=cast.users["county_admin"],
        unit=cast.county,
        rules={"investigation": {"days": 10, "unit": "working"}},
    )
    working = open_case(cast)
    client = login(cast.users["principal"])
    (row,) = _ok(client.get(f"{CASES}/{working.pk}/deadlines"))
    assert row == {
        "id": row["id"],
        "kind": "investigation",
        "label": "调查期限",
        "starts_on": "2026-09-24",
        "days": 10,
        "unit": "working",
        "due_on": "2026-10-15",
        "remind_on": "2026-10-13",
        "calendar_gap": None,
        "provisional": False,
        "calendar_note": None,
        "met_at": None,
        "cancelled": False,
        "urgency": "ok",
        "policy_version": policy.version,
    }
    (old,) = _ok(client.get(f"{CASES}/{default.pk}/deadlines"))
    assert old["due_on"] == "2026-10-08" and old["unit"] == "calendar" and old["policy_version"] == 1


@frozen_time(datetime(2026, 12, 28, 10, tzinfo=SHANGHAI))
def test_a_deadline_reaching_into_an_unknown_year_is_provisional_and_says_which_year(cast, login):
    policy_set(
        actor=cast.users["county_admin"],
        unit=cast.county,
        rules={"investigation": {"days": 10, "unit": "working"}},
    )
    case = open_case(cast)
    client = login(cast.users["principal"])
    (row,) = _ok(client.get(f"{CASES}/{case.pk}/deadlines"))
    assert (row["due_on"], row["remind_on"], row["provisional"]) == ("2027-01-12", "2027-01-06", True)
    assert row["calendar_gap"] == 2027 and row["urgency"] == "ok"
    assert "暂定：2027 年节假日安排尚未录入" in row["calendar_note"]
    (item,) = _ok(client.get(CASES))["items"]
    assert item["next_deadline"]["due_on"] == "2027-01-12"


# --- actions -------------------------------------------------------------------------------------------


def test_actions_offer_determine_to_the_principal_with_its_inputs(cast, login):
    members = committee(cast)
    case = walk(cast, "pending")
    actions = {a["action"]: a for a in _ok(login(cast.users["principal"]).get(f"{CASES}/{case.pk}/actions"))}
    determine = actions["determine"]
    assert determine["label"] == "委员会认定" and determine["moves"] is True and determine["help"]
    inputs = {i["name"]: i for i in determine["inputs"]}
    present = inputs["members_present"]
    assert present["type"] == "multiple_choice" and present["required"] is True
    assert [c["value"] for c in present["choices"]] == [m.pk for m in members]
    assert present["choices"][0]["label"] == "校长（主任（校长））"
    assert inputs["is_bullying"]["choices"] == [
        {"value": "yes", "label": "是"},
        {"value": "no", "label": "否"},
    ]
    assert inputs["meeting_on"]["type"] == "date"
    assert inputs["gravity"]["required"] is False and "" not in [
        c["value"] for c in inputs["gravity"]["choices"]
    ]
    assert inputs["intent_evidence"] == {
        "name": "intent_evidence",
        "label": "主观故意或恶意（证据）",
        "required": True,
        "type": "text",
        "choices": None,
        "help": None,
    }
    assert actions["add_note"]["moves"] is False
    assert "close" not in actions and "start_measures" not in actions


def test_actions_do_not_offer_determine_to_the_class_teacher(cast, login):
    case = walk(cast, "pending")  # the class teacher of A1 is drawn in by the target's class
    actions = [a["action"] for a in _ok(login(cast.users["class_teacher"]).get(f"{CASES}/{case.pk}/actions"))]
    assert "determine" not in actions and "refer_police" not in actions
    assert "add_note" in actions


# --- opening --------------------------------------------------------------------------------------------


def test_open_a_case_returns_it_with_201(cast, login):
    client = login(cast.users["moral_director"])
    response = client.post(
        CASES,
        {
            "school": cast.school.pk,
            "title": "班级群传播哭泣照片",
            "narrative": "母亲来电反映，儿子被起外号并被传照片。",
            "kinds": ["verbal", "cyber"],
            "places": [],
            "time_bands": [],
            "occurred_on": "2026-09-20",
            "urgent": False,
            "reports": [],
            "owner": cast.users["psych_teacher"].pk,
        },
        content_type="application/json",
    )
    body = _ok(response, 201)
    case = Case.objects.get(pk=body["id"])
    assert case.owner == cast.users["psych_teacher"] and case.opened_by == cast.users["moral_director"]
    assert body["status"] == "accepted" and body["kinds"] == ["verbal", "cyber"]
    assert body["occurred_on"] == "2026-09-20" and body["urgent"] is False
    assert [d["kind"] for d in body["deadlines"]] == ["investigation"]
    assert "investigate" in [a["action"] for a in body["actions"]]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"title": "太短"}, 422, "missing_inputs", "title"),
        ({"title": None}, 422, "missing_inputs", "title"),
        ({"kinds": "verbal"}, 422, "missing_inputs", "kinds"),
        ({"kinds": ["kicking"]}, 422, "missing_inputs", "kinds"),
        ({"occurred_on": "2099-01-01"}, 422, "missing_inputs", "occurred_on"),
        ({"occurred_on": "昨天"}, 422, "missing_inputs", "occurred_on"),
        ({"school": None}, 422, "missing_inputs", "school"),
        ({"reports": [999999]}, 404, "not_found", None),
        ({"owner": 999999}, 422, "owner_not_staff", "owner"),
        ({"owner": "farfetched"}, 422, "missing_inputs", "owner"),
    ],
)
def test_opening_refuses_bad_input_and_stores_nothing(cast, login, body, status, code, field):
    good = {"school": cast.school.pk, "title": "宿舍同学夜间殴打"}
    response = login(cast.users["moral_director"]).post(
        CASES, {**good, **body}, content_type="application/json"
    )
    assert response.status_code == status, response.content.decode()
    assert response.json()["code"] == code
    if field:
        assert field in response.json()["detail"]
        assert response.json()["message"].startswith("请补全或更正") or code != "missing_inputs"
    assert not Case.objects.exists()


def test_opening_owner_from_another_school_is_refused(cast, login):
    body = {"school": cast.school.pk, "title": "宿舍同学夜间殴打", "owner": cast.outsider.pk}
    response = login(cast.users["moral_director"]).post(CASES, body, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "owner_not_staff"
    assert not Case.objects.exists()


def test_opening_at_a_school_out_of_reach_is_404_and_the_class_teacher_may_not_open(cast, login):
    body = {"school": cast.school.pk, "title": "宿舍同学夜间殴打"}
    assert login(cast.far_outsider).post(CASES, body, content_type="application/json").status_code == 404
    other = {"school": cast.school_c.pk, "title": "宿舍同学夜间殴打"}
    assert (
        login(cast.users["principal"]).post(CASES, other, content_type="application/json").status_code == 404
    )
    response = login(cast.users["class_teacher"]).post(CASES, body, content_type="application/json")
    assert response.status_code == 404
    assert not Case.objects.exists()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', "", "{"])
def test_opening_with_a_body_that_is_not_a_json_object_is_422(cast, login, raw):
    response = login(cast.users["moral_director"]).post(CASES, raw, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "bad_json" and "JSON" in response.json()["message"]
    assert not Case.objects.exists()


# --- the procedure --------------------------------------------------------------------------------------


@frozen_time(datetime(2026, 10, 12, 9, tzinfo=SHANGHAI))
def test_the_whole_procedure_through_the_api(cast, login, password):
    committee(cast)
    lead = login(cast.users["moral_director"])
    principal = _token_client(cast, "principal", password)  # a second caller, by bearer token
    case = _ok(
        lead.post(
            CASES,
            {"school": cast.school.pk, "title": "班级群传播哭泣照片", "kinds": ["verbal"]},
            content_type="application/json",
        ),
        201,
    )
    cid = case["id"]

    assert _ok(_act(lead, cid, action="investigate", note="先与受欺凌学生谈话"))["status"] == "investigating"
    _ok(_act(lead, cid, action="add_party", role="target", student_no="A1001"))
    body = _ok(_act(lead, cid, action="add_party", role="bully", student=cast.student_a2.pk))
    assert {p["name"] for p in body["parties"]} == {"李小雨", "王小磊"}
    assert (
        _ok(_act(lead, cid, action="submit", summary="经调查，两名同学多次起侮辱性绰号。"))["status"]
        == "pending"
    )

    body = _ok(_act(principal, cid, action="determine", **determine_data(cast)))
    assert body["status"] == "determined" and body["gravity"] == "heavier"
    assert body["determinations"][0]["criteria"][0]["evidence"]

    body = _ok(_act(lead, cid, action="notify_result", notified_on="2026-10-12", method="written"))
    assert body["result_notified_on"] == "2026-10-12"
    appeal = next(d for d in body["deadlines"] if d["kind"] == "appeal")
    assert appeal["due_on"] == "2026-10-19"  # 5 calendar days end on Saturday the 17th: the next working day

    bully = next(p for p in body["parties"] if p["role"] == PartyRole.BULLY)
    body = _ok(
        _act(
            lead,
            cid,
            action="add_measure",
            kind="correction",
            party=bully["id"],
            detail="8 小时矫治计划",
            hours=8,
            owner=cast.users["psych_teacher"].pk,
            due_on="2026-11-12",
        )
    )
    (measure,) = body["measures"]
    assert measure["kind_label"] == "矫治计划" and measure["owner"]["id"] == cast.users["psych_teacher"].pk
    assert _ok(_act(lead, cid, action="start_measures"))["status"] == "measures"
    body = _ok(_act(lead, cid, action="complete_measure", measure=measure["id"], note="已完成 8 小时"))
    assert body["measures"][0]["done_at"] is not None
    body = _ok(_act(lead, cid, action="start_aftercare", starts_on="2026-10-12"))
    assert body["status"] == "aftercare" and body["status_label"] == "跟踪回访"
    visits = {d["kind"]: d for d in body["deadlines"] if d["kind"].startswith("visit_")}
    assert visits["visit_1w"]["due_on"] == "2026-10-19" and set(visits) == {
        "visit_1w",
        "visit_1m",
        "visit_3m",
    }
    assert "record_visit" in [a["action"] for a in body["actions"]]
    assert Case.objects.get(pk=cid).status == "aftercare"


def test_attachments_are_uploaded_as_multipart_and_listed_with_a_download_url(
    cast, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case = walk(cast, "investigating")
    client = login(cast.users["moral_director"])
    upload = io.BytesIO(_png())
    upload.name = "shot.png"
    response = client.post(
        f"{CASES}/{case.pk}/transitions", {"action": "attach", "name": "聊天截图", "file": upload}
    )
    (att,) = _ok(response)["attachments"]
    assert att["name"] == "聊天截图" and att["content_type"].startswith("image/")
    assert att["url"] == f"/cases/{case.pk}/attachments/{att['id']}/"

    misnamed = io.BytesIO(_png())
    misnamed.name = "shot.png"
    response = client.post(
        f"{CASES}/{case.pk}/transitions", {"action": "attach", "name": "截图", "photo": misnamed}
    )
    assert response.status_code == 422 and set(response.json()["detail"]) == {"photo"}

    as_json = _act(client, case.pk, action="attach", name="聊天截图")
    assert as_json.status_code == 422 and as_json.json()["code"] == "missing_inputs"
    assert "multipart/form-data" in as_json.json()["detail"]["file"][0]
    outsider = login(cast.outsider).post(
        f"{CASES}/{case.pk}/transitions", {"action": "attach", "name": "截图"}
    )
    assert outsider.status_code == 404
    assert case.attachments.count() == 1


# --- refusals of /transitions ---------------------------------------------------------------------------


def test_unknown_action_is_422(cast, login):
    case = open_case(cast)
    client = login(cast.users["moral_director"])
    for action in ("fly", 5, None):
        response = _act(client, case.pk, action=action)
        assert response.status_code == 422
        assert response.json()["code"] == "unknown_action" and response.json()["message"] == "未知的操作。"
        assert "determine" in response.json()["detail"]["action"]
    response = client.post(
        f"{CASES}/{case.pk}/transitions", {"note": "no action"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_action"


def test_illegal_move_is_409_transition_not_allowed(cast, login):
    case = open_case(cast)
    response = _act(login(cast.users["principal"]), case.pk, action="close", summary="结案说明")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert response.json()["message"] == "案件当前为“已受理”，不能执行“结案”。"
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_guard_not_met_is_409_case_not_ready(cast, login):
    case = walk(cast, "investigating")  # no party registered yet
    response = _act(
        login(cast.users["moral_director"]), case.pk, action="submit", summary="经调查，两名同学多次起外号。"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "case_not_ready" and "parties" in response.json()["detail"]
    assert Case.objects.get(pk=case.pk).status == "investigating"


def test_missing_inputs_are_422_naming_each_field(cast, login):
    case = walk(cast, "pending")
    response = _act(login(cast.users["principal"]), case.pk, action="determine", is_bullying="yes")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "missing_inputs" and body["message"].startswith("请补全或更正：")
    for field in (
        "meeting_on",
        "members_present",
        "intent_answer",
        "harm_evidence",
        "kinds",
        "gravity",
        "parents_participation",
    ):
        assert field in body["detail"], field
    assert "会议日期" in body["message"]
    assert Case.objects.get(pk=case.pk).status == "pending"
    assert not case.determinations.exists()


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"meting_on": "2026-10-13"}, "meting_on"),
        ({"reasoning": ["a", "b"]}, "reasoning"),
        ({"kinds": "verbal"}, "kinds"),
        ({"members_present": [{"id": 1}]}, "members_present"),
        ({"parents_participation": {"text": "列席"}}, "parents_participation"),
    ],
)
def test_unknown_fields_and_wrong_json_types_are_named(cast, login, inputs, field):
    case = walk(cast, "pending")
    data = {**determine_data(cast), **inputs}
    response = _act(login(cast.users["principal"]), case.pk, action="determine", **data)
    assert response.status_code == 422
    assert response.json()["code"] == "missing_inputs" and list(response.json()["detail"]) == [field]
    assert Case.objects.get(pk=case.pk).status == "pending"


def test_visible_but_not_permitted_is_403(cast, login):
    case = walk(cast, "pending")
    for role in ("class_teacher", "safety_officer"):
        response = _act(login(cast.users[role]), case.pk, action="determine", **determine_data(cast))
        assert response.status_code == 403, role
        assert (
            response.json()["code"] == "forbidden"
            and response.json()["message"] == "您没有执行此操作的权限。"
        )
    assert Case.objects.get(pk=case.pk).status == "pending"


def test_a_malformed_upload_form_is_422_bad_form(cast, login):
    case = walk(cast, "pending")
    response = login(cast.users["principal"]).post(
        f"{CASES}/{case.pk}/transitions", b"action=attach", content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "bad_form" and response.json()["message"] == "上传的表单格式不正确。"
    assert Case.objects.get(pk=case.pk).status == "pending"


@pytest.mark.parametrize("raw", ["not json", '["determine"]', "null", '{"action": ', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_422_in_chinese(cast, login, raw):
    case = walk(cast, "pending")
    response = login(cast.users["principal"]).post(
        f"{CASES}/{case.pk}/transitions", raw, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "bad_json"
    assert response.json()["message"].startswith("请求内容须为 JSON 对象")
    assert Case.objects.get(pk=case.pk).status == "pending"


def test_an_owner_who_hands_the_case_on_learns_it_worked_but_no_more_details(cast, login):
    teacher = cast.users["class_teacher"]
    case = case_open(
        actor=cast.users["moral_director"],
        school=cast.school,
        owner=teacher,
        data={"title": "课间推搡", "urgent": False},
    )
    client = login(teacher)
    assert _ok(client.get(f"{CASES}/{case.pk}"))["owner"]["id"] == teacher.pk
    body = _ok(
        _act(client, case.pk, action="reassign", owner=cast.users["moral_director"].pk, reason="转交政教处")
    )
    assert set(body) == {"id", "number", "status", "status_label", "note"}
    assert body["id"] == case.pk and body["status"] == "accepted"
    assert Case.objects.get(pk=case.pk).owner == cast.users["moral_director"]
    assert client.get(f"{CASES}/{case.pk}").status_code == 404


def test_duty_teacher_opening_a_case_for_a_colleague_can_still_follow_it(cast, login):
    body = {
        "school": cast.school.pk,
        "title": "宿舍同学夜间殴打",
        "urgent": True,
        "owner": cast.users["principal"].pk,
    }
    client = login(cast.users["duty_staff"])
    created = _ok(client.post(CASES, body, content_type="application/json"), 201)
    assert Case.objects.get(pk=created["id"]).owner == cast.users["principal"]
    assert created["owner"]["id"] == cast.users["principal"].pk
    assert _ok(client.get(f"{CASES}/{created['id']}"))["number"] == created["number"]
    own = _ok(client.post(CASES, {**body, "owner": None}, content_type="application/json"), 201)
    assert own["parties"] == [] and "emergency" in [a["action"] for a in own["actions"]]


# --- the document -----------------------------------------------------------------------------------------


def test_openapi_document_describes_the_case_endpoints(client):
    doc = client.get("/api/openapi.json").json()
    paths = doc["paths"]
    assert {"get", "post"} <= set(paths["/api/cases"])
    for path in ("/api/cases/{case_id}", "/api/cases/{case_id}/deadlines", "/api/cases/{case_id}/actions"):
        assert "get" in paths[path], path
    transition = paths["/api/cases/{case_id}/transitions"]["post"]
    content = transition["requestBody"]["content"]
    assert "determine" in content["application/json"]["schema"]["properties"]["action"]["enum"]
    assert "file" in content["multipart/form-data"]["schema"]["properties"]
    assert {"200", "403", "404", "409", "422"} <= set(transition["responses"])
    assert (
        "school"
        in paths["/api/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    )
    schemas = doc["components"]["schemas"]
    assert {"CaseOut", "CaseItemOut", "DeadlineOut", "ActionOut", "InputOut"} <= set(schemas)
    assert "calendar_gap" in schemas["DeadlineOut"]["properties"]
