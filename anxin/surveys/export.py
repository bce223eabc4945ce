"""The results as an Excel workbook for a school's or a county's report: the same figures as the page,
with the same cells hidden (a hidden cell is written as 已隐藏, never its number), no free text."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _

from anxin.core.xlsx import safe_cell

from .selectors import Cell, Results


def _pct(value: float | None) -> Any:
    return "" if value is None else round(value * 100, 1)


def results_xlsx(res: Results) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    head = book.create_sheet(_("概况"))

    def row(sheet: Any, *values: Any) -> None:
        sheet.append([safe_cell(v, sheet) for v in values])

    row(head, _("调查"), res.campaign.title)
    row(head, _("范围"), res.scope_label)
    row(head, _("时间"), f"{res.campaign.starts_on:%Y-%m-%d} — {res.campaign.ends_on:%Y-%m-%d}")
    if res.rollup_blocked or res.total.hidden:
        row(head, _("说明"), _("答卷或学校太少，结果不显示。"))
    else:
        row(head, _("答卷"), res.total.n)
        row(head, _("被欺凌率（%）"), _pct(res.total.rate))
        iv = res.total.interval
        row(head, _("95%置信区间（%）"), f"{_pct(iv[0])}–{_pct(iv[1])}" if iv else "")
    row(
        head,
        _("说明"),
        _("被欺凌率＝回答“每月两三次”及以上的比例；少于5份的格子及补充隐藏的格子显示为“已隐藏”。"),
    )

    def cells(title: str, items: list[Cell]) -> None:
        if not items:
            return
        sheet = book.create_sheet(title)
        row(
            sheet,
            title,
            _("答卷"),
            _("被欺凌率（%）"),
            _("95%下限"),
            _("95%上限"),
            _("参与欺凌（%）"),
            _("感到不安全（%）"),
        )
        for c in items:
            if c.hidden:
                row(sheet, c.label, _("已隐藏"))
                continue
            iv = c.interval or (None, None)
            row(
                sheet,
                c.label,
                c.n,
                _pct(c.rate),
                _pct(iv[0]),
                _pct(iv[1]),
                _pct(c.perp_rate),
                _pct(c.unsafe_rate),
            )

    cells(_("学校"), res.by_school)
    cells(_("年级"), res.by_grade)
    cells(_("班级"), res.by_class)
    cells(_("性别"), res.by_gender)
    if res.forms:
        sheet = book.create_sheet(_("欺凌形式"))
        row(sheet, _("形式"), _("比例（%）"), _("95%下限"), _("95%上限"))
        for f in res.forms:
            row(sheet, f["label"], _pct(f["rate"]), _pct(f["low"]), _pct(f["high"]))
    if res.hotspots:
        sheet = book.create_sheet(_("高发地点与时段"))
        row(sheet, _("地点"), _("时间段"), _("人数"))
        for h in res.hotspots:
            row(sheet, h["place"], h["time_band"], h["n"])
    if res.trend:
        sheet = book.create_sheet(_("往期比较"))
        row(sheet, _("调查"), _("开始日期"), _("答卷"), _("被欺凌率（%）"))
        for t in res.trend:
            row(sheet, t["title"], t["starts_on"].isoformat(), t["n"] or "", _pct(t["rate"]))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
