from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.testing import Cast

from .. import events, selectors
from ..models import Campaign, Response
from .helpers import answers_in, open_campaign

pytestmark = pytest.mark.django_db


def test_wilson_interval() -> None:
    lo, hi = selectors.wilson(3, 12)
    assert (round(lo, 3), round(hi, 3)) == (0.089, 0.532)
    assert selectors.wilson(0, 10)[0] == 0.0


def test_a_lone_small_cell_takes_its_smallest_neighbour_with_it() -> None:
    cells = selectors.suppress(
        [selectors.Cell("a", "甲", 12), selectors.Cell("b", "乙", 3), selectors.Cell("c", "丙", 7)]
    )
    assert [(c.key, c.hidden, c.secondary) for c in cells] == [
        ("a", False, False),
        ("b", True, False),
        ("c", True, True),
    ]
    two = selectors.suppress(
        [selectors.Cell("a", "甲", 2), selectors.Cell("b", "乙", 3), selectors.Cell("c", "丙", 9)]
    )
    assert [c.hidden for c in two] == [True, True, False]  # two hidden already: neither recoverable


def _school_a(cast: Cast, c: Campaign) -> None:
    answers_in(c, cast.class_a1, 12, bullied=3, place="toilet", time_band="break", comment="厕所里有人抢东西")
    answers_in(c, cast.class_a2, 3, bullied=1, gender="F")


def test_principal_sees_small_cells_hidden_and_cannot_recover_them(cast: Cast, login) -> None:  # noqa: ANN001
    c = open_campaign(cast)
    _school_a(cast, c)
    res = selectors.results(cast.users["principal"], c)
    assert res.school == cast.school and res.total.n == 15 and res.total.bullied == 4
    by_class = {cell.label: cell for cell in res.by_class}
    assert by_class["初一(2)班"].hidden and not by_class["初一(2)班"].secondary
    assert by_class["初一(1)班"].hidden and by_class["初一(1)班"].secondary
    by_gender = {cell.key: cell for cell in res.by_gender}
    assert by_gender["F"].hidden and by_gender["M"].hidden
    assert [(g.label, g.n) for g in res.by_grade] == [("初一", 15)]
    assert res.hotspots == [{"place": "厕所", "time_band": "课间", "n": 12}]
    assert len(res.comments) == 12
    assert res.climate == []  # nobody answered those items here
    page = login(cast.users["principal"]).get(f"/surveys/{c.pk}/results/").content.decode()
    assert "少于5份，已隐藏" in page and "已隐藏（防止相减推算）" in page
    assert "26.7%" in page  # 4 of 15
    assert AuditEvent.objects.filter(action=events.RESULTS_READ).count() == 1
    d = by_class["初一(2)班"].as_dict()
    assert d["n"] is None and d["prevalence"] is None


def test_free_text_needs_ten_answers(cast: Cast) -> None:
    c = open_campaign(cast)
    answers_in(c, cast.class_a1, 9, bullied=1, comment="说一句话")
    res = selectors.results(cast.users["principal"], c)
    assert res.comments == [] and res.comments_blocked is True


def test_county_rollup_needs_two_schools(cast: Cast, login) -> None:  # noqa: ANN001
    c = open_campaign(cast)
    _school_a(cast, c)
    admin = cast.users["county_admin"]
    res = selectors.results(admin, c)
    assert res.rollup_blocked and res.total.hidden
    page = login(admin).get(f"/surveys/{c.pk}/results/").content.decode()
    assert "不显示汇总结果" in page
    answers_in(c, cast.class_b1, 6, bullied=2)
    res = selectors.results(admin, c)
    assert not res.rollup_blocked and res.total.n == 21
    assert {cell.label: cell.hidden for cell in res.by_school} == {"实验中学": False, "城关小学": False}
    one = selectors.results(admin, c, school=cast.school_b)
    assert one.total.n == 6 and one.total.bullied == 2
    # The principal of another county cannot read this school's results.
    with pytest.raises(Exception) as exc:
        selectors.results(cast.far_outsider, c, school=cast.school)
    assert getattr(exc.value, "status", None) == 404
    assert login(admin).get(f"/surveys/{c.pk}/results/?school={cast.school_c.pk}").status_code == 404
    assert login(admin).get(f"/surveys/{c.pk}/results/?school=abc").status_code == 400


