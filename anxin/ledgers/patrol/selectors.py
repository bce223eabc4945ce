"""Every read of 值班巡逻, already cut to the caller's reach.

Completeness of patrol points (documented here because the bureau relies on the figure):

- Each school schedules ``day_rounds`` rounds a day for ordinary points (default 2) and
  ``night_rounds`` rounds a night for dormitory points (default 1), in PatrolSettings.
- An ordinary point's day (00:00–24:00, Asia/Shanghai) is cut into ``day_rounds`` equal windows
  (2 rounds: 00:00–12:00 and 12:00–24:00). A dormitory point's night (18:00 to 08:00 next morning,
  counted to the date it starts) is cut into ``night_rounds`` equal windows; daytime check-ins at a
  dormitory point count for nothing.
- due = Σ over points active now of rounds × days in the period; done = distinct (point, date,
  window) with at least one check-in. A second check-in in the same window adds nothing.
- A point with its own frequency (``PatrolPoint.frequency`` / ``rounds``) counts with its own: a
  point patrolled 3 times a night is cut into 3 night windows. Weekly points are left out of this
  daily figure; the missed-round reminder (below) watches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import access, scoped
from anxin.ledgers.base import Completeness
from anxin.org.models import Unit, User
from anxin.org.selectors import schools_where

from .models import (
    DormRound,
    DutyShift,
    Frequency,
    PatrolCheckin,
    PatrolPoint,
    PatrolSettings,
    Shift,
    ShiftHandover,
)

NIGHT_START = time(18, 0)
NIGHT_END = time(8, 0)


def schools_for(user: Any, resource: str, action: str) -> QuerySet[Unit]:
    return schools_where(user, resource, action)


def _period(qs: QuerySet, field: str, start: date | None, end: date | None) -> QuerySet:
    tz = timezone.get_current_timezone()
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": datetime.combine(start, time.min, tzinfo=tz)})
    if end is not None:
        qs = qs.filter(**{f"{field}__lt": datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)})
    return qs


def points_visible(
    user: Any, *, school: Unit | None = None, active_only: bool = False
) -> QuerySet[PatrolPoint]:
    qs = scoped(user, "ledger_patrol_point", "view", PatrolPoint.objects.select_related("school"))
    if school is not None:
        qs = qs.filter(school=school)
    if active_only:
        qs = qs.filter(active=True)
    return qs


def point_get(user: Any, pk: Any, *, action: str = "view") -> PatrolPoint:
    return access(user, "ledger_patrol_point", action, PatrolPoint.objects.select_related("school"), pk)


def checkins_visible(
    user: Any,
    *,
    start: date | None = None,
    end: date | None = None,
    point: int | None = None,
    recorder: int | None = None,
    school: Unit | None = None,
) -> QuerySet[PatrolCheckin]:
    qs = scoped(
        user,
        "ledger_patrol_checkin",
        "view",
        PatrolCheckin.objects.select_related("school", "point", "recorded_by"),
    )
    qs = _period(qs, "recorded_at", start, end)
    if point is not None:
        qs = qs.filter(point_id=point)
    if recorder is not None:
        qs = qs.filter(recorded_by_id=recorder)
    if school is not None:
        qs = qs.filter(school=school)
    return qs


def dorm_rounds_visible(
    user: Any, *, start: date | None = None, end: date | None = None, recorder: int | None = None
) -> QuerySet[DormRound]:
    qs = scoped(user, "ledger_patrol_dorm", "view", DormRound.objects.select_related("school", "recorded_by"))
    qs = _period(qs, "patrolled_at", start, end).order_by("-patrolled_at", "-pk")
    if recorder is not None:
        qs = qs.filter(recorded_by_id=recorder)
    return qs


def handovers_visible(
    user: Any, *, start: date | None = None, end: date | None = None
) -> QuerySet[ShiftHandover]:
    qs = scoped(
        user,
        "ledger_patrol_handover",
        "view",
        ShiftHandover.objects.select_related("school", "recorded_by", "receiver"),
    )
    return _period(qs, "handed_at", start, end).order_by("-handed_at", "-pk")


def handover_get(user: Any, pk: Any) -> ShiftHandover:
    return access(user, "ledger_patrol_handover", "view", ShiftHandover.objects.select_related("school"), pk)


def rota_visible(user: Any, *, start: date | None = None, end: date | None = None) -> QuerySet[DutyShift]:
    qs = scoped(user, "ledger_patrol_rota", "view", DutyShift.objects.select_related("school", "person"))
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return qs


def my_duties(user: Any, *, today: date | None = None) -> QuerySet[DutyShift]:
    """The caller's own upcoming duties (today onwards)."""
    today = today or timezone.localdate()
    return DutyShift.objects.select_related("school").filter(
        person=user, date__gte=today, school__is_active=True
    )


