"""Every read of supervision, already cut to the caller's reach (see permissions.school_q)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from anxin.access.matrix import reach
from anxin.access.roles import Role, UnitKind
from anxin.core.errors import NotFound
from anxin.core.params import parse_id
from anxin.org.models import Unit, User

from .models import (
    OPEN_AT_SCHOOL,
    InspectorAssignment,
    Interview,
    Notice,
    NoticeReceipt,
    Order,
    Visit,
    VisitPhoto,
)
from .permissions import INSPECTORS, INTERVIEW, NOTICE, ORDER, SCORECARD, VISIT, can_school, school_q


def schools_for(user: Any, resource: str = SCORECARD, action: str = "view") -> QuerySet[Unit]:
    """Active schools where the caller may take ``action`` on ``resource`` (inspectors: their own)."""
    return Unit.objects.filter(
        school_q(user, resource, action, school_field=""), kind=UnitKind.SCHOOL, is_active=True
    ).order_by("path")


def school_get(user: Any, school_id: Any, resource: str = SCORECARD, action: str = "view") -> Unit:
    pk = parse_id(school_id)
    school = Unit.objects.filter(pk=pk, kind=UnitKind.SCHOOL, is_active=True).first() if pk else None
    if school is None or not can_school(user, resource, action, school):
        raise NotFound()
    return school


def _get(user: Any, resource: str, qs: QuerySet[Any], pk: Any) -> Any:
    pk = parse_id(pk)
    obj = qs.filter(pk=pk).first() if pk is not None else None
    if obj is None or not can_school(user, resource, "view", obj.school):
        raise NotFound()
    return obj


# --- orders ---------------------------------------------------------------------------------------


def orders_visible(
    user: Any, *, status: str = "", school_id: int | None = None, overdue_on: date | None = None
) -> QuerySet[Order]:
    qs = Order.objects.filter(school_q(user, ORDER, "view")).select_related("school", "issued_by")
    if status:
        qs = qs.filter(status=status)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if overdue_on is not None:
        qs = qs.filter(status__in=OPEN_AT_SCHOOL, deadline__lt=overdue_on)
    return qs


def order_get(user: Any, order_id: Any) -> Order:
    return _get(user, ORDER, Order.objects.select_related("school", "issued_by", "visit"), order_id)


def open_orders_at_school(user: Any) -> QuerySet[Order]:
    """Orders waiting for a school the caller answers for (the principal's 工作台)."""
    r = reach(user, ORDER, "respond")
    if r.nothing:
        return Order.objects.none()
    return (
        orders_visible(user)
        .filter(school_q(user, ORDER, "respond"), status__in=OPEN_AT_SCHOOL)
        .order_by("deadline", "pk")
    )


def orders_to_check(user: Any) -> QuerySet[Order]:
    """Orders answered and waiting for the caller's check (the county administrator's 工作台)."""
    return (
        Order.objects.filter(school_q(user, ORDER, "check"), status="responded")
        .select_related("school")
        .order_by("responded_at", "pk")
    )


# --- visits ---------------------------------------------------------------------------------------


def visits_visible(user: Any, *, school_id: int | None = None) -> QuerySet[Visit]:
    qs = Visit.objects.filter(school_q(user, VISIT, "view")).select_related("school", "inspector")
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs.annotate(n_orders=Count("orders"))


def visit_get(user: Any, visit_id: Any) -> Visit:
    return _get(user, VISIT, Visit.objects.select_related("school", "inspector"), visit_id)


def visit_photo_get(user: Any, visit: Visit, photo_id: Any) -> VisitPhoto:
    pk = parse_id(photo_id)
    photo = VisitPhoto.objects.filter(visit=visit, pk=pk).first() if pk else None
    if photo is None:
        raise NotFound()
    return photo


# --- 约谈 -----------------------------------------------------------------------------------------


def interviews_visible(user: Any, *, school_id: int | None = None) -> QuerySet[Interview]:
    qs = Interview.objects.filter(school_q(user, INTERVIEW, "view")).select_related("school", "recorded_by")
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs


# --- 通报 -----------------------------------------------------------------------------------------


def _bureau_paths(user: Any) -> tuple[bool, tuple[str, ...]]:
    r = reach(user, NOTICE, "issue")
    return r.everything, r.paths


def notices_visible(user: Any) -> QuerySet[Notice]:
    """Bureaus: notices issued at or under their unit; schools: the notices sent to them."""
    everything, paths = _bureau_paths(user)
    q = Q(pk__in=[])
    if everything:
        q = Q()
    for p in paths:
        q |= Q(unit__path__startswith=p)
    schools = NoticeReceipt.objects.filter(school_q(user, NOTICE, "view")).values("notice_id")
    q |= Q(pk__in=schools)
    return (
        Notice.objects.filter(q)
        .select_related("unit", "issued_by")
        .annotate(
            n_schools=Count("receipts"), n_read=Count("receipts", filter=Q(receipts__read_at__isnull=False))
        )
    )


def notice_get(user: Any, notice_id: Any) -> Notice:
    pk = parse_id(notice_id)
    notice = notices_visible(user).filter(pk=pk).first() if pk else None
    if notice is None:
        raise NotFound()
    return notice


def is_issuer_side(user: Any, notice: Notice) -> bool:
    everything, paths = _bureau_paths(user)
    return everything or any(notice.unit.path.startswith(p) for p in paths)


def receipts_for(user: Any, notice: Notice) -> QuerySet[NoticeReceipt]:
    """The receipts the caller may see: every school's for the issuing side, their own school's else."""
    qs = notice.receipts.select_related("school", "read_by")
    if is_issuer_side(user, notice):
        return qs
    return qs.filter(school_q(user, NOTICE, "view"))


def receipt_get(user: Any, notice: Notice, receipt_id: Any) -> NoticeReceipt:
    pk = parse_id(receipt_id)
    receipt = receipts_for(user, notice).filter(pk=pk).first() if pk else None
    if receipt is None:
        raise NotFound()
    return receipt


def unread_receipts(user: Any) -> QuerySet[NoticeReceipt]:
    return (
        NoticeReceipt.objects.filter(school_q(user, NOTICE, "confirm"), read_at__isnull=True)
        .select_related("notice", "school")
        .order_by("-notice__issued_at")
    )


def bureau_units(user: Any, resource: str = NOTICE, action: str = "issue") -> list[Unit]:
    """Counties and cities where the caller may act as the bureau."""
    r = reach(user, resource, action)
    qs = Unit.objects.filter(kind__in=[UnitKind.CITY, UnitKind.COUNTY], is_active=True)
    if not r.everything:
        q = Q(pk__in=[])
        for p in r.paths:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return list(qs.order_by("path"))


# --- inspectors -----------------------------------------------------------------------------------


def assignments_visible(user: Any) -> QuerySet[InspectorAssignment]:
    return (
        InspectorAssignment.objects.filter(school_q(user, INSPECTORS, "view"))
        .select_related("school", "inspector")
        .order_by("school__path", "inspector__full_name")
    )


def assignment_get(user: Any, pk: Any) -> InspectorAssignment:
    return _get(user, INSPECTORS, InspectorAssignment.objects.select_related("school", "inspector"), pk)


def inspectors_for(user: Any) -> QuerySet[User]:
    """Inspectors held on a unit the caller manages (or above it, for a city's inspectors)."""
    units = bureau_units(user, INSPECTORS, "manage")
    if not units:
        return User.objects.none()
    q = Q(pk__in=[])
    for u in units:
        q |= Q(assignments__unit__path__startswith=u.path)
    return (
        User.objects.filter(q, is_active=True, assignments__role=Role.INSPECTOR)
        .distinct()
        .order_by("full_name")
    )
