"""Every read of reports, already cut to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils.translation import gettext as _

from anxin.access.matrix import access, scoped
from anxin.audit.models import AuditEvent
from anxin.audit.services import audit_record
from anxin.core.errors import NotFound
from anxin.core.models import Delivery
from anxin.org.models import RoleAssignment, Unit, UnitKind, User
from anxin.org.selectors import school_staff as org_school_staff
from anxin.org.selectors import schools_where

from . import events
from .models import OPEN_STATUSES, Report, Status


def box_school(code: Any) -> Unit:
    """The school whose 爱心信箱 a public page or API call addresses; NotFound in plain words."""
    if not isinstance(code, str) or not code or len(code) > 40:
        raise NotFound(_("没有找到这所学校，请检查二维码或链接。"))
    school = (
        Unit.objects.filter(code=code, kind=UnitKind.SCHOOL, is_active=True).select_related("profile").first()
    )
    if school is None:
        raise NotFound(_("没有找到这所学校，请检查二维码或链接。"))
    return school


def reports_visible(
    user: Any,
    *,
    school_id: int | None = None,
    status: str = "",
    urgent: bool | None = None,
    open_only: bool = False,
) -> QuerySet[Report]:
    """The intake queue: pinned (urgent, not yet acknowledged) first, then urgent, then the
    model's second tier nobody has looked at yet (可能紧急), then newest."""
    qs = scoped(user, "report", "view", Report.objects.select_related("school", "owner"))
    if school_id:
        qs = qs.filter(school_id=school_id)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if urgent is not None:
        qs = qs.filter(urgent=urgent)
    pinned = Case(
        When(urgent=True, acknowledged_at__isnull=True, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    review = Case(
        When(review=True, urgent=False, acknowledged_at__isnull=True, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    # Times are stored to the minute: the id keeps the order within one.
    return qs.annotate(is_pinned=pinned, is_review=review).order_by(
        "-is_pinned", "-urgent", "-is_review", "-created_at", "-pk"
    )


def report_get(user: Any, report_id: Any, *, action: str = "view") -> Report:
    return access(
        user, "report", action, Report.objects.select_related("school", "owner", "merged_into"), report_id
    )


def report_open(user: Any, report_id: Any) -> Report:
    """A report as a member of staff opens it: an audit event, like every read of a child's account."""
    report = report_get(user, report_id)
    audit_record(actor=user, action=events.REPORT_VIEWED, unit=report.school, subject=report)
    return report


def pinned_count(user: Any) -> int:
    return reports_visible(user).filter(urgent=True, acknowledged_at__isnull=True).count()


def record_schools(user: Any) -> QuerySet[Unit]:
    """Schools where the caller may record a report."""
    return schools_where(user, "report", "record")


def school_staff(school: Unit) -> QuerySet[User]:
    """Active people holding a role anywhere in the school: whom a report may be assigned to."""
    # Only the roles held in this school label the choice.
    return org_school_staff(school).prefetch_related(
        Prefetch("assignments", RoleAssignment.objects.filter(unit__path__startswith=school.path))
    )


def merge_candidates(report: Report) -> QuerySet[Report]:
    """Other reports of the same school a duplicate could be folded into, newest first."""
    statuses = (*OPEN_STATUSES, Status.ACCEPTED)
    return (
        Report.objects.filter(school_id=report.school_id, status__in=statuses)
        .exclude(pk=report.pk)
        .order_by("-created_at")
    )


def report_history(report: Report) -> tuple[list[AuditEvent], int, dict[int, str]]:
    """What happened to a report, from the audit trail: the changes in order, how many times it was
    opened (reads are only counted), and the names of the people it was assigned to."""
    trail = AuditEvent.objects.filter(subject_type="intake.report", subject_id=str(report.pk))
    views = trail.filter(action=events.REPORT_VIEWED).count()
    changes = list(trail.exclude(action=events.REPORT_VIEWED).order_by("at", "seq"))
    owner_ids = {e.after.get("owner") for e in changes if isinstance(e.after, dict) and e.after.get("owner")}
    for e in changes:  # the people each escalation step alerted
        if e.action == events.REPORT_ESCALATED and isinstance(e.after, dict):
            owner_ids.update(pk for pk in e.after.get("notified", []) if isinstance(pk, int))
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=owner_ids)}
    return changes, views, names


def report_deliveries(report: Report) -> list[Delivery]:
    """The outside messages an urgent report made, every step of the duty chain (caller may handle it)."""
    return list(
        Delivery.objects.filter(subject_key__startswith=f"report:{report.pk}:urgent")
        .select_related("user")
        .order_by("created_at", "pk")
    )
