"""What the count table should hold for a range of days, read from the raw records.

Each source is read once for the whole range and bucketed by local day (Asia/Shanghai) in Python
or with ``TruncDate``, so a rebuild costs a fixed number of queries plus one completeness reading
per school and day for the patrol rounds (whose windows only :mod:`anxin.ledgers.patrol` knows).

Stocks (open cases, overdue deadlines, open warnings) are reconstructed for past days from the
dates on the records: a case is open on a day it was opened on or before and closed after; a
deadline is overdue on a day after its due date and before it was met. Deadlines that were
cancelled are left out on every day, since nothing records when they were cancelled. The cases'
states are only known as they are now, so they are counted for today alone (``SNAPSHOTS``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.cases.models import Case, Deadline, Determination, Reexamination
from anxin.cases.states import DeadlineKind
from anxin.intake import events as intake_events
from anxin.intake.models import Report
from anxin.intake.models import Status as ReportStatus
from anxin.ledgers.education.models import SafetySession
from anxin.ledgers.education.schooldays import due_between
from anxin.ledgers.patrol.models import PatrolPoint
from anxin.ledgers.patrol.selectors import checkin_completeness
from anxin.org.models import Unit, UnitKind
from anxin.surveys.instrument import PREVALENCE_FROM
from anxin.surveys.models import Response
from anxin.warnings.models import Warning

from .models import Duty, Metric

#: (school id, day, metric, key) -> value
Counts = dict[tuple[Any, Any, str, str], int]

NOT_BULLYING = "not_bullying"


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=tz
    )


def _local(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def gather(start: date, end: date, school_ids: list[int], *, today: date) -> Counts:
    """Every count of ``school_ids`` for the days ``start``..``end`` (nothing after ``today``)."""
    end = min(end, today)
    counts: Counts = defaultdict(int)
    if end < start or not school_ids:
        return counts
    _reports(counts, start, end, school_ids)
    _cases(counts, start, end, school_ids, today=today)
    _deadlines(counts, start, end, school_ids)
    _warnings(counts, start, end, school_ids)
    _posters(counts, start, end, school_ids)
    _ledgers(counts, start, end, school_ids)
    _surveys(counts, start, end, school_ids)
    return {k: v for k, v in counts.items() if v}


def _reports(counts: Counts, start: date, end: date, school_ids: list[int]) -> None:
    lo, hi = _bounds(start, end)
    # A merged report repeats another one: counting it would count one incident twice.
    rows = (
        Report.objects.filter(school_id__in=school_ids, created_at__gte=lo, created_at__lt=hi)
        .exclude(status=ReportStatus.MERGED)
        .values_list(
            "school_id",
            "created_at",
            "channel",
            "urgent",
            "place",
            "time_band",
            "triage_kinds",
            "reported_kinds",
        )
    )
    for school_id, created, channel, urgent, place, band, triage_kinds, reported_kinds in rows.iterator():
        day = _local(created)
        counts[(school_id, day, Metric.REPORTS, channel)] += 1
        if urgent:
            counts[(school_id, day, Metric.REPORTS_URGENT, "")] += 1
        counts[(school_id, day, Metric.REPORTS_PLACE_TIME, f"{place}|{band}")] += 1
        for kind in set(triage_kinds or reported_kinds or []):
            counts[(school_id, day, Metric.REPORTS_KIND, str(kind)[:60])] += 1
    acked = Report.objects.filter(
        school_id__in=school_ids, acknowledged_at__gte=lo, acknowledged_at__lt=hi
    ).values_list("school_id", "created_at", "acknowledged_at")
    for school_id, created, acknowledged in acked.iterator():
        if acknowledged is None:  # filtered out above; for the type checker
            continue
        day = _local(acknowledged)
        minutes = max(0, round((acknowledged - created).total_seconds() / 60))
        counts[(school_id, day, Metric.ACK_MINUTES, "")] += minutes
        counts[(school_id, day, Metric.ACK_COUNT, "")] += 1


def _cases(counts: Counts, start: date, end: date, school_ids: list[int], *, today: date) -> None:
    lo, _hi = _bounds(start, end)
    for school_id, day, n in (
        Case.objects.filter(school_id__in=school_ids, opened_on__gte=start, opened_on__lte=end)
        .values_list("school_id", "opened_on")
        .annotate(n=Count("id"))
    ):
        counts[(school_id, day, Metric.CASES_OPENED, "")] += n
    for school_id, day, n in (
        Case.objects.filter(
            school_id__in=school_ids, police_referred_on__gte=start, police_referred_on__lte=end
        )
        .values_list("school_id", "police_referred_on")
        .annotate(n=Count("id"))
    ):
        counts[(school_id, day, Metric.POLICE_REFERRALS, "")] += n
    # Open and closed, day by day: every case that was open at some point of the range.
    live = Case.objects.filter(school_id__in=school_ids, opened_on__lte=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=lo)
    )
    for school_id, opened_on, closed_at, serious in live.values_list(
        "school_id", "opened_on", "closed_at", "serious"
    ).iterator():
        closed_on = _local(closed_at) if closed_at else None
        if closed_on is not None and start <= closed_on <= end:
            counts[(school_id, closed_on, Metric.CASES_CLOSED, "")] += 1
        last_open = end if closed_on is None else min(end, closed_on - timedelta(days=1))
        for day in _days(max(start, opened_on), last_open):
            counts[(school_id, day, Metric.CASES_OPEN, "")] += 1
            if serious:
                counts[(school_id, day, Metric.CASES_SERIOUS_OPEN, "")] += 1
    if start <= today <= end:
        for school_id, status, n in (
            Case.objects.filter(school_id__in=school_ids)
            .values_list("school_id", "status")
            .annotate(n=Count("id"))
        ):
            counts[(school_id, today, Metric.CASES_STATE, status)] += n
    for school_id, meeting_on, is_bullying, gravity, kinds in Determination.objects.filter(
        case__school_id__in=school_ids, meeting_on__gte=start, meeting_on__lte=end
    ).values_list("case__school_id", "meeting_on", "is_bullying", "gravity", "kinds"):
        key = (gravity or "unknown") if is_bullying else NOT_BULLYING
        counts[(school_id, meeting_on, Metric.DETERMINATIONS, key)] += 1
        if is_bullying:
            for kind in set(kinds or []):
                counts[(school_id, meeting_on, Metric.DETERMINATIONS_KIND, str(kind)[:60])] += 1
    for school_id, day in Reexamination.objects.filter(
        case__school_id__in=school_ids, applied_on__gte=start, applied_on__lte=end
    ).values_list("case__school_id", "applied_on"):
        counts[(school_id, day, Metric.REEXAMS_APPLIED, "")] += 1
    for school_id, day, finding in Reexamination.objects.filter(
        case__school_id__in=school_ids, decided_on__gte=start, decided_on__lte=end
    ).values_list("case__school_id", "decided_on", "finding"):
        counts[(school_id, day, Metric.REEXAMS_DECIDED, finding or "unknown")] += 1


def _deadlines(counts: Counts, start: date, end: date, school_ids: list[int]) -> None:
    """Overdue on a day: due before it and not met by its end (the appeal window is the parties')."""
    lo, _hi = _bounds(start, end)
    rows = (
        Deadline.objects.filter(case__school_id__in=school_ids, cancelled=False, due_on__lt=end)
        .exclude(kind=DeadlineKind.APPEAL)
        .filter(Q(met_at__isnull=True) | Q(met_at__gte=lo))
        .values_list("case__school_id", "case_id", "kind", "due_on", "met_at")
    )
    cases: dict[tuple[Any, date], set[int]] = defaultdict(set)
    for school_id, case_id, kind, due_on, met_at in rows.iterator():
        if due_on is None:  # filtered out above (due_on__lt); for the type checker
            continue
        last = end if met_at is None else min(end, _local(met_at) - timedelta(days=1))
        for day in _days(max(start, due_on + timedelta(days=1)), last):
            counts[(school_id, day, Metric.DEADLINES_OVERDUE, kind)] += 1
            cases[(school_id, day)].add(case_id)
    for (school_id, day), ids in cases.items():
        counts[(school_id, day, Metric.CASES_OVERDUE, "")] = len(ids)


def _warnings(counts: Counts, start: date, end: date, school_ids: list[int]) -> None:
    lo, hi = _bounds(start, end)
    rows = Warning.objects.filter(school_id__in=school_ids, first_seen__lt=hi).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=lo)
    )
    for school_id, rule, status, first_seen, closed_at in rows.values_list(
        "school_id", "rule", "status", "first_seen", "closed_at"
    ).iterator():
        raised = _local(first_seen)
        closed = _local(closed_at) if closed_at else None
        if start <= raised <= end:
            counts[(school_id, raised, Metric.WARNINGS_RAISED, rule)] += 1
        if closed is not None and start <= closed <= end:
            counts[(school_id, closed, Metric.WARNINGS_HANDLED, status)] += 1
        last = end if closed is None else min(end, closed - timedelta(days=1))
        for day in _days(max(start, raised), last):
            counts[(school_id, day, Metric.WARNINGS_OPEN, "")] += 1


