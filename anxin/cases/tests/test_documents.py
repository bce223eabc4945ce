"""The case file and the parents' notices as PDF: what they say, who may print them, and for whom."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.testing import Cast

from .. import documents
from ..models import Case, CaseEvent, Criterion, EventKind, Party, PartyRole
from ..policy import policy_set
from ..services import case_act
from .helpers import county_admin, guardians, lead, walk

if TYPE_CHECKING:
    # What the test client returns, as django-stubs names it (no such class at run time).
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils missing: apt-get install -y poppler-utils"
)


def _poppler(tool: str, pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    args = [shutil.which(tool) or tool, str(path), *(["-"] if tool == "pdftotext" else [])]
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def _text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text with all white space removed: table cells wrap Chinese anywhere."""
    return re.sub(r"\s+", "", _poppler("pdftotext", pdf, tmp_path))


def _file(client: Client, case: Case) -> TestResponse:
    return client.get(reverse("cases:file_pdf", args=[case.pk]))


def _notice(client: Client, case: Case, party: Party) -> TestResponse:
    return client.get(reverse("cases:notice_pdf", args=[case.pk, party.pk]))


def _party(case: Case, role: str) -> Party:
    return case.parties.get(role=role)


@pytest.fixture
def rich_case(cast: Cast) -> Case:
    """A case in aftercare with a guardian contact and a visit on record."""
    guardians(cast)
    case = walk(cast, "aftercare")
    target = _party(case, PartyRole.TARGET)
    now = timezone.localtime()
    case = case_act(
        actor=lead(cast),
        case=case,
        action="contact_guardian",
        data={
            "party": target.pk,
            "guardian_name": "家长甲",
            "relation": "母亲",
            "method": "phone",
            "contacted_at": now.strftime("%Y-%m-%dT%H:%M"),
            "said": "告知调查进展，家长同意配合。",
        },
    )
    return case_act(
        actor=lead(cast),
        case=case,
        action="record_visit",
        data={
            "visit": "visit_1w",
            "visited_on": now.date().isoformat(),
            "party": target.pk,
            "stopped": "yes",
            "note": "孩子情绪稳定，未再发生。",
        },
    )


# --- the case file ---------------------------------------------------------------------------


@needs_poppler
def test_case_file_is_a_pdf_with_cover_criteria_and_page_numbers(cast, login, rich_case, tmp_path):
    response = _file(login(cast.users["principal"]), rich_case)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _text(response.content, tmp_path)
    for expected in (
        "学生欺凌事件处置档案",
        "实验中学",
        rich_case.number,
        "跟踪回访",
        "较重",
        "政教主任甲",
        "经调查，两名同学多次起侮辱性绰号。",
        "出席委员7人，共9人",
        "双方家长列席并陈述意见",
        "8小时矫治计划",
        "心理教师甲",
        "孩子情绪稳定，未再发生。",
        "告知调查进展，家长同意配合。",
        "经办人",
        "校长",
        "委员会主任",
        "第1页",
        "共",
    ):
        assert expected in text, expected
    for c in Criterion:
        assert re.sub(r"\s+", "", str(c.label)) in text, c.label


@needs_poppler
def test_case_file_for_the_principal_names_the_children_and_guardians(cast, login, rich_case, tmp_path):
    text = _text(_file(login(cast.users["principal"]), rich_case).content, tmp_path)
    assert "李小雨" in text and "王小磊" in text and "家长甲" in text


@needs_poppler
def test_safety_officers_copy_masks_children_and_guardians(cast, login, rich_case, tmp_path):
    response = _file(login(cast.users["safety_officer"]), rich_case)
    assert response.status_code == 200
    text = _text(response.content, tmp_path)
    assert "李*雨" in text and "王*磊" in text and "家*甲" in text
    assert "李小雨" not in text and "王小磊" not in text and "家长甲" not in text
    assert "姓名已隐去部分字符" in text


@needs_poppler
def test_case_file_shows_times_in_beijing_time_whatever_the_server_zone(
    cast, login, rich_case, settings, tmp_path
):
    CaseEvent.objects.create(
        case=rich_case,
        kind=EventKind.NOTE,
        at=datetime(2025, 3, 4, 14, 40, tzinfo=UTC),
        actor=lead(cast),
        title="宿管夜间巡查记录",
        body="熄灯后巡查",
    )
    settings.TIME_ZONE = "UTC"
    text = _text(_file(login(cast.users["principal"]), rich_case).content, tmp_path)
    assert "2025-03-0422:40政教主任甲宿管夜间巡查记录" in text
    assert "14:40" not in text


