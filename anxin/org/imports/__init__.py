"""Bulk import of students and staff from .xlsx: check every row first, then write all or nothing.

The column headers and the cell values 男/女/是/否 are the file format, not interface text, so they
are fixed Chinese strings and are not translated: a file filled in under one interface language
must import under another. Role and key-group labels are read and written in Chinese for the same
reason.
"""

from .format import (
    MAX_BYTES,
    MAX_ERRORS_SHOWN,
    MAX_ROWS,
    MAX_STAFF_ROWS,
    STAFF,
    STUDENTS,
    Column,
    GeneratedPassword,
    ImportResult,
    staff_columns,
    student_columns,
)
from .staff import staff_import
from .students import students_import
from .templates import import_template

__all__ = [
    "Column",
    "GeneratedPassword",
    "ImportResult",
    "MAX_BYTES",
    "MAX_ERRORS_SHOWN",
    "MAX_ROWS",
    "MAX_STAFF_ROWS",
    "STAFF",
    "STUDENTS",
    "import_template",
    "staff_columns",
    "staff_import",
    "student_columns",
    "students_import",
]
