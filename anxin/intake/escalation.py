"""An urgent report nobody acknowledges climbs the duty chain until somebody does.

Step 0 is the first alert (:func:`anxin.intake.services._announce`: the leader on duty and the
principal). ``ESCALATE_AFTER`` later without an acknowledgement, step 1 alerts the school's
leadership again (principal, vice principals); another ``ESCALATE_AFTER`` later, step 2 alerts the
county bureau (its administrators and inspectors). Each step is an ``Escalation`` row, unique per
(report, step), and an audit event: two workers running :func:`escalate_due` at once make each step
once, because the report row is locked and the unique constraint backs the lock up where the
database has no row locks (SQLite).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.services import audit_record
from anxin.core.notify import notify
from anxin.org.models import Role, RoleAssignment, Unit, UnitKind, User

from . import events
from .models import OPEN_STATUSES, Escalation, Report

ESCALATE_AFTER = timedelta(minutes=5)
#: Reports older than this are no longer chased (they are long on everyone's queue).
GIVE_UP_AFTER = timedelta(days=2)
LAST_STEP = 2


def _people(unit: Unit, roles: list[str]) -> list[User]:
    ids = RoleAssignment.objects.filter(unit=unit, role__in=roles, user__is_active=True).values("user")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _county(school: Unit) -> Unit | None:
    unit: Unit | None = school.parent
    while unit is not None and unit.kind != UnitKind.COUNTY:
        unit = unit.parent
    return unit


def chain_step(report: Report, step: int) -> list[User]:
    """Who step ``step`` of the duty chain alerts."""
    if step == 1:
        return _people(report.school, [Role.PRINCIPAL, Role.VICE_PRINCIPAL])
    county = _county(report.school)
    return _people(county, [Role.COUNTY_ADMIN, Role.INSPECTOR]) if county else []


def external_text(school: Unit) -> str:
    """What leaves the platform about an urgent report: the school's name and nothing of the matter."""
    return _("%(school)s有一条紧急举报待处理") % {"school": school.name}


def escalation_start(report: Report) -> None:
    """Record step 0 (call inside the transaction that alerts it)."""
    Escalation.objects.create(report=report, step=0, at=timezone.now())


def escalate_due(now: datetime | None = None) -> int:
    """Make every escalation step that is due; returns how many were made. Idempotent."""
    now = now or timezone.now()
    starts = (
        Escalation.objects.filter(
            step=0,
            at__lte=now - ESCALATE_AFTER,
            at__gte=now - GIVE_UP_AFTER,
            report__acknowledged_at__isnull=True,
            report__status__in=OPEN_STATUSES,
        )
        .select_related("report")
        .order_by("at")
    )
    made = 0
    for start in starts:
        due = min(int((now - start.at) / ESCALATE_AFTER), LAST_STEP)
        done = set(Escalation.objects.filter(report_id=start.report_id).values_list("step", flat=True))
        for step in range(1, due + 1):
            if step not in done and _escalate(start.report_id, step, now):
                made += 1
    return made


def _escalate(report_id: int, step: int, now: datetime) -> bool:
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("school").get(pk=report_id)
        if report.acknowledged_at is not None or report.status not in OPEN_STATUSES:
            return False
        if Escalation.objects.filter(report=report, step=step).exists():
            return False
        people = chain_step(report, step)
        try:
            with transaction.atomic():
                row = Escalation.objects.create(
                    report=report, step=step, at=now, notified=[u.pk for u in people]
                )
        except IntegrityError:  # another worker made this step first
            return False
        notify(
            people,
            title=_("紧急举报 %(minutes)d 分钟无人确认")
            % {"minutes": int((now - report.created_at).total_seconds() // 60)},
            body=_("%(school)s 的一份紧急报告仍无人确认收到，请立即查看并确认。")
            % {"school": report.school.name},
            url=reverse("intake:report", args=[report.pk]),
            urgent=True,
            subject_key=f"report:{report.pk}:urgent:{step}",
            email=True,
            sms=True,
            external=external_text(report.school),
        )
        audit_record(
            actor=None,
            action=events.REPORT_ESCALATED,
            unit=report.school,
            subject=report,
            after={"step": row.step, "notified": row.notified},
        )
    return True
