"""The deadline sweep: reminders before a deadline and escalation after it, each exactly once.

Every pending deadline (not met, not cancelled, with a date; the parties' appeal window excepted)
goes through four stages, judged on the local date T (Asia/Shanghai):

``remind``
    ``remind_on <= T <= due_on``: the person who must act (the case owner; a measure's owner; the
    county bureau for a re-examination).
``overdue``
    ``T > due_on``: the same person, urgent.
``principal``
    overdue and at least ``escalate_principal_after`` working days past ``due_on`` (the case's
    policy version): the school's principals, urgent; for a re-examination the city bureau.
``bureau``
    overdue and at least ``escalate_bureau_after`` working days past: the county bureau, urgent.
    A re-examination has no such stage: the county bureau is the one that must act and has been
    told at ``remind`` and ``overdue`` already.

A stage is announced by one transaction per deadline that claims the deadline row, inserts the
``DeadlineAlert`` row (unique per deadline and stage), the notifications and the case-log entry.
A concurrent sweep finds the row locked (PostgreSQL: skipped) or the alert already there (SQLite
serialises writers) and moves on; an exception rolls back that deadline only, and the next run
picks it up again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core import workdays
from anxin.core.notify import notify
from anxin.org.models import Role, Unit, User

from . import deadlines
from .models import (
    AlertStage,
    CaseEvent,
    Deadline,
    DeadlineAlert,
    DeadlineKind,
    DeadlinePolicy,
    EventKind,
    MeasureKind,
)
from .policy import DEFAULT_RULES
from .selectors import bureau_people, principals

log = logging.getLogger(__name__)

#: Deadlines read per query. The batches are read by key ranges rather than with one long
#: ``.iterator()``: on SQLite an open read cursor pins a snapshot, and a write transaction on the
#: same connection after another sweep committed would then fail instead of waiting its turn.
BATCH = 500

STAGES = (AlertStage.REMIND, AlertStage.OVERDUE, AlertStage.PRINCIPAL, AlertStage.BUREAU)

FIELDS = (
    "pk",
    "kind",
    "due_on",
    "remind_on",
    "case_id",
    "case__number",
    "case__school_id",
    "case__owner_id",
    "case__policy_id",
    "measure__owner_id",
    "measure__kind",
)


@dataclass(frozen=True)
class Row:
    pk: int
    kind: str
    due_on: date
    remind_on: date | None
    case_id: int
    number: str
    school_id: int
    case_owner_id: int
    policy_id: int
    measure_owner_id: int | None
    measure_kind: str | None


@dataclass(frozen=True)
class SweepError:
    #: None for a failure outside any one deadline (filling in dates that waited for a calendar)
    deadline: int | None
    case: str
    message: str


@dataclass
class SweepResult:
    #: stage -> how many deadlines this run announced it for
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in STAGES})
    #: deadlines that got their date now that the year's calendar is entered
    filled: int = 0
    errors: list[SweepError] = field(default_factory=list)
    #: deadlines looked at (something due today by date) and those another sweep held
    checked: int = 0
    skipped: int = 0

    @property
    def announced(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.counts,
            "filled": self.filled,
            "checked": self.checked,
            "skipped": self.skipped,
            "errors": len(self.errors),
        }

    def summary(self) -> str:
        return _(
            "期限检查完成：到期提醒 %(remind)s 条，逾期通知 %(overdue)s 条，上报校长 %(principal)s 条，"
            "上报教育局 %(bureau)s 条；补算期限 %(filled)s 个；出错 %(errors)s 个。"
        ) % {**self.counts, "filled": self.filled, "errors": len(self.errors)}


# --- working days past a date -----------------------------------------------------------------


class _Calendar:
    """Working-day counts for one run, memoised: thousands of deadlines share a few dozen dates."""

    def __init__(self, today: date) -> None:
        self.today = today
        self._late: dict[date, int] = {}

    def late(self, due: date) -> int:
        """Working days ``d`` with ``due < d <= today``."""
        if due not in self._late:
            # A day of a year whose schedule nobody has entered is judged by the statutory holidays
            # alone, as the 暂定 deadlines themselves are: an overdue case must still reach the
            # principal and the bureau while the calendar is missing.
            self._late[due] = workdays.working_days_between(due, self.today, provisional=True)
        return self._late[due]


def stages_due(row: Row, today: date, rules: dict[str, Any], calendar: _Calendar) -> list[str]:
    """The stages whose condition holds on ``today``, in order."""
    out: list[str] = []
    if today <= row.due_on:
        if row.remind_on is not None and row.remind_on <= today:
            out.append(AlertStage.REMIND)
        return out
    out.append(AlertStage.OVERDUE)
    late = calendar.late(row.due_on)
    if late >= _rule(rules, "escalate_principal_after"):
        out.append(AlertStage.PRINCIPAL)
    if row.kind != DeadlineKind.REEXAMINATION and late >= _rule(rules, "escalate_bureau_after"):
        out.append(AlertStage.BUREAU)
    return out


def _rule(rules: dict[str, Any], key: str) -> int:
    value = rules.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_RULES[key]


# --- the run -------------------------------------------------------------------------------------


def sweep(now: datetime | None = None) -> SweepResult:
    """Fill in deadlines that waited for a calendar, then announce every stage that has come."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone.get_default_timezone())
    result = SweepResult()
    try:
        result.filled = _refill(now)
    except Exception as exc:  # a broken policy row must not stop the reminders
        log.exception("补算期限失败")
        result.errors.append(SweepError(deadline=None, case="", message=str(exc)))
    run = _Run(now=now, today=today, result=result)
    for batch in _batches(today):
        run.batch(batch)
    return result


