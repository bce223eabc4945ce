"""Reads of the education ledgers, already cut to the caller's reach."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet

from anxin.access.matrix import allowed, can_at, scoped
from anxin.core.errors import NotFound
from anxin.core.params import parse_id
from anxin.ledgers.base import Completeness
from anxin.org.models import Unit, UnitKind
from anxin.org.selectors import schools_where

from .models import ClassMeeting, DocKind, Document, DocumentVersion, EduActivity, SafetySession
from .schooldays import RANK, DueSession, SessionKind, due_between, due_on, school_days_back, term_of

#: Anti-bullying class meetings each class must hold per term (DOMAIN.md §5).
MEETINGS_PER_TERM = 2


# --- classes -------------------------------------------------------------------------------------


def classes_for(user: Any, resource: str = "ledger_1530", action: str = "view") -> QuerySet[Unit]:
    """The active classes whose rows of ``resource`` the caller may reach with ``action``."""
    qs = Unit.objects.filter(kind=UnitKind.CLASS, is_active=True).select_related("parent", "school")
    return scoped(user, resource, action, qs, path_field="path").order_by("path")


def class_get(user: Any, class_id: Any, resource: str = "ledger_1530", action: str = "view") -> Unit:
    pk = parse_id(class_id)
    if pk is None:
        raise NotFound()
    unit = (
        Unit.objects.filter(pk=pk, kind=UnitKind.CLASS, is_active=True)
        .select_related("parent", "school")
        .first()
    )
    if unit is None or not can_at(user, resource, action, unit.path):
        raise NotFound()
    return unit


def schools_for(user: Any, resource: str, action: str) -> QuerySet[Unit]:
    return schools_where(user, resource, action)


# --- 1530 ----------------------------------------------------------------------------------------


def sessions_visible(
    user: Any, *, klass: Unit | None = None, start: date | None = None, end: date | None = None
) -> QuerySet[SafetySession]:
    qs = scoped(
        user, "ledger_1530", "view", SafetySession.objects.select_related("klass__parent", "recorded_by")
    )
    if klass is not None:
        qs = qs.filter(klass=klass)
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return qs


def covers(recorded_kind: str, due_kind: str) -> bool:
    """A recorded session fulfils what was due when it was at least as long."""
    if recorded_kind not in SessionKind.values:
        return False
    return RANK[SessionKind(recorded_kind)] >= RANK[SessionKind(due_kind)]


@dataclass
class DueRow:
    klass: Unit
    due: DueSession
    session: SafetySession | None

    @property
    def done(self) -> bool:
        return self.session is not None and covers(self.session.kind, self.due.kind)


def due_rows(classes: list[Unit], start: date, end: date) -> list[DueRow]:
    """Every session due for these classes in the period with what was recorded for it (unscoped:
    callers pass classes they may see)."""
    dues = due_between(start, end)
    recorded = {
        (s.klass_id, s.date): s
        for s in SafetySession.objects.filter(
            klass__in=classes, date__gte=start, date__lte=end
        ).select_related("recorded_by")
    }
    return [DueRow(k, d, recorded.get((k.pk, d.day))) for k in classes for d in dues]


def class_due(user: Any, klass: Unit, start: date, end: date) -> list[DueRow]:
    """One class's due calendar; ``klass`` must come from class_get."""
    return due_rows([klass], start, end)


def session_completeness(classes: list[Unit], start: date, end: date) -> Completeness:
    rows = due_rows(classes, start, end)
    return Completeness(due=len(rows), done=sum(1 for r in rows if r.done))


def today_due(today: date) -> DueSession | None:
    return due_on(today)


