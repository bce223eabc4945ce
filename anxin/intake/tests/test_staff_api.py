from __future__ import annotations

import io

import pytest
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.intake import services
from anxin.intake.models import Channel, Report, Status

pytestmark = pytest.mark.django_db

KNIFE = "宿舍两个室友每天晚上打我，还说明天带刀来收拾我"
ORDINARY = "班上有人一直叫我外号，还把我的书撕了"
QUEUE = "/api/intake/queue"


def _submit(cast, text=ORDINARY, school=None, **kw):
    return services.report_submit(school_code=(school or cast.school).code, text=text, **kw).report


def _act(client, report_id, **body):
    return client.post(f"{QUEUE}/{report_id}/actions", body, content_type="application/json")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 90)).save(out, format="PNG")
    return out.getvalue()


def test_queue_lists_pinned_first_with_its_fields(cast, login):
    urgent = _submit(cast, KNIFE)
    ordinary = _submit(cast)
    client = login(cast.users["moral_director"])
    body = client.get(QUEUE).json()
    assert body["count"] == 2
    first, second = body["items"]
    assert [first["id"], second["id"]] == [urgent.pk, ordinary.pk]
    assert first["pinned"] is True and first["urgent"] is True
    assert first["signals"] == ["weapon"] and "physical" in first["kinds"]
    assert first["school"] == {"id": cast.school.pk, "name": "实验中学"}
    assert first["channel"] == "box" and first["status"] == "new" and first["owner"] is None
    assert first["suspect"] is False and first["created_at"]
    assert set(first) >= {
        "id",
        "school",
        "channel",
        "urgent",
        "pinned",
        "signals",
        "kinds",
        "status",
        "owner",
        "created_at",
        "suspect",
    }

    assert _act(client, urgent.pk, action="acknowledge").status_code == 200
    first, second = client.get(QUEUE).json()["items"]
    assert first["id"] == urgent.pk and first["pinned"] is False
    assert first["owner"] == {"id": cast.users["moral_director"].pk, "name": "政教主任甲"}


def test_queue_filters(cast, login):
    urgent = _submit(cast, KNIFE)
    closed = _submit(cast)
    services.report_close(actor=cast.users["principal"], report=closed, reason="经核实不属于欺凌")
    client = login(cast.users["principal"])
    assert [i["id"] for i in client.get(f"{QUEUE}?urgent=true").json()["items"]] == [urgent.pk]
    assert [i["id"] for i in client.get(f"{QUEUE}?open=true").json()["items"]] == [urgent.pk]
    assert [i["id"] for i in client.get(f"{QUEUE}?status=closed").json()["items"]] == [closed.pk]
    assert client.get(f"{QUEUE}?status=nonsense").status_code == 422


def test_queue_is_empty_for_those_who_hold_no_report(cast, login):
    _submit(cast, KNIFE)
    for user in (cast.users["class_teacher"], cast.users["county_admin"], cast.outsider):
        assert login(user).get(QUEUE).json()["count"] == 0


