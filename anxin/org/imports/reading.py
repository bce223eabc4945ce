"""Reading an import workbook safely: size and zip-bomb limits, headers, cells, and the row errors."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from anxin.core.errors import Invalid

from ..errors import OrgError
from .format import (
    _IN_CHUNK,
    _INVISIBLE,
    _PHONE,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ERRORS_SHOWN,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    Column,
)

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