def classes_without_1530(school: Unit, days: int, today: date) -> QuerySet[Unit]:
    """The school's active classes with no 1530 record on any of the last ``days`` school days up to
    and including ``today``. For the early-warning engine and the bureau's dashboard: the caller
    has already decided it may look at this school."""
    window = school_days_back(today, days)
    classes = Unit.objects.filter(kind=UnitKind.CLASS, is_active=True, school=school).order_by("path")
    if not window:
        return classes.none()
    return classes.exclude(
        pk__in=SafetySession.objects.filter(school=school, date__gte=window[0], date__lte=window[-1]).values(
            "klass_id"
        )
    )


# --- class meetings ------------------------------------------------------------------------------


def meetings_visible(
    user: Any, *, klass: Unit | None = None, start: date | None = None, end: date | None = None
) -> QuerySet[ClassMeeting]:
    qs = scoped(
        user,
        "ledger_class_meeting",
        "view",
        ClassMeeting.objects.select_related("klass__parent", "recorded_by"),
    )
    if klass is not None:
        qs = qs.filter(klass=klass)
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return qs


@dataclass
class MeetingCount:
    klass: Unit
    count: int
    required: int = MEETINGS_PER_TERM

    @property
    def met(self) -> bool:
        return self.count >= self.required


def meeting_counts(user: Any, today: date) -> tuple[Any, list[MeetingCount]]:
    """Class meetings held this term per class the caller can see, against two."""
    term = term_of(today)
    classes = list(classes_for(user, "ledger_class_meeting"))
    counts = dict(
        ClassMeeting.objects.filter(klass__in=classes, date__gte=term.start, date__lte=term.end)
        .values("klass_id")
        .annotate(n=Count("id"))
        .values_list("klass_id", "n")
    )
    return term, [MeetingCount(k, counts.get(k.pk, 0)) for k in classes]


def meeting_completeness(rows: list[MeetingCount]) -> Completeness:
    return Completeness(due=len(rows) * MEETINGS_PER_TERM, done=sum(min(r.count, r.required) for r in rows))


# --- activities ----------------------------------------------------------------------------------


def activities_visible(
    user: Any, *, type: str = "", start: date | None = None, end: date | None = None
) -> QuerySet[EduActivity]:
    qs = scoped(
        user, "ledger_edu_activity", "view", EduActivity.objects.select_related("school", "recorded_by")
    )
    if type:
        qs = qs.filter(type=type)
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return qs


# --- documents -----------------------------------------------------------------------------------


@dataclass
class DocView:
    kind: str
    label: str
    school: Unit
    document: Document | None
    versions: list[DocumentVersion] = field(default_factory=list)

    @property
    def current(self) -> DocumentVersion | None:
        return self.versions[0] if self.versions else None


def documents_for(user: Any, school: Unit) -> list[DocView]:
    """The three documents of one school the caller may read (NotFound otherwise)."""
    if not can_at(user, "ledger_edu_document", "view", school.path):
        raise NotFound()
    docs = {d.kind: d for d in Document.objects.filter(school=school)}
    out = []
    for kind, label in DocKind.choices:
        doc = docs.get(kind)
        versions = list(doc.versions.select_related("author").order_by("-number")) if doc else []
        out.append(DocView(kind, str(label), school, doc, versions))
    return out


def document_get(user: Any, school: Unit, kind: str) -> DocView:
    if kind not in DocKind.values:
        raise NotFound()
    return next(d for d in documents_for(user, school) if d.kind == kind)


def school_get(user: Any, school_id: Any, resource: str, action: str = "view") -> Unit:
    pk = parse_id(school_id)
    if pk is None:
        raise NotFound()
    unit = Unit.objects.filter(pk=pk, kind=UnitKind.SCHOOL, is_active=True).first()
    if unit is None or not can_at(user, resource, action, unit.path):
        raise NotFound()
    return unit


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """A line diff for the page: (op, text) with op one of ' ', '+', '-'."""
    out = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        op = line[:1]
        if op in (" ", "+", "-"):
            out.append((op, line[2:]))
    return out


def can_edit_documents(user: Any) -> bool:
    return allowed(user, "ledger_edu_document", "manage")
