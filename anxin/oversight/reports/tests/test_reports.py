from __future__ import annotations

import io
import shutil
from datetime import date

import pytest
from django.test import Client
from openpyxl import load_workbook

from anxin.audit.models import AuditEvent
from anxin.cases.tests.helpers import walk
from anxin.core.pdf import cjk_font_file
from anxin.intake import services as intake
from anxin.ledgers.errors import LedgerError
from anxin.testing import Cast, frozen_time

from .. import events, services
from ..errors import ReportError
from ..models import ReportArchive
from ..periods import ended_with, period_of
from ..stats import compute

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 10)
NAMES = ("李小雨", "王小磊", "陈小明", "周小红", "吴小军", "李*雨", "王*磊")


def _cells(data: bytes) -> list[list[object]]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]


def _text(data: bytes) -> str:
    return "\n".join(" ".join("" if v is None else str(v) for v in row) for row in _cells(data))


@pytest.fixture
def data(cast: Cast) -> Cast:
    with frozen_time(DAY):
        walk(cast, "determined", gravity="serious")
        walk(cast, "not_bullying", bullying=False)
        walk(cast, "investigating")
        intake.report_record(
            actor=cast.users["class_teacher"],
            school=cast.school,
            channel="parent",
            text="家长来电：孩子被同学叫外号，照片被发到班级群",
            reporter_name="某家长",
            reporter_relation="母亲",
        )
    return cast


def test_periods() -> None:
    assert period_of("monthly", date(2026, 2, 14)).end == date(2026, 2, 28)
    term = period_of("term", date(2027, 1, 5))
    assert (term.start, term.end, term.label) == (
        date(2026, 9, 1),
        date(2027, 1, 31),
        "2026—2027学年第一学期",
    )
    assert period_of("term", date(2026, 5, 1)).start == date(2026, 2, 1)
    assert [p.kind for p in ended_with(date(2026, 12, 31))] == ["monthly", "annual"]
    assert [p.kind for p in ended_with(date(2027, 1, 31))] == ["monthly", "term"]
    assert [p.kind for p in ended_with(date(2026, 10, 31))] == ["monthly"]


def test_figures_by_school(data: Cast) -> None:
    with frozen_time(DAY):
        table = compute(data.county, period_of("monthly", DAY))
    rows = dict(table.rows)
    school = rows["实验中学"]
    assert school["cases_opened"] == 3
    assert school["det_serious"] == 1 and school["det_not"] == 1 and school["det_general"] == 0
    assert school["channel_parent"] == 1 and school["reports_total"] == 1
    assert school["kind_verbal"] == 1 and school["kind_cyber"] == 1 and school["kind_physical"] == 0
    assert rows["城关小学"]["cases_opened"] == 0
    assert "东城中学" not in rows  # another county
    assert table.total["cases_opened"] == 3


def test_statistical_report_excel_and_pdf_archived(data: Cast, login) -> None:  # noqa: ANN001
    admin = data.users["county_admin"]
    with frozen_time(DAY):
        result = services.report_generate(actor=admin, unit=data.county, period=period_of("monthly", DAY))
    fmts = sorted(e.fmt for e in result.entries)
    if cjk_font_file() is None:
        assert result.font_missing and fmts == ["xlsx"]
    else:
        assert fmts == ["pdf", "xlsx"]
    xlsx = next(e for e in result.entries if e.fmt == "xlsx")
    # Encrypted at rest: the stored bytes are not a zip.
    with open(xlsx.file.path, "rb") as raw:
        assert not raw.read(4).startswith(b"PK")
    client: Client = login(admin)
    response = client.get(f"/oversight/reports/{xlsx.pk}/download/")
    assert response.status_code == 200
    body = response.content
    cells = _cells(body)
    header = next(r for r in cells if r and r[0] == "学校")
    for label in (
        "爱心信箱（网上）",
        "家长反映",
        "肢体",
        "网络",
        "严重欺凌",
        "不构成欺凌",
        "复查申请",
        "移送公安",
        "逾期期限",
        "1530安全教育完成率%",
    ):
        assert label in header
    total = next(r for r in cells if r and r[0] == "合计")
    assert total[header.index("新立案件")] == 3
    assert not any(name in _text(body) for name in NAMES)
    assert AuditEvent.objects.filter(action=events.REPORT_DOWNLOADED, subject_id=str(xlsx.pk)).count() == 1
    assert AuditEvent.objects.filter(action=events.REPORT_GENERATED).count() == 1
    page = client.get("/oversight/reports/").content.decode()
    assert "2026年11月" in page and f"/oversight/reports/{xlsx.pk}/download/" in page


