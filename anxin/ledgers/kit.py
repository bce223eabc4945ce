"""What every ledger's pages and API decide the same way.

- Which school a write goes to. The project's rule (anxin.access.matrix): what is out of the caller's
  reach answers 404 as if it did not exist; what the caller can see but may not write answers 403.
  Every ledger write path, page or API, asks :func:`school_for_write` or :func:`schools_for_write`.
- Which period a list, an export or an API list covers: :func:`read_period`. A bad date, a start
  after the end or a span over a year is a 400 ``bad_period`` with a Chinese message, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import WithJsonSchema

from anxin.access.matrix import REGISTRY
from anxin.core.errors import Forbidden, Invalid, NotFound, ServiceError
from anxin.core.params import parse_id
from anxin.ledgers.errors import LedgerError
from anxin.org.models import Unit
from anxin.org.selectors import schools_where


class WriteForbidden(Forbidden, PermissionDenied):
    """403 alike on a page (Django's PermissionDenied) and in the API (a ServiceError)."""


def _refuse(user: Any, resource: str, school_id: int | None = None) -> Exception:
    """404 when the school (or any school) is out of view reach, 403 when it is only out of write reach."""
    if "view" in REGISTRY[resource].actions:
        visible = schools_where(user, resource, "view")
        if school_id is not None:
            visible = visible.filter(pk=school_id)
        if visible.exists():
            return WriteForbidden()
    return NotFound()


def schools_for_write(user: Any, resource: str, action: str = "record") -> QuerySet[Unit]:
    """The schools where the caller may take ``action`` on ``resource`` (a form's choices).

    None at all: 403 if the caller can see the ledger somewhere, 404 otherwise.
    """
    schools = schools_where(user, resource, action)
    if not schools.exists():
        raise _refuse(user, resource)
    return schools


def school_for_write(
    user: Any, resource: str, school_id: Any = None, *, action: str = "record", field: str = "school"
) -> Unit:
    """The school a write goes to: the one named, or the caller's only one.

    A named school the caller cannot see is 404, one they see but may not write at is 403; no
    school named while they write at several is 422 ``school_required`` on ``field``.
    """
    schools = schools_where(user, resource, action)
    if school_id is not None:
        pk = parse_id(school_id)
        if pk is None:
            raise NotFound()
        school = schools.filter(pk=pk).first()
        if school is None:
            raise _refuse(user, resource, pk)
        return school
    candidates = list(schools[:2])
    if not candidates:
        raise _refuse(user, resource)
    if len(candidates) > 1:
        raise Invalid(_("请选择学校。"), code=LedgerError.SCHOOL_REQUIRED, detail={field: [_("必填")]})
    return candidates[0]


# --- the period of a list, an export or an API list --------------------------------------------

#: A window that is not given is the last 30 days up to today: what the 1530, activity, print and
#: gate and care figures used already (hazards used 28 days, patrol 7, the 1530 API the month so far).
DEFAULT_DAYS = 30
#: The longest period one request may ask for.
MAX_DAYS = 366


class BadPeriod(ServiceError):
    """A period the query string got wrong: 400 on a page and in the API."""

    status = 400
    code = LedgerError.BAD_PERIOD
    default_message = gettext_lazy("日期范围有误。")


#: An API query parameter that is a date: text to the parser, so a bad date is a 400 ``bad_period``
#: rather than a validation error, while the OpenAPI document still says "date".
DateParam = Annotated[
    str | None, WithJsonSchema({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]})
]


@dataclass(frozen=True)
class Period:
    """The dates a request asked for; either may be open."""

    start: date | None = None
    end: date | None = None

    @property
    def given(self) -> bool:
        return self.start is not None or self.end is not None

    def window(self, today: date | None = None) -> tuple[date, date]:
        """The period with its open ends filled: to today, from :data:`DEFAULT_DAYS` days before the end."""
        end = self.end or today or timezone.localdate()
        start = self.start or end - timedelta(days=DEFAULT_DAYS - 1)
        return start, end

    def as_filter(self, start: str = "start", end: str = "end") -> dict[str, date | None]:
        """Keyword arguments for a selector, named as it names them."""
        return {start: self.start, end: self.end}


def _one_date(raw: Any, key: str) -> date | None:
    if raw is None or isinstance(raw, date):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        if len(text) == 10:  # 2026-09-01 only: fromisoformat would also take 20260901
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise BadPeriod(
        _("日期格式不正确：“%(value)s”应写成 2026-09-01 这样的格式。") % {"value": text[:20]},
        detail={key: [_("日期格式应为 2026-09-01。")]},
    )


def read_period(
    params: Mapping[str, Any], *, keys: tuple[str, str] = ("from", "to"), max_days: int = MAX_DAYS
) -> Period:
    """The period in a query string (or an API query schema's values) under ``keys``.

    Nothing given is an open period. The same refusal everywhere: :class:`BadPeriod`.
    """
    start_key, end_key = keys
    start, end = _one_date(params.get(start_key), start_key), _one_date(params.get(end_key), end_key)
    if start is not None and end is not None:
        if start > end:
            raise BadPeriod(_("开始日期不能晚于结束日期。"), detail={start_key: [_("晚于结束日期。")]})
        if (end - start).days >= max_days:
            raise BadPeriod(
                _("一次最多查询 %(n)s 天，请缩小日期范围。") % {"n": max_days},
                detail={start_key: [_("日期范围太长。")]},
            )
    return Period(start, end)


def read_window(
    params: Mapping[str, Any],
    *,
    keys: tuple[str, str] = ("from", "to"),
    max_days: int = MAX_DAYS,
    today: date | None = None,
) -> tuple[date, date]:
    """The period with open ends filled (:meth:`Period.window`), checked again as a whole."""
    start, end = read_period(params, keys=keys, max_days=max_days).window(today)
    return read_period({keys[0]: start, keys[1]: end}, keys=keys, max_days=max_days).window(today)
