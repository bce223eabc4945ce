"""The reporter's side of a case: the receipt page's plain words and the child's own re-examination."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from anxin.audit.models import AuditEvent
from anxin.intake import services as intake
from anxin.intake.tests.test_public import (
    ADDRESS,
    AGENT,
    PROXY_ID,
    SPY,
    TEXT,
    assert_nothing_identifying,
    assert_private,
)
from anxin.testing import Cast, frozen_time

from ..models import Case, Reexamination
from ..services import case_act, case_open
from .helpers import add_parties, determine_data, lead

pytestmark = pytest.mark.django_db

FOLLOW = "/box/follow/"
LOOKUP = "/api/intake/lookup"
SHANGHAI = ZoneInfo("Asia/Shanghai")
REASON = "我觉得认定不对，他们一直在打我，不是闹着玩。"


def submitted(cast: Cast, about: str = "self", *, anonymous: bool = False) -> intake.Submission:
    # A confidential letter (a contact left) about oneself: the school can tell it is the hurt child.
    contact = {} if anonymous else {"wants_contact": True, "contact": "初一(1)班，课间可找我"}
    return intake.report_submit(school_code=cast.school.code, text=TEXT, about=about, **contact)


def opened(cast: Cast, sub: intake.Submission) -> Case:
    data = {"title": "同学起侮辱性绰号", "narrative": "班上两名同学长期叫他难听的外号。"}
    return case_open(actor=lead(cast), school=cast.school, data=data, reports=[sub.report])


def determined(cast: Cast, case: Case, *, notify: bool = False) -> Case:
    actor = lead(cast)
    if case.status == "accepted":
        case = case_act(actor=actor, case=case, action="investigate", data={})
    add_parties(cast, case, actor)
    case = case_act(
        actor=actor, case=case, action="submit", data={"summary": "经调查，两名同学多次起侮辱性绰号。"}
    )
    case = case_act(actor=cast.users["principal"], case=case, action="determine", data=determine_data(cast))
    if notify:
        case = case_act(
            actor=actor,
            case=case,
            action="notify_result",
            data={"notified_on": case.opened_on.isoformat(), "method": "written"},
        )
    return case


def follow(client: Client, receipt: str, **data: str):  # noqa: ANN201
    return client.post(FOLLOW, {"receipt": receipt, **data})


def test_receipt_shows_the_case_state_in_plain_words_as_the_case_moves(client: Client, cast: Cast) -> None:
    sub = submitted(cast)
    case = opened(cast, sub)
    response = follow(client, sub.receipt)
    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert "学校已受理你反映的情况，正在安排处理。" in page
    assert "老师正在了解情况、核实经过" not in page  # the intake's words gave way to the case's

    case = case_act(actor=lead(cast), case=case, action="investigate", data={})
    assert "学校正在调查核实。" in follow(client, sub.receipt).content.decode()

    case = determined(cast, case)
    page = follow(client, sub.receipt).content.decode()
    assert "学校欺凌治理委员会已作出认定。" in page and "已处理" in page
    # Nobody's details: not the children, not the staff, not the case's own record.
    owner = lead(cast)
    for secret in (
        "李小雨",
        "王小磊",
        "李*雨",
        owner.full_name,
        case.number,
        "班上两名同学长期叫他难听的外号",
        "多次起侮辱性绰号",
        "较重",
    ):
        assert secret not in page, secret


def test_self_report_applies_for_re_examination_from_the_receipt_page(cast: Cast, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    sub = submitted(cast)
    case = determined(cast, opened(cast, sub))
    client = Client(enforce_csrf_checks=True)
    page = follow(client, sub.receipt).content.decode()
    assert 'data-testid="reexam-form"' in page and "申请复查" in page

    response = client.post(FOLLOW, {"receipt": sub.receipt, "action": "reexam", "reason": REASON}, **SPY)
    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert "复查申请已经提交" in page and "教育局正在复查。" in page
    assert 'data-testid="reexam-form"' not in page

    case.refresh_from_db()
    assert case.status == "reexamination" and case.get_status_display() == "复查中"
    rx = Reexamination.objects.get(case=case)
    assert rx.via_receipt is True and rx.reason == REASON and rx.recorded_by is None
    assert rx.applicant.student_id == cast.student_a1.pk  # the child the case is about
    # As anonymous as the rest of the box: no account, no request id, no address, agent or receipt kept.
    event = AuditEvent.objects.get(action="case.apply_reexam")
    assert event.actor_id is None and event.request_id == ""
    assert not response.cookies
    assert_nothing_identifying(ADDRESS, AGENT, PROXY_ID, sub.receipt)
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert ADDRESS not in logged and sub.receipt not in logged


def test_applying_twice_is_refused_kindly(client: Client, cast: Cast) -> None:
    sub = submitted(cast)
    determined(cast, opened(cast, sub))
    assert follow(client, sub.receipt, action="reexam", reason=REASON).status_code == 200
    response = follow(client, sub.receipt, action="reexam", reason=REASON)
    assert response.status_code == 409
    assert "已经提交的申请不用重复提交" in response.content.decode()
    assert Reexamination.objects.count() == 1


def test_report_about_someone_else_sees_no_form_and_a_forged_post_is_refused(
    client: Client, cast: Cast
) -> None:
    sub = submitted(cast, about="other")
    case = determined(cast, opened(cast, sub))
    page = follow(client, sub.receipt).content.decode()
    assert "学校欺凌治理委员会已作出认定。" in page
    assert 'data-testid="reexam-form"' not in page and 'name="reason"' not in page

    response = follow(client, sub.receipt, action="reexam", reason=REASON)
    assert response.status_code == 422
    assert_private(response)
    assert "只有当事学生本人可以通过回执码申请复查" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "determined" and not Reexamination.objects.exists()


def test_no_re_examination_before_the_committee_has_decided(client: Client, cast: Cast) -> None:
    sub = submitted(cast)
    case = case_act(actor=lead(cast), case=opened(cast, sub), action="investigate", data={})
    assert 'name="reason"' not in follow(client, sub.receipt).content.decode()
    response = follow(client, sub.receipt, action="reexam", reason=REASON)
    assert response.status_code == 409
    assert "现在不能申请复查" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "investigating" and not Reexamination.objects.exists()


def test_no_re_examination_for_a_report_that_is_not_a_case(client: Client, cast: Cast) -> None:
    sub = submitted(cast)
    response = follow(client, sub.receipt, action="reexam", reason=REASON)
    assert response.status_code == 409
    page = response.content.decode()
    assert "学校还没有就这件事立案认定" in page and "已收到" in page
    assert not Reexamination.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "不对"])
def test_missing_or_too_short_reason_is_refused_and_the_form_stays(
    client: Client, cast: Cast, reason: str
) -> None:
    sub = submitted(cast)
    case = determined(cast, opened(cast, sub))
    response = follow(client, sub.receipt, action="reexam", reason=reason)
    assert response.status_code == 422
    page = response.content.decode()
    assert "请写下申请复查的理由" in page and 'data-testid="reexam-form"' in page
    case.refresh_from_db()
    assert case.status == "determined" and not Reexamination.objects.exists()


def test_after_the_appeal_window_the_form_is_gone_and_a_late_post_is_refused(
    client: Client, cast: Cast
) -> None:
    with frozen_time(datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI)):
        sub = submitted(cast)
        case = determined(cast, opened(cast, sub), notify=True)
        page = follow(client, sub.receipt).content.decode()
        assert 'data-testid="reexam-form"' in page and "请在 2026-09-29 前提出" in page
    with frozen_time(datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI)):
        page = follow(client, sub.receipt).content.decode()
        assert 'data-testid="reexam-form"' not in page and "申请复查的期限（2026-09-29）已经过了" in page
        response = follow(client, sub.receipt, action="reexam", reason=REASON)
    assert response.status_code == 422
    assert "已超过复查申请期限" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "determined" and not Reexamination.objects.exists()


def test_wrong_receipt_gets_the_existing_error_and_counts_towards_the_limit(
    client: Client, cast: Cast
) -> None:
    sub = submitted(cast)
    determined(cast, opened(cast, sub))
    guesser = {"REMOTE_ADDR": "198.51.100.20"}
    near = sub.receipt[:-1] + ("0" if sub.receipt[-1] != "0" else "1")
    for _ in range(10):
        response = client.post(FOLLOW, {"receipt": near, "action": "reexam", "reason": REASON}, **guesser)
        assert response.status_code == 404
        assert "没有找到这个回执码" in response.content.decode()
    assert (
        client.post(FOLLOW, {"receipt": near, "action": "reexam", "reason": REASON}, **guesser).status_code
        == 429
    )
    # From that address even the right receipt waits now.
    response = client.post(FOLLOW, {"receipt": sub.receipt, "action": "reexam", "reason": REASON}, **guesser)
    assert response.status_code == 429
    assert not Reexamination.objects.exists()


def test_lookup_api_follows_the_case_and_keeps_its_old_fields(client: Client, cast: Cast) -> None:
    sub = submitted(cast)
    lookup = {"receipt": sub.receipt}
    before = client.post(LOOKUP, json.dumps(lookup), content_type="application/json").json()
    assert before["status"] == "received" and before["in_case"] is False and before["case_status"] == ""

    determined(cast, opened(cast, sub))
    body = client.post(LOOKUP, json.dumps(lookup), content_type="application/json").json()
    assert {"status", "status_label", "explanation", "close_reason", "school_name", "messages"} <= set(body)
    assert body["status"] == "handled" and body["explanation"] == "学校欺凌治理委员会已作出认定。"
    assert (
        body["in_case"] is True and body["case_status"] == "determined" and body["reexam_available"] is True
    )
    assert "李小雨" not in json.dumps(body, ensure_ascii=False)


def test_an_anonymous_letter_about_oneself_gets_no_appeal_form_and_a_forged_post_is_refused(
    client: Client, cast: Cast
) -> None:
    sub = submitted(cast, anonymous=True)
    case = determined(cast, opened(cast, sub))
    page = follow(client, sub.receipt).content.decode()
    assert 'data-testid="reexam-form"' not in page and 'name="reason"' not in page
    response = follow(client, sub.receipt, action="reexam", reason=REASON)
    assert response.status_code == 422
    assert "匿名来信无法确认是当事学生本人" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "determined" and not Reexamination.objects.exists()