@pytest.mark.skipif(cjk_font_file() is None, reason="fonts-wqy-microhei missing")
def test_pdf_is_generated(data: Cast) -> None:
    with frozen_time(DAY):
        result = services.report_generate(actor=None, unit=data.city, period=period_of("term", DAY))
    pdf = next(e for e in result.entries if e.fmt == "pdf")
    with pdf.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF") and len(content) > 1000
    if shutil.which("pdftotext"):
        import subprocess
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(content)
            f.flush()
            text = subprocess.run(
                ["pdftotext", f.name, "-"], capture_output=True, text=True, check=True
            ).stdout
        assert "实验中学" in text and "东城中学" in text
        assert not any(name in text for name in NAMES)


def test_pdf_font_missing_keeps_the_excel(data: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    from anxin.core import pdf

    monkeypatch.setattr(pdf, "cjk_font_file", lambda: None)
    with frozen_time(DAY):
        result = services.report_generate(actor=None, unit=data.county, period=period_of("monthly", DAY))
    assert result.font_missing is True
    assert [e.fmt for e in result.entries] == ["xlsx"]


def test_case_exports_have_no_names_and_are_audited(data: Cast, login) -> None:  # noqa: ANN001
    client: Client = login(data.users["county_admin"])
    with frozen_time(DAY):
        response = client.get("/oversight/reports/export/cases.xlsx")
        serious = client.get("/oversight/reports/export/cases.xlsx?serious=1")
        api = client.get("/api/oversight/reports/exports/cases?serious=true")
    assert response.status_code == 200 and serious.status_code == 200 and api.status_code == 200
    rows = _cells(response.content)
    assert rows[0][0] == "案件编号" and len(rows) == 4
    assert len(_cells(serious.content)) == 2 and len(_cells(api.content)) == 2
    for body in (response.content, serious.content):
        text = _text(body)
        assert not any(name in text for name in NAMES)
        assert "宿舍同学夜间殴打" not in text  # the title may name children: never exported
    assert AuditEvent.objects.filter(action=events.CASES_EXPORTED).count() == 3


def test_scheduled_generation_makes_last_month_once(data: Cast) -> None:
    from anxin.core.periodic import JOBS

    assert "oversight.reports_monthly" in JOBS
    with frozen_time(date(2026, 12, 1)):
        first = services.scheduled_generate()
        again = services.scheduled_generate()
    # Two cities (the cast's and the neighbour's) and three counties, one monthly report each.
    assert first["made"] == 5 and first["failed"] == 0
    assert again == {"made": 0, "skipped": 5, "failed": 0}
    entry = ReportArchive.objects.filter(unit=data.county, fmt="xlsx").get()
    assert entry.scheduled and entry.period_label == "2026年11月"


def test_scope(data: Cast, login) -> None:  # noqa: ANN001
    with frozen_time(DAY):
        mine = services.report_generate(
            actor=None, unit=data.county, period=period_of("monthly", DAY)
        ).entries[0]
        other = services.report_generate(
            actor=None, unit=data.county2, period=period_of("monthly", DAY)
        ).entries[0]
    c = login(data.users["county_admin"])
    assert c.get(f"/oversight/reports/{other.pk}/download/").status_code == 404
    assert c.get(f"/api/oversight/reports/{other.pk}/download").status_code == 404
    assert {a["id"] for a in c.get("/api/oversight/reports").json()} == {
        e.pk for e in ReportArchive.objects.filter(unit=data.county)
    }
    assert login(data.users["city_admin"]).get(f"/oversight/reports/{other.pk}/download/").status_code == 200
    inspector = login(data.users["inspector"])
    assert inspector.get(f"/oversight/reports/{mine.pk}/download/").status_code == 200
    assert inspector.get("/oversight/reports/export/cases.xlsx").status_code == 404
    assert (
        inspector.post(
            "/oversight/reports/generate/", {"unit": data.county.pk, "kind": "monthly", "period": "2026-11"}
        ).status_code
        == 404
    )
    for role in ("principal", "class_teacher"):
        c = login(data.users[role])
        assert c.get("/oversight/reports/").status_code == 404
        assert c.get(f"/oversight/reports/{mine.pk}/download/").status_code == 404
        assert c.get("/oversight/reports/export/cases.xlsx").status_code == 404
        assert c.get("/api/oversight/reports").status_code == 404


@pytest.mark.parametrize(
    ("post", "code"),
    [
        ({"kind": "weekly", "period": "2026-11"}, ReportError.UNKNOWN_REPORT_KIND),
        ({"kind": "monthly", "period": "2026-13"}, LedgerError.BAD_PERIOD),
        ({"kind": "monthly", "period": "soon"}, LedgerError.BAD_PERIOD),
        ({"kind": "monthly", "period": "2027-05"}, LedgerError.BAD_PERIOD),
        ({"kind": "monthly", "period": "2026-11", "unit": "county2"}, ReportError.UNIT_NOT_ALLOWED),
        ({"kind": "monthly", "period": "2026-11", "unit": "x"}, ReportError.UNIT_NOT_ALLOWED),
    ],
)
def test_generate_bad_input(cast: Cast, login, post: dict[str, str], code: str) -> None:  # noqa: ANN001
    unit = {"county2": str(cast.county2.pk), "x": "x"}.get(post.get("unit", ""), str(cast.county.pk))
    client: Client = login(cast.users["county_admin"])
    with frozen_time(DAY):
        response = client.post("/oversight/reports/generate/", {**post, "unit": unit})
        assert response.status_code == 400
        assert f'data-code="{code}"' in response.content.decode()
        api = client.post(
            "/api/oversight/reports",
            {"unit_id": int(unit) if unit.isdigit() else 0, "kind": post["kind"], "period": post["period"]},
            content_type="application/json",
        )
    assert api.status_code == 422 and api.json()["code"] == code
    assert ReportArchive.objects.count() == 0


def test_api_generate_and_list(cast: Cast, login) -> None:  # noqa: ANN001
    client: Client = login(cast.users["county_admin"])
    with frozen_time(DAY):
        response = client.post(
            "/api/oversight/reports",
            {"unit_id": cast.county.pk, "kind": "annual", "period": "2026-11-10"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    items = response.json()["items"]
    assert items[0]["period_label"] == "2026年" and items[0]["scheduled"] is False
    download = client.get(items[0]["download_url"])
    assert download.status_code == 200
    assert client.post("/api/oversight/reports", "{", content_type="application/json").status_code in (
        400,
        422,
    )


def test_on_demand_goes_to_the_worker_with_the_database_backend(cast: Cast, login, settings) -> None:  # noqa: ANN001
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client: Client = login(cast.users["county_admin"])
    with frozen_time(DAY):
        page = client.post(
            "/oversight/reports/generate/", {"unit": cast.county.pk, "kind": "monthly", "period": "2026-11"}
        )
        api = client.post(
            "/api/oversight/reports",
            {"unit_id": cast.county.pk, "kind": "term", "period": "2026-11"},
            content_type="application/json",
        )
        refused = client.post(
            "/api/oversight/reports",
            {"unit_id": cast.county.pk, "kind": "monthly", "period": "2027-03"},
            content_type="application/json",
        )
    assert page.status_code == 302
    assert api.status_code == 202 and api.json()["queued"] is True
    assert refused.status_code == 422  # refused before anything is queued
    assert ReportArchive.objects.count() == 0
    queued = list(DBTaskResult.objects.order_by("pk"))
    assert len(queued) == 2 and all(r.task_path.endswith("report_on_demand") for r in queued)
    from ..tasks import report_on_demand

    with frozen_time(DAY):
        for row in queued:
            report_on_demand.call(*row.args_kwargs["args"])
    assert ReportArchive.objects.filter(
        unit=cast.county, kind="monthly", generated_by=cast.users["county_admin"]
    ).exists()


def test_ledger_completeness_is_the_count_tables_not_a_rescan(cast: Cast) -> None:
    from anxin.ledgers.education.models import SafetySession
    from anxin.ledgers.education.schooldays import due_between
    from anxin.oversight.stats.services import rebuild

    month = period_of("monthly", DAY)
    with frozen_time(DAY):
        for due in due_between(month.start, DAY):  # one of the school's classes, every due day
            SafetySession.objects.create(
                school=cast.school,
                recorded_by=cast.users["principal"],
                klass=cast.class_a1,
                date=due.day,
                kind=due.kind,
            )
        before = dict(compute(cast.county, month).rows)[cast.school.name]["pct_1530"]
        rebuild(month.start, DAY)
        after = dict(compute(cast.county, month).rows)[cast.school.name]["pct_1530"]
    assert before is None  # nothing counted yet: no figure rather than a wrong one
    assert after == 50  # class A1 every due day, class A2 never
