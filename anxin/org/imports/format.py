"""The import files' format: sizes, sheets, columns, and what an import returns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _l

from ..models import (
    KeyGroup,
    Role,
)

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
