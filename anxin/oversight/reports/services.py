"""Generating, archiving and handing out the reports upward; exporting the case lists.

Each download and export is written to the audit trail; so is each generation (by a person, or by
the monthly task as the system).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import require, require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Invalid
from anxin.core.pdf import FontMissing
from anxin.ledgers.errors import LedgerError
from anxin.org.models import Unit, UnitKind, User

from . import events, render
from .errors import ReportError
from .models import FileFormat, ReportArchive, ReportKind
from .periods import Period, ended_with, last_month, period_of
from .selectors import bureau_units, export_cases
from .stats import compute

log = logging.getLogger(__name__)


@dataclass
class Generated:
    entries: list[ReportArchive]
    #: The PDF could not be made (no Chinese font on the server); the Excel file was.
    font_missing: bool = False


def title_of(unit: Unit, period: Period) -> str:
    kind = dict(ReportKind.choices)[period.kind]
    return _("%(unit)s学生欺凌防治工作统计%(kind)s（%(period)s）") % {
        "unit": unit.name,
        "kind": kind,
        "period": period.label,
    }


def _store(unit: Unit, period: Period, fmt: str, data: bytes, actor: User | None) -> ReportArchive:
    entry = ReportArchive(
        unit=unit,
        unit_path=unit.path,
        kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        fmt=fmt,
        size=len(data),
        generated_by=actor,
    )
    # The storage encrypts the file; its name says nothing beyond the unit's code and the period.
    entry.file.save(f"{unit.code}-{period.kind}-{period.start:%Y%m%d}.{fmt}", ContentFile(data), save=False)
    entry.save()
    return entry


def report_check(*, actor: User | None, unit: Unit, period: Period) -> None:
    """Refuse a report of a unit that is not a bureau, out of the caller's reach, or not begun."""
    if unit.kind not in (UnitKind.COUNTY, UnitKind.CITY):
        raise Invalid(_("只能为县/区或市生成报表。"), code=ReportError.UNIT_NOT_ALLOWED)
    if actor is not None:
        require_at(actor, "oversight_report", "generate", unit.path)
    if period.start > timezone.localdate():
        raise Invalid(_("统计期间尚未开始。"), code=LedgerError.BAD_PERIOD)


def report_generate(*, actor: User | None, unit: Unit, period: Period) -> Generated:
    """Compute the figures, write Excel and PDF, archive both. ``actor=None``: the scheduled task."""
    report_check(actor=actor, unit=unit, period=period)
    table = compute(unit, period)
    files = [(FileFormat.XLSX, render.stats_xlsx(table))]
    font_missing = False
    try:
        files.append((FileFormat.PDF, render.stats_pdf(table, title_of(unit, period))))
    except FontMissing:
        log.warning("report %s %s: no Chinese font, PDF skipped", unit.code, period.label)
        font_missing = True
    with transaction.atomic():
        entries = [_store(unit, period, fmt, data, actor) for fmt, data in files]
        audit_record(
            actor=actor,
            action=events.REPORT_GENERATED,
            unit=unit,
            subject=entries[0],
            after={
                "kind": period.kind,
                "period": period.label,
                "files": [e.pk for e in entries],
                "scheduled": actor is None,
            },
        )
    return Generated(entries=entries, font_missing=font_missing)


def parse_period(kind: str, day: Any) -> Period:
    """The period of ``kind`` containing the date ``day`` (a date or ``YYYY-MM-DD``/``YYYY-MM``)."""
    if kind not in ReportKind.values:
        raise Invalid(_("请选择报表类型（月报、学期报或年报）。"), code=ReportError.UNKNOWN_REPORT_KIND)
    if not isinstance(day, date):
        text = str(day or "").strip()
        if len(text) == 7:
            text += "-01"
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise Invalid(_("统计期间格式不正确。"), code=LedgerError.BAD_PERIOD) from None
    if not 2000 <= day.year <= 2100:
        raise Invalid(_("统计期间格式不正确。"), code=LedgerError.BAD_PERIOD)
    return period_of(kind, day)


def unit_for(actor: User, unit_id: Any) -> Unit:
    unit = bureau_units(actor).filter(pk=unit_id).first() if isinstance(unit_id, int) else None
    if unit is None:
        raise Invalid(_("请选择您所在的县/区或市。"), code=ReportError.UNIT_NOT_ALLOWED)
    return unit


def archive_download(*, actor: User, entry: ReportArchive) -> bytes:
    require(actor, "oversight_report", "view", entry)
    with entry.file.open("rb") as handle:
        data: bytes = handle.read()
    audit_record(
        actor=actor,
        action=events.REPORT_DOWNLOADED,
        unit=entry.unit,
        subject=entry,
        after={"fmt": entry.fmt, "period": entry.period_label},
    )
    return data


def cases_export(*, actor: User, serious: bool) -> bytes:
    """The case list (or only serious cases) of the caller's area as Excel, no names; audited."""
    today = timezone.localdate()
    cases = export_cases(actor, serious=serious)
    title = _("严重案件清单") if serious else _("案件清单")
    data = render.workbook_bytes([(title, render.case_rows(cases.iterator(chunk_size=2000), today))])
    audit_record(
        actor=actor,
        action=events.CASES_EXPORTED,
        subject_type="cases.case",
        subject_label=title,
        after={"serious": serious, "count": cases.count()},
    )
    return data


def scheduled_generate(today: date | None = None) -> dict[str, int]:
    """Last month's reports (and the term's or year's it closes) for every county and the city,
    each made once: a period already archived by the task is skipped, so running daily is safe."""
    today = today or timezone.localdate()
    periods = ended_with(last_month(today))
    made = skipped = failed = 0
    for unit in Unit.objects.filter(kind__in=[UnitKind.COUNTY, UnitKind.CITY], is_active=True).order_by(
        "path"
    ):
        for period in periods:
            done = ReportArchive.objects.filter(
                unit=unit, kind=period.kind, period_start=period.start, generated_by__isnull=True
            ).exists()
            if done:
                skipped += 1
                continue
            try:
                report_generate(actor=None, unit=unit, period=period)
            except Exception:  # one unit's failure must not stop the others; tomorrow tries again
                log.exception("scheduled report %s %s failed", unit.code, period.label)
                failed += 1
                continue
            made += 1
    return {"made": made, "skipped": skipped, "failed": failed}