def duty_row_get(user: Any, pk: Any, *, action: str = "manage") -> DutyShift:
    return access(
        user, "ledger_patrol_rota", action, DutyShift.objects.select_related("school", "person"), pk
    )


def current_shift(at: datetime | None = None) -> tuple[date, str]:
    """(rota date, shift) at a moment: the night shift runs 18:00–08:00 and belongs to its first date."""
    local = timezone.localtime(at or timezone.now())
    t = local.time()
    if NIGHT_END <= t < NIGHT_START:
        return local.date(), Shift.DAY
    if t >= NIGHT_START:
        return local.date(), Shift.NIGHT
    return local.date() - timedelta(days=1), Shift.NIGHT


def on_duty_now(school: Unit, at: datetime | None = None) -> list[User]:
    """Who is rostered at ``school`` right now (or at ``at``), the leader on duty first.

    For the system's own use (e.g. notifying the leader on duty of an urgent report): no caller scope.
    """
    day, shift = current_shift(at)
    rows = DutyShift.objects.filter(
        school=school, date=day, shift=shift, person__is_active=True
    ).select_related("person")
    return [row.person for row in rows.order_by("-is_leader", "pk")]


def leaders_on_duty_now(school: Unit, at: datetime | None = None) -> list[User]:
    day, shift = current_shift(at)
    rows = DutyShift.objects.filter(
        school=school, date=day, shift=shift, is_leader=True, person__is_active=True
    )
    return [row.person for row in rows.select_related("person").order_by("pk")]


# --- completeness -----------------------------------------------------------------------------


def rounds_of(school: Unit) -> tuple[int, int]:
    s = PatrolSettings.objects.filter(school=school).first()
    return (s.day_rounds, s.night_rounds) if s else (2, 1)


