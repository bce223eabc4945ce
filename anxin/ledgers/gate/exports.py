"""The gate's Excel workbook: visitors, exits, leave passes and items for a date range, in scope."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.ledgers.base import xlsx_response

from . import selectors
from .selectors import EXIT, ITEM, LEAVE, VISITOR


def gate_workbook(user: Any, date_from: date | None, date_to: date | None) -> HttpResponse:
    span = {"date_from": date_from, "date_to": date_to}
    sheets: list[tuple[str, list[str], Any]] = []
    if allowed(user, VISITOR, "view"):
        sheets.append(
            (
                _("来访登记"),
                [
                    _("学校"),
                    _("姓名"),
                    _("身份证后4位"),
                    _("电话"),
                    _("被访人"),
                    _("事由"),
                    _("携带物品"),
                    _("进校时间"),
                    _("离校时间"),
                    _("登记人"),
                ],
                (
                    [
                        v.school.name,
                        v.name,
                        v.id_last4,
                        v.phone,
                        v.host_label,
                        v.reason,
                        v.items,
                        v.time_in,
                        v.time_out,
                        str(v.recorded_by),
                    ]
                    for v in selectors.visitors_visible(user, **span).iterator()
                ),
            )
        )
    if allowed(user, EXIT, "view"):
        sheets.append(
            (
                _("学生出校"),
                [
                    _("学校"),
                    _("学生"),
                    _("班级"),
                    _("时间"),
                    _("结果"),
                    _("处理方式"),
                    _("备注"),
                    _("记录人"),
                ],
                (
                    [
                        e.school.name,
                        selectors.shown_name(user, e.student),
                        e.student.klass.display_name,
                        e.recorded_at,
                        e.get_outcome_display(),
                        e.get_action_display(),
                        e.note,
                        str(e.recorded_by),
                    ]
                    for e in selectors.exits_visible(user, **span)
                ),
            )
        )
    if allowed(user, LEAVE, "view"):
        sheets.append(
            (
                _("请假条"),
                [_("学校"), _("学生"), _("班级"), _("开始"), _("结束"), _("事由"), _("批准人")],
                (
                    [
                        p.school.name,
                        p.student.name,
                        p.student.klass.display_name,
                        p.starts_at,
                        p.ends_at,
                        p.reason,
                        str(p.recorded_by),
                    ]
                    for p in selectors.leaves_visible(user, **span)
                ),
            )
        )
    if allowed(user, ITEM, "view"):
        sheets.append(
            (
                _("危险物品"),
                [_("学校"), _("时间"), _("物品"), _("来自"), _("处理方式"), _("有照片"), _("记录人")],
                (
                    [
                        i.school.name,
                        i.recorded_at,
                        i.kind_label,
                        selectors.shown_name(user, i.student) if i.student_id else i.holder_label,
                        i.get_action_display(),
                        bool(i.photo),
                        str(i.recorded_by),
                    ]
                    for i in selectors.items_visible(user, **span)
                ),
            )
        )
    name = _("门卫台账")
    if date_from or date_to:
        name += f"_{date_from or ''}_{date_to or ''}"
    return xlsx_response(f"{name}.xlsx", sheets)