@needs_poppler
def test_case_file_embeds_the_wenquanyi_font(cast, login, rich_case, tmp_path):
    fonts = _poppler("pdffonts", _file(login(cast.users["principal"]), rich_case).content, tmp_path)
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk, fonts
    # Columns: name, type, encoding, emb, sub, uni, object, generation.
    assert all(line.split()[-5] == "yes" for line in cjk), fonts


def test_case_file_download_has_a_chinese_name(cast, login, rich_case):
    response = _file(login(cast.users["principal"]), rich_case)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="case-{rich_case.number}.pdf"' in disposition
    assert "filename*=UTF-8''" + quote(f"实验中学-{rich_case.number}-案件档案.pdf") in disposition
    assert "no-store" in response["Cache-Control"]


def test_printing_the_case_file_is_audited_as_an_opening_and_a_print(cast, login, rich_case):
    principal = cast.users["principal"]
    _file(login(principal), rich_case)
    actions = list(
        AuditEvent.objects.filter(actor=principal, subject_id=str(rich_case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["case.viewed", "case.file_printed"]


def test_teacher_of_other_school_gets_404_and_nothing_is_audited(cast, login, rich_case):
    client = login(cast.outsider)
    assert _file(client, rich_case).status_code == 404
    assert _notice(client, rich_case, _party(rich_case, PartyRole.TARGET)).status_code == 404
    assert not AuditEvent.objects.filter(actor=cast.outsider).exists()


def test_principal_of_another_county_gets_404(cast, login, rich_case):
    assert _file(login(cast.far_outsider), rich_case).status_code == 404


def test_unknown_case_is_404(cast, login):
    assert login(cast.users["principal"]).get(reverse("cases:file_pdf", args=[999999])).status_code == 404


def test_viewer_without_the_handle_right_gets_404(cast, login, rich_case):
    # The inspector may look at the county's cases but does not handle them.
    assert _file(login(cast.users["inspector"]), rich_case).status_code == 404


def test_bureau_gets_404_for_an_ordinary_case(cast, login, rich_case):
    assert _file(login(county_admin(cast)), rich_case).status_code == 404


@needs_poppler
def test_bureau_prints_a_serious_case_with_names(cast, login, tmp_path):
    case = walk(cast, "determined", gravity="serious")
    response = _file(login(county_admin(cast)), case)
    assert response.status_code == 200
    text = _text(response.content, tmp_path)
    assert "严重" in text and "李小雨" in text


def test_anonymous_visitor_is_sent_to_login(cast, client, rich_case):
    response = _file(client, rich_case)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_posting_to_the_pdf_is_refused(cast, login, rich_case):
    client = login(cast.users["principal"])
    assert client.post(reverse("cases:file_pdf", args=[rich_case.pk])).status_code == 405
    assert (
        client.post(
            reverse("cases:notice_pdf", args=[rich_case.pk, _party(rich_case, "target").pk])
        ).status_code
        == 405
    )


def test_missing_chinese_font_gives_503_with_install_command(cast, login, rich_case, monkeypatch):
    monkeypatch.setattr(documents, "cjk_font_file", lambda: None)
    client = login(cast.users["principal"])
    for response in (
        _file(client, rich_case),
        _notice(client, rich_case, _party(rich_case, PartyRole.TARGET)),
    ):
        assert response.status_code == 503
        body = response.content.decode()
        assert 'data-code="font_missing"' in body
        assert "apt-get install -y fonts-wqy-microhei" in body
    assert not AuditEvent.objects.filter(action__in=["case.file_printed", "case.notice_printed"]).exists()


# --- the notice to a child's guardians --------------------------------------------------------


@needs_poppler
def test_notice_for_the_target_names_only_that_child_and_gives_the_appeal_days(
    cast, login, rich_case, tmp_path
):
    response = _notice(login(cast.users["principal"]), rich_case, _party(rich_case, PartyRole.TARGET))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = _text(response.content, tmp_path)
    for expected in (
        "学生欺凌认定结果告知书",
        "实验中学",
        "李小雨",
        "受欺凌学生",
        "构成学生欺凌",
        "言语/人格尊严、网络",
        "较重",
        "收到本告知书之日起5日内",
        "城关区教育和体育局",
        "相关学生",
        "学校盖章",
        "送达回执",
    ):
        assert expected in text, expected
    assert "王小磊" not in text and "王*磊" not in text
    # The bully's correction plan is not the target family's business.
    assert "矫治计划" not in text


@needs_poppler
def test_notice_for_the_bully_lists_that_childs_measures(cast, login, rich_case, tmp_path):
    response = _notice(login(cast.users["principal"]), rich_case, _party(rich_case, PartyRole.BULLY))
    text = _text(response.content, tmp_path)
    assert "王小磊" in text and "实施欺凌的学生" in text and "8小时矫治计划" in text
    assert "李小雨" not in text


@needs_poppler
def test_notice_appeal_period_comes_from_the_cases_policy(cast, login, tmp_path):
    policy_set(actor=county_admin(cast), unit=cast.county, rules={"appeal": {"days": 7, "unit": "working"}})
    case = walk(cast, "determined")
    text = _text(
        _notice(login(cast.users["principal"]), case, _party(case, PartyRole.TARGET)).content, tmp_path
    )
    assert "收到本告知书之日起7个工作日内" in text
    assert "收到本告知书之日起5日内" not in text


@needs_poppler
def test_notice_of_a_finding_of_no_bullying_says_so(cast, login, tmp_path):
    case = walk(cast, "not_bullying", bullying=False)
    text = _text(
        _notice(login(cast.users["principal"]), case, _party(case, PartyRole.BULLY)).content, tmp_path
    )
    assert "不构成学生欺凌，属于打闹嬉戏" in text
    assert "实施欺凌" not in text


@needs_poppler
def test_after_a_re_examination_both_documents_show_its_decision(cast, login, tmp_path):
    case = walk(cast, "measures")
    today = timezone.localdate().isoformat()
    target = _party(case, PartyRole.TARGET)
    case = case_act(
        actor=lead(cast),
        case=case,
        action="apply_reexam",
        data={"applicant": target.pk, "applied_on": today, "reason": "家长认为情节应为严重"},
    )
    admin = county_admin(cast)
    case = case_act(
        actor=admin,
        case=case,
        action="assign_panel",
        data={
            "school_member": "外校代表赵老师",
            "parent_member": "家长代表钱女士",
            "expert_member": "孙律师",
            "expert_affiliation": "某律师事务所",
        },
    )
    case = case_act(
        actor=admin,
        case=case,
        action="decide_reexam",
        data={"finding": "uphold", "decided_on": today, "note": "认定事实清楚，维持原认定。"},
    )
    client = login(cast.users["principal"])
    text = _text(_file(client, case).content, tmp_path)
    for expected in (
        "受欺凌学生",
        "家长认为情节应为严重",
        "校外专家：孙律师（某律师事务所）",
        "维持原认定",
        "认定事实清楚，维持原认定。",
    ):
        assert expected in text, expected
    text = _text(_notice(client, case, target).content, tmp_path)
    assert "城关区教育和体育局已于" in text and "维持原认定" in text
    assert "如对本认定结果有异议" not in text


def test_notice_is_audited_with_the_party(cast, login, rich_case):
    principal = cast.users["principal"]
    bully = _party(rich_case, PartyRole.BULLY)
    _notice(login(principal), rich_case, bully)
    event = AuditEvent.objects.filter(actor=principal, action="case.notice_printed").get()
    assert event.subject_id == str(rich_case.pk)
    assert event.after == {"party": bully.pk, "role": "bully"}


def test_notice_download_name_has_no_childs_name(cast, login, rich_case):
    target = _party(rich_case, PartyRole.TARGET)
    disposition = _notice(login(cast.users["principal"]), rich_case, target)["Content-Disposition"]
    assert (
        "filename*=UTF-8''" + quote(f"{rich_case.number}-认定结果告知书-受欺凌学生-{target.pk}.pdf")
        in disposition
    )
    assert quote("李小雨") not in disposition


def test_notice_for_a_witness_is_404(cast, login, rich_case):
    case_act(actor=lead(cast), case=rich_case, action="add_party", data={"role": "witness", "name": "张小三"})
    witness = _party(rich_case, PartyRole.WITNESS)
    assert _notice(login(cast.users["principal"]), rich_case, witness).status_code == 404


def test_notice_for_a_party_of_another_case_is_404(cast, login, rich_case):
    other = walk(cast, "determined")
    response = _notice(login(cast.users["principal"]), rich_case, _party(other, PartyRole.TARGET))
    assert response.status_code == 404
    assert (
        login(cast.users["principal"])
        .get(reverse("cases:notice_pdf", args=[rich_case.pk, 999999]))
        .status_code
        == 404
    )


def test_notice_before_the_committee_decides_is_409_with_a_message(cast, login):
    case = walk(cast, "pending")
    response = _notice(login(cast.users["principal"]), case, _party(case, PartyRole.TARGET))
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-code="not_determined"' in body
    assert "尚未作出认定" in body


def test_notice_is_refused_to_staff_who_may_not_see_names(cast, login, rich_case):
    response = _notice(login(cast.users["safety_officer"]), rich_case, _party(rich_case, PartyRole.TARGET))
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-code="identities_hidden"' in body
    assert "李小雨" not in body
    assert not AuditEvent.objects.filter(
        actor=cast.users["safety_officer"], action="case.notice_printed"
    ).exists()