def _candidates(today: date) -> Any:
    pending = Deadline.objects.filter(met_at__isnull=True, cancelled=False, due_on__isnull=False).exclude(
        kind=DeadlineKind.APPEAL
    )
    # Cheap in SQL: something is due by date, and the last stage has not been announced yet.
    sent = DeadlineAlert.objects.filter(deadline=OuterRef("pk"))
    return (
        pending.filter(Q(remind_on__lte=today) | Q(due_on__lt=today))
        .exclude(Exists(sent.filter(stage=AlertStage.BUREAU)))
        .exclude(Q(kind=DeadlineKind.REEXAMINATION) & Exists(sent.filter(stage=AlertStage.PRINCIPAL)))
    )


def _batches(today: date) -> Iterator[list[Row]]:
    qs = _candidates(today).order_by("pk")
    last = 0
    while True:
        rows = [Row(*values) for values in qs.filter(pk__gt=last).values_list(*FIELDS)[:BATCH]]
        if not rows:
            return
        yield rows
        last = rows[-1].pk


class _Run:
    """One sweep: caches of policies, people and schools shared by its deadlines."""

    def __init__(self, *, now: datetime, today: date, result: SweepResult) -> None:
        self.now, self.today, self.result = now, today, result
        self.calendar = _Calendar(today)
        self.rules: dict[int, dict[str, Any]] = {}
        self.schools: dict[int, Unit] = {}
        self.users: dict[int, User] = {}
        self.people: dict[tuple[str, int], list[User]] = {}
        self.skip_locked = connection.features.has_select_for_update_skip_locked
        self.templates = {stage.value: _templates(stage) for stage in STAGES}

    def batch(self, rows: list[Row]) -> None:
        self._load(rows)
        sent: dict[int, set[str]] = {}
        for deadline_id, stage in DeadlineAlert.objects.filter(
            deadline_id__in=[r.pk for r in rows]
        ).values_list("deadline_id", "stage"):
            sent.setdefault(deadline_id, set()).add(stage)
        work: list[tuple[Row, list[str]]] = []
        for row in rows:
            todo = [
                s
                for s in stages_due(row, self.today, self.rules[row.policy_id], self.calendar)
                if s not in sent.get(row.pk, ())
            ]
            if todo:
                work.append((row, todo))
        if not work:
            return
        self.result.checked += len(work)
        try:
            # Fast path: the whole batch in one transaction (a few statements, not a few per deadline).
            self.announce_batch(work)
            return
        except Exception:  # noqa: BLE001  the batch is rolled back as a whole; find the culprit below
            log.warning("一批期限提醒失败，改为逐个处理", exc_info=True)
        for row, todo in work:
            try:
                self.announce(row, todo)
            except Exception as exc:  # this deadline only: its transaction is rolled back
                log.exception("期限 %s（案件 %s）提醒失败", row.pk, row.number)
                self.result.errors.append(SweepError(deadline=row.pk, case=row.number, message=str(exc)))

    def announce_batch(self, work: list[tuple[Row, list[str]]]) -> None:
        """Announce the stages of a batch of deadlines in one transaction (all of them, or none)."""
        counts: dict[str, int] = {}
        skipped = 0
        with transaction.atomic():
            claim = Deadline.objects.filter(
                pk__in=[r.pk for r, _todo in work], met_at__isnull=True, cancelled=False
            )
            claim = (
                claim.select_for_update(skip_locked=True) if self.skip_locked else claim.select_for_update()
            )
            held = set(claim.values_list("pk", flat=True))
            # Read again under the locks: another sweep may have announced a stage meanwhile.
            sent: dict[int, set[str]] = {}
            for deadline_id, stage in DeadlineAlert.objects.filter(deadline_id__in=held).values_list(
                "deadline_id", "stage"
            ):
                sent.setdefault(deadline_id, set()).add(stage)
            alerts: list[DeadlineAlert] = []
            events: list[CaseEvent] = []
            digest = _Digest()
            for row, stages in work:
                if row.pk not in held:
                    skipped += 1  # met or cancelled since it was read, or another sweep holds it
                    continue
                for stage in stages:
                    if stage in sent.get(row.pk, ()):
                        continue
                    people = self.recipients(row, stage)
                    alerts.append(DeadlineAlert(deadline_id=row.pk, stage=stage, recipients=len(people)))
                    events.append(self._tell(row, stage, people, digest))
                    counts[stage] = counts.get(stage, 0) + 1
            DeadlineAlert.objects.bulk_create(alerts)
            CaseEvent.objects.bulk_create(events)
            transaction.on_commit(digest.send)
        self.result.skipped += skipped
        for stage, n in counts.items():
            self.result.counts[stage] += n

    def _load(self, rows: list[Row]) -> None:
        policies = {r.policy_id for r in rows} - set(self.rules)
        for pk, rules in DeadlinePolicy.objects.filter(pk__in=policies).values_list("pk", "rules"):
            self.rules[pk] = rules if isinstance(rules, dict) else {}
        schools = {r.school_id for r in rows} - set(self.schools)
        self.schools.update(Unit.objects.in_bulk(schools))
        users = {u for r in rows for u in (r.case_owner_id, r.measure_owner_id) if u} - set(self.users)
        self.users.update(User.objects.in_bulk(users))

    def announce(self, row: Row, stages: list[str]) -> None:
        """Announce the stages of one deadline in one transaction (all of them, or none)."""
        plans: list[tuple[str, list[User]]] = []
        try:
            with transaction.atomic():
                claim = Deadline.objects.filter(pk=row.pk, met_at__isnull=True, cancelled=False)
                claim = (
                    claim.select_for_update(skip_locked=True)
                    if self.skip_locked
                    else claim.select_for_update()
                )
                if not claim.values_list("pk", flat=True):
                    # Met or cancelled since it was read, or another sweep holds it right now.
                    self.result.skipped += 1
                    return
                # Read again under the lock: another sweep may have announced a stage meanwhile.
                sent = set(DeadlineAlert.objects.filter(deadline_id=row.pk).values_list("stage", flat=True))
                plans = [(stage, self.recipients(row, stage)) for stage in stages if stage not in sent]
                if not plans:
                    return
                DeadlineAlert.objects.bulk_create(
                    [
                        DeadlineAlert(deadline_id=row.pk, stage=stage, recipients=len(people))
                        for stage, people in plans
                    ]
                )
                digest = _Digest()
                CaseEvent.objects.bulk_create(
                    [self._tell(row, stage, people, digest) for stage, people in plans]
                )
                transaction.on_commit(digest.send)
        except IntegrityError:
            if not DeadlineAlert.objects.filter(deadline_id=row.pk, stage__in=stages).exists():
                raise
            # A concurrent sweep on a database without row locks announced it first.
            self.result.skipped += 1
            return
        for stage, _people in plans:
            self.result.counts[stage] += 1

    def _tell(self, row: Row, stage: str, people: list[User], digest: _Digest) -> CaseEvent:
        """Notify the people of one stage; the case-log entry that says so (not yet saved)."""
        words = self.words(row, stage)
        if people:
            digest.add(people, words["title"], reverse("cases:detail", args=[row.case_id]))
            notify(
                people,
                title=words["title"],
                body=words["body"],
                url=reverse("cases:detail", args=[row.case_id]),
                urgent=stage != AlertStage.REMIND,
                subject_key=f"deadline:{row.pk}:{stage}",
                # One e-mail per person per batch (the digest), not one per stage.
                email=False,
                # The alert row was inserted just now in this transaction: nobody was told yet.
                fresh=True,
            )
            title = words["log"]
            body = _("已通知：%(names)s") % {"names": "、".join(_name(p) for p in people)}
        else:
            log.warning("期限 %s（案件 %s）%s：无人可通知", row.pk, row.number, stage)
            title, body = words["nobody"], ""
        return CaseEvent(
            case_id=row.case_id,
            kind=EventKind.NOTIFICATION,
            at=self.now,
            title=title[:200],
            body=body,
            data={"deadline": row.pk, "stage": stage, "recipients": [p.pk for p in people]},
        )

    # --- who and what ----------------------------------------------------------------------

    def recipients(self, row: Row, stage: str) -> list[User]:
        school = self.schools[row.school_id]
        reexam = row.kind == DeadlineKind.REEXAMINATION
        if stage == AlertStage.PRINCIPAL:
            return self._people("city", school) if reexam else self._people("principals", school)
        if stage == AlertStage.BUREAU:
            return self._people("bureau", school)
        if reexam:
            return self._people("bureau", school)
        owner = self._owner(row)
        if owner is not None and owner.is_active:
            return [owner]
        # The one who must act has left: their school's leaders must see that it is due.
        return self._people("principals", school)

    def _owner(self, row: Row) -> User | None:
        pk = (
            row.measure_owner_id
            if row.kind == DeadlineKind.MEASURE and row.measure_owner_id
            else row.case_owner_id
        )
        return self.users.get(pk)

    def _people(self, which: str, school: Unit) -> list[User]:
        key = (which, school.pk)
        if key not in self.people:
            if which == "principals":
                found = principals(school)
            elif which == "city":
                found = bureau_people(school, (Role.CITY_ADMIN,))
            else:
                found = bureau_people(school)
            self.people[key] = found
        return self.people[key]

    def words(self, row: Row, stage: str) -> dict[str, str]:
        owner = self._owner(row)
        values = {
            "what": _what(row),
            "due": _short(row.due_on, self.today),
            "date": row.due_on.isoformat(),
            "number": row.number,
            "school": self.schools[row.school_id].name,
            "late": self.calendar.late(row.due_on) if self.today > row.due_on else 0,
            "owner": _name(owner) if owner is not None else "",
            "who": _who(row.kind, stage),
            "phrase": deadlines.due_phrase(row.due_on, self.today),
        }
        return {key: text % values for key, text in self.templates[stage].items()}


