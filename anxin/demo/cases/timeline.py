"""Telling a demo case in the past through the services, which stamp the real "now".

The services refuse dates in the future and stamp what they write with the current time, while
the demo's stories happened weeks ago. So each step of a story runs now, through ``case_act``,
and :func:`backdate_step` then moves what that step stamped to the story's time; the deadlines
the step counted from today are computed again from the story's day with
:func:`~anxin.cases.deadlines.compute`, under the case's own policy, as the services would have
on that day. Audit events keep the time they were really written: the audit trail is append-only
and says when the demo was built.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from anxin.cases import deadlines
from anxin.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    Deadline,
    DeadlineAlert,
    Determination,
    GuardianContact,
    Measure,
    Party,
    Reexamination,
    Visit,
)
from anxin.cases.services import case_act, case_open, due_words
from anxin.core import workdays
from anxin.core.models import Notification
from anxin.intake.models import Report
from anxin.org.models import Student, Unit, User

#: Notifications older than this are shown as read: people have seen them by now.
READ_AFTER_DAYS = 7


# --- moving a step to the story's time -----------------------------------------------------------


def backdate_step(case: Case, *, since: datetime, at: datetime) -> None:
    """Move what one service call stamped with the real "now" (anything at or after ``since``) to ``at``.

    Deadlines the step counted from the real today (the investigation period from the opening, a
    measure's deadline from its creation) start on ``at``'s date instead, and their dates are
    computed again under the case's own policy, as the services would have on that day; the log
    line that announced such a deadline is corrected with it.
    """
    day = timezone.localtime(at).date()
    today = timezone.localdate()
    ops = connection.ops
    params = {
        "at": ops.adapt_datetimefield_value(at),
        "since": ops.adapt_datetimefield_value(since),
        "day": ops.adapt_datefield_value(day),
        "case": case.pk,
    }
    with connection.cursor() as cursor:
        if day != today:
            cursor.execute(_sql().from_today, {**params, "today": ops.adapt_datefield_value(today)})
            ids = [row[0] for row in cursor.fetchall()]
            if ids:
                _restart_deadlines(case, ids, day, since)
        if connection.vendor == "postgresql":
            # One round trip: psycopg binds on the client, so several statements may go together.
            cursor.execute(";\n".join(_sql().stamps), params)
        else:
            for sql in _sql().stamps:
                cursor.execute(sql, params)
    backdate_notifications(f"case:{case.pk}:", since=since, at=at)


def _restart_deadlines(case: Case, ids: list[int], day: date, since: datetime) -> None:
    remind_days = case.policy.rules.get("remind_working_days", 2)
    for d in Deadline.objects.filter(pk__in=ids):
        before = due_words(d)
        if d.unit == "fixed":
            d.days = max((d.due_on - day).days, 0) if d.due_on else d.days
            d.remind_on = _remind_before(d.due_on, remind_days)
        else:
            d.due_on, d.remind_on, d.calendar_gap = deadlines.compute(day, d.days, d.unit, remind_days)
        d.starts_on = day
        d.save(update_fields=["starts_on", "days", "due_on", "remind_on", "calendar_gap"])
        _retitle(case, since, before, due_words(d))
    deadlines.refresh_next_due(case)


@dataclass(frozen=True)
class _Statements:
    """The SQL of :func:`backdate_step`, written once: a demo takes a hundred and fifty steps, and
    compiling a dozen ORM updates for each would cost more than the steps themselves."""

    #: UPDATEs taking the parameters ``at``, ``since``, ``day`` and ``case``, one per table.
    stamps: list[str]
    from_today: str
    notifications: str


@functools.cache
def _sql() -> _Statements:
    q = connection.ops.quote_name

    def table(model: Any) -> str:
        return q(model._meta.db_table)

    def move(column: str) -> str:
        """``column`` to the step's time if the step stamped it."""
        return f"{q(column)} = CASE WHEN {q(column)} >= %(since)s THEN %(at)s ELSE {q(column)} END"

    def moved(model: Any, *columns: str) -> str:
        sets = ", ".join(move(c) for c in columns)
        stamped = " OR ".join(f"{q(c)} >= %(since)s" for c in columns)
        return f"UPDATE {table(model)} SET {sets} WHERE case_id = %(case)s AND ({stamped})"

    stamps = [
        moved(CaseEvent, "at"),
        moved(Deadline, "met_at", "created_at"),
        moved(Measure, "done_at", "created_at"),
        moved(Reexamination, "panel_assigned_at", "created_at"),
        *(moved(m, "created_at") for m in (Party, GuardianContact, Determination, Visit, Attachment)),
        f"UPDATE {table(DeadlineAlert)} SET sent_at = %(at)s WHERE sent_at >= %(since)s AND deadline_id IN "
        f"(SELECT id FROM {table(Deadline)} WHERE case_id = %(case)s)",
        # opened_on before opened_at is moved: an UPDATE reads the row as it was in every expression.
        f"UPDATE {table(Case)} SET updated_at = %(at)s, "
        "opened_on = CASE WHEN opened_at >= %(since)s THEN %(day)s ELSE opened_on END, "
        + ", ".join(
            move(c) for c in ("opened_at", "closed_at", "bureau_notified_at", "bureau_acknowledged_at")
        )
        + " WHERE id = %(case)s",
    ]
    return _Statements(
        stamps=stamps,
        from_today=(
            f"SELECT id FROM {table(Deadline)} "
            "WHERE case_id = %(case)s AND created_at >= %(since)s AND starts_on = %(today)s"
        ),
        notifications=(
            f"UPDATE {table(Notification)} SET created_at = %(at)s, read_at = %(read)s "
            "WHERE subject_key LIKE %(prefix)s AND created_at >= %(since)s"
        ),
    )


def backdate_notifications(prefix: str, *, since: datetime, at: datetime, seen: bool = True) -> None:
    """Notifications about a subject (``case:12:``…), dated with the step; old ones have been read."""
    ops = connection.ops
    read = at if seen and timezone.now() - at > timedelta(days=READ_AFTER_DAYS) else None
    params = {
        "at": ops.adapt_datetimefield_value(at),
        "read": ops.adapt_datetimefield_value(read),
        "prefix": prefix + "%",
        "since": ops.adapt_datetimefield_value(since),
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql().notifications, params)


def _remind_before(due: date | None, days: int) -> date | None:
    """A fixed deadline's reminder, as :func:`deadlines.schedule_fixed` computes it."""
    if due is None:
        return None
    return workdays.subtract_working_days(due, days, provisional=True)


def _retitle(case: Case, since: datetime, old: str, new: str) -> None:
    if old == new:
        return
    for event in CaseEvent.objects.filter(case=case, at__gte=since, title__contains=old):
        CaseEvent.objects.filter(pk=event.pk).update(title=event.title.replace(old, new)[:200])


def redate_measure(case: Case, measure: Measure, due: date) -> None:
    """A past measure's real due date (the form only takes today or later)."""
    old = measure.due_on
    Measure.objects.filter(pk=measure.pk).update(due_on=due)
    remind_days = case.policy.rules.get("remind_working_days", 2)
    for d in Deadline.objects.filter(measure=measure):
        Deadline.objects.filter(pk=d.pk).update(
            due_on=due, days=max((due - d.starts_on).days, 0), remind_on=_remind_before(due, remind_days)
        )
    for event in CaseEvent.objects.filter(case=case, data__measure=measure.pk):
        title = event.title.replace(old.isoformat(), due.isoformat())
        CaseEvent.objects.filter(pk=event.pk).update(title=title)
    deadlines.refresh_next_due(case)


# --- one case, step by step -------------------------------------------------------------------------


class NotYet(Exception):
    """A step of a story would lie in the future: the story stops where it is."""


class Story:
    """One demo case told through the services, each step moved to its time in the story."""

    def __init__(self, school: Unit) -> None:
        self.school = school
        self.case: Case | None = None

    def open(
        self,
        at: datetime,
        actor: User,
        data: dict[str, Any],
        *,
        reports: Sequence[Report] = (),
        owner: User | None = None,
    ) -> Case:
        if at > timezone.now():
            raise NotYet
        since = timezone.now()
        self.case = case_open(actor=actor, school=self.school, data=data, reports=list(reports), owner=owner)
        backdate_step(self.case, since=since, at=at)
        # The reports it was opened from were accepted (and acknowledged, if nobody had) by that step.
        linked = Report.objects.filter(case_link__case=self.case)
        linked.filter(acknowledged_at__gte=since).update(acknowledged_at=at)
        linked.update(updated_at=at)
        return self.case

    def act(
        self, at: datetime, actor: User, action: str, data: dict[str, Any] | None = None, *, files: Any = None
    ) -> Case:
        assert self.case is not None
        if at > timezone.now():
            raise NotYet
        since = timezone.now()
        self.case = case_act(actor=actor, case=self.case, action=action, data=data or {}, files=files)
        backdate_step(self.case, since=since, at=at)
        return self.case

    @property
    def c(self) -> Case:
        assert self.case is not None
        return self.case

    def party(self, role: str, student: Student | None = None) -> Party:
        qs = self.c.parties.filter(role=role)
        if student is not None:
            qs = qs.filter(student=student)
        party = qs.order_by("pk").first()
        assert party is not None
        return party


# --- dates ------------------------------------------------------------------------------------------


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def is_workday(day: date) -> bool:
    return workdays.is_workday(day) if workdays.is_known(day) else day.weekday() < 5


def workday_back(day: date) -> date:
    while not is_workday(day):
        day -= timedelta(days=1)
    return day


def workday_forward(day: date) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def fit_before(latest: date) -> int:
    """Days to move a story with fixed dates back so that its last step lies before today."""
    today = timezone.localdate()
    if latest < today:
        return 0
    return ((latest - today).days // 7 + 1) * 7
