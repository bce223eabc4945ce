"""Every write of the 舆情 register: registering an event, recording a step, the overdue sweep.

Each is one transaction with its audit event; the county hears of an overdue event once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import require, require_at
from anxin.audit.services import audit_record
from anxin.cases.selectors import bureau_people
from anxin.core.errors import Conflict, Invalid
from anxin.core.notify import notify
from anxin.org.models import Unit, User

from . import events
from .errors import OpinionError
from .models import (
    FIRST_RESPONSE_STEPS,
    STATUS_AFTER,
    Heat,
    OpinionEvent,
    OpinionStep,
    Source,
    Status,
    StepKind,
)
from .selectors import case_by_number, schools_for

SUMMARY_MAX = 2000
NOTE_MAX = 2000
LINK_MAX = 500
#: Clocks of phones and servers differ a little: a time this far ahead is still taken as now.
CLOCK_SKEW = timedelta(minutes=5)
RESOURCE = "opinion"

_url = URLValidator(schemes=["http", "https"])


def _clean_link(link: str) -> str:
    link = (link or "").strip()
    if not link:
        return ""
    if len(link) > LINK_MAX:
        raise Invalid(_("链接不能超过 %(n)s 个字符。") % {"n": LINK_MAX}, code=OpinionError.BAD_LINK)
    try:
        _url(link)
    except ValidationError:
        raise Invalid(
            _("链接格式不正确，请填写以 http:// 或 https:// 开头的网址。"), code=OpinionError.BAD_LINK
        ) from None
    return link


def _clean_time(value: datetime | None, now: datetime, *, what: str) -> datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise Invalid(_("%(what)s不能晚于现在。") % {"what": what}, code=OpinionError.TIME_OUT_OF_RANGE)
    return value


def opinion_create(
    *,
    actor: User,
    school: Unit | int | None,
    source: str,
    link: str,
    first_seen: datetime | None,
    summary: str,
    heat: str = Heat.NORMAL,
    case_number: str = "",
) -> OpinionEvent:
    """Register an event at a school in the caller's reach, optionally linked to one of its cases."""
    now = timezone.now()
    school_id = school.pk if isinstance(school, Unit) else school
    found = schools_for(actor).filter(pk=school_id).first() if isinstance(school_id, int) else None
    if found is None:
        raise Invalid(_("请选择您管辖范围内的学校。"), code=OpinionError.SCHOOL_NOT_ALLOWED)
    if source not in Source.values:
        raise Invalid(_("请选择舆情来源。"), code=OpinionError.UNKNOWN_SOURCE)
    if heat not in Heat.values:
        raise Invalid(_("请选择热度。"), code=OpinionError.UNKNOWN_HEAT)
    link = _clean_link(link)
    seen = _clean_time(first_seen, now, what=_("首次发现时间"))
    summary = (summary or "").strip()
    if not summary:
        raise Invalid(_("请填写内容摘要。"), code=OpinionError.SUMMARY_REQUIRED)
    if len(summary) > SUMMARY_MAX:
        raise Invalid(
            _("内容摘要不能超过 %(n)s 个字。") % {"n": SUMMARY_MAX}, code=OpinionError.SUMMARY_REQUIRED
        )
    case = None
    if case_number.strip():
        case = case_by_number(actor, case_number)
        if case is None:
            raise Invalid(_("未找到该案件编号，或您无权查看。"), code=OpinionError.CASE_NOT_FOUND)
        if case.school_id != found.pk:
            raise Invalid(_("关联案件不属于所选学校。"), code=OpinionError.CASE_SCHOOL_MISMATCH)
    require_at(actor, RESOURCE, "change", found.path)
    with transaction.atomic():
        event = OpinionEvent.objects.create(
            school=found,
            unit_path=found.path,
            case=case,
            source=source,
            link=link,
            first_seen=seen,
            summary=summary,
            heat=heat,
            respond_by=OpinionEvent.deadline_for(seen),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=events.OPINION_CREATED,
            unit=found,
            subject=event,
            after={
                "source": source,
                "heat": heat,
                "first_seen": seen.isoformat(),
                "case": case.number if case else "",
                "link": link,
            },
        )
    return event


