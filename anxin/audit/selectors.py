from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from anxin.access.matrix import scoped
from anxin.access.roles import Role

from . import labels
from .models import AuditEvent


def events_visible(
    user: Any,
    *,
    action: str = "",
    actor: str = "",
    subject: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    qs = scoped(user, "audit", "view", AuditEvent.objects.all())
    if action:
        # The code (under each name it was written with) or a dotted prefix of it: case.viewed
        # finds the old case.opened, and neither finds case.opened_new.
        prefix = action if action.endswith(".") else action + "."
        qs = qs.filter(Q(action__in=labels.written_as(action.rstrip("."))) | Q(action__startswith=prefix))
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if subject:
        qs = qs.filter(Q(subject_label__icontains=subject) | Q(subject_id=subject))
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return qs.order_by("-at", "-seq")


def city_administrators() -> QuerySet[Any]:
    """Active city administrators: they receive the audit trail's checkpoints and alarms."""
    return (
        get_user_model()
        .objects.filter(is_active=True, assignments__role=Role.CITY_ADMIN, assignments__unit__is_active=True)
        .distinct()
    )
