"""Computing and tracking a case's deadlines with the official working-day calendar.

Counting follows DOMAIN.md §3: the start day is not counted; a calendar-day period that ends on a
rest day ends on the next working day; a working-day period counts working days only. When the
calendar of a year the count reaches is unknown, the deadline still gets a date, counted from the
statutory holidays alone and marked 暂定 (``calendar_gap`` names the missing year); its reminder
is counted back from the earliest date the real schedule could bring; the sweep recomputes it once
an administrator has entered that year. A deadline never silently has no date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anxin.core.workdays import add_period_provisional, is_known, subtract_working_days, working_days_between

from .models import Case, Deadline, DeadlineKind


def compute(starts_on: date, days: int, unit: str, remind_days: int) -> tuple[date, date | None, int | None]:
    """(due date, reminder date, missing calendar year): a missing year makes the date 暂定."""
    period = add_period_provisional(starts_on, days, unit)
    remind: date | None = period.earliest
    if remind_days:
        remind = subtract_working_days(period.earliest, remind_days, provisional=True)
    if remind is not None and remind <= starts_on:
        remind = None
    return period.end, remind, period.unknown_year


def schedule(
    case: Case,
    kind: str,
    starts_on: date,
    *,
    days: int | None = None,
    unit: str | None = None,
    measure: Any = None,
    reexamination: Any = None,
) -> Deadline:
    """Store one deadline computed from the case's own policy version."""
    rules = case.policy.rules
    if days is None:
        rule = rules[kind]
        days, unit = rule["days"], rule["unit"]
    due, remind, gap = compute(starts_on, days, unit or "calendar", rules.get("remind_working_days", 2))
    return Deadline.objects.create(
        case=case,
        kind=kind,
        starts_on=starts_on,
        days=days,
        unit=unit or "calendar",
        due_on=due,
        remind_on=remind,
        calendar_gap=gap,
        measure=measure,
        reexamination=reexamination,
    )


def schedule_fixed(case: Case, kind: str, due_on: date, *, measure: Any = None) -> Deadline:
    """A deadline set by a person (a measure's due date) rather than by the policy."""
    rules = case.policy.rules
    today = local_today()
    remind = subtract_working_days(due_on, rules.get("remind_working_days", 2), provisional=True)
    return Deadline.objects.create(
        case=case,
        kind=kind,
        starts_on=today,
        days=max((due_on - today).days, 0),
        unit="fixed",
        due_on=due_on,
        remind_on=remind,
        measure=measure,
    )


def meet(case: Case, kinds: tuple[str, ...] | str, *, at: datetime | None = None, **filters: Any) -> int:
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    return Deadline.objects.filter(
        case=case, kind__in=kinds, met_at__isnull=True, cancelled=False, **filters
    ).update(met_at=at or timezone.now())


def cancel(case: Case, kinds: tuple[str, ...] | str, **filters: Any) -> int:
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    return Deadline.objects.filter(
        case=case, kind__in=kinds, met_at__isnull=True, cancelled=False, **filters
    ).update(cancelled=True)


def refill_unknown() -> list[int]:
    """Recompute the 暂定 deadlines whose missing year is now known (and any left without a date by
    older versions); returns the ids of those that got their final date.

    A 暂定 date depends only on the statutory holidays, so a deadline whose missing year is still
    unknown is not looked at: the sweep runs every 15 minutes over a whole city.
    """
    pending = Deadline.objects.filter(met_at__isnull=True, cancelled=False).exclude(unit="fixed")
    gaps = set(pending.filter(calendar_gap__isnull=False).values_list("calendar_gap", flat=True).distinct())
    known = [year for year in gaps if is_known(date(year, 1, 1))]
    finalised: list[int] = []
    for d in pending.filter(Q(due_on__isnull=True) | Q(calendar_gap__in=known)).select_related(
        "case__policy"
    ):
        due, remind, gap = compute(
            d.starts_on, d.days, d.unit, d.case.policy.rules.get("remind_working_days", 2)
        )
        if (due, remind, gap) == (d.due_on, d.remind_on, d.calendar_gap):
            continue
        Deadline.objects.filter(pk=d.pk, met_at__isnull=True).update(
            due_on=due, remind_on=remind, calendar_gap=gap
        )
        refresh_next_due(d.case)
        if gap is None:
            finalised.append(d.pk)
    # A measure's own due date whose reminder day older versions could not count back.
    for d in Deadline.objects.filter(
        unit="fixed", remind_on__isnull=True, met_at__isnull=True, cancelled=False, due_on__gte=local_today()
    ).select_related("case__policy"):
        remind = subtract_working_days(
            d.due_on, d.case.policy.rules.get("remind_working_days", 2), provisional=True
        )
        Deadline.objects.filter(pk=d.pk, remind_on__isnull=True).update(remind_on=remind)
    return finalised


def refresh_next_due(case: Case) -> None:
    """Store the case's earliest pending deadline (and whether one is 暂定) on the case."""
    pending = Deadline.objects.filter(case=case, met_at__isnull=True, cancelled=False).exclude(
        kind=DeadlineKind.APPEAL
    )
    agg = pending.aggregate(first=Min("due_on"))
    unknown = pending.filter(Q(due_on__isnull=True) | Q(calendar_gap__isnull=False)).exists()
    Case.objects.filter(pk=case.pk).update(next_due=agg["first"], due_unknown=unknown)
    case.next_due, case.due_unknown = agg["first"], unknown


def local_today() -> date:
    return timezone.localdate()


def deadline_label(deadline: Deadline) -> str:
    """The deadline's name; a measure's deadline names its measure (书面道歉完成期限)."""
    if deadline.kind == DeadlineKind.MEASURE and deadline.measure_id is not None:
        return _("%(measure)s完成期限") % {"measure": deadline.measure.get_kind_display()}
    return str(deadline.get_kind_display())


def due_phrase(due_on: date | None, today: date | None = None) -> str:
    """How a pending deadline stands, in the same words on every page and message:
    还剩 N 个工作日 / 今天到期 / 已逾期 N 个工作日 (counted in official working days)."""
    if due_on is None:
        return ""
    today = today or local_today()
    if due_on == today:
        return _("今天到期")
    if due_on > today:
        n = working_days_between(today, due_on, provisional=True)
        if n == 0:
            return _("下一个工作日前到期")
        return ngettext("还剩 %(n)s 个工作日", "还剩 %(n)s 个工作日", n) % {"n": n}
    n = working_days_between(due_on, today, provisional=True)
    if n == 0:
        return _("已逾期（今天是休息日）")
    return ngettext("已逾期 %(n)s 个工作日", "已逾期 %(n)s 个工作日", n) % {"n": n}


def urgency(deadline: Deadline, today: date | None = None) -> str:
    """A colour word for lists: overdue / due soon / unknown / fine / done."""
    if not deadline.pending:
        return "done"
    if deadline.due_on is None:
        return "unknown"
    today = today or local_today()
    if deadline.due_on < today:
        return "overdue"
    if deadline.remind_on and deadline.remind_on <= today or (deadline.due_on - today).days <= 2:
        return "soon"
    return "ok"


VISIT_ORDER = (DeadlineKind.VISIT_1W, DeadlineKind.VISIT_1M, DeadlineKind.VISIT_3M)