def opinion_step_add(
    *, actor: User, event: OpinionEvent, kind: str, note: str, at: datetime | None = None
) -> OpinionStep:
    """Record one step of the response; the first 回应 or 处置完毕 stops the 24-hour clock."""
    require(actor, RESOURCE, "change", event)
    if kind not in StepKind.values:
        raise Invalid(_("请选择处置环节。"), code=OpinionError.UNKNOWN_STEP)
    note = (note or "").strip()
    if not note:
        raise Invalid(_("请填写情况说明。"), code=OpinionError.STEP_NOTE_REQUIRED)
    if len(note) > NOTE_MAX:
        raise Invalid(
            _("情况说明不能超过 %(n)s 个字。") % {"n": NOTE_MAX}, code=OpinionError.STEP_NOTE_REQUIRED
        )
    now = timezone.now()
    when = _clean_time(at, now, what=_("处置时间"))
    with transaction.atomic():
        locked = OpinionEvent.objects.select_for_update().get(pk=event.pk)
        if locked.closed:
            raise Conflict(_("该舆情已处置完毕，不能再记录。"), code=OpinionError.OPINION_CLOSED)
        if when < locked.first_seen:
            raise Invalid(_("处置时间不能早于首次发现时间。"), code=OpinionError.TIME_OUT_OF_RANGE)
        step = OpinionStep.objects.create(event=locked, kind=kind, note=note, at=when, recorded_by=actor)
        before = {"status": locked.status}
        locked.status = STATUS_AFTER[kind]
        fields = ["status"]
        if kind in FIRST_RESPONSE_STEPS and locked.first_response_at is None:
            locked.first_response_at = when
            fields.append("first_response_at")
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=events.OPINION_STEP_ADDED,
            unit=locked.school,
            subject=locked,
            before=before,
            after={"status": locked.status, "step": kind, "at": when.isoformat()},
        )
    event.refresh_from_db()
    return step


def overdue_sweep(now: datetime | None = None) -> int:
    """Tell the county (the city when it has nobody) of each event past 24 hours without a first
    response, once: the event is claimed with a conditional update, and the notice has a subject key."""
    now = now or timezone.now()
    told = 0
    due = OpinionEvent.objects.filter(
        first_response_at__isnull=True, overdue_notified_at__isnull=True, respond_by__lt=now
    ).exclude(status=Status.CLOSED)
    for pk in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            claimed = OpinionEvent.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            )
            if claimed != 1:
                continue
            event = OpinionEvent.objects.select_related("school").get(pk=pk)
            hours = int((now - event.respond_by).total_seconds() // 3600)
            notify(
                bureau_people(event.school),
                title=_("舆情超过24小时未回应：%(school)s") % {"school": event.school.name},
                body=_("%(source)s · 首次发现 %(seen)s，已超时 %(n)s 小时。")
                % {
                    "source": event.get_source_display(),
                    "seen": timezone.localtime(event.first_seen).strftime("%Y-%m-%d %H:%M"),
                    "n": hours,
                },
                url=reverse("oversight_opinion:detail", args=[event.pk]),
                urgent=True,
                subject_key=f"opinion_overdue:{event.pk}",
            )
            audit_record(
                actor=None,
                action=events.OPINION_OVERDUE_NOTIFIED,
                unit=event.school,
                subject=event,
                after={"respond_by": event.respond_by.isoformat()},
            )
        told += 1
    return told


def parse_local(value: Any) -> datetime | None:
    """A ``datetime-local`` input (Asia/Shanghai) as an aware datetime; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    from django.utils.dateparse import parse_datetime

    try:
        parsed = parse_datetime(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid(_("时间格式不正确。"), code=OpinionError.TIME_OUT_OF_RANGE)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
