"""Bulk import of students and staff from .xlsx: check every row first, then write all or nothing.

The column headers and the cell values 男/女/是/否 are the file format, not interface text, so they
are fixed Chinese strings and are not translated: a file filled in under one interface language
must import under another. Role and key-group labels are read and written in Chinese for the same
reason.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from anxin.access.matrix import allowed, can_at, require_at, scope_q
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, Invalid, NotFound
from anxin.core.xlsx import safe_cell

from . import events
from .errors import OrgError
from .models import (
    ROLE_UNIT_KIND,
    Gender,
    Guardian,
    KeyGroup,
    KeyGroupFlag,
    Role,
    RoleAssignment,
    Student,
    Unit,
    UnitKind,
    User,
)
from .signals import password_set_by_other

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
#: Each new account's password is hashed on purpose slowly (~0.3 s), and the import runs inside
#: one web request: 200 accounts take about a minute, inside the server's 120 s timeout.
MAX_STAFF_ROWS = 200
#: A 5 MB zip can unpack to gigabytes; a real roster of 5000 rows unpacks to a few MB.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: Columns read per row; anything to the right of this is ignored.
MAX_COLUMNS = 40
MAX_ERRORS_SHOWN = 200
#: SQLite caps the number of bound parameters per query.
_IN_CHUNK = 900

STUDENTS = "students"
STAFF = "staff"
STUDENT_SHEET = "学生名单"
STAFF_SHEET = "教职工名单"
HELP_SHEET = "填写说明"
ZH = "zh-hans"

_PHONE = re.compile(r"^(?=.{5,20}$)\+?[0-9][0-9-]+$")
_LIST_SPLIT = re.compile(r"[、,，;；]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


@dataclass(frozen=True)
class Column:
    header: str
    required: bool
    help: Any
    example: Any = ""
    choices: tuple[str, ...] = ()
    #: Keep the column as text in Excel so leading zeros and long numbers survive.
    text: bool = False
    width: int = 14
    #: Excel warns about a value outside ``choices`` but lets it stand (for lists like 留守儿童、单亲家庭).
    loose_choices: bool = False


def _key_group_labels() -> dict[str, str]:
    with translation.override(ZH):
        return {str(label): value for value, label in KeyGroup.choices}


def _role_labels() -> dict[str, str]:
    with translation.override(ZH):
        return {str(label): value for value, label in Role.choices}


def student_columns() -> tuple[Column, ...]:
    return (
        Column("学号", True, _l("在本校内唯一，不能与系统中已有的学生重复。"), "2025001", text=True),
        Column("姓名", True, _l("学生姓名，不超过 50 个字。"), _l("张小明")),
        Column("性别", True, _l("填“男”或“女”。"), "男", choices=("男", "女"), width=8),
        Column(
            "年级", True, _l("系统中的年级名称（如“初一”），或年级数字（初一为 7）。"), _l("初一"), width=10
        ),
        Column(
            "班级",
            True,
            _l(
                "班号数字，如 2 表示该年级的 (2) 班；也可以填完整班级名称，如“初一(2)班”。班级必须已在系统中建立，导入不会新建班级。"
            ),
            "2",
            text=True,
            width=10,
        ),
        Column("住校", False, _l("填“是”或“否”，不填视为“否”。"), "否", choices=("是", "否"), width=8),
        Column(
            "重点群体",
            False,
            _l("可填多项，用顿号“、”分隔，共用同一条原因。"),
            _l("留守儿童"),
            choices=tuple(_key_group_labels()),
            loose_choices=True,
        ),
        Column(
            "原因",
            False,
            _l("填写了重点群体时必填，不超过 200 个字。"),
            _l("父母在外务工，随祖母生活"),
            width=24,
        ),
        Column(
            "监护人姓名",
            False,
            _l("监护人三列要么都填，要么都不填；每行一位监护人，更多监护人请在学生页面添加。"),
            _l("张奶奶"),
        ),
        Column("监护人关系", False, _l("如 父亲、母亲、祖母。"), _l("祖母"), width=10),
        Column(
            "监护人电话",
            False,
            _l("手机或固定电话，如 13800000000 或 0531-12345678。"),
            "13800000000",
            text=True,
        ),
    )


def staff_columns() -> tuple[Column, ...]:
    return (
        Column(
            "用户名",
            True,
            _l("登录用的用户名，字母、数字或 @ . + - _，不能与已有账号重复。"),
            "zhangsan",
            text=True,
        ),
        Column("姓名", True, _l("不超过 50 个字。"), _l("张三")),
        Column("手机号", False, _l("手机或固定电话。"), "13800000000", text=True),
        Column(
            "角色",
            True,
            _l("从下拉列表中选择岗位名称。"),
            _l("班主任"),
            choices=tuple(_role_labels()),
            width=20,
        ),
        Column(
            "任职单位代码",
            True,
            _l("单位代码；班主任填班级代码，市、县/区岗位填局的代码，其他岗位填学校代码。"),
            "3701020001-G7-C1",
            text=True,
            width=22,
        ),
        Column(
            "初始密码",
            False,
            _l("可不填：不填则自动生成，导入成功后只显示一次。至少 8 位，不能全是数字。"),
            "",
            text=True,
        ),
    )


@dataclass(frozen=True)
class GeneratedPassword:
    row: int
    username: str
    full_name: str
    password: str


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    key_groups: int = 0
    guardians: int = 0
    assignments: int = 0
    generated_passwords: tuple[GeneratedPassword, ...] = ()


# --- Reading the workbook --------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    number: int
    values: dict[str, str]

    def __getitem__(self, header: str) -> str:
        return self.values.get(header, "")


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, row: int | None, column: str, message: str) -> None:
        self.items.append({"row": row, "column": column, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_rows(self) -> None:
        if not self.items:
            return
        total = len(self.items)
        if total > MAX_ERRORS_SHOWN:
            message = _(
                "共发现 %(n)d 处错误（下表列出前 %(shown)d 处），未导入任何数据。请修改后重新上传。"
            ) % {
                "n": total,
                "shown": MAX_ERRORS_SHOWN,
            }
        else:
            message = _("共发现 %(n)d 处错误，未导入任何数据。请修改后重新上传。") % {"n": total}
        raise Invalid(message, code=OrgError.IMPORT_ROW_ERRORS, detail=self.items[:MAX_ERRORS_SHOWN])


def _file_error(code: OrgError, message: str) -> Invalid:
    return Invalid(message, code=code, detail=[{"row": None, "column": "", "message": message}])


def _not_workbook() -> Invalid:
    return _file_error(
        OrgError.IMPORT_NOT_WORKBOOK,
        _(
            "无法读取文件：请上传 Excel 工作簿（.xlsx）。.xls、.csv 或设置了密码的文件请先用 Excel 另存为 .xlsx。"
        ),
    )


def _empty() -> Invalid:
    return _file_error(OrgError.IMPORT_EMPTY, _("文件中没有数据行。"))


def _read_bytes(fileobj: IO[bytes]) -> bytes:
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    data = fileobj.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _file_error(OrgError.IMPORT_TOO_LARGE, _("文件超过 5 MB，请拆分成多个文件后再导入。"))
    return data


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).translate(_INVISIBLE).strip()


def _header_name(text: str) -> str:
    """``性别（男/女）*`` reads as ``性别``: people annotate headers; the name is what counts."""
    name = unicodedata.normalize("NFKC", text).replace("*", "").replace(" ", "").strip()
    return re.sub(r"\(.*\)$", "", name)


def _column_letter(index: int) -> str:
    return get_column_letter(index + 1)


def _read_rows(
    fileobj: IO[bytes], *, sheet: str, columns: Sequence[Column], max_rows: int = MAX_ROWS
) -> list[_Row]:
    data = _read_bytes(fileobj)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _not_workbook()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_workbook() from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _file_error(OrgError.IMPORT_TOO_LARGE, _("文件内容过大，请拆分成多个文件后再导入。"))

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a zip that is not a workbook
        raise _not_workbook() from None
    try:
        header, body = _read_sheet(workbook, sheet, max_rows)
    except Invalid:
        raise
    except Exception:  # a workbook whose sheet XML is broken
        raise _not_workbook() from None
    finally:
        workbook.close()

    if not any(header) and not body:
        raise _empty()
    positions = _check_header(header, columns)
    if not body:
        raise _empty()
    return [
        _Row(number, {name: _cell_text(raw[idx]) for name, idx in positions.items()}) for number, raw in body
    ]


def _read_sheet(
    workbook: Any, sheet: str, max_rows: int = MAX_ROWS
) -> tuple[list[str], list[tuple[int, tuple[Any, ...]]]]:
    if sheet in workbook.sheetnames:
        ws = workbook[sheet]
    elif workbook.worksheets:
        ws = workbook.worksheets[0]
    else:
        raise _empty()
    # Some writers record a wrong sheet size; read what is there, not what the header claims.
    ws.reset_dimensions()
    rows: Iterator[tuple[Any, ...]] = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header = [_cell_text(v) for v in next(rows, ())]
    body: list[tuple[int, tuple[Any, ...]]] = []
    for number, raw in enumerate(rows, start=2):
        if all(_cell_text(v) == "" for v in raw):
            continue
        if len(body) >= max_rows:
            raise _file_error(
                OrgError.IMPORT_TOO_LARGE,
                _("数据超过 %(max)d 行，请拆分成多个文件后再导入。") % {"max": max_rows},
            )
        body.append((number, raw))
    return header, body


def _check_header(header: list[str], columns: Sequence[Column]) -> dict[str, int]:
    known = {c.header for c in columns}
    positions: dict[str, int] = {}
    errors = _Errors()
    unexpected: list[str] = []
    for idx, text in enumerate(header):
        if not text:
            continue
        name = _header_name(text)
        letter = _column_letter(idx)
        if name not in known:
            unexpected.append(text)
            errors.add(
                1, text, _("第 %(letter)s 列的列名“%(name)s”无法识别。") % {"letter": letter, "name": text}
            )
        elif name in positions:
            errors.add(1, text, _("第 %(letter)s 列与前面的列重名。") % {"letter": letter})
        else:
            positions[name] = idx
    missing = [c.header for c in columns if c.required and c.header not in positions]
    for name in missing:
        errors.add(1, name, _("缺少必填列“%(name)s”。") % {"name": name})
    if errors:
        parts = []
        if missing:
            parts.append(_("缺少列：%(names)s") % {"names": "、".join(missing)})
        if unexpected:
            parts.append(_("无法识别的列：%(names)s") % {"names": "、".join(unexpected)})
        if not parts:
            parts.append(_("列名重复"))
        message = _("表头不正确（%(what)s）。请使用导入模板，第一行必须是列名。") % {"what": "；".join(parts)}
        raise Invalid(message, code=OrgError.IMPORT_BAD_HEADER, detail=errors.items)
    return positions


def _filter_in(qs: QuerySet, lookup: str, values: Iterable[Any]) -> list[Any]:
    values = list(values)
    found: list[Any] = []
    for start in range(0, len(values), _IN_CHUNK):
        found.extend(qs.filter(**{lookup: values[start : start + _IN_CHUNK]}))
    return found


def _check_length(errors: _Errors, row: _Row, header: str, limit: int) -> None:
    if len(row[header]) > limit:
        errors.add(row.number, header, _("不能超过 %(n)d 个字。") % {"n": limit})


def _require(errors: _Errors, row: _Row, headers: Iterable[str]) -> bool:
    ok = True
    for header in headers:
        if not row[header]:
            errors.add(row.number, header, _("必填，不能为空。"))
            ok = False
    return ok


def _check_phone(errors: _Errors, row: _Row, header: str) -> None:
    phone = row[header]
    if phone and not _PHONE.match(phone):
        errors.add(row.number, header, _("电话号码格式不正确：只能有数字和“-”，5 到 20 位。"))


# --- Students --------------------------------------------------------------------------------


@dataclass
class _StudentPlan:
    student: Student
    groups: list[str]
    reason: str
    guardian: tuple[str, str, str] | None


def _class_finder(school: Unit) -> tuple[dict[str, list[Unit]], dict[tuple[int, str], Unit]]:
    """Lookups for 年级 (by name or number) and 班级 (by number or full name within a grade)."""
    grades: dict[str, list[Unit]] = {}
    for grade in Unit.objects.filter(school=school, kind=UnitKind.GRADE, is_active=True):
        keys = {unicodedata.normalize("NFKC", grade.name).replace(" ", "")}
        if grade.number:
            keys.add(str(grade.number))
        for key in keys:
            grades.setdefault(key, []).append(grade)
    classes: dict[tuple[int, str], Unit] = {}
    for klass in Unit.objects.filter(school=school, kind=UnitKind.CLASS, is_active=True).select_related(
        "parent"
    ):
        keys = {unicodedata.normalize("NFKC", n).replace(" ", "") for n in (klass.name, klass.display_name)}
        if klass.number:
            keys |= {str(klass.number), f"{klass.number}班", f"({klass.number})班"}
        for key in keys:
            classes[(klass.parent_id, key)] = klass
    return grades, classes


def _check_students(actor: User | None, school: Unit, rows: list[_Row]) -> list[_StudentPlan]:
    errors = _Errors()
    grades, classes = _class_finder(school)
    genders = {"男": Gender.MALE, "女": Gender.FEMALE}
    booleans = {"是": True, "否": False, "": False}
    groups_by_label = _key_group_labels()
    existing = set(Student.objects.filter(school=school).values_list("student_no", flat=True))
    seen: dict[str, int] = {}
    plans: list[_StudentPlan] = []
    care_rows: list[int] = []

    for row in rows:
        _require(errors, row, ("学号", "姓名", "性别", "年级", "班级"))
        student_no = unicodedata.normalize("NFKC", row["学号"]).strip()
        if student_no:
            if len(student_no) > 30:
                errors.add(row.number, "学号", _("不能超过 %(n)d 个字。") % {"n": 30})
            elif re.search(r"\s", student_no):
                errors.add(row.number, "学号", _("学号中不能有空格。"))
            elif student_no in seen:
                errors.add(
                    row.number,
                    "学号",
                    _("学号 %(no)s 与第 %(other)d 行重复。") % {"no": student_no, "other": seen[student_no]},
                )
            elif student_no in existing:
                errors.add(row.number, "学号", _("本校已有学号为 %(no)s 的学生。") % {"no": student_no})
            seen.setdefault(student_no, row.number)
        _check_length(errors, row, "姓名", 50)

        gender = genders.get(row["性别"])
        if row["性别"] and gender is None:
            errors.add(
                row.number, "性别", _("性别只能填“男”或“女”，不能填“%(value)s”。") % {"value": row["性别"]}
            )

        klass = None
        grade_key = unicodedata.normalize("NFKC", row["年级"]).replace(" ", "")
        if grade_key:
            found = grades.get(grade_key, [])
            if not found:
                errors.add(row.number, "年级", _("本校没有年级“%(value)s”。") % {"value": row["年级"]})
            elif len(found) > 1:
                errors.add(
                    row.number,
                    "年级",
                    _("本校有多个名为“%(value)s”的年级，请改填年级数字。") % {"value": row["年级"]},
                )
            elif row["班级"]:
                class_key = unicodedata.normalize("NFKC", row["班级"]).replace(" ", "")
                klass = classes.get((found[0].pk, class_key))
                if klass is None:
                    errors.add(
                        row.number,
                        "班级",
                        _("%(grade)s没有班级“%(value)s”，请先在组织机构中建立该班级。")
                        % {"grade": found[0].name, "value": row["班级"]},
                    )

        boarder = booleans.get(row["住校"])
        if boarder is None:
            errors.add(row.number, "住校", _("住校只能填“是”或“否”。"))

        groups: list[str] = []
        for label in (p.strip() for p in _LIST_SPLIT.split(row["重点群体"])):
            if not label:
                continue
            value = groups_by_label.get(label) or (label if label in KeyGroup.values else None)
            if value is None:
                errors.add(
                    row.number,
                    "重点群体",
                    _("无法识别的重点群体“%(value)s”，可填：%(allowed)s。")
                    % {"value": label, "allowed": "、".join(groups_by_label)},
                )
            elif value not in groups:
                groups.append(value)
        if row["重点群体"] and not row["原因"]:
            errors.add(row.number, "原因", _("填写了重点群体时必须填写原因。"))
        if row["原因"] and not row["重点群体"]:
            errors.add(row.number, "重点群体", _("填写了原因，但没有填写重点群体。"))
        _check_length(errors, row, "原因", 200)

        guardian = None
        guardian_cols = ("监护人姓名", "监护人关系", "监护人电话")
        if any(row[c] for c in guardian_cols):
            if _require(errors, row, guardian_cols):
                guardian = (row["监护人姓名"], row["监护人关系"], row["监护人电话"])
            _check_length(errors, row, "监护人姓名", 50)
            _check_length(errors, row, "监护人关系", 20)
            _check_phone(errors, row, "监护人电话")
        if row["重点群体"] or guardian is not None:
            care_rows.append(row.number)

        if klass is not None and gender is not None:
            plans.append(
                _StudentPlan(
                    student=Student(
                        school=school,
                        klass=klass,
                        name=row["姓名"],
                        gender=gender,
                        student_no=student_no,
                        boarder=bool(boarder),
                    ),
                    groups=groups,
                    reason=row["原因"],
                    guardian=guardian,
                )
            )

    # Family situation and guardians' phones are a separate right (student_care) from the roster.
    if care_rows and actor is not None and not can_at(actor, "student_care", "change", school.path):
        errors.add(
            care_rows[0],
            "重点群体",
            _(
                "您没有录入重点群体和监护人信息的权限（共 %(n)d 行填写了这些列）。请清空重点群体、原因和监护人各列后再导入。"
            )
            % {"n": len(care_rows)},
        )
    errors.raise_rows()
    return plans


def students_import(*, actor: User | None, school: Unit, fileobj: IO[bytes]) -> ImportResult:
    """Add every student in the workbook to classes of ``school``, or none if any row is wrong."""
    if school.kind != UnitKind.SCHOOL or not school.is_active:
        raise NotFound()
    require_at(actor, "student", "import", school.path)
    rows = _read_rows(fileobj, sheet=STUDENT_SHEET, columns=student_columns())
    plans = _check_students(actor, school, rows)
    with transaction.atomic():
        try:
            students = Student.objects.bulk_create([p.student for p in plans], batch_size=500)
        except IntegrityError:
            raise Conflict(
                _("导入时有其他人添加了相同学号的学生，未导入任何数据，请重新上传。"),
                code=OrgError.IMPORT_CONFLICT,
            ) from None
        flags = [
            KeyGroupFlag(student=s, group=g, reason=p.reason)
            for s, p in zip(students, plans, strict=True)
            for g in p.groups
        ]
        guardians = [
            Guardian(student=s, name=p.guardian[0], relation=p.guardian[1], phone=p.guardian[2])
            for s, p in zip(students, plans, strict=True)
            if p.guardian is not None
        ]
        KeyGroupFlag.objects.bulk_create(flags, batch_size=500)
        Guardian.objects.bulk_create(guardians, batch_size=500)
        audit_record(
            actor=actor,
            action=events.STUDENT_IMPORTED,
            unit=school,
            subject=school,
            after={
                "students": len(students),
                "key_groups": len(flags),
                "guardians": len(guardians),
                "file": _file_name(fileobj),
                "student_ids": [s.pk for s in students],
            },
        )
    return ImportResult(kind=STUDENTS, created=len(students), key_groups=len(flags), guardians=len(guardians))


# --- Staff -----------------------------------------------------------------------------------


@dataclass
class _Account:
    row: int
    username: str
    full_name: str
    phone: str
    password: str
    generated: bool
    roles: list[tuple[str, Unit]] = field(default_factory=list)


_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _generate_password() -> str:
    while True:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _role_fits(role: str, unit: Unit) -> bool:
    return unit.kind == ROLE_UNIT_KIND[role] or (role == Role.INSPECTOR and unit.kind == UnitKind.CITY)


def _check_staff(actor: User | None, rows: list[_Row]) -> list[_Account]:
    errors = _Errors()
    roles_by_label = _role_labels()
    username_field = User._meta.get_field("username")
    usernames = {row["用户名"].lower() for row in rows if row["用户名"]}
    taken = set(
        _filter_in(
            User.objects.annotate(lower=Lower("username")).values_list("lower", flat=True),
            "lower__in",
            usernames,
        )
    )
    codes = {row["任职单位代码"] for row in rows if row["任职单位代码"]}
    units = {u.code: u for u in _filter_in(Unit.objects.filter(is_active=True), "code__in", codes)}
    accounts: dict[str, _Account] = {}

    for row in rows:
        _require(errors, row, ("用户名", "姓名", "角色", "任职单位代码"))
        username, full_name = row["用户名"], row["姓名"]
        _check_length(errors, row, "姓名", 50)
        _check_phone(errors, row, "手机号")

        if username:
            try:
                username_field.clean(username, None)
            except ValidationError:
                errors.add(
                    row.number,
                    "用户名",
                    _("用户名只能包含字母、数字和 @ . + - _，且不超过 150 个字符。"),
                )
            if username.lower() in taken:
                errors.add(
                    row.number, "用户名", _("用户名 %(name)s 已存在；导入只能新建账号。") % {"name": username}
                )

        role = roles_by_label.get(row["角色"]) or (row["角色"] if row["角色"] in Role.values else None)
        if row["角色"] and role is None:
            errors.add(
                row.number,
                "角色",
                _("无法识别的角色“%(value)s”，请从下拉列表中选择。") % {"value": row["角色"]},
            )
        unit = units.get(row["任职单位代码"])
        if row["任职单位代码"]:
            if unit is None or (actor is not None and not can_at(actor, "staff", "change", unit.path)):
                # The same words whether the unit is missing or out of reach: codes are not to be probed.
                unit = None
                errors.add(
                    row.number,
                    "任职单位代码",
                    _("单位代码 %(code)s 不存在，或不在您的管理范围内。") % {"code": row["任职单位代码"]},
                )
            elif role is not None and not _role_fits(role, unit):
                kind = UnitKind(ROLE_UNIT_KIND[role]).label
                errors.add(
                    row.number,
                    "任职单位代码",
                    _("%(role)s必须任职于%(kind)s，%(code)s 是%(actual)s。")
                    % {
                        "role": Role(role).label,
                        "kind": kind,
                        "code": unit.code,
                        "actual": unit.get_kind_display(),
                    },
                )

        password = row["初始密码"]
        if password:
            try:
                validate_password(password, user=User(username=username, full_name=full_name))
            except ValidationError as exc:
                errors.add(
                    row.number, "初始密码", _("密码不符合要求：%(why)s") % {"why": "；".join(exc.messages)}
                )

        if not username:
            continue
        account = accounts.get(username.lower())
        if account is None:
            account = _Account(
                row=row.number,
                username=username,
                full_name=full_name,
                phone=row["手机号"],
                password=password or _generate_password(),
                generated=not password,
            )
            accounts[username.lower()] = account
        else:
            # One person may hold several posts: same username on several rows, one post a row.
            same = {"other": account.row}
            if full_name != account.full_name:
                errors.add(row.number, "姓名", _("与第 %(other)d 行同一用户名的姓名不一致。") % same)
            if row["手机号"] and row["手机号"] != account.phone:
                errors.add(row.number, "手机号", _("与第 %(other)d 行同一用户名的手机号不一致。") % same)
            if password and (account.generated or password != account.password):
                errors.add(
                    row.number, "初始密码", _("同一用户名的初始密码只需在第 %(other)d 行填写一次。") % same
                )
        if role is not None and unit is not None:
            if any(r == role and u.pk == unit.pk for r, u in account.roles):
                errors.add(row.number, "角色", _("该岗位与前面的行重复。"))
            account.roles.append((role, unit))

    errors.raise_rows()
    return list(accounts.values())


def _summary_unit(units: Iterable[Unit]) -> Unit | None:
    """The lowest unit, no deeper than a school, that holds all the given units."""
    paths = [u.path.strip("/").split("/") for u in units]
    if not paths:
        return None
    common = paths[0]
    for parts in paths[1:]:
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    common = common[:3]
    if not common:
        return None
    return Unit.objects.filter(path="/" + "/".join(common) + "/").first()


def staff_import(*, actor: User | None, fileobj: IO[bytes]) -> ImportResult:
    """Create every account in the workbook with its posts, or none if any row is wrong."""
    if actor is not None and not allowed(actor, "staff", "change"):
        raise NotFound()
    rows = _read_rows(fileobj, sheet=STAFF_SHEET, columns=staff_columns(), max_rows=MAX_STAFF_ROWS)
    accounts = _check_staff(actor, rows)
    # Hashing is slow on purpose (~0.3 s each); do it before taking the write lock.
    hashes = [make_password(a.password) for a in accounts]
    with transaction.atomic():
        try:
            users = User.objects.bulk_create(
                [
                    User(username=a.username, full_name=a.full_name, phone=a.phone, password=h)
                    for a, h in zip(accounts, hashes, strict=True)
                ],
                batch_size=500,
            )
        except IntegrityError:
            raise Conflict(
                _("导入时有其他人创建了相同用户名的账号，未导入任何数据，请重新上传。"),
                code=OrgError.IMPORT_CONFLICT,
            ) from None
        # The import page promises it: these accounts choose their own password at first login.
        password_set_by_other.send(sender=User, users=users, reason="import")
        assignments = RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=user, role=role, unit=unit)
                for user, account in zip(users, accounts, strict=True)
                for role, unit in account.roles
            ],
            batch_size=500,
        )
        # The same per-account trail as accounts made one by one, so a person's history reads alike.
        for user, account in zip(users, accounts, strict=True):
            audit_record(
                actor=actor,
                action=events.STAFF_CREATED,
                unit=account.roles[0][1],
                subject=user,
                after={"username": user.username, "full_name": user.full_name, "source": "import"},
            )
            for role, unit in account.roles:
                audit_record(
                    actor=actor,
                    action=events.STAFF_ROLE_ASSIGNED,
                    unit=unit,
                    subject=user,
                    after={"role": role, "unit": unit.code},
                )
        audit_record(
            actor=actor,
            action=events.STAFF_IMPORTED,
            unit=_summary_unit(unit for a in accounts for _r, unit in a.roles),
            subject_type="org.user",
            subject_label=_("批量导入 %(n)d 个账号") % {"n": len(users)},
            after={
                "accounts": len(users),
                "assignments": len(assignments),
                "generated_passwords": sum(a.generated for a in accounts),
                "file": _file_name(fileobj),
                "user_ids": [u.pk for u in users],
            },
        )
    return ImportResult(
        kind=STAFF,
        created=len(users),
        assignments=len(assignments),
        generated_passwords=tuple(
            GeneratedPassword(row=a.row, username=a.username, full_name=a.full_name, password=a.password)
            for a in accounts
            if a.generated
        ),
    )


def _file_name(fileobj: Any) -> str:
    return str(getattr(fileobj, "name", "") or "")[:200]


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