def round_window(
    point: PatrolPoint, moment: datetime, day_rounds: int, night_rounds: int
) -> tuple[date, int] | None:
    """The (date, window index) a check-in at ``moment`` counts for, or None when it counts for nothing."""
    kind, count = point.required(day_rounds, night_rounds)
    if kind == Frequency.WEEK or count <= 0:
        return None
    local = timezone.localtime(moment)
    if kind == Frequency.NIGHT:
        t = local.time()
        if NIGHT_END <= t < NIGHT_START:
            return None
        night_date = local.date() if t >= NIGHT_START else local.date() - timedelta(days=1)
        tz = local.tzinfo
        night_start = datetime.combine(night_date, NIGHT_START, tzinfo=tz)
        seconds = (local - night_start).total_seconds()
        length = 14 * 3600 / count
        return night_date, min(count - 1, int(seconds // length))
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return local.date(), min(count - 1, int(seconds // (86400 / count)))


def with_duty(points: list[PatrolPoint]) -> list[PatrolPoint]:
    """Each point with ``duty`` (每天 2 次, its own or the school's) for the list of points."""
    rounds: dict[int, tuple[int, int]] = {}
    for p in points:
        if p.school_id not in rounds:
            rounds[p.school_id] = rounds_of(p.school)
        kind, count = p.required(*rounds[p.school_id])
        p.duty = _("%(kind)s %(n)d 次") % {"kind": Frequency(kind).label, "n": count}  # type: ignore[attr-defined]
    return points


def checkin_completeness(school: Unit, start: date, end: date) -> Completeness:
    """Due and done check-in rounds at ``school`` for the dates start..end (see the module docstring)."""
    if end < start:
        return Completeness(0, 0)
    day_rounds, night_rounds = rounds_of(school)
    points = list(PatrolPoint.objects.filter(school=school, active=True))
    days = (end - start).days + 1
    per_day = 0
    for p in points:
        kind, count = p.required(day_rounds, night_rounds)
        per_day += 0 if kind == Frequency.WEEK else count
    due = per_day * days
    by_id = {p.pk: p for p in points}
    tz = timezone.get_current_timezone()
    # A night that starts on the last day ends the next morning.
    qs = PatrolCheckin.objects.filter(
        school=school,
        point_id__in=list(by_id),
        recorded_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        recorded_at__lt=datetime.combine(end + timedelta(days=1), NIGHT_END, tzinfo=tz),
    ).values_list("point_id", "recorded_at")
    done: set[tuple[int, date, int]] = set()
    for point_id, moment in qs:
        window = round_window(by_id[point_id], moment, day_rounds, night_rounds)
        if window is not None and start <= window[0] <= end:
            done.add((point_id, *window))
    return Completeness(due=due, done=len(done))


# --- missed rounds (the reminder of anxin.warnings) ------------------------------------------------
#
# A point's period is a day (00:00–24:00), a night (18:00 to 08:00 next morning) or a week (Monday
# 00:00 to the next Monday), Asia/Shanghai. A day counts on school days, a night when it starts or
# ends on one (boarders come back on Sunday evening), a week when it has a school day. Once the latest
# such period of a point has ended with fewer check-ins than required, the round is missed until
# check-ins made after the period (补巡) make up the difference. A point set up after its period
# began is not held to that period.


@dataclass(frozen=True)
class MissedRound:
    point: PatrolPoint
    kind: str
    required: int
    done: int
    made_up: int
    start: datetime
    end: datetime
    #: The rota date and shift whose duty staff answer for the period (None for a week).
    duty: tuple[date, str] | None


def _counts(kind: str, day: date) -> bool:
    from anxin.ledgers.education.schooldays import is_school_day

    if kind == Frequency.NIGHT:
        return is_school_day(day) or is_school_day(day + timedelta(days=1))
    if kind == Frequency.WEEK:
        return any(is_school_day(day + timedelta(days=i)) for i in range(7))
    return is_school_day(day)


def _bounds(kind: str, day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    if kind == Frequency.NIGHT:
        return (
            datetime.combine(day, NIGHT_START, tzinfo=tz),
            datetime.combine(day + timedelta(days=1), NIGHT_END, tzinfo=tz),
        )
    length = 7 if kind == Frequency.WEEK else 1
    return datetime.combine(day, time.min, tzinfo=tz), datetime.combine(
        day + timedelta(days=length), time.min, tzinfo=tz
    )


def last_period(kind: str, now: datetime, lookback_days: int) -> tuple[date, datetime, datetime] | None:
    """The latest period of this kind that has ended by ``now`` and counts; None within the lookback."""
    local = timezone.localtime(now).date()
    if kind == Frequency.WEEK:
        day = local - timedelta(days=local.weekday() + 7)
        step = 7
    else:
        day = local - timedelta(days=1)
        step = 1
    while day >= local - timedelta(days=lookback_days + 7):
        start, end = _bounds(kind, day)
        if end <= now and _counts(kind, day):
            return day, start, end
        day -= timedelta(days=step)
    return None


def missed_rounds(school: Unit, now: datetime, *, lookback_days: int = 7) -> list[MissedRound]:
    """Active points of ``school`` whose latest period ended short of rounds and is not made up.

    For the system's own use (the early-warning engine): no caller scope.
    """
    day_rounds, night_rounds = rounds_of(school)
    periods: dict[str, tuple[date, datetime, datetime] | None] = {}
    due: list[tuple[PatrolPoint, str, int, date, datetime, datetime]] = []
    for point in PatrolPoint.objects.filter(school=school, active=True):
        kind, count = point.required(day_rounds, night_rounds)
        if count <= 0:
            continue
        if kind not in periods:
            periods[kind] = last_period(kind, now, lookback_days)
        period = periods[kind]
        # A point set up during a period is not held to it.
        if period is not None and point.created_at <= period[1]:
            due.append((point, kind, count, *period))
    if not due:
        return []
    earliest = min(row[4] for row in due)
    seen: dict[int, list[datetime]] = {}
    for point_id, at in PatrolCheckin.objects.filter(
        school=school,
        point_id__in=[row[0].pk for row in due],
        recorded_at__gte=earliest,
        recorded_at__lte=now,
    ).values_list("point_id", "recorded_at"):
        seen.setdefault(point_id, []).append(at)
    out = []
    for point, kind, count, day, start, end in due:
        times = seen.get(point.pk, [])
        done = sum(1 for t in times if start <= t < end)
        made_up = sum(1 for t in times if t >= end)
        if done + made_up < count:
            duty = (
                None
                if kind == Frequency.WEEK
                else (day, Shift.NIGHT if kind == Frequency.NIGHT else Shift.DAY)
            )
            out.append(MissedRound(point, kind, count, done, made_up, start, end, duty))
    return out


def duty_staff(school: Unit, day: date, shift: str) -> list[int]:
    """Who was rostered on that date and shift, the staff before the leader on duty."""
    return list(
        DutyShift.objects.filter(school=school, date=day, shift=shift, person__is_active=True)
        .order_by("is_leader", "pk")
        .values_list("person_id", flat=True)
    )
