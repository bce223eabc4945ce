"""The files of the reports upward: the statistical report as Excel and PDF, the case lists as Excel.

Every text cell goes through anxin.core.xlsx.safe_cell (no formula from data). No file carries a
student's name: the case lists name cases by number, and a case's title and narrative (which may
name children) are never read.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.cases.models import Case, Kind
from anxin.core.pdf import render_pdf
from anxin.core.xlsx import safe_cell

from .stats import Table, as_rows

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return timezone.localtime(v).replace(tzinfo=None)
    if v is None:
        return ""
    if isinstance(v, bool):
        return _("是") if v else _("否")
    if isinstance(v, (str, int, float, date)):
        return v
    return str(v)


def workbook_bytes(sheets: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        for row in rows:
            ws.append([safe_cell(_value(v), ws) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _about(table: Table) -> list[list[Any]]:
    return [
        [_("单位"), table.unit.name],
        [_("统计期间"), table.period.label],
        [_("起止日期"), f"{table.period.start:%Y-%m-%d} — {table.period.end:%Y-%m-%d}"],
        [_("生成时间"), timezone.localtime(table.generated_at).strftime("%Y-%m-%d %H:%M")],
        [
            _("说明"),
            _("官方统计数字，小数字不隐去；不含任何学生个人信息。完成率截至生成日，无应做事项时为“—”。"),
        ],
    ]


def stats_xlsx(table: Table) -> bytes:
    groups = [["", *[c.group for c in table.columns]]]
    return workbook_bytes([(_("统计表"), groups + as_rows(table)), (_("说明"), _about(table))])


def stats_pdf(table: Table, title: str) -> bytes:
    rows = as_rows(table)
    groups: list[list[Any]] = []  # [group label, number of columns under it]
    for col in table.columns:
        if groups and groups[-1][0] == col.group:
            groups[-1][1] += 1
        else:
            groups.append([col.group, 1])
    return render_pdf(
        "oversight/reports/stats_pdf.html",
        {"title": title, "groups": groups, "header": rows[0], "rows": rows[1:], "about": _about(table)},
    )


CASE_HEADER = (
    "案件编号", "学校", "行为类型", "状态", "认定", "情节", "严重案件", "立案日期", "发生日期",
    "最近期限", "期限情况", "移送公安日期", "结案时间",
)  # fmt: skip


def case_rows(cases: Iterable[Case], today: date) -> Iterable[list[Any]]:
    """One row per case, without a word of its title, narrative or parties."""
    kinds = dict(Kind.choices)
    yield [_(h) for h in CASE_HEADER]
    for c in cases:
        if c.next_due is None:
            deadline = _("待定") if c.due_unknown else "—"
        else:
            deadline = _("已逾期") if c.next_due < today else _("未到期")
        yield [
            c.number,
            c.school.name,
            "、".join(str(kinds.get(k, k)) for k in (c.kinds or [])),
            str(c.get_status_display()),
            "—" if c.is_bullying is None else (_("构成欺凌") if c.is_bullying else _("不构成欺凌")),
            str(c.get_gravity_display()) if c.gravity else "—",
            c.serious,
            c.opened_on,
            c.occurred_on,
            c.next_due,
            deadline,
            c.police_referred_on,
            c.closed_at,
        ]
