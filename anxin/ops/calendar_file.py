"""The calendar file an administrator enters a year with: ``date,type,name`` per line.

Reading and checking it changes nothing; :mod:`anxin.ops.calendar` enters the checked rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.core.errors import Invalid
from anxin.core.models import CalendarDay
from anxin.core.workdays import HOLIDAY, WORKDAY

from .errors import OpsError

#: Entered years outside this range are refused as typing mistakes.
MIN_YEAR, MAX_YEAR = 2000, 2100

#: Largest calendar file accepted; a real year has a few dozen lines.
MAX_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class ParsedFile:
    rows: list[tuple[date, bool, str]]
    #: The file line each row came from, for messages.
    lines: list[int]


_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_SEPARATOR = re.compile(r"\s*[,\t，]\s*")
_HEADERS = {"date", "日期"}


def _bad(code: OpsError, line: int, message: str, **detail: Any) -> Invalid:
    return Invalid(
        _("第 %(line)s 行：%(message)s") % {"line": line, "message": message},
        code=code,
        detail={"line": line, **detail},
    )


def parse_file(data: bytes | str) -> ParsedFile:
    """Read a calendar file: ``date,type,name`` per line, type 休 or 班, ``#`` comments.

    Commas, Chinese commas or tabs separate the fields; the name may be left out; a first line
    ``date,type,name`` (or ``日期,类型,名称``) is skipped. Raises Invalid naming the bad line.
    """
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise Invalid(_("文件太大：节假日安排文件不超过 64 KB。"), code=OpsError.CALENDAR_TOO_LARGE)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(
                _("文件不是 UTF-8 编码，请用记事本等“另存为 UTF-8”后再上传。"),
                code=OpsError.CALENDAR_ENCODING,
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    rows: list[tuple[date, bool, str]] = []
    lines: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = _SEPARATOR.split(line)
        if not rows and fields[0].strip().lower() in _HEADERS:
            continue
        if len(fields) not in (2, 3):
            raise _bad(
                OpsError.CALENDAR_BAD_LINE,
                number,
                _("应为“日期,类型,名称”三项，例如 2027-10-01,休,国庆节。"),
                text=line,
            )
        day_text, kind, name = fields[0], fields[1], fields[2] if len(fields) == 3 else ""
        match = _DATE.match(day_text)
        try:
            if match is None:
                raise ValueError(day_text)
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise _bad(
                OpsError.CALENDAR_BAD_DATE,
                number,
                _("日期“%(value)s”无效，应写成 2027-10-01 这样的格式。") % {"value": day_text},
                text=line,
            ) from None
        if kind not in (HOLIDAY, WORKDAY):
            raise _bad(
                OpsError.CALENDAR_BAD_TYPE,
                number,
                _("类型“%(value)s”无效，只能是“休”（放假）或“班”（调休上班）。") % {"value": kind},
                text=line,
            )
        rows.append((day, kind == WORKDAY, name.strip()))
        lines.append(number)
    return ParsedFile(rows=rows, lines=lines)


WEEKDAYS = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)


def _weekday_label(day: date) -> str:
    return str(WEEKDAYS[day.weekday()])


def validate(year: int, rows: Sequence[tuple[date, bool, str]], lines: Sequence[int]) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(
            _("年份 %(year)s 不在 %(min)s–%(max)s 之间。") % {"year": year, "min": MIN_YEAR, "max": MAX_YEAR},
            code=OpsError.CALENDAR_BAD_YEAR,
            detail={"year": year},
        )
    if not rows:
        raise Invalid(
            _("没有任何日期：请列出工作日放假（休）和周末调休上班（班）的日期。"),
            code=OpsError.CALENDAR_EMPTY,
            detail={"year": year},
        )
    seen: dict[date, int] = {}
    for (day, working, name), line in zip(rows, lines, strict=True):
        iso = day.isoformat()
        if day.year != year:
            raise _bad(
                OpsError.CALENDAR_WRONG_YEAR,
                line,
                _("%(date)s 不在 %(year)s 年内。") % {"date": iso, "year": year},
                date=iso,
            )
        if day in seen:
            raise _bad(
                OpsError.CALENDAR_DUPLICATE,
                line,
                _("%(date)s 重复出现（第 %(first)s 行已有）。") % {"date": iso, "first": seen[day]},
                date=iso,
            )
        seen[day] = line
        weekend = day.weekday() >= 5
        if working != weekend:
            if working:
                reason = _("%(date)s 是%(weekday)s，本来就上班，不用列出。")
            else:
                reason = _("%(date)s 是%(weekday)s，本来就休息，不用列出。")
            raise _bad(
                OpsError.CALENDAR_DEFAULT_ROW,
                line,
                reason % {"date": iso, "weekday": _weekday_label(day)}
                + _("只列出工作日放假（休）和周末调休上班（班）的日期。"),
                date=iso,
            )
        limit = CalendarDay._meta.get_field("name").max_length
        if limit is not None and len(name) > limit:
            raise _bad(OpsError.CALENDAR_BAD_NAME, line, _("名称太长（最多 50 个字）。"), date=iso)


def format_rows(rows: Sequence[tuple[date, bool, str]]) -> str:
    """Rows in the file format :func:`parse_file` reads."""
    return "\n".join(f"{d.isoformat()},{WORKDAY if w else HOLIDAY},{n}".rstrip(",") for d, w, n in rows)
