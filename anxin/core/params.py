"""Whole numbers taken from a query string, checked before they reach the database.

A number past the database's 64-bit integers (``?page=99999999999999999999999``) made SQLite raise
OverflowError and PostgreSQL "bigint out of range": a 500 instead of a clear refusal. Pages parse
such parameters with :func:`query_int` (a 400 page in Chinese) and API schemas bound them with
``Field(le=MAX_ID)`` or this module's bounded :class:`PageNumberPagination` (a 422 in the API's error shape).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination

from .errors import ErrorCode, Invalid

#: The largest id or count a query may name: the top of a 64-bit signed integer (BigAutoField).
MAX_ID = 2**63 - 1
#: The largest page number asked of an API list: far past any real list, far below an overflow.
MAX_PAGE = 1_000_000

_DIGITS = re.compile(r"[0-9]{1,19}")


class BadParameter(BadRequest):
    """A query parameter that is not a whole number in range; shown as a 400 page with its message."""

    def __init__(self, name: str, minimum: int, maximum: int) -> None:
        self.name = name
        message = _("参数“%(name)s”应为 %(min)s 到 %(max)s 之间的整数。") % {
            "name": name,
            "min": minimum,
            "max": maximum,
        }
        super().__init__(message)


def parse_id(raw: Any) -> int | None:
    """A positive database id from input, or None for anything else: text, 0, -1, 1.5, True, "٣"
    (a digit to Python, not an id), or a number past the database's 64-bit ids."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        if not _DIGITS.fullmatch(raw):
            return None
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(raw, float) and raw != value:
        return None
    return value if 0 < value <= MAX_ID else None


def query_int(
    query: QueryDict | dict[str, Any],
    name: str,
    *,
    default: int | None = None,
    minimum: int = 1,
    maximum: int = MAX_ID,
) -> int | None:
    """The parameter ``name`` as an int within [minimum, maximum]; ``default`` when absent or empty.

    Only ASCII digits count: ``"²".isdigit()`` is true in Python but ``int("²")`` fails.
    """
    raw = query.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    text = str(raw).strip()
    if not _DIGITS.fullmatch(text):
        raise BadParameter(name, minimum, maximum)
    value = int(text)
    if value < minimum or value > maximum:
        raise BadParameter(name, minimum, maximum)
    return value


class PageNumberPagination(NinjaPageNumberPagination):
    """ninja's page-number pagination, with an upper bound on ``page`` (422, not an SQL overflow).

    Use this one, not ninja's: a test fails on any API module that imports ninja's.
    """

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)


def parse_client_key(raw: Any, *, fresh: bool) -> uuid.UUID | None:
    """The idempotency key a form or API call sent (a UUID made with the form), so that sending the
    same entry again stores it once. When none was sent: a fresh key (``fresh``: every call is then
    its own entry) or None. A malformed key is a 422 in Chinese."""
    if raw in (None, ""):
        return uuid.uuid4() if fresh else None
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        raise Invalid(
            _("提交编号格式不正确，请刷新页面后重新提交。"),
            code=ErrorCode.BAD_CLIENT_KEY,
            detail={"client_key": [_("格式不正确")]},
        ) from None
