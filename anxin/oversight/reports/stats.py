"""The figures of a statistical report, computed from the rows themselves for one county or city and
one period. One row per school, the plan's categories as columns, and a total row.

Small numbers are not suppressed (these are official counts), and nothing here can carry a name:
only counts, school names and percentages are read. Reports, cases, determinations and deadlines
are counted from their rows (indexed aggregates, a handful of queries for a whole city, exact for
any past period); the 1530 and patrol completeness is read from the count table
(anxin.oversight.stats), which applies the ledgers' own rules day by day, so that an annual report
does not rescan a year of patrol rounds school by school.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.cases.models import Case, Deadline, Determination, Gravity, Kind, Reexamination
from anxin.intake.models import Channel, Report
from anxin.ledgers.base import Completeness
from anxin.org.models import Unit, UnitKind
from anxin.oversight.stats.models import Duty, Metric
from anxin.oversight.stats.selectors import flow_sums

from .periods import Period


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: str


def columns() -> list[Column]:
    cols = [Column(f"channel_{v}", str(label), _("举报（按渠道）")) for v, label in Channel.choices]
    cols.append(Column("reports_total", _("举报合计"), _("举报（按渠道）")))
    cols.append(Column("cases_opened", _("新立案件"), _("案件")))
    cols += [Column(f"kind_{v}", str(label), _("案件（按行为类型）")) for v, label in Kind.choices]
    cols += [
        Column("det_general", _("一般欺凌"), _("认定")),
        Column("det_serious", _("严重欺凌"), _("认定")),
        Column("det_not", _("不构成欺凌"), _("认定")),
        Column("reexam_applied", _("复查申请"), _("复查")),
        Column("reexam_decided", _("复查决定"), _("复查")),
        Column("police_referred", _("移送公安"), _("移送")),
        Column("deadlines_due", _("到期期限"), _("期限")),
        Column("deadlines_overdue", _("逾期期限"), _("期限")),
        Column("pct_1530", _("1530安全教育完成率%"), _("台账完成率")),
        Column("pct_patrol", _("巡查打卡完成率%"), _("台账完成率")),
    ]
    return cols


@dataclass
class Table:
    unit: Unit
    period: Period
    columns: list[Column]
    #: (school name, {column key: value}); percentages are None when nothing was due.
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)
    generated_at: datetime = field(default_factory=timezone.now)


def _span(period: Period) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(period.start, time.min, tzinfo=tz),
        datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _by_school(qs: Any, school_field: str = "school_id") -> dict[int, int]:
    return {row[school_field]: row["n"] for row in qs.values(school_field).annotate(n=Count("pk"))}


def compute(unit: Unit, period: Period, *, today: date | None = None) -> Table:
    """The figures of every active school under ``unit`` for ``period``."""
    today = today or timezone.localdate()
    cols = columns()
    schools = list(
        Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True, path__startswith=unit.path).order_by("path")
    )
    ids = [s.pk for s in schools]
    begin, end = _span(period)
    figures: dict[int, dict[str, Any]] = {s.pk: {c.key: 0 for c in cols} for s in schools}

    reports = Report.objects.filter(school_id__in=ids, created_at__gte=begin, created_at__lt=end)
    for row in reports.values("school_id", "channel").annotate(n=Count("pk")):
        figures[row["school_id"]][f"channel_{row['channel']}"] = row["n"]
        figures[row["school_id"]]["reports_total"] += row["n"]

    opened = Case.objects.filter(school_id__in=ids, opened_on__gte=period.start, opened_on__lte=period.end)
    for school_id, n in _by_school(opened).items():
        figures[school_id]["cases_opened"] = n
    # Kinds are a short JSON list per case: counted here rather than by each database's JSON syntax.
    for school_id, kinds in opened.values_list("school_id", "kinds").iterator():
        for k in set(kinds or []):
            key = f"kind_{k}"
            if key in figures[school_id]:
                figures[school_id][key] += 1

    dets = Determination.objects.filter(
        case__school_id__in=ids, meeting_on__gte=period.start, meeting_on__lte=period.end
    )
    serious = Q(is_bullying=True, gravity__in=[Gravity.SERIOUS, Gravity.ILLEGAL])
    for det_school, general, grave, not_bullying in (
        dets.values("case__school_id")
        .annotate(
            general=Count("pk", filter=Q(is_bullying=True) & ~serious),
            grave=Count("pk", filter=serious),
            not_bullying=Count("pk", filter=Q(is_bullying=False)),
        )
        .values_list("case__school_id", "general", "grave", "not_bullying")
    ):
        if det_school is None:
            continue
        f = figures[det_school]
        f["det_general"], f["det_serious"], f["det_not"] = general, grave, not_bullying

    reexams = Reexamination.objects.filter(case__school_id__in=ids)
    for school_id, n in _by_school(
        reexams.filter(applied_on__gte=period.start, applied_on__lte=period.end), "case__school_id"
    ).items():
        figures[school_id]["reexam_applied"] = n
    for school_id, n in _by_school(
        reexams.filter(decided_on__gte=period.start, decided_on__lte=period.end), "case__school_id"
    ).items():
        figures[school_id]["reexam_decided"] = n

    referred = Case.objects.filter(
        school_id__in=ids, police_referred_on__gte=period.start, police_referred_on__lte=period.end
    )
    for school_id, n in _by_school(referred).items():
        figures[school_id]["police_referred"] = n

    # The school's deadlines that fell due in the period (the parties' appeal window is not one),
    # and of those the ones missed: met after the day, or still open after it.
    due = Deadline.objects.filter(
        case__school_id__in=ids, cancelled=False, due_on__gte=period.start, due_on__lte=min(period.end, today)
    ).exclude(kind="appeal")
    tz = timezone.get_current_timezone()
    for due_school, due_on, met_at in due.values_list("case__school_id", "due_on", "met_at").iterator():
        if due_on is None or due_school is None:
            continue
        figures[due_school]["deadlines_due"] += 1
        if (met_at is None and due_on < today) or (
            met_at is not None and met_at.astimezone(tz).date() > due_on
        ):
            figures[due_school]["deadlines_overdue"] += 1

    # Ledger completeness up to today, for periods still running: from the count table, whose
    # hourly job and backfill apply the ledgers' own rules (a year of patrol rounds is not rescanned).
    upto = min(period.end, today)
    done: dict[str, Counter[str]] = defaultdict(Counter)
    sums = (
        flow_sums(ids, period.start, upto, [Metric.LEDGER_DUE, Metric.LEDGER_DONE])
        if upto >= period.start
        else {}
    )
    for school in schools:
        f = figures[school.pk]
        for key, duty in (("pct_1530", Duty.SAFETY_1530), ("pct_patrol", Duty.PATROL)):
            c = Completeness(
                sums.get((school.pk, Metric.LEDGER_DUE, duty), 0),
                sums.get((school.pk, Metric.LEDGER_DONE, duty), 0),
            )
            f[key] = c.percent
            done[key]["due"] += c.due
            done[key]["done"] += min(c.done, c.due)

    table = Table(unit=unit, period=period, columns=cols)
    table.rows = [(s.name, figures[s.pk]) for s in schools]
    for col in cols:
        if col.key.startswith("pct_"):
            d = done[col.key]
            table.total[col.key] = round(100 * d["done"] / d["due"]) if d["due"] else None
        else:
            table.total[col.key] = sum(int(fig[col.key] or 0) for fig in figures.values())
    return table


def as_rows(table: Table) -> list[list[Any]]:
    """Header, then one list per school, then the total: what the Excel sheet and the PDF show."""
    out: list[list[Any]] = [[_("学校"), *[c.label for c in table.columns]]]
    for name, f in table.rows:
        out.append([name, *[("—" if f[c.key] is None else f[c.key]) for c in table.columns]])
    out.append(
        [_("合计"), *[("—" if table.total[c.key] is None else table.total[c.key]) for c in table.columns]]
    )
    return out