def test_trend_compares_with_last_term(cast: Cast) -> None:
    today = timezone.localdate()
    last = open_campaign(cast, title="春季", starts_on=today, ends_on=today + timedelta(days=1))
    Campaign.objects.filter(pk=last.pk).update(
        starts_on=today - timedelta(days=150), ends_on=today - timedelta(days=140)
    )
    answers_in(last, cast.class_a1, 10, bullied=5)
    now = open_campaign(cast, title="秋季")
    answers_in(now, cast.class_a1, 10, bullied=2)
    res = selectors.results(cast.users["principal"], now)
    assert [(t["title"], t["rate"]) for t in res.trend] == [("春季", 0.5), ("秋季", 0.2)]


def test_class_teacher_reads_no_results(cast: Cast, login) -> None:  # noqa: ANN001
    c = open_campaign(cast)
    answers_in(c, cast.class_a1, 12)
    assert login(cast.users["class_teacher"]).get(f"/surveys/{c.pk}/results/").status_code == 404
    assert Response.objects.count() == 12


def test_climate_items_are_counted_with_small_cells_hidden(cast: Cast) -> None:
    c = open_campaign(cast)
    answers_in(c, cast.class_a1, 8, answers={"teachers": "often"})
    answers_in(c, cast.class_a1, 3, answers={"teachers": "rarely"})
    res = selectors.results(cast.users["principal"], c)
    [(title, cells)] = res.climate
    assert "老师" in title
    assert [(x.label, x.hidden) for x in cells] == [("经常管", True), ("很少管或不管", True)]


def test_excel_report_keeps_the_hidden_cells_hidden(cast: Cast, login) -> None:  # noqa: ANN001
    from io import BytesIO

    from openpyxl import load_workbook

    c = open_campaign(cast)
    _school_a(cast, c)
    r = login(cast.users["principal"]).get(f"/surveys/{c.pk}/results.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(r.content))
    classes = [tuple(x) for x in book["班级"].iter_rows(values_only=True)]
    assert [row[:3] for row in classes[1:]] == [("初一(1)班", "已隐藏", None), ("初一(2)班", "已隐藏", None)]
    assert ("答卷", 15) in [tuple(x)[:2] for x in book["概况"].iter_rows(values_only=True)]
    assert login(cast.far_outsider).get(f"/surveys/{c.pk}/results.xlsx").status_code == 404
    assert (
        login(cast.users["county_admin"])
        .get(f"/surveys/{c.pk}/results.xlsx?school={cast.school_c.pk}")
        .status_code
        == 404
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_pdf_report_shows_the_page_figures_with_the_same_cells_hidden(cast: Cast, login) -> None:  # noqa: ANN001
    import subprocess

    from anxin.core.pdf import cjk_font_file

    if cjk_font_file() is None:
        pytest.skip("fonts-wqy-microhei missing")
    c = open_campaign(cast)
    _school_a(cast, c)
    r = login(cast.users["principal"]).get(f"/surveys/{c.pk}/results.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=r.content, capture_output=True
    ).stdout.decode()
    assert c.title in text and "初一(1)班" in text and "已隐藏" in text
    assert "15" in text  # the total of answers, as on the page
    assert login(cast.far_outsider).get(f"/surveys/{c.pk}/results.pdf").status_code == 404
    bad = login(cast.users["county_admin"]).get(f"/surveys/{c.pk}/results.pdf?school=abc")
    assert bad.status_code == 400 and "school" in bad.content.decode()


def test_whom_the_bullied_told_is_counted_per_option_with_small_cells_hidden(cast: Cast) -> None:
    c = open_campaign(cast)
    answers_in(c, cast.class_a1, 6, bullied=6, answers={"told": ["class_teacher", "family"]})
    answers_in(c, cast.class_a1, 2, bullied=2, answers={"told": ["friend"]})
    answers_in(c, cast.class_a1, 4)
    res = selectors.results(cast.users["principal"], c)
    told = dict(res.climate)["你告诉过谁？（可多选）"]
    shown = {x.key: (x.n, x.hidden) for x in told}
    assert shown["class_teacher"] == (6, False) and shown["family"] == (6, False)
    assert shown["friend"] == (2, True)
