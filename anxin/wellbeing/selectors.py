"""Every read of 心理筛查, already cut to what the caller may see.

Answers and scores go through :func:`screening_read` and :func:`student_history`, which write a
read event to the audit trail (who read which pupil's answers, when).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from anxin.access.matrix import access, allowed, scoped
from anxin.audit.services import audit_record
from anxin.core.errors import NotFound
from anxin.org.models import Student, Unit, UnitKind
from anxin.org.selectors import input_id, schools_where

from . import events
from .instruments import PHQ_SELF_HARM_ITEM, SECONDARY_GRADES, instruments
from .models import LIVE, Round, RoundClass, Screening, ScreeningWarning
from .permissions import ROUND, SCREENING, WARNING, can_read_answers

# --- rounds ---------------------------------------------------------------------------------------


def can_view_rounds(user: Any) -> bool:
    return allowed(user, ROUND, "view")


def rounds_visible(user: Any) -> QuerySet[Round]:
    return scoped(user, ROUND, "view", Round.objects.select_related("school"))


def round_get(user: Any, pk: Any) -> Round:
    return access(user, ROUND, "view", Round.objects.select_related("school"), input_id(pk))


def round_class_get(user: Any, round_id: Any, class_id: Any, *, action: str = "view") -> RoundClass:
    rc = (
        RoundClass.objects.select_related("round", "round__school", "klass", "klass__parent")
        .filter(round_id=input_id(round_id) or 0, klass_id=input_id(class_id) or 0)
        .first()
    )
    if rc is None:
        raise NotFound()
    return access(user, ROUND, action, RoundClass.objects.select_related("round", "klass"), rc.pk)


def schools_for_open(user: Any) -> QuerySet[Unit]:
    return schools_where(user, ROUND, "open")


def secondary_classes(school: Unit) -> QuerySet[Unit]:
    return (
        Unit.objects.filter(
            kind=UnitKind.CLASS, school=school, is_active=True, parent__number__in=SECONDARY_GRADES
        )
        .select_related("parent")
        .order_by("path")
    )


@dataclass(frozen=True)
class ClassProgress:
    rc: RoundClass
    pupils: int
    issued: int
    answered: int


def round_progress(rnd: Round) -> list[ClassProgress]:
    """Per class: pupils, codes handed out, answers. Counts only: no answer, no score."""
    rows = list(rnd.classes.select_related("klass", "notice_by"))
    pupils = dict(
        Student.objects.filter(klass__in=[r.klass_id for r in rows], is_active=True)
        .values_list("klass")
        .annotate(n=Count("pk"))
    )
    inv = {
        path: (issued, answered)
        for path, issued, answered in rnd.invitations.values_list("unit_path")
        .annotate(issued=Count("pk"), answered=Count("pk", filter=Q(used_at__isnull=False)))
        .values_list("unit_path", "issued", "answered")
    }
    return [
        ClassProgress(
            rc=r,
            pupils=pupils.get(r.klass_id, 0),
            issued=inv.get(r.unit_path, (0, 0))[0],
            answered=inv.get(r.unit_path, (0, 0))[1],
        )
        for r in rows
    ]


def round_pupils(rnd: Round) -> dict[int, list[Student]]:
    """class id -> its active pupils, for choosing some of them on the code sheet."""
    out: dict[int, list[Student]] = {}
    for s in Student.objects.filter(klass__in=rnd.classes.values("klass"), is_active=True).order_by(
        "student_no"
    ):
        out.setdefault(s.klass_id, []).append(s)
    return out


# --- answers (psychology teacher only, audited) -----------------------------------------------------


def can_read(user: Any) -> bool:
    return allowed(user, SCREENING, "view")


def screenings_visible(user: Any, *, round_id: int | None = None, level: str = "") -> QuerySet[Screening]:
    qs = scoped(
        user, SCREENING, "view", Screening.objects.select_related("student", "student__klass", "round")
    )
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    if level:
        qs = qs.filter(level=level)
    return qs


def scores_listed(user: Any, *, unit: Unit, subject: Any, ids: list[int]) -> None:
    """Write that ``user`` was shown the scores of these screenings in a list (a round's page, the
    API's list, a warning with its scores): every sight of a score is in the audit trail."""
    if not ids:
        return
    with transaction.atomic():
        audit_record(
            actor=user,
            action=events.SCORES_LISTED,
            unit=unit,
            subject=subject,
            after={"screenings": sorted(ids)[:500], "count": len(ids)},
        )


def screening_read(user: Any, pk: Any) -> Screening:
    """One pupil's answers; the read is written to the audit trail."""
    screening: Screening = access(
        user,
        SCREENING,
        "view",
        Screening.objects.select_related("student", "student__klass", "round", "school"),
        input_id(pk),
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            action=events.ANSWERS_READ,
            unit=screening.student.klass,
            subject=screening,
            subject_label=screening.student.masked_name,
        )
    return screening


def answer_rows(screening: Screening) -> list[dict[str, Any]]:
    """For the psychology teacher's page: each instrument with its items and the answer given."""
    out = []
    answers: dict[str, list[int]] = screening.answers or {}
    for inst in instruments(screening.instrument_set):
        values = answers.get(inst.key, [])
        total = getattr(screening, inst.key)
        out.append(
            {
                "name": inst.name,
                "total": total,
                "max": inst.max_score,
                "band": inst.band(total),
                "items": [
                    {
                        "n": n + 1,
                        "text": text,
                        "value": values[n] if n < len(values) else None,
                        "flag": inst.key == "phq9"
                        and n + 1 == PHQ_SELF_HARM_ITEM
                        and bool(values[n : n + 1] and values[n]),
                    }
                    for n, text in enumerate(inst.items)
                ],
            }
        )
    return out


@dataclass(frozen=True)
class Change:
    first: Screening | None
    last: Screening | None

    @property
    def phq9(self) -> int | None:
        return (
            self.last.phq9 - self.first.phq9 if self.first and self.last and self.first != self.last else None
        )

    @property
    def gad7(self) -> int | None:
        return (
            self.last.gad7 - self.first.gad7 if self.first and self.last and self.first != self.last else None
        )


def change_between(screenings: list[Screening], start: date | None, end: date | None) -> Change:
    """The change from the first to the last screening answered in [start, end] (local dates)."""
    from django.utils import timezone

    inside = [
        s
        for s in screenings
        if (start is None or timezone.localdate(s.answered_at) >= start)
        and (end is None or timezone.localdate(s.answered_at) <= end)
    ]
    inside.sort(key=lambda s: (s.answered_at, s.pk))
    return Change(first=inside[0] if inside else None, last=inside[-1] if inside else None)


def student_history(
    user: Any, student_id: Any, *, start: date | None = None, end: date | None = None
) -> tuple[Student, list[Screening], Change]:
    """A pupil's screenings the caller may read, oldest first, and the change between two dates.

    404 unless the caller may read the answers at the pupil's class; the read is audited."""
    student = (
        Student.objects.select_related("klass", "klass__parent", "school")
        .filter(pk=input_id(student_id) or 0)
        .first()
    )
    if student is None or not can_read_answers(user, student.klass.path):
        raise NotFound()
    screenings = list(
        scoped(
            user, SCREENING, "view", Screening.objects.filter(student=student).select_related("round")
        ).order_by("answered_at", "pk")
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            action=events.CHANGE_READ,
            unit=student.klass,
            subject=student,
            subject_label=student.masked_name,
            after={"from": str(start or ""), "to": str(end or "")},
        )
    return student, screenings, change_between(screenings, start, end)


def case_change(user: Any, case: Any) -> list[dict[str, Any]]:
    """For a bullying case (anxin.cases, which this app may read but which does not know it): each
    target pupil of the case's school whose screenings the caller may read, with the last screening
    before the case was opened and the latest one since. Empty for anyone but the psychology
    teacher, and for targets never screened; the read is audited once per case page."""
    from django.utils import timezone

    if not allowed(user, SCREENING, "view"):  # everyone but the psychology teacher: no query at all
        return []
    targets = [
        p.student
        for p in case.parties.filter(role="target", student__isnull=False).select_related("student__klass")
        if p.student is not None and can_read_answers(user, p.student.klass.path)
    ]
    if not targets:
        return []
    screenings: dict[int, list[Screening]] = {}
    for s in Screening.objects.filter(student__in=targets).order_by("answered_at", "pk"):
        screenings.setdefault(s.student_id, []).append(s)
    rows = []
    for student in targets:
        mine = screenings.get(student.pk, [])
        if not mine:
            continue
        before = [s for s in mine if timezone.localdate(s.answered_at) < case.opened_on]
        after = [s for s in mine if timezone.localdate(s.answered_at) >= case.opened_on]
        first = before[-1] if before else None
        last = after[-1] if after else None
        rows.append(
            {
                "student": student,
                "before": first,
                "after": last,
                "phq9": last.phq9 - first.phq9 if first and last else None,
                "gad7": last.gad7 - first.gad7 if first and last else None,
            }
        )
    if rows:
        with transaction.atomic():
            audit_record(
                actor=user,
                action=events.CHANGE_READ,
                unit=case.school,
                subject=case,
                subject_label=case.number,
                after={"students": [r["student"].pk for r in rows]},
            )
    return rows


# --- warnings -------------------------------------------------------------------------------------


def warnings_visible(user: Any, *, live: bool | None = True) -> QuerySet[ScreeningWarning]:
    qs = scoped(
        user,
        WARNING,
        "view",
        ScreeningWarning.objects.select_related("student", "student__klass", "school", "screening"),
    )
    if live is True:
        qs = qs.filter(status__in=LIVE)
    elif live is False:
        qs = qs.exclude(status__in=LIVE)
    return qs


def open_for(user: Any) -> list[ScreeningWarning]:
    """The live warnings for a person's 工作台, urgent first."""
    if not allowed(user, WARNING, "view"):
        return []
    rows = list(warnings_visible(user)[:50])
    rows.sort(key=lambda w: (w.rank, -w.created_at.timestamp()))
    return rows[:10]


def warning_get(user: Any, pk: Any) -> ScreeningWarning:
    return access(
        user,
        WARNING,
        "view",
        ScreeningWarning.objects.select_related("student", "student__klass", "school", "screening"),
        input_id(pk),
    )
