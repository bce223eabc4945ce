"""Reads of warnings, already cut to the caller's reach, and the per-school risk view."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import _assignments, access, can, can_at, reach, scoped
from anxin.org.models import Role, Student, Unit, UnitKind

from .models import LIVE, Rule, SubjectType, Warning

RESOURCE = "ledger_warning"
BUREAU_ROLES = {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.INSPECTOR}


def warnings_visible(user: Any, *, status: str = "live", mine: bool = False) -> QuerySet[Warning]:
    qs = scoped(user, RESOURCE, "view", Warning.objects.select_related("school", "responsible"))
    if status == "live":
        qs = qs.filter(status__in=LIVE)
    elif status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(Q(responsible=user) | Q(addressed=user)).distinct()
    return qs.order_by("status", "-severity", "-last_seen", "-pk")


def warning_get(user: Any, pk: Any) -> Warning:
    return access(user, RESOURCE, "view", Warning.objects.select_related("school", "responsible"), pk)


def counts_only(user: Any) -> bool:
    """Bureau staff: warnings reach them as numbers per school, never as children."""
    if getattr(user, "is_superuser", False):
        return False
    roles = {role for role, _ in _assignments(user)}
    return bool(roles) and roles <= BUREAU_ROLES


@dataclass
class SchoolCount:
    school_id: int
    school_name: str
    by_rule: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_rule.values())


def school_counts(user: Any) -> list[SchoolCount]:
    """Live warnings per school and rule, for the bureau."""
    rows: dict[int, SchoolCount] = {}
    for school_id, name, rule, n in (
        warnings_visible(user)
        .order_by()
        .values_list("school_id", "school__name", "rule")
        .annotate(n=Count("pk"))
        .order_by("school__path", "rule")
    ):
        rows.setdefault(school_id, SchoolCount(school_id, name, {})).by_rule[rule] = n
    return list(rows.values())


def subject_names(user: Any, warnings: list[Warning]) -> dict[int, str]:
    """The full name of each student subject the caller may see; others keep the masked label."""
    ids = {w.subject_id for w in warnings if w.subject_type == SubjectType.STUDENT}
    if not ids or counts_only(user):
        return {}
    students = {
        s.pk: s
        for s in scoped(
            user, "student", "view", Student.objects.filter(pk__in=ids).select_related("klass__parent")
        )
    }
    out = {}
    for w in warnings:
        s = students.get(w.subject_id) if w.subject_type == SubjectType.STUDENT else None
        if s is not None:
            out[w.pk] = f"{s.name} · {s.klass.display_name}"
    return out


def open_for(user: Any, limit: int = 10) -> list[Warning]:
    """The warnings waiting for this person: the 工作台 panel."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Warning.objects.filter(Q(responsible=user) | Q(addressed=user), status__in=LIVE)
        .distinct()
        .select_related("school")
        .order_by("status", "-severity", "-last_seen")[:limit]
    )


# --- the per-school risk view -----------------------------------------------------------------------


def schools_for(user: Any) -> QuerySet[Unit]:
    """Schools whose risk view the caller may open: whole-school or bureau reach, not OWN."""
    r = reach(user, RESOURCE, "view")
    qs = Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True).order_by("path")
    if r.everything:
        return qs
    q = Q(pk__in=[])
    for p in r.paths:
        q |= Q(path__startswith=p)
    return qs.filter(q)


def may_see_risk(user: Any, school: Unit) -> bool:
    return can_at(user, RESOURCE, "view", school.path)


#: Key-place kinds (hazard grid) folded onto the places a report names, for one heat grid.
PLACE_OF_KIND = {
    "toilet": "toilet",
    "dormitory": "dormitory",
    "canteen": "canteen",
    "corridor": "corridor",
    "stairs": "corridor",
    "evening_class": "classroom",
    "surroundings": "gate",
    "rooftop": "other",
    "storeroom": "other",
    "other": "other",
}
SCREENING_BAND = "screening"


@dataclass
class RiskView:
    school: Unit
    since: date
    places: list[tuple[str, str]]
    bands: list[tuple[str, str]]
    grid: list[tuple[str, str, list[tuple[int, str]]]]
    peak: int
    watch_students: int
    overdue_hazards: int
    overdue_plans: int
    urgent_waiting: int
    live_by_rule: list[tuple[str, int]]