def _posters(counts: Counts, start: date, end: date, school_ids: list[int]) -> None:
    lo, hi = _bounds(start, end)
    for school_id, day, n in (
        AuditEvent.objects.filter(
            action=intake_events.POSTER_PRINTED, unit_id__in=school_ids, at__gte=lo, at__lt=hi
        )
        .annotate(day=TruncDate("at"))
        .values_list("unit_id", "day")
        .annotate(n=Count("id"))
    ):
        counts[(school_id, day, Metric.POSTERS_PRINTED, "")] += n


def _ledgers(counts: Counts, start: date, end: date, school_ids: list[int]) -> None:
    # 1530: as anxin.ledgers.education.selectors.session_completeness counts it (every active class
    # on every due school day, done when that class has a record that day), for all schools at once.
    due_days = {d.day for d in due_between(start, end)}
    classes = dict(
        Unit.objects.filter(kind=UnitKind.CLASS, is_active=True, school_id__in=school_ids)
        .values_list("school_id")
        .annotate(n=Count("id"))
        .values_list("school_id", "n")
    )
    for school_id, n in classes.items():
        for day in due_days:
            counts[(school_id, day, Metric.LEDGER_DUE, Duty.SAFETY_1530)] += n
    done = (
        SafetySession.objects.filter(
            school_id__in=school_ids, date__gte=start, date__lte=end, klass__is_active=True
        )
        .values_list("school_id", "date")
        .annotate(n=Count("klass_id", distinct=True))
    )
    for school_id, day, n in done:
        if day in due_days:
            counts[(school_id, day, Metric.LEDGER_DONE, Duty.SAFETY_1530)] += n
    # Patrol and dormitory rounds: their windows are the patrol ledger's own (checkin_completeness).
    patrolled = Unit.objects.filter(
        pk__in=PatrolPoint.objects.filter(school_id__in=school_ids, active=True).values("school_id")
    )
    for school in patrolled:
        for day in _days(start, end):
            c = checkin_completeness(school, day, day)
            counts[(school.pk, day, Metric.LEDGER_DUE, Duty.PATROL)] += c.due
            counts[(school.pk, day, Metric.LEDGER_DONE, Duty.PATROL)] += c.done


def _surveys(counts: Counts, start: date, end: date, school_ids: list[int]) -> None:
    # By the answer's day (answers keep no finer time); a bureau's page shows the rate only over
    # enough answers and schools, as the survey's own results do (anxin.surveys.selectors).
    for school_id, day, n, bullied in (
        Response.objects.filter(school_id__in=school_ids, day__gte=start, day__lte=end)
        .values_list("school_id", "day")
        .annotate(n=Count("pk"), bullied=Count("pk", filter=Q(victim__gte=PREVALENCE_FROM)))
        .order_by()
    ):
        counts[(school_id, day, Metric.SURVEY_ANSWERS, "")] += n
        counts[(school_id, day, Metric.SURVEY_BULLIED, "")] += bullied
