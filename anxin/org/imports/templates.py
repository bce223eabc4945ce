"""The blank .xlsx templates the import pages offer, with a help sheet and drop-down lists."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from anxin.access.matrix import scope_q
from anxin.core.xlsx import safe_cell

from ..models import (
    ROLE_UNIT_KIND,
    Role,
    Unit,
    UnitKind,
    User,
)
from .format import (
    HELP_SHEET,
    MAX_ROWS,
    MAX_STAFF_ROWS,
    STAFF,
    STAFF_SHEET,
    STUDENT_SHEET,
    STUDENTS,
    _role_labels,
    staff_columns,
    student_columns,
)
from .reading import _column_letter

# --- Templates -------------------------------------------------------------------------------


def import_template(*, kind: str, actor: User | None, school: Unit | None = None) -> bytes:
    """The workbook to fill in: the data sheet, instructions, and the caller's classes or units."""
    columns = student_columns() if kind == STUDENTS else staff_columns()
    sheet_name = STUDENT_SHEET if kind == STUDENTS else STAFF_SHEET
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet_name
    bold = Font(bold=True)
    required_font = Font(bold=True, color="9C0006")
    fill = PatternFill("solid", fgColor="E2EFDA")
    extra_choices: dict[str, tuple[str, ...]] = {}

    listing: list[tuple[Any, ...]] = []
    listing_title = ""
    listing_header: tuple[str, ...] = ()
    if kind == STUDENTS and school is not None:
        listing_title = _("%(school)s 的班级") % {"school": school.name}
        listing_header = (_("年级"), _("年级数字"), _("班级（填班号）"), _("完整班级名称"))
        classes = Unit.objects.filter(school=school, kind=UnitKind.CLASS, is_active=True).select_related(
            "parent"
        )
        listing = [
            (k.parent.name, k.parent.number or "", k.number or k.name, k.display_name)
            for k in classes.order_by("path")
        ]
        # A quote would end the list literal of the validation formula early: such names are left out.
        grade_names = tuple(dict.fromkeys(row[0] for row in listing if '"' not in row[0]))
        if grade_names and len(",".join(grade_names)) < 250:
            extra_choices["年级"] = grade_names
    elif kind == STAFF:
        listing_title = _("您可以任命的单位")
        listing_header = (_("任职单位代码"), _("名称"), _("类型"))
        units = Unit.objects.filter(is_active=True).exclude(kind=UnitKind.GRADE)
        if actor is not None:
            units = units.filter(scope_q(actor, "staff", "change", path_field="path"))
        listing = [(u.code, u.display_name, u.get_kind_display()) for u in units.order_by("path")[:MAX_ROWS]]

    for idx, column in enumerate(columns):
        letter = _column_letter(idx)
        cell = ws.cell(row=1, column=idx + 1, value=column.header)
        cell.font = required_font if column.required else bold
        cell.fill = fill
        cell.comment = Comment(str(column.help), "anxin")
        ws.column_dimensions[letter].width = column.width
        if column.text:
            ws.column_dimensions[letter].number_format = "@"
        choices = column.choices or extra_choices.get(column.header, ())
        if choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning" if column.loose_choices else "stop",
                errorTitle=_("请从列表中选择"),
                error=str(column.help),
            )
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    ws.freeze_panes = "A2"

    notes = workbook.create_sheet(HELP_SHEET)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 70
    notes.column_dimensions["D"].width = 24
    wrap = Alignment(wrap_text=True, vertical="top")
    lines = [
        _(
            "在“%(sheet)s”表中从第 2 行起每行填写一条；第一行的列名不要修改（列的顺序可以调整，可不填的列可以删除）。"
        )
        % {"sheet": sheet_name},
        _(
            "导入是“全部或全不”：只要有一行有错，整份文件都不会导入。请按页面上列出的行号和列名修改后重新上传。"
        ),
        _("单个文件不超过 5 MB、%(max)d 行。") % {"max": MAX_ROWS if kind == STUDENTS else MAX_STAFF_ROWS},
    ]
    if kind == STUDENTS:
        lines.append(
            _("班级必须已在系统中建立：“年级”填年级名称或数字，“班级”填班号数字。导入不会新建班级。")
        )
    else:
        lines.append(
            _("同一人担任多个岗位时，用同一用户名填写多行，每行一个岗位，姓名须一致，初始密码只填一次。")
        )
        lines.append(_("文件中含有初始密码，导入完成后请删除文件；教职工首次登录时系统会要求其修改密码。"))
    notes.append([_("填写说明")])
    notes["A1"].font = Font(bold=True, size=14)
    for n, line in enumerate(lines, start=1):
        notes.append([f"{n}.", "", line])
        notes.cell(row=notes.max_row, column=3).alignment = wrap
    notes.append([])
    notes.append([_("列名"), _("是否必填"), _("填写说明"), _("示例")])
    for cell in notes[notes.max_row]:
        cell.font = bold
        cell.fill = fill
    for column in columns:
        notes.append(
            [
                column.header,
                _("必填") if column.required else _("可不填"),
                str(column.help),
                str(column.example),
            ]
        )
        notes.cell(row=notes.max_row, column=3).alignment = wrap
    if kind == STAFF:
        notes.append([])
        notes.append([_("角色"), "", _("任职单位类型")])
        for cell in notes[notes.max_row]:
            cell.font = bold
        for label, role in _role_labels().items():
            kinds = [UnitKind(ROLE_UNIT_KIND[role]).label]
            if role == Role.INSPECTOR:
                kinds.append(UnitKind.CITY.label)
            notes.append([label, "", "、".join(str(k) for k in kinds)])

    if listing_header:
        sheet = workbook.create_sheet(_("班级一览") if kind == STUDENTS else _("单位代码"))
        sheet.append([safe_cell(listing_title, sheet)])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append(list(listing_header))
        for cell in sheet[2]:
            cell.font = bold
            cell.fill = fill
        for values in listing:
            sheet.append([safe_cell(v, sheet) for v in values])
        for idx in range(len(listing_header)):
            sheet.column_dimensions[_column_letter(idx)].width = 24

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
