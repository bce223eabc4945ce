"""What every ledger shares: the entry's school and author, idempotent recording, export, completeness.

A ledger entry is written from a phone, often with a bad connection. The page keeps what was
entered and sends it again until the server answers (static/ledgers/offline.js); each submission
carries a client-made idempotency key, so a retry stores the entry exactly once.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.access.matrix import require_at
from anxin.audit.services import audit_record
from anxin.core import params
from anxin.core.errors import Invalid
from anxin.core.xlsx import safe_cell
from anxin.org.errors import OrgError

M = TypeVar("M", bound="LedgerEntry")

#: When the person wrote the entry, if the page kept it offline and sends it later (offline.js
#: sends it in the X-Anxin-Written-At header; anxin.ledgers.middleware puts it here).
written_at_var: ContextVar[datetime | None] = ContextVar("anxin_written_at", default=None)
#: How far back a kept entry may date itself: a phone left offline for a weekend, not longer.
WRITTEN_AT_MAX_AGE = timedelta(hours=72)


def written_now() -> datetime:
    """The moment an entry was written: now, or when a phone without signal kept it."""
    return written_at_var.get() or timezone.now()


def parse_written_at(raw: str) -> datetime | None:
    """The header's time (ISO 8601 with offset), or None if absent, malformed or implausible."""
    if not raw or len(raw) > 40:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(value):
        return None
    now = timezone.now()
    if value > now or value < now - WRITTEN_AT_MAX_AGE:
        return None
    return value


class LedgerEntry(models.Model):
    """Abstract base of every ledger row: where, who, when, and the idempotency key."""

    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now, db_index=True)
    #: Made by the page before the first try; the same key again is the same entry.
    client_key = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-recorded_at"]
        # A school's list page, newest first: at 10 million check-ins this keeps the page's
        # queries in single-digit milliseconds (bench/ledgers_scale.py).
        indexes = [models.Index(fields=["school", "-recorded_at"], name="%(class)s_school_t")]

    @classmethod
    def unique_client_key(cls, name: str) -> models.UniqueConstraint:
        """Each concrete ledger adds this to its Meta.constraints (the name must be unique)."""
        return models.UniqueConstraint(fields=["school", "client_key"], name=name)


@dataclass
class Recorded:
    entry: Any
    created: bool


def parse_client_key(raw: Any) -> uuid.UUID:
    """The idempotency key a form or API call sent; a fresh one when none (no retry protection)."""
    key = params.parse_client_key(raw, fresh=True)
    assert key is not None
    return key


def ledger_record(
    model: type[M],
    *,
    actor: Any,
    school: Any,
    resource: str,
    client_key: Any,
    audit_action: str,
    audit_after: dict[str, Any] | None = None,
    before_save: Callable[[M], None] | None = None,
    after_save: Callable[[M], None] | None = None,
    unit: Any = None,
    **fields: Any,
) -> Recorded:
    """Store one ledger entry once. A repeat of the same client key returns the first entry.

    ``unit`` is where the entry sits, the school by default: the right to record is checked there
    and the audit event is placed there — a class, for what a class teacher keeps for their class.
    ``before_save`` may validate further inside the transaction; ``after_save`` sets what needs the
    saved row (many-to-many fields). Validation errors come back as Invalid with field details.
    """
    from django.core.exceptions import ValidationError

    place = unit if unit is not None else school
    require_at(actor, resource, "record", place.path)
    key = parse_client_key(client_key)
    existing = model.objects.filter(school=school, client_key=key).first()
    if existing is not None:
        return Recorded(existing, False)
    fields.setdefault("recorded_at", written_now())
    entry = model(school=school, recorded_by=actor, client_key=key, **fields)
    # Related rows handed in as objects were already found in scope; re-checking them costs queries.
    given = [name for name, value in fields.items() if isinstance(value, models.Model)]
    try:
        entry.full_clean(exclude=["school", "recorded_by", *given], validate_unique=False)
    except ValidationError as exc:
        raise Invalid(
            _("输入有误，请检查标出的字段。"), code=OrgError.INVALID_FIELDS, detail=exc.message_dict
        ) from exc
    try:
        with transaction.atomic():
            if before_save is not None:
                before_save(entry)
            entry.save()
            if after_save is not None:
                after_save(entry)
            audit_record(actor=actor, action=audit_action, unit=place, subject=entry, after=audit_after)
    except IntegrityError:
        # Two tries of the same entry raced; the other one won. Same answer as a repeat.
        again = model.objects.filter(school=school, client_key=key).first()
        if again is None:
            raise
        return Recorded(again, False)
    return Recorded(entry, True)


def xlsx_response(
    filename: str, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]
) -> HttpResponse:
    """An Excel download: each sheet a title, a header row and the rows (streamed in write-only mode)."""
    from urllib.parse import quote

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = workbook.create_sheet(title=title[:31])
        ws.append([safe_cell(str(h), ws) for h in header])
        for row in rows:
            ws.append([safe_cell(_cell(v), ws) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def _cell(value: Any) -> Any:
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (str, int, float, date)):
        return value
    return str(value)


@dataclass
class Completeness:
    """What was due against what was recorded, for one school and one period.

    Nothing due (no patrol points, no key places, no classes) is not full compliance: it has no
    percentage at all, and the pages say what is missing instead of "0/0（100%）".
    """

    due: int
    done: int

    @property
    def ratio(self) -> float | None:
        return None if self.due == 0 else min(1.0, self.done / self.due)

    @property
    def percent(self) -> int | None:
        ratio = self.ratio
        return None if ratio is None else round(ratio * 100)