def test_detail_has_text_reasons_and_messages_and_is_audited(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _submit(cast, KNIFE, photos=[("a.png", io.BytesIO(_png()))])
    services.report_reply(actor=cast.users["moral_director"], report=report, text="请课间到心理室来找王老师")
    before = AuditEvent.objects.filter(action="report.viewed", subject_id=str(report.pk)).count()
    body = login(cast.users["moral_director"]).get(f"{QUEUE}/{report.pk}").json()
    assert body["text"] == KNIFE
    reason = body["triage_reasons"][0]
    assert reason["signal"] == "weapon" and reason["kind"] is None
    assert "刀" in reason["words"] and reason["explanation"]
    assert (
        body["messages"][0]["text"] == "请课间到心理室来找王老师"
        and body["messages"][0]["sender"] == "school"
    )
    assert body["photos"][0]["url"] == f"/intake/{report.pk}/photos/{body['photos'][0]['id']}/"
    assert body["has_receipt"] is True
    assert set(body["actions"]) == {
        "assign",
        "merge",
        "accept",
        "close",
        "reply",
    }  # acknowledged by the reply
    assert AuditEvent.objects.filter(action="report.viewed", subject_id=str(report.pk)).count() == before + 1


def test_teacher_of_other_school_gets_404_on_detail_and_actions(cast, login):
    report = _submit(cast)
    client = login(cast.outsider)
    response = client.get(f"{QUEUE}/{report.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get(f"{QUEUE}/999999").json() == response.json()
    assert _act(client, report.pk, action="acknowledge").status_code == 404
    assert (
        _act(login(cast.far_outsider), report.pk, action="close", reason="不属于欺凌行为").status_code == 404
    )
    assert Report.objects.get(pk=report.pk).status == Status.NEW


def test_huge_or_bad_ids_are_refused_cleanly(cast, login):
    report = _submit(cast)
    client = login(cast.users["principal"])
    assert client.get(f"{QUEUE}/99999999999999999999").status_code in (404, 422)
    assert client.get(f"{QUEUE}/abc").status_code in (404, 422)
    assert _act(client, report.pk, action="merge", into=99999999999999999999).status_code == 422
    assert _act(client, report.pk, action="assign", owner=99999999999999999999).status_code == 422


def test_unauthenticated_caller_gets_401(cast, client):
    response = client.get(QUEUE)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_token_auth_reads_the_queue(cast, client, password):
    _submit(cast)
    token = client.post(
        "/api/auth/token",
        {"username": "t_safety_officer", "password": password},
        content_type="application/json",
    ).json()["token"]
    response = client.get(QUEUE, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["count"] == 1


# -- actions -----------------------------------------------------------------------------------


def test_acknowledge_and_accept(cast, login):
    report = _submit(cast, KNIFE)
    client = login(cast.users["principal"])
    body = _act(client, report.pk, action="acknowledge").json()
    assert body["status"] == "acknowledged" and body["pinned"] is False
    body = _act(client, report.pk, action="accept").json()
    assert body["status"] == "accepted" and "close" not in body["actions"]


def test_assign_good_and_bad(cast, login):
    report = _submit(cast)
    client = login(cast.users["moral_director"])
    response = _act(client, report.pk, action="assign", owner=cast.outsider.pk)
    assert response.status_code == 422
    assert response.json()["code"] == "owner_not_staff"
    assert response.json()["message"] == "只能分派给本校教职工。"
    response = _act(client, report.pk, action="assign")
    assert response.status_code == 422
    assert response.json()["code"] == "missing_inputs" and "owner" in response.json()["message"]
    assert response.json()["detail"] == {"owner": ["请选择负责人。"]}
    response = _act(client, report.pk, action="assign", owner=cast.users["psych_teacher"].pk)
    assert response.status_code == 200
    assert (
        response.json()["owner"]["id"] == cast.users["psych_teacher"].pk
        and response.json()["status"] == "assigned"
    )


def test_reply_good_and_missing_text(cast, login):
    report = _submit(cast)
    client = login(cast.users["moral_director"])
    response = _act(client, report.pk, action="reply")
    assert response.status_code == 422 and response.json()["detail"] == {"text": ["请填写回复内容。"]}
    response = _act(client, report.pk, action="reply", text="   ")
    assert response.status_code == 422
    body = _act(client, report.pk, action="reply", text="我们已经收到，会尽快核实。").json()
    assert body["messages"][-1]["text"] == "我们已经收到，会尽快核实。"
    assert body["messages"][-1]["author"] == "政教主任甲"


def test_merge_refusals_and_success(cast, login):
    report, target = _submit(cast), _submit(cast, "他们把我的作业本扔进厕所，还骂我是乡巴佬")
    other = _submit(cast, school=cast.school_b)
    client = login(cast.users["moral_director"])
    for into in (report.pk, other.pk, 999999):
        response = _act(client, report.pk, action="merge", into=into)
        assert response.status_code == 422, into
        assert response.json()["code"] == "bad_merge_target"
        assert response.json()["message"] == "只能合并到本校的另一份报告。"
    response = _act(client, report.pk, action="merge")
    assert response.status_code == 422 and response.json()["detail"] == {
        "into": ["请填写要合并到的报告编号。"]
    }
    body = _act(client, report.pk, action="merge", into=target.pk).json()
    assert body["status"] == "merged" and body["merged_into"] == target.pk
    response = _act(client, report.pk, action="merge", into=target.pk)
    assert response.status_code == 409 and response.json()["code"] == "report_not_open"


def test_close_needs_a_reason_and_a_closed_report_cannot_be_accepted(cast, login):
    report = _submit(cast)
    client = login(cast.users["moral_director"])
    response = _act(client, report.pk, action="close")
    assert response.status_code == 422
    assert response.json()["code"] == "missing_inputs" and "reason" in response.json()["message"]
    response = _act(client, report.pk, action="close", reason="打闹")
    assert response.status_code == 422
    assert response.json()["code"] == "reason_required" and "reason" in response.json()["detail"]
    body = _act(client, report.pk, action="close", reason="经了解是同学间玩笑，已与双方谈话。").json()
    assert body["status"] == "closed" and body["close_reason"] == "经了解是同学间玩笑，已与双方谈话。"
    response = _act(client, report.pk, action="accept")
    assert response.status_code == 409
    assert response.json() == {
        "code": "report_not_open",
        "message": "该报告当前状态不能受理。",
        "detail": None,
    }


def test_unknown_action_is_422_unknown_action_naming_the_known_ones(cast, login):
    report = _submit(cast)
    response = _act(login(cast.users["moral_director"]), report.pk, action="delete")
    assert response.status_code == 422 and response.json()["code"] == "unknown_action"
    assert response.json()["message"] == "未知的操作。" and "accept" in response.json()["detail"]["action"]
    assert Report.objects.get(pk=report.pk).status == report.status


def test_front_line_holder_gets_403_on_handling_but_may_reply(cast, login):
    report = _submit(cast)
    services.report_assign(
        actor=cast.users["moral_director"], report=report, owner=cast.users["class_teacher"]
    )
    client = login(cast.users["class_teacher"])
    response = _act(client, report.pk, action="close", reason="我看不是欺凌，是打闹")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    body = _act(client, report.pk, action="reply", text="老师已经知道了，明天找你聊聊。").json()
    assert body["actions"] == ["reply"]


def test_confidential_contact_is_only_for_those_who_handle(cast, login):
    report = _submit(cast, wants_contact=True, contact="13900001111")
    services.report_assign(
        actor=cast.users["moral_director"], report=report, owner=cast.users["class_teacher"]
    )
    body = login(cast.users["class_teacher"]).get(f"{QUEUE}/{report.pk}").json()
    assert body["reporter"] is None and "13900001111" not in str(body)
    body = login(cast.users["moral_director"]).get(f"{QUEUE}/{report.pk}").json()
    assert body["reporter"]["contact"] == "13900001111"


# -- recording ---------------------------------------------------------------------------------


def test_record_a_staff_report(cast, login):
    client = login(cast.users["moral_director"])
    response = client.post(
        QUEUE,
        {
            "channel": "hotline",
            "text": "家长来电说孩子在初一(5)班被叫外号好几个月",
            "reporter_name": "刘女士",
            "reporter_relation": "母亲",
            "contact": "13800001234",
            "kinds": ["verbal"],
            "place": "classroom",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "receipt"}
    report = Report.objects.get(pk=body["id"])
    assert services.report_by_receipt(body["receipt"]) == report
    assert report.channel == Channel.HOTLINE and report.owner == cast.users["moral_director"]
    assert report.school == cast.school and report.reporter_name == "刘女士"


@pytest.mark.parametrize(
    ("user", "body", "status", "code"),
    [
        ("moral_director", {"channel": "box", "text": ORDINARY}, 422, "bad_channel"),
        ("moral_director", {"channel": "hotline", "text": "太短"}, 422, "text_too_short"),
        ("moral_director", {"channel": "hotline"}, 422, "invalid_input"),
        ("moral_director", {"channel": "hotline", "text": ORDINARY, "place": "moon"}, 422, "bad_place"),
        ("moral_director", {"channel": "hotline", "text": ORDINARY, "school": "school_b"}, 404, "not_found"),
        ("county_admin", {"channel": "hotline", "text": ORDINARY}, 404, "not_found"),
    ],
)
def test_record_refusals(cast, login, user, body, status, code):
    if body.get("school") == "school_b":
        body = {**body, "school": cast.school_b.pk}
    response = login(cast.users[user]).post(QUEUE, body, content_type="application/json")
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Report.objects.exists()


def test_gate_guard_records_and_then_sees_only_their_own(cast, login):
    _submit(cast, KNIFE)
    client = login(cast.users["gate_guard"])
    created = client.post(
        QUEUE,
        {"channel": "staff_observed", "text": "校门口有三个外校青年围住一名学生要钱"},
        content_type="application/json",
    ).json()
    assert [i["id"] for i in client.get(QUEUE).json()["items"]] == [created["id"]]