class _Digest:
    """The e-mails of one committed batch: one message per person listing everything due for them."""

    def __init__(self) -> None:
        self.items: dict[int, tuple[User, list[str]]] = {}

    def add(self, people: list[User], title: str, url: str) -> None:
        for person in people:
            if person.email:
                self.items.setdefault(person.pk, (person, []))[1].append(f"· {title}\n  {url}")

    def send(self) -> None:
        for person, lines in self.items.values():
            try:
                send_mail(
                    _("[安心校园] 案件期限提醒（%(n)s 条）") % {"n": len(lines)},
                    "\n".join(lines),
                    None,
                    [person.email],
                )
            except Exception:  # noqa: BLE001  a mail outage must not undo the reminders (they are in the app)
                log.exception("期限提醒邮件发送失败")


def _who(kind: str, stage: str) -> str:
    """Who is told at this stage, as the case log names them."""
    reexam = kind == DeadlineKind.REEXAMINATION
    if stage == AlertStage.PRINCIPAL:
        return _("市教育局") if reexam else _("校长")
    if stage == AlertStage.BUREAU or reexam:
        return _("教育局")
    return _("措施负责人") if kind == DeadlineKind.MEASURE else _("经办人")


def _templates(stage: str) -> dict[str, str]:
    """The notice's title and body, and the case-log line (with people told, or with nobody to tell)."""
    if stage == AlertStage.REMIND:
        return {
            "title": _("案件 %(number)s：%(what)s %(due)s 即将到期"),
            "body": _("%(school)s 案件 %(number)s 的%(what)s将于 %(date)s 届满（%(phrase)s），请按期办理。"),
            "log": _("%(what)s %(due)s 即将到期，已提醒%(who)s"),
            "nobody": _("%(what)s %(due)s 即将到期，应提醒%(who)s，但没有可通知的账号"),
        }
    if stage == AlertStage.OVERDUE:
        return {
            "title": _("案件 %(number)s：%(what)s %(due)s 已逾期"),
            "body": _("%(school)s 案件 %(number)s 的%(what)s已于 %(date)s 届满（%(phrase)s），请尽快办理。"),
            "log": _("%(what)s %(due)s 已逾期，已通知%(who)s"),
            "nobody": _("%(what)s %(due)s 已逾期，应通知%(who)s，但没有可通知的账号"),
        }
    return {
        "title": _("逾期上报：%(school)s 案件 %(number)s 的%(what)s已逾期"),
        "body": _(
            "%(school)s 案件 %(number)s 的%(what)s已于 %(date)s 届满，至今逾期 %(late)s 个工作日，"
            "尚未办结（负责人：%(owner)s）。请督促办理。"
        ),
        "log": _("%(what)s %(due)s 已逾期，已上报%(who)s"),
        "nobody": _("%(what)s %(due)s 已逾期，应上报%(who)s，但没有可通知的账号"),
    }


