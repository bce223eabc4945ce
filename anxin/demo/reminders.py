"""The reminders and the alarm device in the demo city (issue #14 parts 3 and 4), so that the 工作台 and
the deliveries page have something to show.

The ledgers' history is settled first as the running platform would have left it: every leave pass
that has ended was 销假 by its class teacher a little before its end, and the follow-ups of past
talks were made. Then, at the second showcase school (城关第二中学): one patrol point that missed a
round of its last school day (its duty staff warned, then the safety officer), one talk whose
follow-up is due today (its author warned), one pupil not back from leave (the class teacher and
the gate warned), and a toilet's 一键报警 button that went off as the demo was loaded, acknowledged by
a school leader, with the messages that went out to the duty chain.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core.models import ChannelKind, Delivery, DeliveryStatus, Notification
from anxin.core.notify import absolute
from anxin.demo.ledgers import SHOWCASE, at_local, written_at
from anxin.intake.devices import device_alarm, device_register, sign
from anxin.intake.escalation import external_text
from anxin.intake.models import Device, Place
from anxin.intake.services import report_acknowledge
from anxin.ledgers.care.models import Talk
from anxin.ledgers.care.services import talk_record
from anxin.ledgers.gate.models import LeavePass
from anxin.ledgers.gate.services import leave_approve, leave_return
from anxin.ledgers.patrol.models import Frequency, PatrolPoint
from anxin.ledgers.patrol.selectors import last_period
from anxin.ledgers.patrol.services import patrol_checkin_record, patrol_point_create
from anxin.org.models import Role, RoleAssignment, Student, Unit, UnitKind, User
from anxin.warnings.models import REMINDERS, Warning
from anxin.warnings.services import evaluate

DEVICE_LABEL = "教学楼二楼女厕一键报警按钮"


def _person(school: Unit, *roles: str) -> User | None:
    for role in roles:
        found = (
            RoleAssignment.objects.filter(unit=school, role=role, user__is_active=True)
            .order_by("pk")
            .select_related("user")
            .first()
        )
        if found is not None:
            return found.user
    return None


def _settle_history(now: Any) -> int:
    """Passes that ended were returned, follow-ups that fell due were made (before 销假 existed)."""
    settled = 0
    for leave in LeavePass.objects.filter(returned_at__isnull=True, ends_at__lt=now).select_related(
        "recorded_by"
    ):
        back = max(leave.starts_at + timedelta(minutes=5), leave.ends_at - timedelta(minutes=30))
        leave_return(actor=leave.recorded_by, leave_id=leave.pk, at=back)
        settled += 1
    Talk.objects.filter(follow_up=True, followed_up_at__isnull=True, follow_up_on__lte=now.date()).update(
        followed_up_at=now
    )
    # The demo's first evaluation (anxin.demo.ledgers) saw that history unsettled: its reminders go.
    stale = list(Warning.objects.filter(rule__in=REMINDERS).values_list("pk", flat=True))
    Notification.objects.filter(subject_key__in=[f"warning:{pk}" for pk in stale]).delete()
    Warning.objects.filter(pk__in=stale).delete()
    return settled


def _overdue_point(school: Unit, now: Any) -> None:
    officer = _person(school, Role.SAFETY_OFFICER, Role.PRINCIPAL)
    walker = _person(school, Role.DUTY_STAFF, Role.SAFETY_OFFICER)
    period = last_period(Frequency.DAY, now, 7)
    if officer is None or walker is None or period is None:
        return
    _day, start, _end = period
    point = patrol_point_create(
        actor=officer,
        school=school,
        name=_("实验楼三楼东侧厕所"),
        place_type="toilet",
        building=_("实验楼"),
        floor="3",
        frequency=Frequency.DAY,
        rounds=2,
        responsible=walker,
    )
    # Set up a month ago (a point is not held to a period it was set up in); one round of two done.
    PatrolPoint.objects.filter(pk=point.pk).update(created_at=start - timedelta(days=30))
    with written_at(start + timedelta(hours=9, minutes=20)):
        patrol_checkin_record(actor=walker, token=point.token, client_key=None, finding="")


def _follow_up_due(school: Unit, now: Any) -> None:
    klass = Unit.objects.filter(school=school, kind=UnitKind.CLASS, is_active=True).order_by("path").first()
    teacher = _person(klass, Role.CLASS_TEACHER) if klass else None
    pupil = Student.objects.filter(klass=klass, is_active=True).order_by("student_no").first()
    if teacher is None or pupil is None:
        return
    talked_on = now.date() - timedelta(days=7)
    with written_at(at_local(talked_on, 12, 20)):
        talk_record(
            actor=teacher,
            student=pupil,
            talked_on=talked_on,
            topic="peers",
            content=_("说最近午饭时总被同桌挤到一边，心里难受；约好一周后再聊。"),
            mood="low",
            peers="tense",
            follow_up=True,
            follow_up_on=now.date(),
        )


def _unreturned_leave(school: Unit, now: Any) -> None:
    klass = Unit.objects.filter(school=school, kind=UnitKind.CLASS, is_active=True).order_by("-path").first()
    teacher = _person(klass, Role.CLASS_TEACHER) if klass else None
    pupil = Student.objects.filter(klass=klass, is_active=True).order_by("-student_no").first()
    if teacher is None or pupil is None:
        return
    starts = now - timedelta(hours=5)
    with written_at(starts - timedelta(minutes=20)):
        leave_approve(
            actor=teacher,
            student_id=pupil.pk,
            starts_at=starts,
            ends_at=now - timedelta(hours=1, minutes=30),
            reason=_("回家取药（家长来接）"),
            client_key=None,
        )


def _alarm(school: Unit, now: Any) -> None:
    device, secret = device_register(actor=None, school=school, place=Place.TOILET, label=DEVICE_LABEL)
    body = json.dumps({"event": "button", "device": device.pk}).encode()
    stamp = str(int(now.timestamp()))
    report = device_alarm(
        device_id=device.pk, timestamp=stamp, signature=sign(secret, stamp, body), body=body
    )
    told = list(
        User.objects.filter(
            pk__in=Notification.objects.filter(subject_key__startswith=f"report:{report.pk}:urgent").values(
                "user_id"
            )
        ).order_by("pk")
    )
    # What the duty chain's phones received (a demo has no provider to call): sent, and one number
    # whose SMS the provider kept refusing until the platform gave up.
    text = external_text(school)
    url = absolute(reverse("intake:report", args=[report.pk]))
    rows = []
    for n, user in enumerate(told[:3]):
        kind = (ChannelKind.WECOM_APP, ChannelKind.SMS, ChannelKind.DINGTALK)[n]
        gave_up = kind == ChannelKind.SMS
        rows.append(
            Delivery(
                user=user,
                channel=kind,
                to=(user.phone or "13800000000") if kind == ChannelKind.SMS else f"demo-{user.pk}",
                text=text,
                url=url,
                urgent=True,
                subject_key=f"report:{report.pk}:urgent",
                status=DeliveryStatus.GAVE_UP if gave_up else DeliveryStatus.SENT,
                attempts=5 if gave_up else 1,
                last_error=_("短信平台返回 isv.BUSINESS_LIMIT_CONTROL：触发号码天级流控") if gave_up else "",
                sent_at=None if gave_up else now + timedelta(seconds=2),
            )
        )
    Delivery.objects.bulk_create(rows)
    leader = _person(school, Role.VICE_PRINCIPAL, Role.PRINCIPAL)
    if leader is not None:
        report_acknowledge(actor=leader, report=report)


def build(stdout: Any) -> None:
    school = Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True, name=SHOWCASE[1]).first()
    # Beside the demo ledgers only (``--no-ledgers`` leaves none), and once.
    if school is None or not LeavePass.objects.exists() or Device.objects.filter(label=DEVICE_LABEL).exists():
        return
    now = timezone.now()
    with transaction.atomic():
        queued = len(connection.run_on_commit)
        settled = _settle_history(now)
        _overdue_point(school, now)
        _follow_up_due(school, now)
        _unreturned_leave(school, now)
        _alarm(school, now)
        result = evaluate(school, now=now)
        # The alarm's e-mails, texts and channel messages queued for after the commit would go to
        # invented people (as in anxin.demo.ledgers).
        del connection.run_on_commit[queued:]
    stdout.write(
        _("演示提醒：补记销假 %(n)s 张；城关第二中学提醒 %(w)s 条，一键报警 1 次")
        % {"n": settled, "w": result.created}
    )
