"""Printable paper forms: filled from the ledger for a date range, or blank, never more than the
reader may see on screen."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.ledgers.care import services as care
from anxin.ledgers.gate import services as gate
from anxin.org import services as org
from anxin.testing import Cast

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not shutil.which("pdftotext"), reason="poppler-utils missing: apt-get install -y poppler-utils"
    ),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    )
    return re.sub(r"\s+", "", out.stdout)


def _visitor(cast: Cast, name: str, day: date) -> None:
    gate.visitor_record(
        actor=cast.users["gate_guard"],
        school=cast.school,
        client_key=uuid.uuid4(),
        name=name,
        id_last4="123X",
        reason="给孙子送午饭",
        host_text="初一(1)班",
        time_in=datetime(day.year, day.month, day.day, 11, 40, tzinfo=SHANGHAI),
    )


def test_the_gate_prints_the_visitor_book_for_a_date_range(cast: Cast, login, tmp_path) -> None:
    today = timezone.localdate()
    _visitor(cast, "李大爷", today - timedelta(days=2))
    _visitor(cast, "张奶奶", today - timedelta(days=40))
    client = login(cast.users["gate_guard"])
    page = client.get("/ledgers/print/")
    assert page.status_code == 200 and 'data-testid="print-visitors"' in page.content.decode()
    assert 'data-testid="print-talks"' not in page.content.decode()

    response = client.get("/ledgers/print/visitors/", {"from": (today - timedelta(days=7)).isoformat()})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content, tmp_path)
    assert "来访登记簿" in text and cast.school.name in text
    assert "李大爷" in text and "123X" in text and "给孙子送午饭" in text
    assert "张奶奶" not in text  # outside the range
    event = AuditEvent.objects.filter(action="ledger.form_printed").get()
    assert event.after["form"] == "visitors" and event.after["rows"] == 1


def test_a_blank_form_has_ruled_rows_and_no_records(cast: Cast, login, tmp_path) -> None:
    _visitor(cast, "李大爷", timezone.localdate())
    response = login(cast.users["gate_guard"]).get("/ledgers/print/visitors/", {"blank": "1"})
    assert response.status_code == 200
    text = _text(response.content, tmp_path)
    assert "来访登记簿" in text and "身份证后4位" in text and "李大爷" not in text


def test_talk_words_are_printed_only_for_those_who_may_read_them(cast: Cast, login, tmp_path) -> None:
    today = timezone.localdate()
    care.talk_record(
        actor=cast.users["class_teacher"],
        student=cast.student_a1,
        talked_on=today,
        topic="family",
        content="奶奶住院了，晚上一个人在家",
        mood="low",
        peers="fair",
    )
    mine = _text(login(cast.users["class_teacher"]).get("/ledgers/print/talks/").content, tmp_path)
    assert "奶奶住院了" in mine and cast.student_a1.name in mine
    boss = login(cast.users["principal"]).get("/ledgers/print/talks/")
    assert boss.status_code == 200
    theirs = _text(boss.content, tmp_path)
    assert "奶奶住院了" not in theirs and cast.student_a1.name not in theirs
    assert "仅谈话人、班主任和心理教师可阅" in theirs


def test_the_committee_form_lists_the_members_to_sign(cast: Cast, login, tmp_path) -> None:
    org.committee_member_add(
        actor=None, school=cast.school, name="赵律师", committee_role="expert", is_external=True
    )
    text = _text(login(cast.users["principal"]).get("/ledgers/print/committee/").content, tmp_path)
    assert "欺凌治理委员会会议记录" in text and "赵律师" in text and "签名" in text


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-13-01"}, "bad_period"),
        ({"from": "2026-10-01", "to": "2026-09-01"}, "bad_period"),
        ({"from": "2025-01-01", "to": "2026-09-01"}, "bad_period"),
    ],
)
def test_bad_dates_are_refused_in_chinese(cast: Cast, login, params, code) -> None:
    response = login(cast.users["gate_guard"]).get("/ledgers/print/visitors/", params)
    assert response.status_code == 400
    assert f'data-code="{code}"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="ledger.form_printed").exists()


def test_another_school_is_not_found_and_a_bad_school_number_is_refused(cast: Cast, login) -> None:
    client = login(cast.users["gate_guard"])
    assert client.get("/ledgers/print/visitors/", {"school": "999999999"}).status_code == 404
    assert client.get("/ledgers/print/visitors/", {"school": cast.school_b.pk}).status_code == 404
    for junk in ("abc", "99999999999999999999999", "²"):
        response = client.get("/ledgers/print/visitors/", {"school": junk})
        assert response.status_code == 400 and "参数“school”应为" in response.content.decode()


def test_people_without_the_ledger_get_404(cast: Cast, login) -> None:
    assert login(cast.users["gate_guard"]).get("/ledgers/print/talks/").status_code == 404
    assert login(cast.outsider).get("/ledgers/print/visitors/").status_code == 404
    assert login(cast.users["gate_guard"]).get("/ledgers/print/nothing/").status_code == 404