def _what(row: Row) -> str:
    if row.kind == DeadlineKind.MEASURE and row.measure_kind:
        return _("措施“%(measure)s”完成期限") % {"measure": MeasureKind(row.measure_kind).label}
    return str(DeadlineKind(row.kind).label)


def _short(day: date, today: date) -> str:
    return day.strftime("%m-%d") if day.year == today.year else day.isoformat()


def _name(user: User) -> str:
    return user.full_name or user.username


# --- deadlines that waited for a calendar --------------------------------------------------------


def _refill(now: datetime) -> int:
    """``deadlines.refill_unknown`` and a case-log line for each 暂定 deadline that got its final date."""
    finalised = deadlines.refill_unknown()
    for d in Deadline.objects.filter(pk__in=finalised).only("pk", "case_id", "kind", "due_on"):
        with transaction.atomic():
            # The row lock makes the check-then-write below once-only between concurrent sweeps.
            Deadline.objects.select_for_update().filter(pk=d.pk).values_list("pk", flat=True).first()
            if CaseEvent.objects.filter(
                case_id=d.case_id, kind=EventKind.DEADLINE, data__filled=d.pk
            ).exists():
                continue
            CaseEvent.objects.create(
                case_id=d.case_id,
                kind=EventKind.DEADLINE,
                at=now,
                title=(
                    _("%(what)s已确定：%(due)s（节假日安排已录入，不再是暂定日期）")
                    % {"what": DeadlineKind(d.kind).label, "due": d.due_on.isoformat()}
                )[:200],
                data={"filled": d.pk},
            )
    return len(finalised)


__all__ = ["SweepError", "SweepResult", "stages_due", "sweep"]