def _shade(n: int, peak: int) -> str:
    if n == 0:
        return ""
    level = min(4, 1 + (4 * n - 1) // max(peak, 1))
    return f"heat-{level}"


def risk_view(school: Unit, today: date, *, days: int = 90) -> RiskView:
    """Counts only (no names): where and when trouble clusters, and what is overdue."""
    from anxin.intake.models import Place, Report, Status, TimeBand
    from anxin.ledgers.care.selectors import overdue_care_plans, watch_students
    from anxin.ledgers.hazards.models import Hazard, Screening, ScreeningResult
    from anxin.ledgers.hazards.selectors import overdue_hazards

    since = today - timedelta(days=days - 1)
    since_at = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    cells: Counter[tuple[str, str]] = Counter()
    for place, band in (
        Report.objects.filter(school=school, created_at__gte=since_at)
        .exclude(status=Status.MERGED)
        .values_list("place", "time_band")
    ):
        cells[(place, band)] += 1
    for kind in Hazard.objects.filter(
        school=school, place__isnull=False, recorded_at__gte=since_at, screening__isnull=True
    ).values_list("place__kind", flat=True):
        cells[(PLACE_OF_KIND.get(kind, "other"), SCREENING_BAND)] += 1
    for kind in Screening.objects.filter(
        school=school, result=ScreeningResult.FOUND, screened_on__gte=since
    ).values_list("place__kind", flat=True):
        cells[(PLACE_OF_KIND.get(kind, "other"), SCREENING_BAND)] += 1
    places = [(str(v), str(label)) for v, label in Place.choices]
    bands = [(str(v), str(label)) for v, label in TimeBand.choices] + [(SCREENING_BAND, "排查/隐患")]
    peak = max(cells.values(), default=0)
    grid = [
        (p, label, [(cells[(p, b)], _shade(cells[(p, b)], peak)) for b, _ in bands]) for p, label in places
    ]
    live = Counter(Warning.objects.filter(school=school, status__in=LIVE).values_list("rule", flat=True))
    from anxin.intake.models import Report as R

    return RiskView(
        school=school,
        since=since,
        places=places,
        bands=bands,
        grid=grid,
        peak=peak,
        watch_students=watch_students(school, since=today - timedelta(days=60)).count(),
        overdue_hazards=overdue_hazards(school, today).count(),
        overdue_plans=overdue_care_plans(school, today).count(),
        urgent_waiting=R.objects.filter(school=school, urgent=True, acknowledged_at__isnull=True)
        .exclude(status__in=("closed", "merged"))
        .count(),
        live_by_rule=[(str(Rule(r).label), n) for r, n in live.most_common()],
    )


# --- what a reminder's page offers ------------------------------------------------------------------


@dataclass
class ReminderStep:
    """A button (``post``: a form posting to ``url``) or a link that does the reminder's duty."""

    label: str
    url: str
    post: bool = False


def reminder_steps(user: Any, warning: Warning) -> list[ReminderStep]:
    """The 销假 of each pass, the link to each talk to follow up, for those who may do them."""
    from django.urls import reverse

    from anxin.ledgers.care.models import Talk
    from anxin.ledgers.gate.models import LeavePass

    if not warning.live:
        return []
    ids: dict[str, list[int]] = {"leave": [], "talk": []}
    for key in warning.evidence or []:
        kind, _sep, rest = str(key).partition(":")
        if kind in ids and rest.isdigit():
            ids[kind].append(int(rest))
    steps = []
    if warning.rule == Rule.LEAVE_UNRETURNED and ids["leave"]:
        for leave in LeavePass.objects.filter(pk__in=ids["leave"], returned_at__isnull=True).select_related(
            "student__klass"
        ):
            if can(user, "ledger_gate_leave", "return", leave):
                ends = timezone.localtime(leave.ends_at)
                steps.append(
                    ReminderStep(
                        _("销假（请假至 %(at)s）") % {"at": f"{ends:%m-%d %H:%M}"},
                        reverse("ledgers:gate_leave_return", args=[leave.pk]),
                        post=True,
                    )
                )
    if warning.rule == Rule.TALK_FOLLOW_UP and ids["talk"]:
        for talk in Talk.objects.filter(pk__in=ids["talk"]).select_related("student__klass"):
            if can(user, "ledger_talk", "view", talk):
                steps.append(
                    ReminderStep(
                        _("打开 %(day)s 的谈话记录") % {"day": f"{talk.talked_on:%m-%d}"},
                        reverse("ledgers:care_talk", args=[talk.pk]),
                    )
                )
    return steps
